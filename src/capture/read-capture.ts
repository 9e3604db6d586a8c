/**
 * The public entry points: a capture file (or bytes) in, iSCSI events out, streaming.
 *
 * - {@link readCapture}: an async iterable of events, reading ahead at most 4096 events or
 *   16 MiB of PDUs (and a chunk) past what the consumer has taken (backpressure).
 * - {@link decodeCapture}: push-style, each event to a callback as it is decided.
 * - {@link decodeCaptureBytes}: the same over bytes in memory, synchronously.
 *
 * All three end with an `end` event carrying the {@link CaptureSummary}, and fail only with
 * {@link CaptureError} (the file cannot be read as a capture).
 */
import { CaptureDecoder, resolveOptions } from "./decoder.js";
import { pumpBytes, pumpFile, type PumpControl } from "./source.js";
import type { CaptureEvent, CaptureOptions, CaptureSummary } from "./types.js";

/**
 * Events queued before the reader waits for the consumer, and bytes of PDUs queued (a queued
 * PDU keeps its bytes, and the chunk it lies in, alive: 4096 Data-In PDUs of 256 KiB would
 * be 1 GiB). The reader goes on once both are below the low marks.
 */
const HIGH_WATER = 4096;
const LOW_WATER = 1024;
const HIGH_WATER_BYTES = 16 << 20;
const LOW_WATER_BYTES = 4 << 20;

/**
 * Decode `file`, calling `onEvent` for each event in capture order; resolves with the
 * summary (also the last event). Rejects with {@link CaptureError} when the file is not a
 * readable capture; bad traffic inside it never rejects.
 *
 * @example
 * const summary = await decodeCapture("fixtures/pcap/tgtd-login.pcap", (e) => {
 *   if (e.type === "pdu") console.log(e.frame, e.direction, e.pdu.kind);
 * });
 * console.log(summary.verdict); // "14 PDUs on 1 iSCSI connection(s)"
 */
export async function decodeCapture(file: string, onEvent: (e: CaptureEvent) => void, opts: CaptureOptions = {}): Promise<CaptureSummary> {
  const decoder = new CaptureDecoder(file, "pcap", resolveOptions(opts), onEvent);
  decoder.summary.format = await pumpFile(file, decoder, { gate: () => undefined, cancelled: () => false, progress: opts.onProgress });
  return decoder.finish();
}

/**
 * {@link decodeCapture} over a capture held in memory (`name` is used in messages). Throws
 * {@link CaptureError} synchronously for bytes that are not a capture. pcap-parser queues
 * one small process.nextTick per classic pcap it reads: a long synchronous loop of calls
 * should yield to the event loop now and then (the fuzz test does, every 1000 inputs).
 *
 * @example
 * const events: CaptureEvent[] = [];
 * const summary = decodeCaptureBytes(bytes, (e) => events.push(e), { name: "synthetic.pcap" });
 */
export function decodeCaptureBytes(bytes: Uint8Array, onEvent: (e: CaptureEvent) => void, opts: CaptureOptions & { name?: string } = {}): CaptureSummary {
  const name = opts.name ?? "capture";
  const decoder = new CaptureDecoder(name, "pcap", resolveOptions(opts), onEvent);
  decoder.summary.format = pumpBytes(name, bytes, decoder);
  return decoder.finish();
}

/** An async iterable of a capture's events; `summary` is set once the `end` event is out. */
export interface CaptureStream extends AsyncIterable<CaptureEvent> {
  readonly summary: CaptureSummary | undefined;
}

/**
 * Iterate over the events of `file` as it is read. Breaking out of the loop stops reading
 * and closes the file. The iterator throws {@link CaptureError} for an unreadable file.
 *
 * @example
 * for await (const e of readCapture("capture.pcapng", { ports: [3260, 3261] })) {
 *   if (e.type === "gap") console.log(`${e.conn.key} ${e.direction}: ${e.length} bytes lost (${e.reason})`);
 *   if (e.type === "end") console.log(e.summary.verdict);
 * }
 */
export function readCapture(file: string, opts: CaptureOptions = {}): CaptureStream {
  const resolved = resolveOptions(opts);
  let summary: CaptureSummary | undefined;
  return {
    get summary() {
      return summary;
    },
    [Symbol.asyncIterator]: () => new EventQueue(file, resolved, (s) => (summary = s), opts.onProgress),
  };
}

/** What a taken queue slot holds (an event that keeps nothing alive). */
const EMPTY_SLOT: CaptureEvent = { type: "warning", code: "bad-frame", fileOffset: 0, frame: undefined, message: "" };

/** The iterator behind {@link readCapture}: a bounded queue between the reader and the consumer. */
class EventQueue implements AsyncIterator<CaptureEvent> {
  #queue: CaptureEvent[] = [];
  #head = 0;
  /** Wire bytes of the PDUs in the queue. */
  #bytes = 0;
  #done = false;
  #error: unknown;
  #cancelled = false;
  #wake: (() => void) | undefined;
  #resume: (() => void) | undefined;
  readonly #pump: Promise<void>;

  constructor(file: string, opts: ReturnType<typeof resolveOptions>, onSummary: (s: CaptureSummary) => void, progress?: CaptureOptions["onProgress"]) {
    const decoder = new CaptureDecoder(file, "pcap", opts, (e) => this.#push(e));
    const control: PumpControl = {
      gate: () => ((this.#size() < HIGH_WATER && this.#bytes < HIGH_WATER_BYTES) || this.#cancelled
        ? undefined : new Promise<void>((r) => (this.#resume = r))),
      cancelled: () => this.#cancelled,
      progress,
    };
    this.#pump = pumpFile(file, decoder, control).then((format) => {
      if (this.#cancelled) return;
      decoder.summary.format = format;
      onSummary(decoder.finish());
    }).catch((e: unknown) => {
      this.#error = e;
    }).finally(() => {
      this.#done = true;
      this.#wakeUp();
    });
  }

  async next(): Promise<IteratorResult<CaptureEvent>> {
    for (;;) {
      if (this.#size() > 0) {
        const e = this.#queue[this.#head];
        // Let go of what the consumer has taken: a queue slot keeping a 256 KiB Data-In kept
        // ~200 MiB of taken events alive until the next compaction.
        this.#queue[this.#head++] = EMPTY_SLOT;
        if (e.type === "pdu") this.#bytes -= e.length;
        if (this.#head === this.#queue.length) {
          this.#queue.length = 0;
          this.#head = 0;
        } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
          this.#queue = this.#queue.slice(this.#head);
          this.#head = 0;
        }
        if (this.#size() <= LOW_WATER && this.#bytes <= LOW_WATER_BYTES) this.#release();
        return { value: e, done: false };
      }
      if (this.#error !== undefined) {
        const e = this.#error;
        this.#error = undefined;
        throw e;
      }
      if (this.#done) return { value: undefined, done: true };
      await new Promise<void>((r) => (this.#wake = r));
    }
  }

  async return(): Promise<IteratorResult<CaptureEvent>> {
    this.#cancelled = true;
    this.#release();
    await this.#pump;
    this.#queue = [];
    this.#head = 0;
    this.#bytes = 0;
    return { value: undefined, done: true };
  }

  #size(): number {
    return this.#queue.length - this.#head;
  }

  #push(e: CaptureEvent): void {
    if (this.#cancelled) return;
    if (e.type === "pdu") this.#bytes += e.length;
    this.#queue.push(e);
    this.#wakeUp();
  }

  #wakeUp(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  #release(): void {
    const r = this.#resume;
    this.#resume = undefined;
    r?.();
  }
}
