/**
 * The fake target's record of everything it did: each PDU received and sent, and each event
 * (bad input, faults applied, connections opened and closed), in order, for assertions.
 */
import type { Pdu, PduKind } from "../../../src/wire/types.js";

/** Things the target notes besides PDUs. */
export type FakeEventName =
  | "connect" | "close" | "login-complete" | "login-failed" | "garbage" | "header-digest-error"
  | "data-digest-error" | "framing-error" | "protocol-error" | "out-of-window" | "hook" | "stall"
  | "fault" | "window" | "internal-error";

interface EntryBase {
  /** Position in the log, from 1. */
  seq: number;
  /** Milliseconds since the target started. */
  t: number;
  /** The connection's id ({@link FakeConnection.id}); 0 for target-wide events. */
  conn: number;
}

export interface PduEntry extends EntryBase {
  dir: "in" | "out";
  pdu: Pdu;
  /** Bytes on the wire. */
  length: number;
}

export interface EventEntry extends EntryBase {
  dir: "event";
  event: FakeEventName;
  detail: string;
}

export type LogEntry = PduEntry | EventEntry;

type PduOf<K extends PduKind> = Extract<Pdu, { kind: K }>;

/** What {@link PduLog.waitFor} matches. */
export type LogMatch = (e: LogEntry) => boolean;

interface Waiter {
  match: LogMatch;
  since: number;
  resolve(e: LogEntry): void;
}

/**
 * @example
 * const rejects = target.log.sent("reject");
 * assert.equal(rejects[0].reason, 0x09);
 * await target.log.waitFor((e) => e.dir === "event" && e.event === "close");
 */
export class PduLog {
  readonly entries: LogEntry[] = [];
  private readonly t0 = performance.now();
  private waiters: Waiter[] = [];

  /** @internal */
  add(e: Omit<PduEntry, "seq" | "t"> | Omit<EventEntry, "seq" | "t">): void {
    const entry = { ...e, seq: this.entries.length + 1, t: performance.now() - this.t0 } as LogEntry;
    this.entries.push(entry);
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (entry.seq > w.since && w.match(entry)) w.resolve(entry);
      else still.push(w);
    }
    this.waiters = still;
  }

  /** The seq of the last entry: pass it as `since` to wait only for what comes next. */
  mark(): number {
    return this.entries.length;
  }

  /** PDUs of `kind` the target received, optionally on one connection. */
  received<K extends PduKind>(kind: K, conn?: number): PduOf<K>[] {
    return this.pdus("in", kind, conn);
  }

  /** PDUs of `kind` the target sent, optionally on one connection. */
  sent<K extends PduKind>(kind: K, conn?: number): PduOf<K>[] {
    return this.pdus("out", kind, conn);
  }

  /** Events of one name. */
  events(name: FakeEventName): EventEntry[] {
    return this.entries.filter((e): e is EventEntry => e.dir === "event" && e.event === name);
  }

  private pdus<K extends PduKind>(dir: "in" | "out", kind: K, conn: number | undefined): PduOf<K>[] {
    const out: PduOf<K>[] = [];
    for (const e of this.entries) {
      if (e.dir === dir && e.pdu.kind === kind && (conn === undefined || e.conn === conn)) out.push(e.pdu as PduOf<K>);
    }
    return out;
  }

  /**
   * The first entry after `since` (default: the start of the log) that matches; rejects
   * after `timeoutMs` (default 2000) with the log in the message.
   */
  waitFor(match: LogMatch, opts: { since?: number; timeoutMs?: number } = {}): Promise<LogEntry> {
    const since = opts.since ?? 0;
    const hit = this.entries.find((e) => e.seq > since && match(e));
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`fake target: nothing matched within ${opts.timeoutMs ?? 2000} ms; log:\n${this.toString()}`));
      }, opts.timeoutMs ?? 2000);
      const waiter: Waiter = { match, since, resolve: (e) => { clearTimeout(timer); resolve(e); } };
      this.waiters.push(waiter);
    });
  }

  /** One line per entry, for failure messages. */
  toString(): string {
    return this.entries.map(formatEntry).join("\n");
  }
}

function formatEntry(e: LogEntry): string {
  const head = `${String(e.seq).padStart(4)} ${e.t.toFixed(1).padStart(8)}ms c${e.conn}`;
  if (e.dir === "event") return `${head} ** ${e.event}: ${e.detail}`;
  const p = e.pdu as unknown as Record<string, unknown>;
  const fields = ["itt", "ttt", "cmdSN", "statSN", "expCmdSN", "maxCmdSN", "dataSN", "r2tSN", "bufferOffset", "reason", "status"]
    .filter((k) => typeof p[k] === "number")
    .map((k) => `${k}=${(p[k] as number) === 0xffffffff ? "-1" : p[k]}`);
  return `${head} ${e.dir === "in" ? "<-" : "->"} ${e.pdu.kind} ${fields.join(" ")} len=${e.length}`;
}
