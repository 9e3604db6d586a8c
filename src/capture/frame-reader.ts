/**
 * What a capture file reader (classic pcap, pcapng) is to the rest of the pipeline: it is
 * fed the file in chunks and hands on frames and file-level warnings. Nothing here throws
 * on bad content after the file header: a bad record becomes a warning.
 */
import type { Frame, WarningCode } from "./types.js";

/** Where a reader sends what it finds. */
export interface FrameSink {
  frame(f: Frame): void;
  warning(code: WarningCode, fileOffset: number, frame: number | undefined, message: string): void;
  /** A link type in use (once per interface). */
  linkType(type: number): void;
  /** Called after each chunk: frames of that chunk are over, views of it may not be kept. */
  chunkEnd?(): void;
}

/**
 * A reader of one file format, fed chunk by chunk. It reads whole records only and says how
 * many bytes it used: the caller hands the unused rest (a record cut by the chunk's end)
 * again at the start of the next chunk, so no reader joins chunks (the pump reads the file
 * again from there; in memory it is a view).
 */
export interface FrameReader {
  readonly format: "pcap" | "pcapng";
  /**
   * Feed bytes that start where the bytes used so far end; returns how many were used (0
   * when the first record is not all there: the next chunk must hold at least `need` bytes).
   * Frames reference `chunk`; the reader keeps nothing of it after the call.
   */
  push(chunk: Buffer): number;
  /** Bytes the next chunk must hold for the reader to get on (the record it waits for). */
  readonly need: number;
  /** The file ended (the rest of the last chunk was all there is): report a record cut short, if any. */
  end(): void;
  /** True once the reader has given up (a record that cannot be framed): stop feeding it. */
  readonly stopped: boolean;
}

/** Largest record accepted whatever a file header says (tcpdump's own maximum is 262144). */
export const MAX_RECORD_LENGTH = 16 * 1024 * 1024;

/** The usual snapshot length (tcpdump -s 0): a record up to this long is always accepted. */
export const DEFAULT_SNAPLEN = 262144;

/**
 * A 32-bit value as 0x and eight hex digits.
 *
 * @example
 * hex32(0x0a0d0d0a); // "0x0a0d0d0a"
 */
export function hex32(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}

/**
 * Seconds and nanoseconds of a tick count `hi * 2^32 + lo` at `unitsPerSec` ticks a
 * second (a power of ten up to 10^9 on the fast path, anything else through bigint).
 *
 * @example
 * ticksToTime(0, 1_700_000_000_000_001, 1e6); // { sec: 1700000000, nsec: 1000 } (when lo fits)
 */
export function ticksToTime(hi: number, lo: number, unitsPerSec: number | bigint, offsetSec = 0): { sec: number; nsec: number } {
  if (typeof unitsPerSec === "number" && hi < 0x200000 && 1e9 % unitsPerSec === 0) {
    const ticks = hi * 0x100000000 + lo;
    const sec = Math.floor(ticks / unitsPerSec);
    return { sec: sec + offsetSec, nsec: (ticks - sec * unitsPerSec) * (1e9 / unitsPerSec) };
  }
  const ups = BigInt(unitsPerSec);
  const ticks = (BigInt(hi) << 32n) | BigInt(lo);
  const sec = ticks / ups;
  const nsec = ((ticks - sec * ups) * 1_000_000_000n) / ups;
  return { sec: Number(sec) + offsetSec, nsec: Number(nsec) };
}
