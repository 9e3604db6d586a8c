/** CRC32C: the JavaScript slice-by-8 table against @node-rs/crc32, by input length. */
import { crc32c, crc32cJs, crc32cNative, NATIVE_THRESHOLD } from "../../src/wire/crc32c.js";
import { keep, measure, table } from "./measure.js";

export function benchCrc32c(): void {
  const rows: Array<Array<string | number>> = [];
  for (const size of [48, 256, 512, 1024, 4096, 65536, 262144]) {
    const buf = new Uint8Array(size).map((_, i) => i * 7);
    const js = measure((n) => { let c = 0; for (let i = 0; i < n; i++) c ^= crc32cJs(buf); keep(c); });
    const nat = crc32cNative
      ? measure((n) => { let c = 0; for (let i = 0; i < n; i++) c ^= crc32cNative!(buf); keep(c); })
      : undefined;
    const used = measure((n) => { let c = 0; for (let i = 0; i < n; i++) c ^= crc32c(buf); keep(c); });
    rows.push([
      `${size} B`,
      js.nsPerOp, (size / js.nsPerOp),
      nat ? nat.nsPerOp : "n/a", nat ? size / nat.nsPerOp : "n/a",
      nat ? `${(js.nsPerOp / nat.nsPerOp).toFixed(2)}x` : "n/a",
      size >= NATIVE_THRESHOLD && nat ? "native" : "js",
      size / used.nsPerOp,
    ]);
  }
  table(
    `CRC32C by length (GB/s = bytes per ns); crc32c() switches to native at ${NATIVE_THRESHOLD} bytes`,
    ["input", "js ns/op", "js GB/s", "native ns/op", "native GB/s", "native speed-up", "crc32c() uses", "crc32c() GB/s"],
    rows,
  );
  if (!crc32cNative) console.log("@node-rs/crc32 did not load on this machine: the table is used for every length");
}
