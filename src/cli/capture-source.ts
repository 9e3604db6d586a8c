/**
 * Counter snapshots from a capture, for `iscsistat --pcap`: the capture is replayed onto a
 * bus, an IscsiStats counts, and a snapshot is taken every `intervalS` of capture time.
 */
import type { Kstat } from "../stat/kstat.js";
import { UsageError } from "./usage-error.js";

export interface SnapshotSource {
  next(): Promise<Kstat[] | undefined>;
  t(): bigint;
  close(): void;
  live: boolean;
}

// TODO(#5): replay the capture (src/capture + src/replay) once they land.
export function captureSnapshots(file: string, intervalS: number, port: string | undefined): Promise<SnapshotSource> {
  void intervalS;
  void port;
  return Promise.reject(new UsageError(`${file}: --pcap needs the capture replay, which is not built yet`, 1));
}
