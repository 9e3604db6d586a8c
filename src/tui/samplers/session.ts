/**
 * One session in depth (the drill-down): its summary and CmdSN window, its connections, its
 * LUNs with their rates and latency, and what it negotiated.
 */
import type { Kstat } from "../../stat/kstat.js";
import { num, str, type IoDerived } from "../derive.js";
import { histMean, histPercentile, mergeHist } from "../hist-delta.js";
import { sessionFacts, targetLabel, type SessionFacts } from "./facts.js";
import { fmtAge, fmtMBps, fmtNs, fmtRate } from "./format.js";
import { orderedSessions, selectedSession } from "./sessions.js";
import { buildTable, type TableSpec } from "./sort.js";
import type { SamplerDef, SamplerInput, TableOut, TextOut } from "./types.js";

function selectedFacts({ history, view }: SamplerInput): SessionFacts | undefined {
  const oid = selectedSession(history, view);
  return oid === undefined ? undefined : sessionFacts(history, oid);
}

/** RFC 1982 serial distance from `a` to `b` (32 bits). */
function serialDiff(a: number, b: number): number {
  return (b - a) >>> 0;
}

/**
 * The `session-summary` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionSummary.sample({ history, view, params: {} }).kind; // "text"
 */
export const sessionSummary: SamplerDef<TextOut> = {
  kind: "text",
  doc: "the selected session: target, state, uptime, ISID/TSIH, CmdSN window and queues, rates and latency, counters",
  sample: (input) => {
    const f = selectedFacts(input);
    if (!f) return { kind: "text", lines: ["No session to show yet.", "", "", "esc back"] };
    const d = f.sess?.data ?? {};
    const order = orderedSessions(input.history, input.view);
    const expSN = num(d.cmd_sn_exp);
    const maxSN = num(d.cmd_sn_max);
    return {
      kind: "text",
      lines: [
        `Session ${f.oid} (${order.indexOf(f.oid) + 1} of ${order.length}): ${targetLabel(f)}  ${f.state}  up ${fmtAge(f.uptimeS)}   j/k other session, esc back`,
        `ISID ${str(d.isid)}  TSIH ${num(d.tsih)}  portal ${f.portal || "-"}  connections ${f.conns} logged in, ${num(d.cntr_conn)} ever  logins ${num(d.logins)}  failed logins ${num(d.login_failures)}`,
        `CmdSN ${num(d.cmd_sn)}  ExpCmdSN ${expSN}  MaxCmdSN ${maxSN}  window ${serialDiff(expSN, (maxSN + 1) >>> 0)}  closed ${num(d.window_closed)} times  pending ${num(d.cntr_pkt_pending)}  active ${num(d.cntr_qactive)}`,
        `r/s ${fmtRate(f.io.rps)} w/s ${fmtRate(f.io.wps)}  MB/s r ${fmtMBps(f.io.krps)} w ${fmtMBps(f.io.kwps)}  avg ${fmtNs(histMean(f.lat))} p99 ${fmtNs(histPercentile(f.lat, 99))}  asvc_t ${f.io.asvcT.toFixed(1)}ms %b ${f.io.pctB.toFixed(0)}  errors ${f.errors}  disconnects ${f.disconnects}  reconnects ${f.reconnects}`,
      ],
    };
  },
};

interface ConnRow {
  cid: number;
  k: Kstat;
  tx: number;
  rx: number;
  txPdus: number;
  rxPdus: number;
}

const KIB = (x: number) => fmtRate(x / 1024);

/**
 * The connections table of the session screen.
 *
 * @example
 * CONNECTIONS_TABLE.columns.map((c) => c.name); // ["CID", "STATE", "LOCAL", "REMOTE", ...]
 */
export const CONNECTIONS_TABLE: TableSpec<ConnRow> = {
  name: "session-connections",
  defaultSort: { column: "CID", desc: true },
  key: (r) => r.cid,
  empty: "no connections",
  columns: [
    { name: "CID", align: "right", width: 3, priority: 0, text: (r) => String(r.cid), value: (r) => r.cid },
    { name: "STATE", align: "left", width: 12, priority: 0, text: (r) => str(r.k.data.state) },
    { name: "LOCAL", align: "left", width: 15, priority: 2, text: (r) => str(r.k.data.local) || "-" },
    { name: "REMOTE", align: "left", width: 15, priority: 1, flex: true, text: (r) => str(r.k.data.remote) || "-" },
    { name: "txKB/s", align: "right", width: 6, priority: 0, text: (r) => KIB(r.tx), value: (r) => r.tx },
    { name: "rxKB/s", align: "right", width: 6, priority: 0, text: (r) => KIB(r.rx), value: (r) => r.rx },
    { name: "txPDU/s", align: "right", width: 6, priority: 3, text: (r) => fmtRate(r.txPdus), value: (r) => r.txPdus },
    { name: "rxPDU/s", align: "right", width: 6, priority: 3, text: (r) => fmtRate(r.rxPdus), value: (r) => r.rxPdus },
    { name: "NOP", align: "right", width: 6, priority: 1, text: (r) => fmtNs(num(r.k.data.nop_rtt_last_ns)), value: (r) => num(r.k.data.nop_rtt_last_ns) },
    { name: "DGST", align: "right", width: 4, priority: 2, text: (r) => String(num(r.k.data.digest_err)), value: (r) => num(r.k.data.digest_err) },
    { name: "TMO", align: "right", width: 3, priority: 2, text: (r) => String(num(r.k.data.timeout_err)), value: (r) => num(r.k.data.timeout_err) },
    { name: "ANOM", align: "right", width: 4, priority: 2, text: (r) => String(num(r.k.data.anomalies)), value: (r) => num(r.k.data.anomalies) },
  ],
};

