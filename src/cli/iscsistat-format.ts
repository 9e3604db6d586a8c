/**
 * What `iscsistat` prints, separate from where the numbers come from (a daemon, a recording,
 * a capture): the iostat -xn view, kstat -p lines, the selection of kstats by module,
 * instance, name and statistic (globs or /regex/), and time stamps.
 */
import { ioRates, type IoRates } from "../stat/iostat.js";
import type { Kstat } from "../stat/kstat.js";

/** kstat(1M)'s -m -i -n -s: each a glob (`*`, `?`) or a /regular expression/. */
export interface Selection {
  module?: string;
  instance?: string;
  name?: string;
  statistic?: string;
}

function matcher(pattern: string | undefined): (s: string) => boolean {
  if (pattern === undefined || pattern === "") return () => true;
  const re = /^\/(.*)\/$/.exec(pattern);
  if (re) {
    const r = new RegExp(re[1]);
    return (s) => r.test(s);
  }
  const g = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
  return (s) => g.test(s);
}

/** Every `iscsi:<instance>:<name>:<statistic>` with its value, as `kstat -p` prints them. */
export function kstatLines(kstats: Kstat[], sel: Selection = {}): Array<[string, string | number]> {
  const [m, i, n, s] = [matcher(sel.module), matcher(sel.instance), matcher(sel.name), matcher(sel.statistic)];
  const out: Array<[string, string | number]> = [];
  for (const k of kstats) {
    if (!m(k.module) || !i(String(k.instance)) || !n(k.name)) continue;
    const stats: Array<[string, string | number]> = [["crtime", k.crtime], ["snaptime", k.snaptime], ["class", k.class], ...Object.entries(k.data)];
    for (const [op, h] of Object.entries(k.hist ?? {})) {
      stats.push([`latency_${op}_count`, h.count], [`latency_${op}_sum_ns`, h.sum]);
      for (const [lo, c] of h.buckets) stats.push([`latency_${op}_${lo}ns`, c]);
    }
    for (const [stat, v] of stats) if (s(stat)) out.push([`${k.module}:${k.instance}:${k.name}:${stat}`, v]);
  }
  return out;
}

/** One row of the iostat view: a session, or one of its LUNs. */
export interface IostatRow extends IoRates {
  sid: number;
  lun: number | undefined;
  device: string;
  /** Totals since the session started (iostat -e style): errors and reconnects. */
  errors: number;
  reconnects: number;
  state: string;
}

/** The rows between two snapshots (`prev` undefined: since each session started). */
export function iostatRows(prev: Kstat[] | undefined, cur: Kstat[]): IostatRow[] {
  const before = new Map((prev ?? []).map((k) => [k.name, k]));
  const rows: IostatRow[] = [];
  for (const sess of cur.filter((k) => k.class === "iscsi_sess")) {
    const sid = sess.instance;
    const conn = cur.find((k) => k.class === "iscsi_conn" && k.instance === sid && k.data.state === "LOGGED_IN")
      ?? cur.find((k) => k.class === "iscsi_conn" && k.instance === sid);
    const target = String(sess.data.target_name) || "(discovery)";
    const common = { sid, errors: Number(sess.data.errors ?? 0), reconnects: Number(sess.data.reconnects ?? 0), state: String(sess.data.state) };
    const rate = (k: Kstat) => ioRates(before.get(k.name), k);
    const io = cur.find((k) => k.name === `iscsi_sess_io_${sid}`);
    if (io) rows.push({ ...rate(io), ...common, lun: undefined, device: `${target} (${conn?.data.remote ?? "?"}) s${sid}` });
    for (const l of cur.filter((k) => k.class === "iscsi_lun_io" && k.instance === sid).sort((a, b) => Number(a.data.lun) - Number(b.data.lun))) {
      rows.push({ ...rate(l), ...common, errors: 0, reconnects: 0, lun: Number(l.data.lun), device: `  ${target}/lun${l.data.lun}` });
    }
  }
  return rows;
}

const f1 = (x: number) => x.toFixed(1);

/** iostat -xn's table, with iSCSI's errors and reconnects (totals) before the device name. */
export function formatIostat(rows: IostatRow[]): string {
  const head = "    r/s    w/s   kr/s   kw/s wait actv wsvc_t asvc_t  %w  %b errs recon device";
  const lines = rows.map((r) =>
    [f1(r.rps).padStart(7), f1(r.wps).padStart(6), f1(r.krps).padStart(6), f1(r.kwps).padStart(6), f1(r.wait).padStart(4),
      f1(r.actv).padStart(4), f1(r.wsvcT).padStart(6), f1(r.asvcT).padStart(6), r.pctW.toFixed(0).padStart(3), r.pctB.toFixed(0).padStart(3),
      (r.lun === undefined ? String(r.errors) : "").padStart(4), (r.lun === undefined ? String(r.reconnects) : "").padStart(5), r.device].join(" "));
  return ["                    extended device statistics", head, ...(lines.length ? lines : ["    (no sessions)"])].join("\n");
}

/** `-T u` prints seconds since the epoch, `-T d` the date, like kstat and iostat. */
export function timeStamp(kind: "u" | "d" | undefined, ns: bigint): string | undefined {
  if (kind === "u") return String(ns / 1_000_000_000n);
  if (kind === "d") return new Date(Number(ns / 1_000_000n)).toString();
  return undefined;
}
