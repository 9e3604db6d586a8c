/**
 * iscsiscope as a library: the instrumented initiator, the probe bus every part publishes
 * on, the counters, the flight recorder, and the capture replay. The commands (iscsiscope,
 * iscsistat, iscsisnoop, iscsitop) are built from these and nothing else.
 *
 * @example
 * import { Initiator, ProbeBus, IscsiStats } from "iscsiscope";
 * const bus = new ProbeBus();
 * bus.on("conn:disconnect", (a) => console.log(a.conn.remote, a.reason, a.detail));
 * const stats = new IscsiStats(bus);
 * const ini = new Initiator({ bus });
 * const s = await ini.login({ targetName: "iqn.2026-11.example:disk1", portals: [{ host: "127.0.0.1", port: 3260 }] });
 * const block = await s.read(1, 0, 8);  // LUN 1, LBA 0, 8 blocks
 * await s.logout();
 * console.log(stats.snapshot());
 *
 * @example
 * // The same probes from a capture (module "pcap", capture time):
 * import { ProbeBus, replayCapture } from "iscsiscope";
 * const bus = new ProbeBus();
 * bus.on("task:done", (a) => console.log(a.task.op, Number(a.t - a.queuedT) / 1e6, "ms"));
 * const { summary } = await replayCapture("night.pcapng", bus, { ports: [3260] });
 */

// The initiator
export { Initiator, type InitiatorOptions, type DiscoverOptions } from "./initiator/initiator.js";
export { ScsiSession, ScsiStatusError, type Capacity } from "./initiator/scsi-session.js";
export { DEFAULT_TIMEOUTS, type AuthOptions, type ChapCredentials, type Portal, type SessionOptions, type Timeouts } from "./initiator/options.js";
export { systemClock, type Clock, type TimerHandle } from "./initiator/clock.js";

// Probes
export { ProbeBus, Probe, defaultBus, type AnyProbeArgs, type ProbeFn, type ProbeSet } from "./probe/bus.js";
export { CATALOG, PROBE_KEYS, type ProbeArgsMap, type ProbeKey } from "./probe/catalog.js";
export type {
  AnomalyKind, ConnRef, ConnState, DisconnectReason, Ns, ProbeModule, SessionRef, SessionState, TaskRef, TaskState,
} from "./probe/types.js";
export { probeArgsJson, stringifyJson } from "./probe/json.js";

// Counters
export { IscsiStats } from "./stat/collector.js";
export type { Kstat, KstatValue } from "./stat/kstat.js";

// The flight recorder
export { Recorder, type RecorderOptions } from "./record/recorder.js";
export { openRecording, readEvents, readSnapshots, type RecordingDb } from "./record/reader.js";
export { report, type RecordingReport } from "./record/queries.js";

// Captures
export { readCapture, decodeCapture, decodeCaptureBytes, type CaptureEvent, type CaptureOptions, type CaptureSummary } from "./capture/index.js";
export { Replay, replayCapture, type ReplayStats } from "./replay/index.js";

// The daemon's client
export { DaemonClient } from "./daemon/client.js";

// Errors
export {
  FsmError, IscsiError, LoginError, NegotiationError, PduError, RecordError, TaskError, TextError, TransportError,
} from "./errors.js";
export { CaptureError } from "./capture/index.js";

export { TOOL_VERSION } from "./version.js";
