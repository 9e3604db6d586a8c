/**
 * From two ticks of kstats to what a dashboard shows per session, LUN and connection: the
 * iostat fields (src/stat/iostat.ts), the latency of the commands completed in between, the
 * byte and PDU rates of each connection. Pure functions; History calls them once per tick.
 */
import { ioRates, type IoRates } from "../stat/iostat.js";
import type { Kstat, KstatValue } from "../stat/kstat.js";
import { EMPTY_HIST, histDelta, type HistDelta } from "./hist-delta.js";

/** The kstats of one session (instance), as one tick carries them. */
export interface SessionKstats {
  oid: number;
  /** iscsi_sess_<oid>: state, target_name, counters. */
  sess: Kstat | undefined;
  /** iscsi_sess_io_<oid>: the session's kstat_io block and latency histograms. */
  io: Kstat | undefined;
  /** iscsi_conn_<oid>_<cid>, by cid. */
  conns: Map<number, Kstat>;
  /** iscsi_lun_io_<oid>_<lun>, by LUN. */
  luns: Map<number, Kstat>;
}

/** Rates and latency of a kstat_io block over one interval. */
export interface IoDerived {
  io: IoRates;
  /** Latency of the reads and writes completed in the interval. */
  read: HistDelta;
  write: HistDelta;
}

/** A connection over one interval. */
export interface ConnDerived {
  /** Bytes per second on the wire (headers, digests, data), sent and received. */
  txBps: number;
  rxBps: number;
  /** PDUs per second, sent and received. */
  txPdus: number;
  rxPdus: number;
}

export interface SessionDerived extends IoDerived {
  luns: Map<number, IoDerived>;
  conns: Map<number, ConnDerived>;
}

/**
 * An idle interval: what a session without an io kstat shows.
 *
 * @example
 * IDLE_IO.rps; // 0
 */
export const IDLE_IO: IoRates = Object.freeze({ etime: 0, rps: 0, wps: 0, krps: 0, kwps: 0, wait: 0, actv: 0, wsvcT: 0, asvcT: 0, svcT: 0, pctW: 0, pctB: 0 });

/**
 * Group a tick's kstats by session instance.
 *
 * @example
 * const byOid = groupKstats(tick.kstats);
 * byOid.get(3)?.luns.get(1)?.data.reads;
 */
export function groupKstats(kstats: readonly Kstat[]): Map<number, SessionKstats> {
  const out = new Map<number, SessionKstats>();
  const of = (oid: number): SessionKstats => {
    let s = out.get(oid);
    if (!s) out.set(oid, (s = { oid, sess: undefined, io: undefined, conns: new Map(), luns: new Map() }));
    return s;
  };
  for (const k of kstats) {
    const s = of(k.instance);
    if (k.class === "iscsi_sess") s.sess = k;
    else if (k.class === "iscsi_sess_io") s.io = k;
    else if (k.class === "iscsi_conn") s.conns.set(num(k.data.cid, Number(k.name.split("_").pop())), k);
    else if (k.class === "iscsi_lun_io") s.luns.set(num(k.data.lun, Number(k.name.split("_").pop())), k);
  }
  return out;
}

/**
 * One kstat_io block over the interval from `prev` (undefined: since its creation) to `cur`.
 *
 * @example
 * const d = deriveIo(prevTick.io, curTick.io);
 * d.io.rps; histMean(d.read);
 */
export function deriveIo(prev: Kstat | undefined, cur: Kstat): IoDerived {
  const same = prev !== undefined && prev.crtime === cur.crtime ? prev : undefined;
  return {
    io: ioRates(same, cur),
    read: histDelta(same?.hist?.read, cur.hist?.read),
    write: histDelta(same?.hist?.write, cur.hist?.write),
  };
}

/**
 * A session over the interval: its io block, each LUN, each connection.
 *
 * @example
 * const d = deriveSession(prevGroups.get(oid), curGroups.get(oid)!);
 */
export function deriveSession(prev: SessionKstats | undefined, cur: SessionKstats): SessionDerived {
  const luns = new Map<number, IoDerived>();
  for (const [lun, k] of cur.luns) luns.set(lun, deriveIo(prev?.luns.get(lun), k));
  const conns = new Map<number, ConnDerived>();
  for (const [cid, k] of cur.conns) conns.set(cid, deriveConn(prev?.conns.get(cid), k));
  if (cur.io) return { ...deriveIo(prev?.io, cur.io), luns, conns };
  return { io: IDLE_IO, read: EMPTY_HIST, write: EMPTY_HIST, luns, conns };
}

function deriveConn(prev: Kstat | undefined, cur: Kstat): ConnDerived {
  const same = prev !== undefined && prev.crtime === cur.crtime ? prev : undefined;
  let dt = (same ? cur.snaptime - same.snaptime : cur.snaptime - cur.crtime) / 1e9;
  if (!(dt > 0)) dt = 1;
  const rate = (name: string) => Math.max(0, num(cur.data[name], 0) - num(same?.data[name], 0)) / dt;
  return { txBps: rate("cntr_tx_bytes"), rxBps: rate("cntr_rx_bytes"), txPdus: rate("tx_pdus"), rxPdus: rate("rx_pdus") };
}

/**
 * A numeric statistic, or `def` when absent or a string.
 *
 * @example
 * num(k.data.reads); // 1234, or 0 when absent
 */
export function num(v: KstatValue | undefined, def = 0): number {
  return typeof v === "number" ? v : def;
}

/**
 * A string statistic, or `def`.
 *
 * @example
 * str(k.data.state, "?"); // "LOGGED_IN"
 */
export function str(v: KstatValue | undefined, def = ""): string {
  return typeof v === "string" ? v : v === undefined ? def : String(v);
}
