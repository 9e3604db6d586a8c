/**
 * The writer side of the recorder (runs in the worker thread): decodes each batch by
 * layout.ts and writes it with prepared statements in one transaction. Names (SCSI
 * operation, status, sense key, ASC/ASCQ) are looked up here, off the initiator's thread.
 *
 * Ids: the main thread numbers sessions, connections, tasks and logins from 1 in each
 * recording; the writer adds the table's largest id at open, so rows of several recordings
 * in one file never collide (one live writer per file: the worker refuses a second one).
 */
import type Database from "better-sqlite3";
import { ascName, scsiOpName, senseKeyName, statusName } from "../scsi/index.js";
import type { Kstat } from "../stat/kstat.js";
import { stringifyJson } from "../probe/json.js";
import { BIG_NULL, fieldIndex, KIND, LAYOUT_BY_KIND, type Batch, type KindName, type SlotType } from "./layout.js";

type Statements = ReturnType<typeof prepare>;

/**
 * Every statement, with positional parameters (measured: binding an array is ~1.7x faster
 * than binding named parameters from an object, and this is the writer's hot loop).
 */
function prepare(db: Database.Database) {
  const s = (table: string, cols: string, tail = "") => {
    const n = cols.split(",").length;
    return db.prepare(`INSERT INTO ${table} (${cols}) VALUES (${new Array(n).fill("?").join(", ")}) ${tail}`);
  };
  return {
    session: s("sessions", "id, recording_id, oid, type, initiator_name, target_name, isid, tsih, state, first_t, last_t"),
    conn: s("connections", "id, session_id, cid, local, remote, state, first_t, last_t"),
    transition: s("transitions", "recording_id, object_type, object_id, session_id, from_state, to_state, event, rfc, detail, t"),
    sessionUpdate: db.prepare("UPDATE sessions SET state = ?, tsih = ?, last_t = ? WHERE id = ?"),
    connUpdate: db.prepare("UPDATE connections SET state = ?, local = ?, remote = ?, last_t = ? WHERE id = ?"),
    disconnect: s("disconnects", `recording_id, session_id, connection_id, reason, detail, in_flight, since_last_rx_ns,
      last_nop_rtt_ns, status_class, status_detail, t`),
    loginStart: s("logins", "id, recording_id, session_id, connection_id, attempt, start_t"),
    loginEnsure: db.prepare("INSERT OR IGNORE INTO logins (id, recording_id, session_id, connection_id) VALUES (?, ?, ?, ?)"),
    loginKey: s("login_keys", "login_id, key, offered, answered, result, proposer, rule, t"),
    loginResult: s("logins", "id, recording_id, session_id, connection_id, end_t, status_class, status_detail, status, tsih, duration_ns, redirected_to",
      `ON CONFLICT (id) DO UPDATE SET end_t = excluded.end_t, status_class = excluded.status_class,
      status_detail = excluded.status_detail, status = excluded.status, tsih = excluded.tsih, duration_ns = excluded.duration_ns,
      redirected_to = excluded.redirected_to`),
    lun: s("luns", "session_id, lun, first_t"),
    task: s("tasks", `id, recording_id, session_id, connection_id, lun_id, lun, itt, cmd_sn, op, op_name, lba, length, dir,
      queued_t, sent_t, first_data_t, done_t, response, status, status_name, sense_key, sense_key_name, asc, ascq, asc_name, error,
      bytes, residual, r2t_wait_ns`),
    pdu: s("pdus", `recording_id, connection_id, dir, opcode, kind, itt, ttt, cmd_sn, exp_stat_sn, stat_sn, exp_cmd_sn,
      max_cmd_sn, data_sn, r2t_sn, buffer_offset, data_segment_length, wire_length, t`),
    anomaly: s("anomalies", "recording_id, session_id, connection_id, kind, detail, itt, expected, got, t"),
    recovery: s("recoveries", "recording_id, session_id, attempt, delay_ms, reason, t"),
    snapshot: s("snapshots", "recording_id, t"),
    counter: s("counters", "snapshot_id, seq, module, instance, name, class, crtime, snaptime, data, hist"),
    drops: s("drops", "recording_id, probe, count, first_t, last_t", `ON CONFLICT (recording_id, probe) DO UPDATE SET
      count = excluded.count, first_t = min(first_t, excluded.first_t), last_t = max(last_t, excluded.last_t)`),
  };
}

/** Field positions of every kind: `F.task.lba` is where a task record's LBA was decoded to. */
const F = Object.fromEntries(Object.keys(KIND).map((k) => [k, fieldIndex(k as KindName)])) as Record<KindName, Record<string, number>>;

