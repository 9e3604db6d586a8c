/**
 * The daemon as a test starts it: `iscsiscope daemon ...` as a child process, resolved once
 * it says it is listening; reaped when the test process exits. And `until`, for waiting on
 * what a daemon does in its own time.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { reapOnExit } from "../../src/cli/peers/reaper.js";
import { BINS, coverageEnv } from "./cli.js";

/**
 * @example
 * const d = await startDaemon(["--config", file]);
 * try { ... } finally { d.proc.kill("SIGTERM"); }
 */
export async function startDaemon(args: string[]): Promise<{ proc: ChildProcess; log: () => string }> {
  const proc = spawn(process.execPath, [BINS.iscsiscope, "daemon", ...args], { env: { ...process.env, ...coverageEnv() }, stdio: ["ignore", "ignore", "pipe"] });
  reapOnExit(proc);
  let log = "";
  proc.stderr!.on("data", (d: Buffer) => { log += d.toString(); });
  const deadline = Date.now() + 15_000;
  while (!/listening on/.test(log)) {
    if (proc.exitCode !== null || Date.now() > deadline) throw new Error(`the daemon did not start:\n${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { proc, log: () => log };
}

/** Poll `cond` every 100 ms until it holds; throws naming `what` after `ms`. */
export async function until(what: string, cond: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
