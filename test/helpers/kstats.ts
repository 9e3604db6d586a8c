/**
 * Kstats built by hand, in the shapes src/stat/collector.ts snapshots (iscsi_sess_<oid>,
 * iscsi_sess_io_<oid>, iscsi_conn_<oid>_<cid>, iscsi_lun_io_<oid>_<lun>), for sampler tests
 * and the synthetic feed of the dashboard bench.
 */
import type { Kstat, KstatValue } from "../../src/stat/kstat.js";
import { Log2Histogram } from "../../src/stat/histogram.js";

/** A kstat_io block (missing fields are 0). */
export interface IoCounters {
  reads?: number;
  writes?: number;
  nread?: number;
  nwritten?: number;
  wtime?: number;
  wlentime?: number;
  rtime?: number;
  rlentime?: number;
  wcnt?: number;
  rcnt?: number;
  /** Latencies (ns) of the reads and writes so far. */
  readLat?: number[];
  writeLat?: number[];
}

export interface SessionSpec {
  oid: number;
  /** Snapshot time and creation time, ns. */
  t: number;
  crtime?: number;
  target?: string;
  state?: string;
  type?: string;
  io?: IoCounters;
  sess?: Record<string, KstatValue>;
  conns?: Array<{ cid: number; state?: string; local?: string; remote?: string; crtime?: number; data?: Record<string, KstatValue> }>;
  luns?: Array<{ lun: number } & IoCounters>;
}

function hist(lat: number[] | undefined): ReturnType<Log2Histogram["toJSON"]> {
  const h = new Log2Histogram();
  for (const x of lat ?? []) h.add(x);
  return h.toJSON();
}

function ioData(io: IoCounters = {}): Record<string, number> {
  const { readLat: _r, writeLat: _w, ...rest } = io;
  return { nread: 0, nwritten: 0, reads: 0, writes: 0, wtime: 0, wlentime: 0, wlastupdate: 0, rtime: 0, rlentime: 0, rlastupdate: 0, wcnt: 0, rcnt: 0, ...rest };
}

/**
 * Every kstat of one session.
 *
 * @example
 * const ks = sessionKstats({ oid: 1, t: 2e9, io: { reads: 100, readLat: [1e6] } });
 */
export function sessionKstats(s: SessionSpec): Kstat[] {
  const crtime = s.crtime ?? 0;
  const base = { module: "iscsi" as const, instance: s.oid, crtime, snaptime: s.t };
  const out: Kstat[] = [
    {
      ...base, name: `iscsi_sess_${s.oid}`, class: "iscsi_sess",
      data: {
        state: s.state ?? "LOGGED_IN", oid: s.oid, type: s.type ?? "Normal", target_name: s.target ?? `iqn.2026-11.test:t${s.oid}`,
        initiator_name: "iqn.2026-11.test:ini", isid: "800000000001", tsih: 1, cmd_sn: 10, cmd_sn_exp: 10, cmd_sn_max: 41,
        cntr_pkt_pending: 0, cntr_qactive: 0, errors: 0, reconnects: 0, disconnects: 0, ...s.sess,
      },
    },
    { ...base, name: `iscsi_sess_io_${s.oid}`, class: "iscsi_sess_io", data: ioData(s.io), hist: { read: hist(s.io?.readLat), write: hist(s.io?.writeLat), other: hist([]) } },
  ];
  for (const c of s.conns ?? [{ cid: 0 }]) {
    out.push({
      ...base, crtime: c.crtime ?? crtime, name: `iscsi_conn_${s.oid}_${c.cid}`, class: "iscsi_conn",
      data: { state: c.state ?? "LOGGED_IN", cid: c.cid, local: c.local ?? "127.0.0.1:50000", remote: c.remote ?? "127.0.0.1:3260", cntr_tx_bytes: 0, cntr_rx_bytes: 0, tx_pdus: 0, rx_pdus: 0, ...c.data },
    });
  }
  for (const l of s.luns ?? []) {
    const { lun, ...io } = l;
    out.push({ ...base, name: `iscsi_lun_io_${s.oid}_${lun}`, class: "iscsi_lun_io", data: { lun, ...ioData(io) }, hist: { read: hist(io.readLat), write: hist(io.writeLat), other: hist([]) } });
  }
  return out;
}
