/**
 * Running our commands as a user would, from the compiled dist/: a child process, its exit
 * code, stdout and stderr. Under `npm test` the child notes its probes for the coverage check
 * (test/helpers/probe-coverage-hook.ts).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./paths.js";

/** The compiled command scripts. */
export const BINS = {
  iscsiscope: join(repoRoot, "dist", "src", "cli", "iscsiscope.js"),
  iscsistat: join(repoRoot, "dist", "src", "cli", "iscsistat.js"),
  iscsisnoop: join(repoRoot, "dist", "src", "cli", "iscsisnoop.js"),
  iscsitop: join(repoRoot, "dist", "src", "cli", "iscsitop.js"),
} as const;

export interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

/** NODE_OPTIONS that load the probe-coverage hook into a child, when the suite collects coverage. */
export function coverageEnv(): NodeJS.ProcessEnv {
  if (!process.env.ISCSISCOPE_PROBE_COVERAGE) return {};
  const hook = join(repoRoot, "dist", "test", "helpers", "probe-coverage-hook.js");
  return { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --import=${hook}`.trim() };
}

/**
 * Run a command script to its end (60 s at most).
 *
 * @example
 * const { code, stdout } = await runBin(BINS.iscsisnoop, ["summary", "x.pcap"]);
 */
export function runBin(bin: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Out> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, ...coverageEnv(), ...env }, timeout: 60_000, maxBuffer: 1 << 26 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}
