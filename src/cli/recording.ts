/**
 * Opening the flight recorder for a command (the daemon, iscsisnoop --db): one place that
 * turns the recorder's typed errors into the one-line messages a user reads.
 */
import type { Clock } from "../initiator/clock.js";
import type { ProbeBus } from "../probe/bus.js";
import type { ProbeModule } from "../probe/types.js";
import { Recorder } from "../record/recorder.js";
import type { IscsiStats } from "../stat/collector.js";

export interface OpenRecorderOptions {
  source: string;
  module?: ProbeModule;
  snapshots?: { stats: IscsiStats; clock: Clock; intervalS: number };
  pdus?: boolean;
}

/** Start recording `bus` into `file`. */
export function openRecorder(bus: ProbeBus, file: string, o: OpenRecorderOptions): Promise<Recorder> {
  return Recorder.open(bus, file, {
    source: o.source, module: o.module, stats: o.snapshots?.stats, clock: o.snapshots?.clock,
    snapshotIntervalMs: o.snapshots ? Math.round(o.snapshots.intervalS * 1000) : undefined, pdus: o.pdus,
  });
}
