/**
 * Run by `npm test` after the suite: every probe of the catalog (src/probe/catalog.ts) must
 * have fired in some test (DESIGN.md §3). Reads what test/helpers/probe-coverage-hook.ts
 * wrote; prints the probes that never fired and exits 1 if there are any.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PROBE_KEYS } from "../src/probe/catalog.js";

const dir = process.argv[2] ?? process.env.ISCSISCOPE_PROBE_COVERAGE;
if (!dir) {
  console.error("probe-coverage: give the directory the tests wrote to");
  process.exit(2);
}
const fired = new Set<string>();
for (const f of readdirSync(dir).filter((x) => x.endsWith(".json"))) {
  for (const k of JSON.parse(readFileSync(join(dir, f), "utf8")) as string[]) fired.add(k);
}
const missing = PROBE_KEYS.filter((k) => !fired.has(k));
console.log(`probe coverage: ${PROBE_KEYS.length - missing.length} of ${PROBE_KEYS.length} catalog probes fired in the tests`);
if (missing.length > 0) {
  console.error(`probe coverage: never fired: ${missing.join(", ")}`);
  process.exitCode = 1;
}
