/**
 * Make sure the real peers the tests start are installed (DESIGN.md §9): tgtd and tgtadm
 * (Debian `tgt`), tshark, tcpdump, and libiscsi's iscsi-ls, iscsi-inq, iscsi-perf
 * (`libiscsi-bin`).
 *
 * Run before the tests: `node dist/test/helpers/ensure-peers.js`. When something is missing
 * and we are root, it installs the packages with apt-get (running `apt-get update` first
 * only if the install fails); otherwise it prints one line naming what is missing and the
 * command that installs it, and exits 1. Nothing is printed when all is there.
 *
 * `node --test dist/test/` also runs this file (every .js under a `test/` directory counts
 * as a test file there); under the test runner it only checks, never installs, so that
 * apt-get never runs next to tests.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Each tool the tests run, and the Debian package that provides it.
 *
 * @example
 * const packages = new Set(missingPeers().map((tool) => PEERS[tool]));
 */
export const PEERS: Readonly<Record<string, string>> = {
  tgtd: "tgt",
  tgtadm: "tgt",
  tshark: "tshark",
  tcpdump: "tcpdump",
  "iscsi-ls": "libiscsi-bin",
  "iscsi-inq": "libiscsi-bin",
  "iscsi-perf": "libiscsi-bin",
};

/**
 * The tools of {@link PEERS} that are not on PATH.
 *
 * @example
 * if (missingPeers().length > 0) console.error("run node dist/test/helpers/ensure-peers.js");
 */
export function missingPeers(path = process.env.PATH ?? ""): string[] {
  const dirs = path.split(delimiter).filter((d) => d !== "");
  return Object.keys(PEERS).filter((tool) => !dirs.some((d) => isExecutable(join(d, tool))));
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function packagesFor(tools: readonly string[]): string[] {
  return [...new Set(tools.map((t) => PEERS[t]))];
}

function aptGet(args: string[]): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  return spawnSync("apt-get", args, { stdio: ["ignore", "inherit", "inherit"], env }).status === 0;
}

function install(packages: string[]): void {
  const args = ["install", "-y", "--no-install-recommends", ...packages];
  console.log(`ensure-peers: installing ${packages.join(" ")}`);
  if (!aptGet(args) && aptGet(["update"])) aptGet(args);
}

function main(): number {
  let missing = missingPeers();
  if (missing.length === 0) return 0;
  const underTestRunner = process.env.NODE_TEST_CONTEXT !== undefined;
  if (process.getuid?.() === 0 && !underTestRunner) {
    install(packagesFor(missing));
    missing = missingPeers();
    if (missing.length === 0) return 0;
  }
  const cmd = `apt-get install -y --no-install-recommends ${packagesFor(missing).join(" ")}`;
  console.error(`iscsiscope tests need ${missing.join(", ")} (not on PATH); install as root: ${cmd}`);
  return 1;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  try {
    process.exitCode = main();
  } catch (e) {
    console.error(`ensure-peers: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
