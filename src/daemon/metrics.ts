/**
 * The counters in the Prometheus text exposition format (version 0.0.4), `iscsi_*` with
 * session, target, portal and LUN labels, so that hosts beyond one machine are watched with
 * Prometheus. Served on a loopback address by default.
 */
import { createServer, type Server } from "node:http";
import { IscsiError } from "../errors.js";
import { parsePortal } from "../initiator/options.js";
import type { Kstat } from "../stat/kstat.js";

type Labels = Record<string, string | number>;

interface Family {
  help: string;
  type: "counter" | "gauge" | "histogram";
  samples: string[];
}

/** A label value escaped as the format requires: backslash, double quote, newline. */
function esc(v: string | number): string {
  return String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function labels(l: Labels): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${esc(v)}"`);
  return parts.length ? `{${parts.join(",")}}` : "";
}

class Exposition {
  private readonly families = new Map<string, Family>();

  add(name: string, type: Family["type"], help: string, l: Labels, value: number): void {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type, samples: [] };
      this.families.set(name, f);
    }
    f.samples.push(`${name}${labels(l)} ${Number.isFinite(value) ? value : 0}`);
  }

  /** A histogram from log2 nanosecond buckets: cumulative, `le` in seconds. */
  histogram(name: string, help: string, l: Labels, h: NonNullable<Kstat["hist"]>[string]): void {
    let f = this.families.get(name);
    if (!f) {
      f = { help, type: "histogram", samples: [] };
      this.families.set(name, f);
    }
    let cum = 0;
    for (const [lo, n] of h.buckets) {
      cum += n;
      const upper = lo === 0 ? 2 : lo * 2; // bucket [2^k, 2^(k+1)) ns
      f.samples.push(`${name}_bucket${labels({ ...l, le: (upper / 1e9).toExponential(3) })} ${cum}`);
    }
    f.samples.push(`${name}_bucket${labels({ ...l, le: "+Inf" })} ${h.count}`);
    f.samples.push(`${name}_sum${labels(l)} ${h.sum / 1e9}`);
    f.samples.push(`${name}_count${labels(l)} ${h.count}`);
  }

  text(): string {
    const out: string[] = [];
    for (const [name, f] of this.families) out.push(`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.samples);
    return `${out.join("\n")}\n`;
  }
}

const SESS_COUNTERS: Array<[string, string, string]> = [
  ["logins", "iscsi_session_logins_total", "Successful logins of the session (the first and every reconnect)."],
  ["login_failures", "iscsi_session_login_failures_total", "Login attempts refused or failed."],
  ["reconnects", "iscsi_session_reconnects_total", "Reconnect attempts after a connection failure."],
  ["errors", "iscsi_session_errors_total", "Commands ending without GOOD status, and disconnects other than logouts."],
  ["cmd_timeouts", "iscsi_session_command_timeouts_total", "SCSI commands that ran past their timeout."],
  ["cmd_aborts", "iscsi_session_command_aborts_total", "SCSI commands aborted (ABORT TASK, LU reset, connection drop)."],
  ["status_check_condition", "iscsi_session_check_conditions_total", "SCSI commands ending in CHECK CONDITION."],
  ["status_busy", "iscsi_session_busy_total", "SCSI commands ending in BUSY."],
  ["status_task_set_full", "iscsi_session_task_set_full_total", "SCSI commands ending in TASK SET FULL."],
  ["window_closed", "iscsi_session_cmdsn_window_closed_total", "Times the target closed the CmdSN window."],
];

const IO_COUNTERS: Array<[string, string, string]> = [
  ["reads", "reads_total", "SCSI commands that read, completed."],
  ["writes", "writes_total", "SCSI commands that wrote, completed."],
  ["nread", "read_bytes_total", "Bytes read."],
  ["nwritten", "written_bytes_total", "Bytes written."],
];

/** Render kstats as Prometheus text. */
export function renderMetrics(kstats: Kstat[]): string {
  const x = new Exposition();
  const sess = new Map<number, Labels>();
  for (const k of kstats) {
    if (k.class !== "iscsi_sess") continue;
    const d = k.data;
    const conn = kstats.find((c) => c.class === "iscsi_conn" && c.instance === k.instance);
    const l: Labels = { session: k.instance, target: String(d.target_name), portal: String(conn?.data.remote ?? "") };
    sess.set(k.instance, l);
    x.add("iscsi_session_up", "gauge", "1 while the session is logged in (RFC 7143 state LOGGED_IN).", l, d.state === "LOGGED_IN" ? 1 : 0);
    x.add("iscsi_session_commands_pending", "gauge", "Commands waiting (queue depth or CmdSN window).", l, Number(d.cntr_pkt_pending));
    x.add("iscsi_session_commands_active", "gauge", "Commands on the wire.", l, Number(d.cntr_qactive));
    for (const [stat, name, help] of SESS_COUNTERS) x.add(name, "counter", help, l, Number(d[stat] ?? 0));
    for (const [stat, v] of Object.entries(d)) {
      if (stat.startsWith("disconnect_") && typeof v === "number") {
        x.add("iscsi_session_disconnects_total", "counter", "Connection ends, by reason.", { ...l, reason: stat.slice(11).replace(/_/g, "-") }, v);
      }
    }
  }
  for (const k of kstats) {
    const l = sess.get(k.instance);
    if (!l) continue;
    if (k.class === "iscsi_sess_io" || k.class === "iscsi_lun_io") {
      const prefix = k.class === "iscsi_sess_io" ? "iscsi_session" : "iscsi_lun";
      const ll = k.class === "iscsi_lun_io" ? { ...l, lun: Number(k.data.lun) } : l;
      for (const [stat, name, help] of IO_COUNTERS) x.add(`${prefix}_${name}`, "counter", help, ll, Number(k.data[stat]));
      x.add(`${prefix}_wait_seconds_total`, "counter", "Time commands spent waiting (kstat wtime).", ll, Number(k.data.wtime) / 1e9);
      x.add(`${prefix}_busy_seconds_total`, "counter", "Time with commands on the wire (kstat rtime).", ll, Number(k.data.rtime) / 1e9);
      if (k.class === "iscsi_lun_io") {
        for (const [op, h] of Object.entries(k.hist ?? {})) {
          if (h.count > 0) x.histogram("iscsi_lun_latency_seconds", "SCSI command latency, queued to status.", { ...ll, op }, h);
        }
      }
    } else if (k.class === "iscsi_conn") {
      const cl = { ...l, cid: Number(k.data.cid) };
      for (const [stat, v] of Object.entries(k.data)) {
        if (stat.endsWith("_pdus") && typeof v === "number" && stat !== "tx_pdus" && stat !== "rx_pdus") {
          x.add("iscsi_connection_pdus_total", "counter", "PDUs by kind (open-iscsi's names).", { ...cl, kind: stat.slice(0, -5) }, v);
        }
      }
      x.add("iscsi_connection_bytes_total", "counter", "Bytes on the wire, headers and digests included.", { ...cl, direction: "tx" }, Number(k.data.cntr_tx_bytes));
      x.add("iscsi_connection_bytes_total", "counter", "Bytes on the wire, headers and digests included.", { ...cl, direction: "rx" }, Number(k.data.cntr_rx_bytes));
      x.add("iscsi_connection_digest_errors_total", "counter", "Header and data digest errors.", cl, Number(k.data.digest_err));
      x.add("iscsi_connection_timeouts_total", "counter", "Timeouts (login, logout, NOP, command, abort).", cl, Number(k.data.timeout_err));
      x.add("iscsi_connection_anomalies_total", "counter", "Sequence and protocol anomalies.", cl, Number(k.data.anomalies));
    }
  }
  return x.text();
}

/** Serve GET /metrics on HOST:PORT (loopback unless told otherwise). */
export async function serveMetrics(where: string, kstats: () => Kstat[]): Promise<Server> {
  const { host, port } = parsePortal(where, 9469);
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "/").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("iscsiscope: metrics are at /metrics\n");
      return;
    }
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" }).end(renderMetrics(kstats()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(new IscsiError("ERR_METRICS", `--metrics ${where}: ${e.code ?? e.message}`)));
    server.listen(port, host, () => resolve());
  });
  return server;
}
