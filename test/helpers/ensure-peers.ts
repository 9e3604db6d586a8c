/**
 * Make sure the real peers the tests start are installed (DESIGN.md §9). Run before the
 * tests by `npm test`: when something is missing and we are root, it installs the Debian
 * packages; otherwise it prints one line naming what is missing and the command that
 * installs it, and exits 1. Nothing is printed when all is there.
 */
import { ensureTools, PEERS } from "../../src/cli/peers/install.js";

const { missing, command } = ensureTools(Object.keys(PEERS), { install: true, log: (l) => console.log(`ensure-peers: ${l}`) });
if (missing.length > 0) {
  console.error(`iscsiscope tests need ${missing.join(", ")} (not on PATH); install as root: ${command}`);
  process.exitCode = 1;
}
