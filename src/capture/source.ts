/**
 * Opening a capture: the magic number picks the reader (classic pcap, either byte order,
 * micro- or nanosecond; pcapng), the file header is checked (a file that fails here is
 * unreadable: {@link CaptureError}), then the file is fed to the reader in 1 MiB chunks,
 * the next one read while the current one is decoded. A reader uses whole records only:
 * the next chunk starts with the record the last one cut (a record longer than a chunk gets
 * a chunk of its size), so the file's bytes are never joined. Between chunks the reader
 * waits while its consumer asks it to (backpressure).
 */
import { open, type FileHandle } from "node:fs/promises";
import { CaptureError } from "./errors.js";
import { DEFAULT_SNAPLEN, hex32, type FrameReader, type FrameSink } from "./frame-reader.js";
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
  /** Bytes of the file used so far, and its size, after each chunk. */
  progress?: (bytesDone: number, fileSize: number) => void;
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
  const chunks = new FileChunks(file, fh);
  try {
    const size = control.progress ? (await fh.stat()).size : 0;
    let done = 0;
    let chunk: Buffer | undefined = await chunks.first();
    const reader = openReader(file, chunk, sink);
    while (chunk !== undefined && !control.cancelled()) {
      const used = reader.push(chunk);
      sink.chunkEnd?.();
      done += used;
      control.progress?.(done, size);
      if (reader.stopped) break;
      const wait = control.gate();
      if (wait !== undefined) await wait;
      chunk = await chunks.next(chunk.subarray(used), reader.need);
    }
    if (!control.cancelled()) reader.end();
    return reader.format;
  } finally {
    await chunks.close();
  }
}

/** Room kept before each chunk for the record the previous chunk ended inside (a whole 256 KiB snapshot and its headers). */
const HEADROOM = DEFAULT_SNAPLEN + 4096;

interface Ahead { buf: Buffer; at: number; n: number }

/**
 * A file read ahead: while one chunk is decoded, the next is read (on libuv's thread pool,
 * so the copy out of the page cache runs beside the decoding). The unused end of a chunk
 * (a record it cut) is copied into the room kept before the next one, so a chunk is always
 * the unused rest followed by what comes after it in the file.
 */
class FileChunks {
  readonly #file: string;
  readonly #fh: FileHandle;
  /** File offset just after the last byte read or being read. */
  #pos = 0;
  #ahead: Promise<Ahead> | undefined;

  constructor(file: string, fh: FileHandle) {
    this.#file = file;
    this.#fh = fh;
  }

  async first(): Promise<Buffer> {
    const a = await this.#read(0, CHUNK_SIZE, 0);
    this.#pos = a.n;
    this.#readAhead();
    return a.buf.subarray(0, a.n);
  }

  /** `rest` followed by the next bytes of the file (at least `need` in all, unless the file ends); undefined at the end. */
  async next(rest: Buffer, need: number): Promise<Buffer | undefined> {
    const ahead = await this.#ahead!;
    this.#ahead = undefined;
    if (ahead.n === 0) return undefined;
    if (rest.length > HEADROOM || rest.length + ahead.n < need) {
      // A record longer than the room or than a chunk: read it again from the file, whole.
      const at = ahead.at - rest.length;
      const again = await this.#read(at, Math.max(need, CHUNK_SIZE), 0);
      this.#pos = at + again.n;
      this.#readAhead();
      return again.buf.subarray(0, again.n);
    }
    const from = HEADROOM - rest.length;
    rest.copy(ahead.buf, from);
    this.#pos = ahead.at + ahead.n;
    this.#readAhead();
    return ahead.buf.subarray(from, HEADROOM + ahead.n);
  }

  /** Wait for a read still running, then close the file. */
  async close(): Promise<void> {
    await this.#ahead?.catch(() => undefined);
    await this.#fh.close().catch(() => undefined);
  }

  #readAhead(): void {
    const p = this.#read(this.#pos, CHUNK_SIZE, HEADROOM);
    p.catch(() => undefined); // handled where it is awaited; not an unhandled rejection meanwhile
    this.#ahead = p;
  }

  async #read(at: number, size: number, room: number): Promise<Ahead> {
    const buf = Buffer.allocUnsafe(room + size);
    const { bytesRead } = await this.#fh.read(buf, room, size, at).catch((e: NodeJS.ErrnoException) => {
      throw new CaptureError("ERR_CAPTURE_IO", this.#file, at, `read failed (${e.code ?? e.message}) at byte ${at}`, { cause: e });
    });
    return { buf, at, n: bytesRead };
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
    sink.chunkEnd?.();
    if (used === 0 && o + size >= buf.length) break;
    size = used === 0 ? Math.max(reader.need, 2 * size) : chunkSize;
    o += used;
  }
  reader.end();
  return reader.format;
}
