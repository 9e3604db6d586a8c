/**
 * The flight recorder: subscribes to a probe bus and writes what the probes say into an
 * SQLite file, off the I/O path. The subscribers copy each event into a bounded queue
 * (capture.ts, queue.ts); every `flushIntervalMs` (200 ms) — sooner when a batch fills — the
 * queue is posted to a worker thread that commits it in one transaction (worker.ts,
 * write.ts; WAL, synchronous=NORMAL, prepared statements). The initiator never waits on
 * SQLite. When the writer falls behind and the queue is full, events are dropped and
 * counted per probe, in `dropped` and in the `drops` table: never silently.
 *
 * A process killed with SIGKILL leaves a consistent database (WAL) missing at most the
 * events of the last flush interval.
 */
import { EventEmitter } from "node:events";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { resolve } from "node:path";
import { Worker } from "node:worker_threads";
import { RecordError } from "../errors.js";
import type { ProbeBus } from "../probe/bus.js";
import type { Ns, ProbeModule } from "../probe/types.js";
import { IscsiStats } from "../stat/collector.js";
import { ProbeCapture, type CaptureOptions } from "./capture.js";
import { KIND, type Batch, type MainMessage, type WorkerMessage } from "./layout.js";
import { RecordQueue } from "./queue.js";
import type { WorkerInit } from "./worker.js";

/** Options of {@link Recorder.open}. */
export interface RecorderOptions extends CaptureOptions {
  /** What is recorded: "live" (default), or "pcap:<file>" for a capture replay. */
  source?: string;
  /** Record only this module's probes ("initiator" or "pcap"); default both. */
  module?: ProbeModule;
  /** The counters to snapshot; default a collector of the recorder's own on the same bus and module; false: none. */
  stats?: IscsiStats | false;
  /** Counter snapshot period; 0 takes snapshots only on {@link Recorder.snapshot} and at close. Default 1000. */
  snapshotIntervalMs?: number;
  /** Longest time an event waits before it is posted to the writer. Default 200. */
  flushIntervalMs?: number;
  /** Events accepted and not yet committed, at most; beyond it events are dropped and counted. Default 65536. */
  queueLimit?: number;
  /** A batch is posted as soon as it holds this many records. Default 4096. */
  batchRecords?: number;
  /** Time of snapshots and of the recording's start and end (default the system clock). */
  clock?: { now(): Ns };
}

/** Files this process is recording into: one recorder per file. */
const openFiles = new Set<string>();

const PROBE_SNAPSHOT = "stat:snapshot";

function toolVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { name?: string; version?: string };
    return `${pkg.name ?? "iscsiscope"} ${pkg.version ?? "unknown"}`;
  } catch {
    return "iscsiscope unknown";
  }
}

const hr0 = process.hrtime.bigint();
const epoch0 = BigInt(Date.now()) * 1_000_000n;

/** Wall clock at start-up advanced by the monotonic clock: ns resolution, never backwards (like the initiator's). */
function systemNow(): Ns {
  return epoch0 + (process.hrtime.bigint() - hr0);
}

function checkOptions(o: RecorderOptions): void {
  const positive = (name: string, v: number | undefined, zeroOk: boolean) => {
    if (v !== undefined && (!Number.isInteger(v) || v < (zeroOk ? 0 : 1))) {
      throw new RangeError(`recorder option ${name} must be an integer ${zeroOk ? ">= 0" : ">= 1"}, got ${v}`);
    }
  };
  positive("snapshotIntervalMs", o.snapshotIntervalMs, true);
  positive("flushIntervalMs", o.flushIntervalMs, false);
  positive("queueLimit", o.queueLimit, false);
  positive("batchRecords", o.batchRecords, false);
}

/**
 * A recording in progress. The writer thread keeps the process alive until `close()`: a
 * program that ends without closing would lose its last events, so it does not end.
 *
 * @example
 * const bus = new ProbeBus();
 * const rec = await Recorder.open(bus, "run.sqlite");
 * const ini = new Initiator({ bus });
 * // ... log in, do I/O ...
 * await rec.close();            // everything committed, the worker gone
 * console.log(rec.dropped);     // {} unless the writer fell behind
 */
