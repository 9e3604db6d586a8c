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
// TODO(#5): these only a capture replay can show (a live initiator never sends SNACK at
// ERL 0, never reuses an ITT, never sends Data-Out past an R2T, always answers NOP-In);
// src/replay will fire them, and this list goes.
const AWAITING_REPLAY = new Set(["pdu:snack", "anomaly:duplicate-itt", "anomaly:data-out-beyond-r2t", "anomaly:nop-unanswered"]);
const missing = PROBE_KEYS.filter((k) => !fired.has(k) && !AWAITING_REPLAY.has(k));
for (const k of AWAITING_REPLAY) if (fired.has(k)) console.error(`probe coverage: ${k} fires now: take it off AWAITING_REPLAY`);
const firedCount = PROBE_KEYS.filter((k) => fired.has(k)).length;
const awaiting = PROBE_KEYS.filter((k) => !fired.has(k) && AWAITING_REPLAY.has(k));
console.log(`probe coverage: ${firedCount} of ${PROBE_KEYS.length} catalog probes fired in the tests` +
  (awaiting.length ? `; not yet: ${awaiting.join(", ")} (awaiting the capture replay)` : ""));
if (missing.length > 0) {
  console.error(`probe coverage: never fired: ${missing.join(", ")}`);
  process.exitCode = 1;
}
