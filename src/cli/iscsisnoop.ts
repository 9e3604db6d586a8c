#!/usr/bin/env node
/**
 * `iscsisnoop FILE`: a post-mortem of a capture. A line per PDU like tshark's summary line
 * (`-v` every field, `--json` NDJSON), with what the replay noticed under each PDU
 * (anomalies, disconnects and their reasons, bytes the capture lost); filters by session,
 * LUN, opcode, ITT, or errors only. `iscsisnoop summary FILE`: sessions with their keys and
 * login timeline, the command mix, service response times, disconnects, anomalies and TCP
 * trouble. `--db OUT.sqlite` records the replay with the flight recorder.
 */
import "./gc.js"; // first: see gc.ts
import type { CaptureEvent, PduEvent } from "../capture/index.js";
import { ProbeBus } from "../probe/bus.js";
import type { AnomalyArgs, DisconnectArgs } from "../probe/catalog.js";
import { stringifyJson, type JsonValue } from "../probe/json.js";
import type { Ns } from "../probe/types.js";
import type { Recorder } from "../record/recorder.js";
import { Replay } from "../replay/index.js";
import { opName } from "../scsi/index.js";
import { IscsiStats } from "../stat/collector.js";
import { Opcode, opcodeName } from "../wire/opcodes.js";
import type { Pdu } from "../wire/types.js";
import { intOption, type CommandSpec, type Parsed } from "./args.js";
import { CAPTURE_OPTIONS, captureOptions, firstEventTime, runCapture } from "./capture-run.js";
import { printJson } from "./common.js";
import { exitWith, report, runCommand } from "./main.js";
import { progressFor } from "./progress.js";
import { openRecorder } from "./recording.js";
import { formatSummary, SnoopSummary } from "./snoop-summary.js";
import { isErrorPdu, pduFields, pduLine, pduLun, pduRecord, type CommandInfo, type SnoopPdu } from "./snoop-format.js";
import { OutputClosed, StdoutLines } from "./stdout-lines.js";
import { UsageError } from "./usage-error.js";

export const ISCSISNOOP: CommandSpec = {
  name: "iscsisnoop",
  summary: "the iSCSI PDUs of a pcap or pcapng capture, a line each, or a summary of its sessions",
  usage: "iscsisnoop [summary] [-v] [--json] [--session N] [--lun N] [--opcode OP] [--itt ITT] [--errors] [--port PORT] [--db OUT.sqlite] FILE",
  options: {
    verbose: { type: "boolean", short: "v", help: "every decoded field of each PDU" },
    json: { type: "boolean", help: "NDJSON, a record per PDU and per event (summary: one JSON document)" },
    session: { type: "string", arg: "N", help: "only session N (the S<N> of the lines)" },
    lun: { type: "string", arg: "N", help: "only PDUs of LUN N" },
    opcode: { type: "string", arg: "OP", help: "only these opcodes: names (scsi-command, data-in, 'SCSI Response') or numbers (0x01), comma-separated" },
    itt: { type: "string", arg: "ITT", help: "only PDUs with this Initiator Task Tag (0x... or decimal)" },
    errors: { type: "boolean", short: "e", help: "only what went wrong: non-GOOD status, refused logins, rejects, async events, bad digests, anomalies, disconnects" },
    db: { type: "string", arg: "OUT.sqlite", help: "record the replay into a flight-recorder file (iscsiscope report --db reads it)" },
    progress: { type: "boolean", help: "a progress bar on stderr (default: when stderr is a terminal and the file is over 64 MiB)" },
    "no-progress": { type: "boolean", help: "no progress bar" },
    ...CAPTURE_OPTIONS,
  },
  positionals: ["[summary]", "FILE..."],
  required: 1,
  help: `Times are seconds since the capture's first iSCSI frame. S<N> is the session the replay
rebuilt (from its login when the capture holds it). Lines under a PDU: '!' an anomaly the
replay saw, '=' a connection's end and why, '~' bytes the capture lost, '?' bytes that are
not a valid PDU.
Examples:  iscsisnoop night.pcapng      iscsisnoop -e --lun 1 night.pcapng
           iscsisnoop summary --port 3261 night.pcap      iscsisnoop --json --opcode scsi-response night.pcap`,
};

/** Opcode names accepted by --opcode: our PDU kinds, the probe names, Wireshark's names. */
const OPCODE_BY_NAME = new Map<string, number>();
const KINDS: Record<string, number> = {
  "nop-out": 0x00, "scsi-command": 0x01, "task-request": 0x02, "task-command": 0x02, "login-request": 0x03, "login-command": 0x03,
  "text-request": 0x04, "text-command": 0x04, "data-out": 0x05, "logout-request": 0x06, "logout-command": 0x06, snack: 0x10,
  "nop-in": 0x20, "scsi-response": 0x21, "task-response": 0x22, "login-response": 0x23, "text-response": 0x24, "data-in": 0x25,
  "logout-response": 0x26, r2t: 0x31, "async-message": 0x32, reject: 0x3f,
};
for (const [k, v] of Object.entries(KINDS)) OPCODE_BY_NAME.set(k, v);
for (const v of Object.values(Opcode)) OPCODE_BY_NAME.set(opcodeName(v).toLowerCase(), v);

