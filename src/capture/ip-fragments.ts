/**
 * IPv4 and IPv6 fragment reassembly, bounded in memory and in (capture) time: at most
 * `maxDatagrams` datagrams wait at once (the oldest is given up beyond), each at most
 * 65535 bytes, each for at most `timeoutMs` of capture time after its first fragment —
 * the 30 s of Linux's ipfrag_time, within RFC 791's 15 s–2 min range.
 */

/** The largest datagram a fragment offset (13 bits × 8) plus a payload length can describe. */
const MAX_DATAGRAM = 65535 + 8;

interface Datagram {
  buf: Uint8Array;
  /** Received byte ranges, sorted, merged: [start0, end0, start1, end1, ...]. */
  have: number[];
  /** Total length, once the last fragment (MF clear) has come. */
  total: number;
  firstSec: number;
  fragments: number;
}

/** What the reassembler has done, for the summary. */
export interface FragmentStats {
  seen: number;
  reassembled: number;
  dropped: number;
}

/**
 * @example
 * const r = new FragmentReassembler({ timeoutMs: 30000, maxDatagrams: 256 });
 * const whole = r.add(key, offset, moreFragments, payload, frame.sec);
 * if (whole) parseTransport(whole);
 */
export class FragmentReassembler {
  readonly stats: FragmentStats = { seen: 0, reassembled: 0, dropped: 0 };
  readonly #pending = new Map<string, Datagram>();
  readonly #timeoutSec: number;
  readonly #max: number;

  constructor(opts: { timeoutMs: number; maxDatagrams: number }) {
    this.#timeoutSec = opts.timeoutMs / 1000;
    this.#max = Math.max(1, opts.maxDatagrams);
  }

  /** Datagrams waiting for fragments. */
  get pending(): number {
    return this.#pending.size;
  }

  /**
   * Add one fragment (`offset` in bytes). Resolves to the whole datagram payload when this
   * fragment completes it, else undefined. A fragment that cannot belong to a legal
   * datagram (past 65535 bytes, after the end) drops its datagram.
   */
  add(key: string, offset: number, more: boolean, bytes: Uint8Array, sec: number): Uint8Array | undefined {
    this.stats.seen++;
    this.#expire(sec);
    let d = this.#pending.get(key);
    if (d === undefined) {
      if (this.#pending.size >= this.#max) this.#dropOldest();
      d = { buf: new Uint8Array(Math.min(MAX_DATAGRAM, Math.max(1024, offset + bytes.length))), have: [], total: -1, firstSec: sec, fragments: 0 };
      this.#pending.set(key, d);
    }
    d.fragments++;
    const end = offset + bytes.length;
    if (end > MAX_DATAGRAM || (d.total >= 0 && end > d.total) || (!more && d.have.length > 0 && end < d.have[d.have.length - 1])) {
      return this.#drop(key, d);
    }
    if (!more) d.total = end;
    if (end > d.buf.length) d.buf = grow(d.buf, end);
    d.buf.set(bytes, offset);
    d.have = mergeRange(d.have, offset, end);
    if (d.total >= 0 && d.have.length === 2 && d.have[0] === 0 && d.have[1] === d.total) {
      this.#pending.delete(key);
      this.stats.reassembled++;
      return d.buf.subarray(0, d.total);
    }
    return undefined;
  }

  #expire(sec: number): void {
    for (const [key, d] of this.#pending) {
      if (sec - d.firstSec <= this.#timeoutSec) return; // Map order is arrival order
      this.#drop(key, d);
    }
  }

  #dropOldest(): void {
    const first = this.#pending.entries().next();
    if (!first.done) this.#drop(first.value[0], first.value[1]);
  }

  #drop(key: string, d: Datagram): undefined {
    this.#pending.delete(key);
    this.stats.dropped += d.fragments;
    return undefined;
  }
}

function grow(buf: Uint8Array, need: number): Uint8Array {
  const out = new Uint8Array(Math.min(MAX_DATAGRAM, Math.max(need, buf.length * 2)));
  out.set(buf);
  return out;
}

/**
 * Insert [start, end) into sorted, merged ranges (flattened start/end pairs).
 *
 * @example
 * mergeRange([0, 8, 16, 24], 8, 16); // [0, 24]
 */
export function mergeRange(have: number[], start: number, end: number): number[] {
  const out: number[] = [];
  let s = start;
  let e = end;
  let placed = false;
  for (let i = 0; i < have.length; i += 2) {
    const a = have[i];
    const b = have[i + 1];
    if (b < s) out.push(a, b);
    else if (a > e) {
      if (!placed) out.push(s, e);
      placed = true;
      out.push(a, b);
    } else {
      s = Math.min(s, a);
      e = Math.max(e, b);
    }
  }
  if (!placed) out.push(s, e);
  return out;
}
