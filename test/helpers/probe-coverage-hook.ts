/**
 * Loaded into every test process by `npm test` (node --test --import, and NODE_OPTIONS for
 * the CLI processes the tests start): when ISCSISCOPE_PROBE_COVERAGE names a directory, every
 * probe publication is noted, and at exit the process writes the probe keys that fired
 * there. The suite then runs test/probe-coverage.ts, which fails when a catalog probe never
 * fired. A probe fires only when someone subscribes to it (the hasSubscribers guard), so
 * this counts probes that some test observed.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Probe } from "../../src/probe/bus.js";

const dir = process.env.ISCSISCOPE_PROBE_COVERAGE;
if (dir) {
  const fired = new Set<string>();
  const original = Probe.prototype.publish;
  Probe.prototype.publish = function (this: Probe<unknown>, args: unknown) {
    fired.add(this.key);
    original.call(this, args);
  };
  process.on("exit", () => {
    if (fired.size > 0) writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify([...fired]));
  });
}
