/**
 * Run a peer's command-line tool to completion and collect its output: the one place the
 * harness calls `execFile`, so that timeouts, output limits and error messages are alike for
 * tgtadm, tshark and the libiscsi tools.
 */
import { execFile } from "node:child_process";

/** Options of {@link run}. */
export interface RunOptions {
  /** Extra environment variables (added to this process's environment). */
  env?: Record<string, string>;
  /** Kill the tool (SIGKILL) after this many ms. Default 30000. */
  timeoutMs?: number;
  /** Strings replaced by `***` in error messages (secrets passed on argv or in env). */
  redact?: readonly string[];
  /** Resolve instead of rejecting when the tool exits with a non-zero status. */
  allowFailure?: boolean;
}

/** What a finished tool printed, and how it ended. */
export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit status; null when a signal ended it. */
  code: number | null;
}

/** Largest output kept (tshark's JSON of a big capture is large; V8 strings top out near 512 MiB). */
const MAX_OUTPUT = 256 * 1024 * 1024;

/**
 * Run `file` with `args` (no shell) and resolve with its output. Rejects with an `Error`
 * naming the command, its exit status and its stderr when it fails to start, exits
 * non-zero (unless `allowFailure`), or runs past `timeoutMs`.
 *
 * @example
 * const { stdout } = await run("tgtadm", ["-C", "1234", "--op", "show", "--mode", "sys"]);
 */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const timeout = opts.timeoutMs ?? 30_000;
  const env = opts.env === undefined ? process.env : { ...process.env, ...opts.env };
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout, killSignal: "SIGKILL", maxBuffer: MAX_OUTPUT }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof err.code === "number" ? err.code : null;
      const failed = err !== null && typeof err.code === "string"; // ENOENT, EACCES, output too large
      if (err === null || (opts.allowFailure && !failed && !err.killed)) {
        resolve({ stdout, stderr, code });
        return;
      }
      const hint = err?.code === "ENOENT" ? " (as root, apt-get install tgt tshark tcpdump libiscsi-bin installs the peers)" : "";
      const how = failed ? `failed (${String(err.code)})${hint}`
        : err.killed ? `killed after ${timeout} ms` : `exited with ${code ?? err.signal}`;
      const said = (stderr.trim() || stdout.trim()).slice(-2000); // libiscsi's tools report on stdout
      const msg = `${[file, ...args].join(" ")} ${how}${said ? `: ${said}` : ""}`;
      reject(new Error(redactAll(msg, opts.redact ?? [])));
    });
  });
}

function redactAll(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length > 0) out = out.split(s).join("***");
  return out;
}