/**
 * The `session-connections` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionConnections.sample({ history, view, params: {} }).kind; // "table"
 */
export const sessionConnections: SamplerDef<TableOut> = {
  kind: "table",
  doc: "the selected session's connections: state, addresses, bytes and PDUs per second, last NOP round trip, digest errors, timeouts, anomalies",
  sample: (input) => {
    const f = selectedFacts(input);
    const rows: ConnRow[] = [...(f?.kstats.conns ?? new Map<number, Kstat>())].map(([cid, k]) => {
      const d = f?.derived?.conns.get(cid);
      return { cid, k, tx: d?.txBps ?? 0, rx: d?.rxBps ?? 0, txPdus: d?.txPdus ?? 0, rxPdus: d?.rxPdus ?? 0 };
    });
    return buildTable(CONNECTIONS_TABLE, rows, { ...input.view, selected: undefined, filter: "" });
  },
};

interface LunRow {
  lun: number;
  d: IoDerived;
}

const p99 = (d: IoDerived) => histPercentile(mergeHist([d.read, d.write]), 99);

/**
 * The LUN table of the session screen.
 *
 * @example
 * LUNS_TABLE.columns.map((c) => c.name); // ["LUN", "r/s", "w/s", ...]
 */
export const LUNS_TABLE: TableSpec<LunRow> = {
  name: "session-luns",
  defaultSort: { column: "LUN", desc: false },
  key: (r) => r.lun,
  empty: "no I/O to any LUN yet",
  columns: [
    { name: "LUN", align: "right", width: 3, priority: 0, text: (r) => String(r.lun), value: (r) => r.lun },
    { name: "r/s", align: "right", width: 5, priority: 0, text: (r) => fmtRate(r.d.io.rps), value: (r) => r.d.io.rps },
    { name: "w/s", align: "right", width: 5, priority: 0, text: (r) => fmtRate(r.d.io.wps), value: (r) => r.d.io.wps },
    { name: "rMB/s", align: "right", width: 5, priority: 1, text: (r) => fmtMBps(r.d.io.krps), value: (r) => r.d.io.krps },
    { name: "wMB/s", align: "right", width: 5, priority: 1, text: (r) => fmtMBps(r.d.io.kwps), value: (r) => r.d.io.kwps },
    { name: "r avg", align: "right", width: 6, priority: 0, text: (r) => fmtNs(histMean(r.d.read)), value: (r) => histMean(r.d.read) },
    { name: "w avg", align: "right", width: 6, priority: 0, text: (r) => fmtNs(histMean(r.d.write)), value: (r) => histMean(r.d.write) },
    { name: "p99", align: "right", width: 6, priority: 2, text: (r) => fmtNs(p99(r.d)), value: (r) => p99(r.d) },
    { name: "actv", align: "right", width: 4, priority: 2, text: (r) => r.d.io.actv.toFixed(1), value: (r) => r.d.io.actv },
    { name: "asvc_t", align: "right", width: 6, priority: 3, text: (r) => r.d.io.asvcT.toFixed(1), value: (r) => r.d.io.asvcT },
    { name: "%b", align: "right", width: 3, priority: 1, text: (r) => r.d.io.pctB.toFixed(0), value: (r) => r.d.io.pctB },
  ],
};

/**
 * The `session-luns` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionLuns.sample({ history, view, params: {} }).kind; // "table"
 */
export const sessionLuns: SamplerDef<TableOut> = {
  kind: "table",
  doc: "the selected session's LUNs: r/s, w/s, MB/s, read and write latency, active queue, asvc_t, %b",
  sample: (input) => {
    const f = selectedFacts(input);
    const rows: LunRow[] = [...(f?.derived?.luns ?? new Map<number, IoDerived>())].map(([lun, d]) => ({ lun, d }));
    return buildTable(LUNS_TABLE, rows, { ...input.view, selected: undefined, filter: "" });
  },
};

/** The negotiated parameters, when the session kstat carries them (`params`, RFC key names). */
function paramsOf(k: Kstat | undefined): Record<string, string> | undefined {
  return (k as (Kstat & { params?: Record<string, string> }) | undefined)?.params;
}

const STATUS = ["status_good", "status_check_condition", "status_busy", "status_task_set_full", "status_reservation_conflict", "status_other"];

/**
 * The `session-params` sampler (what it shows is its `doc`).
 *
 * @example
 * sessionParams.sample({ history, view, params: {} }).kind; // "text"
 */
export const sessionParams: SamplerDef<TextOut> = {
  kind: "text",
  doc: "what the selected session negotiated (when the kstat carries it) and its command outcomes: SCSI status counts, timeouts, aborts",
  sample: (input) => {
    const f = selectedFacts(input);
    const d = f?.sess?.data ?? {};
    const p = paramsOf(f?.sess);
    const params = p ? Object.entries(p).map(([k, v]) => `${k}=${v}`) : ["negotiated parameters: not in the kstats yet"];
    const status = STATUS.map((s) => `${s.slice(7).replace(/_/g, " ")} ${num(d[s])}`).join(", ");
    return {
      kind: "text",
      lines: [...params, `SCSI status: ${status}`, `commands: ${num(d.cmd_errors)} failed, ${num(d.cmd_timeouts)} timed out, ${num(d.cmd_aborts)} aborted`],
    };
  },
};