function opcodeFilter(v: unknown): Set<number> | undefined {
  if (v === undefined) return undefined;
  const out = new Set<number>();
  for (const word of String(v).split(",").map((x) => x.trim().toLowerCase()).filter(Boolean)) {
    const n = /^(0x[0-9a-f]+|\d+)$/.test(word) ? Number(word) : OPCODE_BY_NAME.get(word);
    if (n === undefined || !(n >= 0 && n <= 0x3f)) {
      throw new UsageError(`--opcode: unknown opcode '${word}'; use a number 0x00..0x3f or one of ${Object.keys(KINDS).join(", ")}`);
    }
    out.add(n);
  }
  return out;
}

function ittFilter(v: unknown): number | undefined {
  if (v === undefined) return undefined;
  const n = /^(0x[0-9a-f]{1,8}|\d+)$/i.test(String(v)) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 0xffffffff)) throw new UsageError(`--itt must be a task tag such as 0x1a or 26, got '${v}'`);
  return n;
}

interface Filters {
  session: number | undefined;
  lun: string | undefined;
  opcodes: Set<number> | undefined;
  itt: number | undefined;
  errors: boolean;
}

function filters(v: Parsed["values"]): Filters {
  return {
    session: v.session === undefined ? undefined : intOption(v.session, "session", 0, 1, 2 ** 31),
    lun: v.lun === undefined ? undefined : String(intOption(v.lun, "lun", 0, 0, 16383)),
    opcodes: opcodeFilter(v.opcode),
    itt: ittFilter(v.itt),
    errors: v.errors === true,
  };
}

function passes(f: Filters, x: SnoopPdu, lun: string | undefined): boolean {
  if (f.session !== undefined && x.session !== f.session) return false;
  if (f.opcodes && !f.opcodes.has(x.e.opcode)) return false;
  if (f.itt !== undefined && (x.e.pdu as Pdu & { itt?: number }).itt !== f.itt) return false;
  if (f.lun !== undefined && lun !== f.lun) return false;
  return !f.errors || isErrorPdu(x);
}

export async function runIscsisnoop(p: Parsed): Promise<number> {
  const [first, second, extra] = p.positionals;
  const summaryMode = first === "summary" && second !== undefined;
  const file = summaryMode ? second : first;
  if (extra !== undefined || (!summaryMode && second !== undefined)) {
    throw new UsageError(`one capture file at a time; usage: ${ISCSISNOOP.usage}`);
  }
  const v = p.values;
  const f = filters(v);
  const bus = new ProbeBus();
  const replay = new Replay(bus);
  let recorder: Recorder | undefined;
  let stats: IscsiStats | undefined;
  let captureNow: Ns = 0n;
  const bar = progressFor(file, v, !summaryMode);
  const opts = {
    ...captureOptions(v), replay, recorder: undefined as Recorder | undefined, every: undefined as { ns: Ns; fn: (t: Ns) => void } | undefined,
    onProgress: bar ? (done: number, total: number) => bar.update(done, total) : undefined,
  };
  if (typeof v.db === "string") {
    captureNow = (await firstEventTime(file, opts)) ?? 0n;
    stats = new IscsiStats(bus, "pcap");
    // The recording's clock is capture time: a snapshot per second of it, and one at the end.
    const clock = { now: () => captureNow, setTimer: () => ({ cancel() {} }) };
    recorder = await openRecorder(bus, v.db, { source: `pcap:${file}`, module: "pcap", snapshots: { stats, clock, intervalS: 0 }, pdus: true });
    opts.recorder = recorder;
    opts.every = { ns: 1_000_000_000n, fn: (t: Ns) => recorder!.snapshot((captureNow = t)) };
  }
  try {
    if (summaryMode) {
      const sum = new SnoopSummary(bus);
      const r = await runCapture(file, bus, { ...opts, before: (e) => warnOf(file, e) });
      bar?.end();
      const j = sum.toJson(r.summary, r.replay, r.firstT, r.lastT);
      if (v.json) printJson(j);
      else console.log(formatSummary(j));
    } else {
      await listPdus(file, bus, replay, f, v, opts);
    }
  } catch (e) {
    if (!(e instanceof OutputClosed)) throw e;
  } finally {
    bar?.end();
    if (recorder) {
      await recorder.close();
      const dropped = Object.values(recorder.dropped).reduce((a, b) => a + b, 0);
      console.error(`iscsisnoop: recorded into ${recorder.file}${dropped ? `; ${dropped} events dropped (see iscsiscope report --db)` : ""}`);
    }
    stats?.close();
  }
  return 0;
}

