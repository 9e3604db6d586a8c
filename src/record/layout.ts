/**
 * The records that cross from the main thread to the writer thread, as slots in a
 * Float64Array (transferred, not copied). One table here is read by both sides: the
 * subscribers (encode.ts) write each record's slots in this order, the writer (write.ts)
 * decodes them by this list and checks that each batch decodes to exactly the slots it holds,
 * so the two cannot drift apart silently (test/record/recorder.test.ts writes every kind and
 * reads back its exact values).
 *
 * Slot types:
 * - `int`  a number (NaN for null): counts, sequence numbers, status bytes;
 * - `big`  a 64-bit integer in the batch's BigInt64Array (INT64_MIN for null): times and
 *          durations in nanoseconds, LBAs — exact, and stored without allocating;
 * - `sym`  an interned string (states, events, reasons, key names): an id, -1 for null;
 * - `str`  a free-text string (details, values): an index into the batch's strings, -1 null;
 * - `obj`  a structured-cloned object (a counter snapshot): an index into the batch's objects;
 * - `session` / `conn` / `task` / `login`: a recorder-local id, mapped to the row id by the
 *          writer (NaN for null).
 */

export type SlotType = "int" | "big" | "sym" | "str" | "obj" | "session" | "conn" | "task" | "login";

export interface RecordLayout {
  readonly name: string;
  readonly fields: ReadonlyArray<readonly [string, SlotType]>;
}

const STATE_FIELDS = [["from", "sym"], ["to", "sym"], ["event", "sym"], ["rfc", "sym"], ["detail", "str"], ["t", "big"]] as const;

/**
 * Record kinds, numbered from 1 (0 never appears in a batch).
 *
 * @example
 * LAYOUT_BY_KIND[KIND.task]?.fields.length; // 23
 */
export const KIND = {
  session: 1, conn: 2, sessionState: 3, connState: 4, taskState: 5, disconnect: 6, loginStart: 7, loginKey: 8,
  loginResult: 9, task: 10, pdu: 11, anomaly: 12, recovery: 13, snapshot: 14, drops: 15,
} as const;

export type KindName = keyof typeof KIND;

/**
 * The slots of every kind, in the order the subscriber writes them.
 *
 * @example
 * LAYOUT.recovery.fields; // [["sessionId", "session"], ["attempt", "int"], ["delayMs", "int"], ["reason", "sym"], ["t", "big"]]
 */
