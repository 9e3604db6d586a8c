/**
 * The real peers iscsiscope runs (DESIGN.md §9): tgtd and tgtadm (Debian `tgt`), tshark,
 * tcpdump, libiscsi's tools (`libiscsi-bin`), and tmux and GNU screen (the terminals
 * iscsitop's tests and bench draw in). Finds what is missing and, as root, installs
 * it with apt-get; otherwise says, in one line, what to run.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/**
 * Each tool, and the Debian package that provides it.
 *
 * @example
 * const packages = new Set(missingTools(["tgtd"]).map((tool) => PEERS[tool]));
 */
export const PEERS: Readonly<Record<string, string>> = {
  tgtd: "tgt",
  tgtadm: "tgt",
  tshark: "tshark",
  tcpdump: "tcpdump",
  "iscsi-ls": "libiscsi-bin",
  "iscsi-inq": "libiscsi-bin",
  "iscsi-perf": "libiscsi-bin",
  sqlite3: "sqlite3",
  prometheus: "prometheus",
  tmux: "tmux",
  screen: "screen",
};

/** The tools among `tools` that are not on PATH. */
export function missingTools(tools: readonly string[], path = process.env.PATH ?? ""): string[] {
  const dirs = path.split(delimiter).filter((d) => d !== "");
  return tools.filter((tool) => !dirs.some((d) => isExecutable(join(d, tool))));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Debian packages that provide `tools`. */
export function packagesFor(tools: readonly string[]): string[] {
  return [...new Set(tools.map((t) => PEERS[t]))];
}

function aptGet(args: string[], quiet: boolean): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const stdio = quiet ? "ignore" : "inherit";
  return spawnSync("apt-get", args, { stdio: ["ignore", stdio, stdio], env }).status === 0;
}

/**
 * Make `tools` available: install their packages with apt-get when we are root (updating
 * the package lists only if the install fails). Returns what is still missing and the
 * one-line command that would install it.
 */
export function ensureTools(tools: readonly string[], opts: { install: boolean; quiet?: boolean; log?: (line: string) => void }): { missing: string[]; command: string } {
  let missing = missingTools(tools);
  if (missing.length > 0 && opts.install && process.getuid?.() === 0) {
    const args = ["install", "-y", "-q", "--no-install-recommends", ...packagesFor(missing)];
    opts.log?.(`installing ${packagesFor(missing).join(" ")} with apt-get`);
    if (!aptGet(args, opts.quiet ?? false) && aptGet(["update", "-q"], opts.quiet ?? false)) aptGet(args, opts.quiet ?? false);
    missing = missingTools(tools);
  }
  return { missing, command: `apt-get install -y --no-install-recommends ${packagesFor(missing).join(" ")}` };
}
