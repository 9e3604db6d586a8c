/**
 * The bounded queue between the probe subscribers and the writer thread. Records are
 * written as slots into a Float64Array and a BigInt64Array (see layout.ts); a batch is a
 * copy of their used parts, transferred to the worker. The bound counts records not yet committed, whether still
 * here or already posted: when the writer falls behind, new records are dropped and counted
 * per probe, never queued without limit and never lost without a count.
 *
 * Structural records (a new session or connection, the drop counts) are never dropped: the
 * rows that follow refer to them. They are few (one per object) and do count as pending.
 */
import type { Ns } from "../probe/types.js";
import { BIG_NULL, LAYOUT_BY_KIND, MAX_SLOTS, type Batch } from "./layout.js";

/** Slots of each kind in `nums` (kind slot excluded) and in `bigs`. */
const NUM_SLOTS = LAYOUT_BY_KIND.map((l) => (l ? l.fields.filter(([, t]) => t !== "big").length : 0));
const BIG_SLOTS = LAYOUT_BY_KIND.map((l) => (l ? l.fields.filter(([, t]) => t === "big").length : 0));

/** What was dropped for one probe. */
export interface DropCount {
  count: number;
  firstT: Ns;
  lastT: Ns;
}

/**
 * @example
 * const q = new RecordQueue(65536, 4096, (batch) => worker.postMessage({ type: "batch", batch }));
 * if (q.begin("iscsi:initiator:anomaly:reject", KIND.anomaly, t)) { q.int(connId); ... } // slots in layout order
 * q.postBatch();                                                                            // on the flush timer
 */
export class RecordQueue {
  /** Records accepted and not yet acknowledged by the writer. */
  pending = 0;
  readonly drops = new Map<string, DropCount>();
  private readonly changedDrops = new Set<string>();
  /** Slot arrays, written directly by the hot subscribers after {@link claim}. */
  nums: Float64Array;
  bigs: BigInt64Array;
  /** Slot arrays the writer has handed back, ready for reuse. */
  private readonly free: Array<{ nums: Float64Array; bigs: BigInt64Array }> = [];
  private readonly slots: number;
  /** Where the record claimed last starts, in `nums` (after its kind slot) and in `bigs`. */
  at = 0;
  bigAt = 0;
  private n = 0;
  private nb = 0;
  private records = 0;
  private strs: string[] = [];
  private objs: unknown[] = [];
  private newSyms: string[] = [];
  private readonly syms = new Map<string, number>();
  private seq = 0;

  /**
   * @param limit records accepted and not yet committed, at most
   * @param batchRecords a batch is handed to `post` as soon as it holds this many
   * @param post takes a full batch (called from inside `begin`)
   */
  constructor(
    readonly limit: number,
    private readonly batchRecords: number,
    private readonly post: (b: Batch) => void,
  ) {
    this.slots = Math.max(batchRecords, 1) * MAX_SLOTS + MAX_SLOTS;
    this.nums = new Float64Array(this.slots);
    this.bigs = new BigInt64Array(this.slots);
  }

  /**
   * Start a record of `kind` for `probe` at time `t`, or drop it and count the drop when the
   * queue is full. Returns false when dropped: the caller writes no slots.
   */
  begin(probe: string, kind: number, t: Ns): boolean {
    if (this.pending >= this.limit) {
      this.drop(probe, t);
      return false;
    }
    this.force(kind);
    return true;
  }

  /**
   * Claim all slots of a record at once (the per-command and per-PDU paths): returns false
   * when dropped; otherwise the caller writes exactly the kind's slots from `nums[at]` and
   * `bigs[bigAt]` on, in layout order.
   */
  claim(probe: string, kind: number, t: Ns): boolean {
    if (this.pending >= this.limit) {
      this.drop(probe, t);
      return false;
    }
    this.force(kind);
    this.at = this.n;
    this.bigAt = this.nb;
    this.n += NUM_SLOTS[kind];
    this.nb += BIG_SLOTS[kind];
    return true;
  }

  /** Start a record that is never dropped (structural). */
  force(kind: number): void {
    if (this.records >= this.batchRecords) this.postBatch();
    this.nums[this.n++] = kind;
    this.records++;
    this.pending++;
  }

  /** A number slot; null and undefined become NaN. */
  int(v: number | null | undefined): void {
    this.nums[this.n++] = v ?? NaN;
  }

  /** A 64-bit integer: a time or duration in ns, an LBA. */
  big(v: bigint | null | undefined): void {
    this.bigs[this.nb++] = v ?? BIG_NULL;
  }

  /** An interned string (from a small set: states, events, key names). */
  sym(s: string | null | undefined): void {
    this.nums[this.n++] = s === null || s === undefined ? -1 : this.symId(s);
  }

  /** The id of an interned string, interning it on first use. */
  symId(s: string): number {
    let id = this.syms.get(s);
    if (id === undefined) {
      id = this.syms.size;
      this.syms.set(s, id);
      this.newSyms.push(s);
    }
    return id;
  }

  /** A free-text string. */
  str(s: string | null | undefined): void {
    if (s === null || s === undefined) {
      this.nums[this.n++] = -1;
      return;
    }
    this.nums[this.n++] = this.strs.length;
    this.strs.push(s);
  }

  /** A structured-cloneable object. */
  obj(o: unknown): void {
    this.nums[this.n++] = this.objs.length;
    this.objs.push(o);
  }

  /** Count a drop for `probe` at `t`. */
  drop(probe: string, t: Ns): void {
    const d = this.drops.get(probe);
    if (d) {
      d.count++;
      if (t < d.firstT) d.firstT = t;
      if (t > d.lastT) d.lastT = t;
    } else {
      this.drops.set(probe, { count: 1, firstT: t, lastT: t });
    }
    this.changedDrops.add(probe);
  }

  /** Probes whose drop count changed since the last call. */
  takeChangedDrops(): string[] {
    const out = [...this.changedDrops];
    this.changedDrops.clear();
    return out;
  }

  /** Post what is queued now, if anything. */
  postBatch(): void {
    if (this.records === 0) return;
    // A full batch takes the arrays themselves (transferred, no copy; the writer hands them back
    // with the ack). A small one, posted by the timer, takes a copy of what it uses, so that
    // batches waiting for a slow writer hold memory in proportion to their records.
    const whole = this.records * 4 >= this.batchRecords;
    const batch: Batch = {
      seq: ++this.seq, nums: whole ? this.nums : this.nums.slice(0, this.n), bigs: whole ? this.bigs : this.bigs.slice(0, this.nb),
      n: this.n, nb: this.nb, records: this.records, syms: this.newSyms, strs: this.strs, objs: this.objs,
    };
    if (whole) {
      const next = this.free.pop();
      this.nums = next?.nums ?? new Float64Array(this.slots);
      this.bigs = next?.bigs ?? new BigInt64Array(this.slots);
    }
    this.n = 0;
    this.nb = 0;
    this.records = 0;
    this.newSyms = [];
    this.strs = [];
    this.objs = [];
    this.post(batch);
  }

  /** The writer committed `records` and handed back the batch's arrays (kept for reuse if whole). */
  ack(records: number, nums?: Float64Array, bigs?: BigInt64Array): void {
    this.pending -= records;
    if (nums && bigs && nums.length === this.slots && bigs.length === this.slots) this.free.push({ nums, bigs });
  }

  /** Sequence number of the last batch posted. */
  get lastSeq(): number {
    return this.seq;
  }
}