/** The line-per-PDU listing. */
async function listPdus(file: string, bus: ProbeBus, replay: Replay, f: Filters, v: Parsed["values"], opts: Parameters<typeof runCapture>[2]): Promise<void> {
  const out = new StdoutLines();
  const json = v.json === true;
  const verbose = v.verbose === true;
  const pduOnly = f.lun !== undefined || f.opcodes !== undefined || f.itt !== undefined;
  let base: Ns | undefined;
  let anomalies: string[] = [];
  let notes: Array<{ session: number; line: string; record: { [k: string]: JsonValue } }> = [];
  bus.subscribe("iscsi:pcap:anomaly:*", (a) => {
    const x = a as AnomalyArgs;
    anomalies.push(`${x.kind}: ${x.detail}`);
  });
  bus.on("conn:disconnect", (a: DisconnectArgs) => {
    notes.push({
      session: a.conn.session.oid, line: `= S${a.conn.session.oid} ${a.conn.local} -> ${a.conn.remote} ended: ${a.reason} (${a.detail})`,
      record: { type: "disconnect", t: a.t, session: a.conn.session.oid, connection: `${a.conn.local} -> ${a.conn.remote}`, reason: a.reason, detail: a.detail, inFlight: a.inFlight },
    });
  }, "pcap");
  let command: CommandInfo | undefined;
  const rel = (t: Ns) => Number(t - (base ?? t)) / 1e9;
  const before = (e: CaptureEvent) => {
    command = undefined;
    anomalies = [];
    if (e.type !== "pdu" || e.pdu.kind === "scsi-command") return;
    const conn = replay.connOf(e.conn);
    const itt = (e.pdu as Pdu & { itt?: number }).itt;
    const task = itt === undefined ? undefined : conn?.session.tasks.get(itt);
    if (task) command = { name: opName(task.cdb), lun: task.lun, sentT: task.sentT };
  };
  const after = (e: CaptureEvent): Promise<void> | undefined => {
    if ("time" in e) base ??= e.time;
    warnOf(file, e);
    if (e.type === "pdu") printPdu(e);
    else printEvent(e);
    const pending = notes;
    notes = [];
    if (!pduOnly) {
      for (const n of pending) {
        if (f.session !== undefined && n.session !== f.session) continue;
        if (f.errors && n.record.reason === "user-logout") continue;
        if (json) out.line(stringifyJson(n.record));
        else out.line(`        ${n.line}`);
      }
    }
    return out.waitIfFull();
  };
  const printPdu = (e: PduEvent) => {
    const conn = replay.connOf(e.conn);
    const x: SnoopPdu = { e, rel: rel(e.time), session: conn?.session.oid, cid: conn?.cid, command, anomalies };
    if (!passes(f, x, pduLun(e.pdu, x.command))) return;
    if (json) return out.line(stringifyJson(pduRecord(x)));
    out.line(pduLine(x));
    if (verbose) for (const l of pduFields(x)) out.line(l);
    for (const a of anomalies) out.line(`        ! ${a}`);
  };
  const printEvent = (e: CaptureEvent) => {
    if (pduOnly || e.type === "pdu" || e.type === "end" || e.type === "connection" || e.type === "tcp-trouble") return;
    const conn = e.type === "warning" ? undefined : replay.connOf(e.conn);
    if (f.session !== undefined && e.type !== "warning" && conn?.session.oid !== f.session) return;
    let line: string | undefined;
    let record: { [k: string]: JsonValue } | undefined;
    if (e.type === "gap") {
      line = `~ ${e.conn.key}: ${e.length} bytes from the ${e.direction === "initiator->target" ? "initiator" : "target"} not in the capture (${e.reason === "snaplen" ? "cut by snaplen" : "lost"})`;
      record = { type: "gap", frame: e.frame, t: e.time, connection: e.conn.key, direction: e.direction, offset: e.offset, length: e.length, reason: e.reason };
    } else if (e.type === "malformed") {
      line = `? ${e.conn.key}: ${e.message}`;
      record = { type: "malformed", frame: e.frame, t: e.time, connection: e.conn.key, direction: e.direction, reason: e.reason, offset: e.offset, skipped: e.skipped, message: e.message };
    } else if (e.type === "warning") {
      if (!json) return; // on stderr, see warnOf
      record = { type: "warning", code: e.code, fileOffset: e.fileOffset, frame: e.frame ?? null, message: e.message };
      line = "";
    } else if (e.type === "tcp" && anomalies.length > 0) {
      for (const a of anomalies) out.line(json ? stringifyJson({ type: "anomaly", frame: e.frame, t: e.time, detail: a }) : `        ! ${a}`);
      return;
    }
    if (line === undefined || record === undefined) return;
    if (f.errors && e.type === "malformed" && (e.reason === "mid-stream")) return;
    out.line(json ? stringifyJson(record) : `        ${line}`);
  };
  try {
    await runCapture(file, bus, { ...opts, before, after });
  } finally {
    await out.end();
  }
}

/** A problem with the file itself (a record cut short, a frame that cannot be read): one line on stderr. */
function warnOf(file: string, e: CaptureEvent): void {
  if (e.type === "warning") console.error(`iscsisnoop: ${file}: ${e.message}`);
}

if (process.argv[1]?.endsWith("iscsisnoop.js")) {
  runCommand("iscsisnoop", { spec: ISCSISNOOP, run: runIscsisnoop }, process.argv.slice(2)).then(exitWith, (e) => exitWith(report("iscsisnoop", e)));
}
