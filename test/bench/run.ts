/**
 * `npm run bench`: every benchmark, ours and the peers' side by side, with ratios.
 * `npm run bench -- crc32c codec` runs only the named sections. The sections that run in this
 * process (the recorder's I/O among them) run with the commands' GC setting.
 */
import "../../src/cli/gc.js";
import { benchBus } from "./bus.bench.js";
import { benchCapture } from "./capture.bench.js";
import { benchCodec } from "./codec.bench.js";
import { benchCrc32c } from "./crc32c.bench.js";
import { benchInitiator } from "./initiator.bench.js";
import { benchRecord } from "./record.bench.js";
import { benchTui } from "./tui.bench.js";

const sections: Record<string, () => void | Promise<void>> = {
  crc32c: benchCrc32c,
  codec: benchCodec,
  bus: benchBus,
  initiator: benchInitiator,
  record: benchRecord,
  tui: benchTui,
  capture: () => benchCapture(),
};

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!(name in sections)) {
    console.error(`bench: unknown section '${name}' (valid: ${Object.keys(sections).join(", ")})`);
    process.exit(2);
  }
}
console.log(`iscsiscope bench, node ${process.version}, ${new Date().toISOString()}`);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length === 0 || wanted.includes(name)) await run();
}
