/**
 * The safety net under every peer the harness starts (tgtd, tcpdump): if this test process
 * ends abnormally — an uncaught exception or unhandled rejection (Node then exits, and the
 * `exit` event still runs), `process.exit()` from a test runner, or SIGINT/SIGTERM/SIGHUP —
 * every child still registered is sent SIGKILL, by pid. Children are unregistered as soon as
 * they exit, so a pid is never signalled after it could have been reused.
 *
 * What it cannot cover: SIGKILL of this process itself (no handler runs). The normal path is
 * still the handle's `stop()` in a `finally` or `t.after()`; this is only the net.
 */
import type { ChildProcess } from "node:child_process";

/** Live children and what to do, synchronously, once each is killed (remove its temp dir). */
const live = new Map<number, (() => void) | undefined>();
let installed = false;

/**
 * Register `child` so that it is SIGKILLed if this process exits or is signalled while the
 * child is still running; `cleanup` (synchronous: it runs in the `exit` event) then removes
 * what the child leaves behind.
 *
 * @example
 * const child = spawn("tgtd", args);
 * reapOnExit(child, () => rmSync(dir, { recursive: true, force: true }));
 */
export function reapOnExit(child: ChildProcess, cleanup?: () => void): void {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  install();
  live.set(pid, cleanup);
  child.once("exit", () => live.delete(pid));
}

function killAll(): void {
  for (const [pid, cleanup] of live) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // Already gone (ESRCH): nothing to kill.
    }
    try {
      cleanup?.();
    } catch {
      // Best effort while exiting: a leftover temp file must not hide the real failure.
    }
  }
  live.clear();
}

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    const onSignal = (): void => {
      killAll();
      // Alone on this signal we replaced Node's default (die); restore it and re-raise.
      // With other listeners (the test runner's), they decide how the process ends.
      if (process.listenerCount(signal) === 1) {
        process.off(signal, onSignal);
        process.kill(process.pid, signal);
      }
    };
    process.on(signal, onSignal);
  }
}

/**
 * Send `signal` to `child` (unless it has exited), SIGKILL it if it is still running after
 * `graceMs`, and resolve once its exit has been seen (so its pid is reaped, not a zombie).
 *
 * @example
 * await killAndWait(tcpdump, "SIGINT", 5000);
 */
export function killAndWait(child: ChildProcess, signal: NodeJS.Signals = "SIGKILL", graceMs = 5000): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = signal === "SIGKILL" ? undefined : setTimeout(() => child.kill("SIGKILL"), graceMs);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill(signal);
  });
}
