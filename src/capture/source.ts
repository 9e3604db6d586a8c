/**
 * Opening a capture: the magic number picks the reader (classic pcap, either byte order,
 * micro- or nanosecond; pcapng), the file header is checked (a file that fails here is
 * unreadable: {@link CaptureError}), then the file is fed to the reader in 1 MiB chunks
 * (pcap-parser is about twice as fast on 1 MiB chunks as on 64 KiB ones). A reader uses
 * whole records only: the next chunk is read from the first byte it did not use (a record
 * longer than a chunk gets a chunk of its size), so no bytes are ever joined. Between
 * chunks the reader waits while its consumer asks it to (backpressure).
 */
import { open } from "node:fs/promises";
import { CaptureError } from "./errors.js";
import { hex32, type FrameReader, type FrameSink } from "./frame-reader.js";
import { isPcapMagic, parsePcapHeader, PcapReader } from "./pcap-reader.js";
import { BlockType, BYTE_ORDER_MAGIC, PcapngReader } from "./pcapng-reader.js";

/** Bytes read from the file at a time. */
export const CHUNK_SIZE = 1 << 20;
/** Bytes of the file header checked before reading records: the pcapng SHB's fixed part. */
const HEAD = 28;

/**
 * The reader for a file that starts with `head` (at least 28 bytes, or the whole file),
 * or a {@link CaptureError} naming the file and the byte where it went wrong.
 *
 * @example
 * const reader = openReader("x.pcap", firstChunk, decoder);
 */
export function openReader(name: string, head: Uint8Array, sink: FrameSink): FrameReader {
  if (head.length === 0) throw new CaptureError("ERR_CAPTURE_TRUNCATED", name, 0, "empty file (no capture header at byte 0)");
  if (head.length < 4) throw new CaptureError("ERR_CAPTURE_TRUNCATED", name, 0, `file of ${head.length} bytes is too short for a capture header (at byte 0)`);
  const v = new DataView(head.buffer, head.byteOffset, head.length);
  const magic = v.getUint32(0, true);
  if (magic === BlockType.SectionHeader) return pcapngReader(name, v, sink);
  if (isPcapMagic(magic)) {
    if (head.length < 24) throw new CaptureError("ERR_CAPTURE_TRUNCATED", name, 0, `pcap file header cut short (${head.length} of 24 bytes at byte 0)`);
    const h = parsePcapHeader(head);
    if (h.versionMajor !== 2) {
      throw new CaptureError("ERR_CAPTURE_FORMAT", name, 4, `unsupported pcap version ${h.versionMajor}.${h.versionMinor} (at byte 4; 2.x is read)`);
    }
    return new PcapReader(h, sink);
  }
  throw new CaptureError("ERR_CAPTURE_FORMAT", name, 0, `not a pcap or pcapng file (magic ${hex32(v.getUint32(0, false))} at byte 0)`);
}

function pcapngReader(name: string, v: DataView, sink: FrameSink): FrameReader {
  if (v.byteLength < HEAD) throw new CaptureError("ERR_CAPTURE_TRUNCATED", name, 0, `pcapng section header cut short (${v.byteLength} of ${HEAD} bytes at byte 0)`);
  const bom = v.getUint32(8, true);
  if (bom !== BYTE_ORDER_MAGIC && bom !== 0x4d3c2b1a) {
    throw new CaptureError("ERR_CAPTURE_FORMAT", name, 8, `pcapng section header with a bad byte-order magic ${hex32(v.getUint32(8, false))} (at byte 8)`);
  }
  const le = bom === BYTE_ORDER_MAGIC;
  const major = v.getUint16(12, le);
  if (major !== 1) throw new CaptureError("ERR_CAPTURE_FORMAT", name, 12, `unsupported pcapng version ${major}.${v.getUint16(14, le)} (at byte 12; 1.x is read)`);
  return new PcapngReader(sink);
}

/** How the pump is told to wait or stop. */
export interface PumpControl {
  /** Resolves when reading may go on; undefined when it may go on at once. */
  gate(): Promise<void> | undefined;
  /** True when the consumer has gone: stop reading. */
  cancelled(): boolean;
}

/**
 * Read `file` through `sink` chunk by chunk. Resolves when the file is read (or the reader
 * stopped on a bad record); rejects with {@link CaptureError} when it cannot be opened or
 * read, or its header is not a capture header.
 *
 * @example
 * await pumpFile("x.pcapng", decoder, { gate: () => undefined, cancelled: () => false });
 */
export async function pumpFile(file: string, sink: FrameSink & { format?: string }, control: PumpControl): Promise<"pcap" | "pcapng"> {
  const fh = await open(file, "r").catch((e: NodeJS.ErrnoException) => {
    throw new CaptureError("ERR_CAPTURE_IO", file, 0, `cannot open (${e.code ?? e.message}) at byte 0`, { cause: e });
  });
  try {
    let pos = 0;
    const read = async (at: number, size: number): Promise<Buffer> => {
      const buf = Buffer.allocUnsafe(size);
      const { bytesRead } = await fh.read(buf, 0, size, at).catch((e: NodeJS.ErrnoException) => {
        throw new CaptureError("ERR_CAPTURE_IO", file, at, `read failed (${e.code ?? e.message}) at byte ${at}`, { cause: e });
      });
      return buf.subarray(0, bytesRead);
    };
    let size = CHUNK_SIZE;
    let chunk = await read(0, size);
    const reader = openReader(file, chunk, sink);
    while (chunk.length > 0 && !control.cancelled()) {
      const used = reader.push(chunk);
      if (reader.stopped) break;
      pos += used;
      // Nothing used: the record needs a bigger chunk, or (a short read: the file ends) it is cut short.
      if (used === 0 && chunk.length < size) break;
      size = used === 0 ? Math.max(reader.need, 2 * size) : CHUNK_SIZE;
      const wait = control.gate();
      if (wait !== undefined) await wait;
      chunk = await read(pos, size);
    }
    if (!control.cancelled()) reader.end();
    return reader.format;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * {@link pumpFile} over bytes in memory, synchronously; `chunkSize` (default 1 MiB) is
 * there for tests of records cut by chunk ends.
 *
 * @example
 * pumpBytes("fuzz-1", bytes, decoder);
 */
export function pumpBytes(name: string, bytes: Uint8Array, sink: FrameSink, chunkSize = CHUNK_SIZE): "pcap" | "pcapng" {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const reader = openReader(name, buf.subarray(0, HEAD), sink);
  let size = chunkSize;
  for (let o = 0; o < buf.length && !reader.stopped;) {
    const used = reader.push(buf.subarray(o, o + size));
    if (used === 0 && o + size >= buf.length) break;
    size = used === 0 ? Math.max(reader.need, 2 * size) : chunkSize;
    o += used;
  }
  reader.end();
  return reader.format;
}