/** Largest id of each numbered table when the recording started. */
function idBases(db: Database.Database): Record<"session" | "conn" | "task" | "login", number> {
  const max = (table: string) => Number(db.prepare(`SELECT coalesce(max(id), 0) FROM ${table}`).pluck().get());
  return { session: max("sessions"), conn: max("connections"), task: max("tasks"), login: max("logins") };
}

/**
 * @example
 * const writer = new RecordingWriter(db, recordingId);
 * port.on("message", (m) => writer.writeBatch(m.batch)); // one transaction per batch
 */
export class RecordingWriter {
  private readonly st: Statements;
  private readonly bases: ReturnType<typeof idBases>;
  private readonly syms: string[] = [];
  private readonly luns = new Map<number, Map<number, number>>();
  private readonly opNames: string[] = [];
  /** The decoded values of the record being written, in layout order (reused). */
  private readonly values: unknown[] = [];
  private readonly writers: Array<(v: unknown[]) => void>;
  /** Write one batch in one transaction; throws (and rolls back) on any SQLite error. */
  readonly writeBatch: (b: Batch) => void;

  constructor(private readonly db: Database.Database, readonly recordingId: number) {
    this.st = prepare(db);
    this.bases = idBases(db);
    this.writers = this.makeWriters();
    this.writeBatch = db.transaction((b: Batch) => this.decode(b));
  }

  /** Mark the recording ended. */
  end(endedT: bigint): void {
    this.db.prepare("UPDATE recordings SET ended_t = ? WHERE id = ?").run(endedT, this.recordingId);
  }

  private decode(b: Batch): void {
    for (const s of b.syms) this.syms.push(s);
    const { nums, bigs } = b;
    const v = this.values;
    let i = 0;
    let j = 0;
    while (i < b.n) {
      const kind = nums[i++];
      const layout = LAYOUT_BY_KIND[kind];
      if (!layout) throw new Error(`recorder batch ${b.seq}: unknown record kind ${kind} at slot ${i - 1}`);
      const fields = layout.fields;
      for (let k = 0; k < fields.length; k++) {
        const type = fields[k][1];
        if (type === "big") {
          const x = bigs[j++];
          v[k] = x === BIG_NULL ? null : x;
        } else {
          v[k] = this.value(type, nums[i++], b);
        }
      }
      this.writers[kind](v);
    }
    // A subscriber that wrote more or fewer slots than its layout says would show here.
    if (i !== b.n || j !== b.nb) throw new Error(`recorder batch ${b.seq}: decoded ${i}/${j} slots of ${b.n}/${b.nb}: layout and subscriber disagree`);
  }

  private value(type: Exclude<SlotType, "big">, x: number, b: Batch): unknown {
    switch (type) {
      case "int": return Number.isNaN(x) ? null : x;
      case "sym": return x < 0 ? null : this.syms[x];
      case "str": return x < 0 ? null : b.strs[x];
      case "obj": return b.objs[x];
      default: return Number.isNaN(x) ? null : this.bases[type] + x;
    }
  }