export const LAYOUT: { readonly [K in KindName]: RecordLayout } = {
  session: {
    name: "session",
    fields: [["id", "session"], ["oid", "int"], ["type", "sym"], ["initiatorName", "str"], ["targetName", "str"],
      ["isid", "int"], ["tsih", "int"], ["state", "sym"], ["t", "big"]],
  },
  conn: {
    name: "conn",
    fields: [["id", "conn"], ["sessionId", "session"], ["cid", "int"], ["local", "str"], ["remote", "str"], ["state", "sym"], ["t", "big"]],
  },
  sessionState: { name: "sessionState", fields: [["id", "session"], ["tsih", "int"], ...STATE_FIELDS] },
  connState: { name: "connState", fields: [["id", "conn"], ["sessionId", "session"], ["local", "str"], ["remote", "str"], ...STATE_FIELDS] },
  taskState: { name: "taskState", fields: [["id", "task"], ["sessionId", "session"], ...STATE_FIELDS] },
  disconnect: {
    name: "disconnect",
    fields: [["connId", "conn"], ["sessionId", "session"], ["reason", "sym"], ["detail", "str"], ["inFlight", "int"],
      ["sinceLastRxNs", "big"], ["lastNopRttNs", "big"], ["statusClass", "int"], ["statusDetail", "int"], ["t", "big"]],
  },
  loginStart: { name: "loginStart", fields: [["id", "login"], ["connId", "conn"], ["sessionId", "session"], ["attempt", "int"], ["t", "big"]] },
  loginKey: {
    name: "loginKey",
    fields: [["loginId", "login"], ["connId", "conn"], ["sessionId", "session"], ["key", "sym"], ["offered", "str"],
      ["answered", "str"], ["result", "str"], ["proposer", "sym"], ["rule", "sym"], ["t", "big"]],
  },
  loginResult: {
    name: "loginResult",
    fields: [["id", "login"], ["connId", "conn"], ["sessionId", "session"], ["statusClass", "int"], ["statusDetail", "int"],
      ["status", "sym"], ["tsih", "int"], ["durationNs", "big"], ["redirectedTo", "str"], ["t", "big"]],
  },
  task: {
    name: "task",
    fields: [["id", "task"], ["sessionId", "session"], ["connId", "conn"], ["lun", "int"], ["itt", "int"], ["cmdSN", "int"],
      ["op", "int"], ["lba", "big"], ["length", "int"], ["dir", "sym"], ["queuedT", "big"], ["sentT", "big"], ["firstDataT", "big"],
      ["response", "int"], ["status", "int"], ["senseKey", "int"], ["asc", "int"], ["ascq", "int"], ["error", "sym"],
      ["bytes", "int"], ["residual", "int"], ["r2tWaitNs", "big"], ["t", "big"]],
  },
  pdu: {
    name: "pdu",
    fields: [["connId", "conn"], ["tx", "int"], ["opcode", "int"], ["kind", "sym"], ["itt", "int"], ["ttt", "int"],
      ["cmdSN", "int"], ["expStatSN", "int"], ["statSN", "int"], ["expCmdSN", "int"], ["maxCmdSN", "int"], ["dataSN", "int"],
      ["r2tSN", "int"], ["bufferOffset", "int"], ["dataSegmentLength", "int"], ["wireLength", "int"], ["t", "big"]],
  },
  anomaly: {
    name: "anomaly",
    fields: [["connId", "conn"], ["sessionId", "session"], ["kind", "sym"], ["detail", "str"], ["itt", "int"],
      ["expected", "int"], ["got", "int"], ["t", "big"]],
  },
  recovery: { name: "recovery", fields: [["sessionId", "session"], ["attempt", "int"], ["delayMs", "int"], ["reason", "sym"], ["t", "big"]] },
  snapshot: { name: "snapshot", fields: [["kstats", "obj"], ["t", "big"]] },
  drops: { name: "drops", fields: [["probe", "str"], ["count", "int"], ["firstT", "big"], ["lastT", "big"]] },
};

/** The null of a `big` slot. */
export const BIG_NULL = -(2n ** 63n);

/** Layouts by kind number, for the decoder. */
export const LAYOUT_BY_KIND: ReadonlyArray<RecordLayout | undefined> = (() => {
  const out: Array<RecordLayout | undefined> = [];
  for (const [name, k] of Object.entries(KIND)) out[k] = LAYOUT[name as KindName];
  return out;
})();

/** The most slots any record takes, its kind slot included. */
export const MAX_SLOTS = 1 + Math.max(...Object.values(LAYOUT).map((l) => l.fields.length));

/**
 * Position of each field in a record of `kind`, for reading decoded values by name.
 *
 * @example
 * const f = fieldIndex("task");
 * const lba = values[f.lba];
 */
export function fieldIndex<K extends KindName>(kind: K): Record<string, number> {
  return Object.fromEntries(LAYOUT[kind].fields.map(([name], i) => [name, i]));
}

/** What the main thread posts: one batch of records, committed by the writer in one transaction. */
export interface Batch {
  seq: number;
  /** Slot arrays (whole, transferred) and how many slots of each are used. */
  nums: Float64Array;
  bigs: BigInt64Array;
  n: number;
  nb: number;
  /** Records in the batch. */
  records: number;
  /** Strings interned since the previous batch, ids continuing where it stopped. */
  syms: string[];
  strs: string[];
  objs: unknown[];
}

/** Messages from the writer thread. */
export type WorkerMessage =
  | { type: "ready"; recordingId: number }
  | { type: "ack"; seq: number; records: number; nums: Float64Array; bigs: BigInt64Array }
  | { type: "error"; code: string; message: string; foundVersion?: number; supportedVersion?: number }
  | { type: "closed" };

/** Messages to the writer thread. */
export type MainMessage =
  | { type: "batch"; batch: Batch }
  | { type: "close"; endedT: bigint }
  | { type: "crash" };