export class Recorder extends EventEmitter {
  /** The database file, as given. */
  readonly file: string;
  #recordingId = 0;
  private readonly queue: RecordQueue;
  private readonly worker: Worker;
  private readonly clock: { now(): Ns };
  private readonly stats: IscsiStats | undefined;
  private readonly ownStats: boolean;
  private readonly detach: () => void;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly waiters: Array<{ seq: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private acked = 0;
  private writtenRecords = 0;
  private failure: RecordError | undefined;
  private closing: Promise<void> | undefined;
  private exited = false;
  private readonly key: string;

  /**
   * Open (or create) `file`, migrate its schema, start the writer thread and subscribe to
   * `bus`. Resolves when the recording row exists. Rejects with RecordError:
   * ERR_RECORD_SCHEMA (a newer schema version, or not a recording), ERR_RECORD_BUSY (another
   * recorder writes to it), ERR_RECORD_WORKER (SQLite could not open it); RangeError for bad
   * options.
   *
   * @example
   * const rec = await Recorder.open(bus, "capture.sqlite", { source: "pcap:trace.pcap", module: "pcap" });
   */
  static async open(bus: ProbeBus, file: string, opts: RecorderOptions = {}): Promise<Recorder> {
    checkOptions(opts);
    const key = resolve(file);
    if (openFiles.has(key)) throw new RecordError("ERR_RECORD_BUSY", file, `${file}: this process is already recording into it`);
    openFiles.add(key);
    const rec = new Recorder(bus, file, key, opts);
    try {
      await rec.ready();
    } catch (e) {
      await rec.abort();
      throw e;
    }
    return rec;
  }

  private constructor(bus: ProbeBus, file: string, key: string, opts: RecorderOptions) {
    super();
    this.file = file;
    this.key = key;
    this.clock = opts.clock ?? { now: systemNow };
    this.ownStats = opts.stats === undefined;
    this.stats = opts.stats === false ? undefined : opts.stats ?? new IscsiStats(bus, opts.module);
    this.queue = new RecordQueue(opts.queueLimit ?? 65536, opts.batchRecords ?? 4096, (b) => this.post(b));
    this.worker = new Worker(new URL("./worker.js", import.meta.url), { workerData: this.init(opts) });
    this.worker.on("error", (e: unknown) => this.fail(`failed: ${(e as { message?: string } | undefined)?.message ?? String(e)}`, e));
    this.worker.on("exit", (code) => this.onExit(code));
    this.detach = new ProbeCapture(this.queue, opts).attach(bus, opts.module);
    this.timers.push(setInterval(() => this.flushNow(), opts.flushIntervalMs ?? 200));
    const snap = opts.snapshotIntervalMs ?? 1000;
    if (snap > 0 && this.stats) this.timers.push(setInterval(() => this.snapshot(), snap));
    for (const t of this.timers) t.unref();
  }

  private init(opts: RecorderOptions): WorkerInit {
    const options = {
      pdus: opts.pdus ?? false, allTaskTransitions: opts.allTaskTransitions ?? false, snapshotIntervalMs: opts.snapshotIntervalMs ?? 1000,
      flushIntervalMs: opts.flushIntervalMs ?? 200, queueLimit: opts.queueLimit ?? 65536,
    };
    return {
      file: this.file, source: opts.source ?? "live", module: opts.module ?? null, host: hostname(), toolVersion: toolVersion(),
      pid: process.pid, startedT: this.clock.now(), options: JSON.stringify(options),
    };
  }

  private ready(): Promise<void> {
    return new Promise((res, rej) => {
      const onMessage = (m: WorkerMessage) => {
        if (m.type === "ready") {
          this.#recordingId = m.recordingId;
          this.off("error", rej);
          res();
        } else if (m.type === "error") {
          this.failure = new RecordError(m.code as RecordError["code"], this.file, m.message,
            { foundVersion: m.foundVersion, supportedVersion: m.supportedVersion });
          rej(this.failure);
        }
      };
      this.worker.on("message", (m: WorkerMessage) => (m.type === "ack" ? this.onAck(m) : onMessage(m)));
      this.once("error", rej);
    });
  }

  /** The row id of this recording in `recordings`. */
  get recordingId(): number {
    return this.#recordingId;
  }

  /** Events dropped because the queue was full, by probe name ("iscsi:initiator:task:done"). */
  get dropped(): Readonly<Record<string, number>> {
    return Object.fromEntries([...this.queue.drops].map(([probe, d]) => [probe, d.count]));
  }

  /** Records accepted and not yet committed. */
  get pending(): number {
    return this.queue.pending;
  }

  /** Records committed so far (rows of every table, identity rows included). */
  get written(): number {
    return this.writtenRecords;
  }

  /** The error that stopped the recorder, if one did. */
  get error(): RecordError | undefined {
    return this.failure;
  }

  /**
   * Record a counter snapshot now (at `now`, default the recorder's clock). A replay passes
   * capture time. Nothing is recorded while no kstat exists yet.
   *
   * @example
   * rec.snapshot(lastPacketT);
   */
  snapshot(now: Ns = this.clock.now()): void {
    if (this.closing) return;
    this.takeSnapshot(now);
  }

  /** A periodic snapshot may be dropped like an event; the last one, at close, never is. */
  private takeSnapshot(now: Ns, last = false): void {
    if (!this.stats || this.failure) return;
    const kstats = this.stats.snapshot(now);
    if (kstats.length === 0) return;
    if (last) this.queue.force(KIND.snapshot);
    else if (!this.queue.begin(PROBE_SNAPSHOT, KIND.snapshot, now)) return;
    this.queue.obj(kstats);
    this.queue.big(now);
  }

  /**
   * Post everything queued and resolve when the writer has committed it. Rejects with the
   * RecordError that stopped the recorder, if any, or ERR_RECORD_CLOSED after close().
   *
   * @example
   * await rec.flush(); // every event so far is in the file
   */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closing) return Promise.reject(new RecordError("ERR_RECORD_CLOSED", this.file, `recorder for ${this.file} is closed`));
    this.flushNow();
    const seq = this.queue.lastSeq;
    if (this.acked >= seq) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ seq, resolve, reject }));
  }

  /**
   * Stop recording: unsubscribe, take a last snapshot, commit everything, mark the
   * recording ended, checkpoint the WAL and stop the worker. Resolves when the worker has
   * exited; rejects with the RecordError that stopped it, if any. Safe to call twice.
   *
   * @example
   * await rec.close();
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    if (this.failure) {
      await this.abort();
      throw this.failure;
    }
    this.takeSnapshot(this.clock.now(), true);
    this.stopInput();
    this.flushNow();
    const exited = new Promise<void>((res) => (this.exited ? res() : this.worker.once("exit", () => res())));
    this.send({ type: "close", endedT: this.clock.now() });
    await exited;
    openFiles.delete(this.key);
    if (this.failure) throw this.failure;
  }

  /** @internal Test hook: make the worker throw, as a crash would. */
  crashWorkerForTest(): void {
    this.send({ type: "crash" });
  }

  private stopInput(): void {
    this.detach();
    for (const t of this.timers) clearInterval(t);
    if (this.ownStats) this.stats?.close();
  }

  private flushNow(): void {
    if (this.failure) return;
    for (const probe of this.queue.takeChangedDrops()) {
      const d = this.queue.drops.get(probe)!;
      this.queue.force(KIND.drops);
      this.queue.str(probe);
      this.queue.int(d.count);
      this.queue.big(d.firstT);
      this.queue.big(d.lastT);
    }
    this.queue.postBatch();
  }

  private post(b: Batch): void {
    if (this.failure) return;
    this.send({ type: "batch", batch: b }, [b.nums.buffer as ArrayBuffer, b.bigs.buffer as ArrayBuffer]);
  }

  private send(m: MainMessage, transfer: ArrayBuffer[] = []): void {
    if (!this.exited) this.worker.postMessage(m, transfer);
  }

  private onAck(m: Extract<WorkerMessage, { type: "ack" }>): void {
    const seq = m.seq;
    this.acked = seq;
    this.writtenRecords += m.records;
    this.queue.ack(m.records, m.nums, m.bigs);
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].seq <= seq) this.waiters.splice(i, 1)[0].resolve();
    }
  }

  private onExit(code: number): void {
    this.exited = true;
    if (!this.closing || this.queue.pending > 0) this.fail(`exited unexpectedly (exit code ${code})`);
  }

  /** The writer is gone: stop recording, reject every waiter, report once. */
  private fail(what: string, cause?: unknown): void {
    if (this.failure) return;
    this.failure = new RecordError("ERR_RECORD_WORKER", this.file,
      `recorder writer for ${this.file} ${what}; recording stopped with ${this.queue.pending} events not committed`, { cause });
    this.stopInput();
    for (const w of this.waiters.splice(0)) w.reject(this.failure);
    if (this.listenerCount("error") > 0) this.emit("error", this.failure);
    else process.emitWarning(this.failure.message, "RecorderWarning");
    void this.worker.terminate();
  }

  /** Tear down after a failed open or a failure: no more input, worker gone, file released. */
  private async abort(): Promise<void> {
    this.stopInput();
    if (!this.exited) await new Promise<void>((res) => { this.worker.once("exit", () => res()); void this.worker.terminate(); });
    openFiles.delete(this.key);
  }
}
