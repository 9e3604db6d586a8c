/**
 * Codec rates next to a plain copy of the same bytes (the ceiling): 48-byte header PDUs and
 * 256 KiB data PDUs with and without data digests, and the framer over a stream.
 */
import { decodePdu } from "../../src/wire/decode.js";
import { encodePdu, encodePduVec } from "../../src/wire/encode.js";
import { PduFramer } from "../../src/wire/framer.js";
import type { DataIn, DigestOptions, Pdu, ScsiCommand } from "../../src/wire/types.js";
import { keep, measure, table, type Rate } from "./measure.js";

const KiB = 1024;

function scsiRead(itt: number): ScsiCommand {
  const cdb = new Uint8Array(16);
  cdb.set([0x28, 0, 0, 0, 0x10, 0, 0, 0, 8, 0]);
  return {
    kind: "scsi-command", immediate: false, final: true, read: true, write: false, attr: 1, lun: 1n << 48n,
    itt, expectedDataTransferLength: 4096, cmdSN: itt, expStatSN: itt, cdb, bidiReadLength: undefined,
    ahs: [], data: new Uint8Array(0),
  };
}

function dataIn(size: number): DataIn {
  return {
    kind: "data-in", final: true, acknowledge: false, overflow: false, underflow: false, statusPresent: true,
    status: 0, lun: 1n << 48n, itt: 9, ttt: 0xffffffff, statSN: 3, expCmdSN: 4, maxCmdSN: 40, dataSN: 0,
    bufferOffset: 0, residualCount: 0, ahs: [], data: new Uint8Array(size).map((_, i) => i),
  };
}

function row(name: string, bytes: number, r: Rate, ceiling: Rate): Array<string | number> {
  return [name, r.opsPerSec, (r.opsPerSec * bytes) / 1e6, ceiling.opsPerSec, `${(r.opsPerSec / ceiling.opsPerSec).toFixed(2)}`];
}

function copyRate(bytes: Uint8Array): Rate {
  return measure((n) => { for (let i = 0; i < n; i++) keep(bytes.slice()); });
}

export function benchCodec(): void {
  const rows: Array<Array<string | number>> = [];
  for (const opts of [{}, { headerDigest: true }] as DigestOptions[]) {
    const tag = opts.headerDigest ? " +HD" : "";
    const cmd = scsiRead(1);
    const bytes = encodePdu(cmd, opts);
    const ceil = copyRate(bytes);
    rows.push(row(`encode SCSI Command 48 B${tag}`, bytes.length, measure((n) => { for (let i = 0; i < n; i++) keep(encodePdu(cmd, opts)); }), ceil));
    rows.push(row(`decode SCSI Command 48 B${tag}`, bytes.length, measure((n) => { for (let i = 0; i < n; i++) keep(decodePdu(bytes, opts)); }), ceil));
  }
  for (const opts of [{}, { headerDigest: true, dataDigest: true }] as DigestOptions[]) {
    const tag = opts.dataDigest ? " +HD+DD" : "";
    const pdu: Pdu = dataIn(256 * KiB);
    const bytes = encodePdu(pdu, opts);
    const ceil = copyRate(bytes);
    rows.push(row(`encode Data-In 256 KiB (vector)${tag}`, bytes.length, measure((n) => { for (let i = 0; i < n; i++) keep(encodePduVec(pdu, opts)); }), ceil));
    rows.push(row(`encode Data-In 256 KiB (one buffer)${tag}`, bytes.length, measure((n) => { for (let i = 0; i < n; i++) keep(encodePdu(pdu, opts)); }), ceil));
    rows.push(row(`decode Data-In 256 KiB${tag}`, bytes.length, measure((n) => { for (let i = 0; i < n; i++) keep(decodePdu(bytes, opts)); }), ceil));
  }
  // Framer over a stream of 4 KiB reads (command-sized PDUs and 4 KiB Data-In), 64 KiB chunks.
  const stream = new Uint8Array(Array.from({ length: 256 }, () => Array.from(encodePdu(dataIn(4 * KiB)))).flat());
  const ceil = copyRate(stream);
  const chunk = 64 * KiB;
  const fr = measure((n) => {
    for (let i = 0; i < n; i++) {
      const f = new PduFramer();
      for (let o = 0; o < stream.length; o += chunk) f.push(stream.subarray(o, o + chunk), keep);
    }
  });
  rows.push(row("framer: 256 x Data-In 4 KiB in 64 KiB chunks", stream.length, fr, ceil));
  table(
    "PDU codec (ops/s; MB/s of wire bytes; ratio = ops/s over a plain copy of the same bytes)",
    ["operation", "ops/s", "MB/s", "copy ops/s", "ratio"],
    rows,
  );
}