  /** One writer per record kind; `v` holds the record's values in layout order, `F.<kind>` says where. */
  private makeWriters(): Array<(v: unknown[]) => void> {
    const st = this.st;
    const rid = this.recordingId;
    const w: Record<KindName, (v: unknown[]) => void> = {
      session: (v) => this.session(v),
      conn: (v, f = F.conn) => st.conn.run(v[f.id], v[f.sessionId], v[f.cid], v[f.local], v[f.remote], v[f.state], v[f.t], v[f.t]),
      sessionState: (v) => this.transition("session", v, F.sessionState),
      connState: (v) => this.transition("conn", v, F.connState),
      taskState: (v) => this.transition("task", v, F.taskState),
      disconnect: (v, f = F.disconnect) => st.disconnect.run(rid, v[f.sessionId], v[f.connId], v[f.reason], v[f.detail], v[f.inFlight],
        v[f.sinceLastRxNs], v[f.lastNopRttNs], v[f.statusClass], v[f.statusDetail], v[f.t]),
      loginStart: (v, f = F.loginStart) => st.loginStart.run(v[f.id], rid, v[f.sessionId], v[f.connId], v[f.attempt], v[f.t]),
      loginKey: (v, f = F.loginKey) => {
        st.loginEnsure.run(v[f.loginId], rid, v[f.sessionId], v[f.connId]);
        st.loginKey.run(v[f.loginId], v[f.key], v[f.offered], v[f.answered], v[f.result], v[f.proposer], v[f.rule], v[f.t]);
      },
      loginResult: (v, f = F.loginResult) => st.loginResult.run(v[f.id], rid, v[f.sessionId], v[f.connId], v[f.t], v[f.statusClass],
        v[f.statusDetail], v[f.status], v[f.tsih], v[f.durationNs], v[f.redirectedTo]),
      task: (v) => this.task(v),
      pdu: (v, f = F.pdu) => st.pdu.run(rid, v[f.connId], v[f.tx] ? "tx" : "rx", v[f.opcode], v[f.kind], v[f.itt], v[f.ttt], v[f.cmdSN],
        v[f.expStatSN], v[f.statSN], v[f.expCmdSN], v[f.maxCmdSN], v[f.dataSN], v[f.r2tSN], v[f.bufferOffset], v[f.dataSegmentLength],
        v[f.wireLength], v[f.t]),
      anomaly: (v, f = F.anomaly) => st.anomaly.run(rid, v[f.sessionId], v[f.connId], v[f.kind], v[f.detail], v[f.itt], v[f.expected],
        v[f.got], v[f.t]),
      recovery: (v, f = F.recovery) => st.recovery.run(rid, v[f.sessionId], v[f.attempt], v[f.delayMs], v[f.reason], v[f.t]),
      snapshot: (v, f = F.snapshot) => this.snapshot(v[f.t] as bigint, v[f.kstats] as Kstat[]),
      drops: (v, f = F.drops) => st.drops.run(rid, v[f.probe], v[f.count], v[f.firstT], v[f.lastT]),
    };
    const out: Array<(v: unknown[]) => void> = [];
    for (const [name, kind] of Object.entries(KIND)) out[kind] = w[name as KindName];
    return out;
  }

  private session(v: unknown[]): void {
    const f = F.session;
    this.st.session.run(v[f.id], this.recordingId, v[f.oid], v[f.type], v[f.initiatorName], v[f.targetName],
      (v[f.isid] as number).toString(16).padStart(12, "0"), v[f.tsih], v[f.state], v[f.t], v[f.t]);
  }

  /** A transition row, and the object's current state for sessions and connections. */
  private transition(type: "session" | "conn" | "task", v: unknown[], f: Record<string, number>): void {
    const sessionId = type === "session" ? v[f.id] : v[f.sessionId];
    this.st.transition.run(this.recordingId, type, v[f.id], sessionId, v[f.from], v[f.to], v[f.event], v[f.rfc], v[f.detail], v[f.t]);
    if (type === "session") this.st.sessionUpdate.run(v[f.to], v[f.tsih], v[f.t], v[f.id]);
    if (type === "conn") this.st.connUpdate.run(v[f.to], v[f.local], v[f.remote], v[f.t], v[f.id]);
  }

  private lunId(sessionId: number, lun: number, t: bigint): number {
    let luns = this.luns.get(sessionId);
    if (!luns) this.luns.set(sessionId, (luns = new Map()));
    let id = luns.get(lun);
    if (id === undefined) {
      id = Number(this.st.lun.run(sessionId, lun, t).lastInsertRowid);
      luns.set(lun, id);
    }
    return id;
  }

  private task(v: unknown[]): void {
    const f = F.task;
    const op = v[f.op] as number;
    const status = v[f.status] as number | null;
    const key = v[f.senseKey] as number | null;
    const asc = v[f.asc] as number | null;
    this.st.task.run(v[f.id], this.recordingId, v[f.sessionId], v[f.connId],
      this.lunId(v[f.sessionId] as number, v[f.lun] as number, v[f.queuedT] as bigint), v[f.lun], v[f.itt], v[f.cmdSN], op,
      this.opName(op), v[f.lba], v[f.length], v[f.dir], v[f.queuedT], v[f.sentT], v[f.firstDataT], v[f.t], v[f.response], status,
      status === null ? null : statusName(status), key, key === null ? null : senseKeyName(key), asc, v[f.ascq],
      asc === null ? null : ascName(asc, v[f.ascq] as number), v[f.error], v[f.bytes], v[f.residual], v[f.r2tWaitNs]);
  }

  private opName(op: number): string {
    let name = this.opNames[op];
    if (name === undefined) name = this.opNames[op] = scsiOpName(op);
    return name;
  }

  private snapshot(t: bigint, kstats: Kstat[]): void {
    const id = this.st.snapshot.run(this.recordingId, t).lastInsertRowid;
    for (const [seq, k] of kstats.entries()) {
      this.st.counter.run(id, seq, k.module, k.instance, k.name, k.class, Math.round(k.crtime), Math.round(k.snaptime),
        stringifyJson(k.data), k.hist === undefined ? null : stringifyJson(k.hist as never));
    }
  }
}
