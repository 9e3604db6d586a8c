/**
 * Child process of sigkill.test.ts: records an initiator doing continuous I/O against the
 * tgtd the parent started, until the parent kills it with SIGKILL. Prints "recording" once
 * the first rows are committed. Arguments: PORT IQN DATABASE.
 */
import { Initiator } from "../../src/initiator/initiator.js";
import { ProbeBus } from "../../src/probe/bus.js";
import { Recorder } from "../../src/record/recorder.js";
import { IscsiStats } from "../../src/stat/collector.js";

async function main(port: number, iqn: string, file: string): Promise<void> {
  const bus = new ProbeBus();
  const stats = new IscsiStats(bus);
  const rec = await Recorder.open(bus, file, { stats });
  const ini = new Initiator({ bus });
  const s = await ini.login({ targetName: iqn, portals: [{ host: "127.0.0.1", port }], queueDepth: 8 });
  const data = new Uint8Array(4096).fill(0x5a);
  const worker = async (k: number) => {
    for (let i = 0; ; i++) {
      const lba = (k * 4096 + i * 8) % 30000;
      if (i % 3 === 0) await s.write(1, lba, data);
      else await s.read(1, lba, 8);
    }
  };
  for (let k = 0; k < 8; k++) void worker(k);
  await new Promise((r) => setTimeout(r, 300));
  await rec.flush();
  process.stdout.write("recording\n");
}

const [port, iqn, file] = process.argv.slice(2);
if (port && iqn && file) {
  main(Number(port), iqn, file).catch((e: unknown) => {
    process.stderr.write(`sigkill-child: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  });
}
