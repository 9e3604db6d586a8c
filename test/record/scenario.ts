/**
 * A real recording for the record tests: a private tgtd, the initiator, IscsiStats and a
 * Recorder (PDU headers on) on one bus, and a test subscriber on the same bus counting what
 * the probes emitted. The scenario: log in, I/O on two LUNs, a READ past the end (CHECK
 * CONDITION with sense), tgtd drops the connection under I/O (disconnect, recovery, commands
 * sent again), more I/O, a CHAP login and logout, a CHAP login with a wrong secret, logout.
 */
import { readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { LoginError } from "../../src/errors.js";
import { Initiator } from "../../src/initiator/initiator.js";
import type { ScsiSession } from "../../src/initiator/scsi-session.js";
import { ProbeBus } from "../../src/probe/bus.js";
import type { StateChangeArgs, TaskDoneArgs } from "../../src/probe/catalog.js";
import type { ConnRef, SessionRef } from "../../src/probe/types.js";
import { Recorder } from "../../src/record/recorder.js";
import { read10Cdb } from "../../src/scsi/index.js";
import { IscsiStats } from "../../src/stat/collector.js";
import { startTgtd, type Tgtd } from "../helpers/tgtd.js";

export const IQN = { plain: "iqn.2026-11.io.iscsiscope.test:record", chap: "iqn.2026-11.io.iscsiscope.test:record-chap" };
export const CHAP = { user: "record-user", secret: "recorder-never-stores-this-42" };
export const WRONG_SECRET = "wrong-secret-never-stored-77";
/** How tgtd's connection delete shows: a FIN, or a RST when our data was still unread in its socket. */
export const DROP_REASONS = ["target-closed", "connection-reset"];
/** `reason` with the drop's two possible spellings made one. */
export function dropAs(reason: unknown): string {
  return DROP_REASONS.includes(String(reason)) ? "dropped" : String(reason);
}

/** A task:done as the probe said it, copied when it fired. */
export interface SeenTask {
  oid: number;
  itt: number;
  cmdSN: number;
  lun: number;
  op: number;
  lba: bigint | undefined;
  length: number;
  dir: string;
  args: Omit<TaskDoneArgs, "task">;
}

/** What the test subscriber saw on the bus. */
export interface Seen {
  /** Events per probe key ("task:done", "login:key", ...), live module only. */
  count: Record<string, number>;
  /** session and conn transitions; task transitions off the routine path (E1, E2, E3, E8). */
  transitions: { session: number; conn: number; task: number };
  tasks: SeenTask[];
  sessions: Set<number>;
  conns: Set<ConnRef>;
}

export interface Recorded {
  file: string;
  seen: Seen;
  stats: IscsiStats;
  recorder: Recorder;
  /** The database and WAL bytes right after the CHAP logins were committed (before close). */
  liveBytes: Buffer[];
}

function subscribe(bus: ProbeBus): Seen {
  const seen: Seen = { count: {}, transitions: { session: 0, conn: 0, task: 0 }, tasks: [], sessions: new Set(), conns: new Set() };
  bus.subscribe("iscsi:initiator::", (a, p) => { seen.count[p.key] = (seen.count[p.key] ?? 0) + 1; });
  bus.subscribe("state-change", (a, p) => {
    const x = a as StateChangeArgs<unknown, string>;
    if (p.fn === "session") { seen.transitions.session++; seen.sessions.add((x.ref as SessionRef).oid); }
    if (p.fn === "conn") { seen.transitions.conn++; seen.conns.add(x.ref as ConnRef); }
    if (p.fn === "task" && !["E1", "E2", "E3", "E8"].includes(x.rfc)) seen.transitions.task++;
  });
  bus.on("task:done", ({ task, ...args }) => {
    seen.tasks.push({ oid: task.session.oid, itt: task.itt, cmdSN: task.cmdSN, lun: task.lun, op: task.op, lba: task.lba, length: task.length, dir: task.dir, args });
  });
  return seen;
}

/** Resolve when a session reaches LOGGED_IN again after FAILED. */
function recovered(bus: ProbeBus): Promise<void> {
  return new Promise((resolve) => {
    const off = bus.on("session:state-change", (a) => {
      if (a.from === "FAILED" && a.to === "LOGGED_IN") { off(); resolve(); }
    });
  });
}

/** Reads in a loop until `stop()`, so that the drop finds commands in flight. */
function background(s: ScsiSession): { stop: () => Promise<void> } {
  let running = true;
  const loops = Array.from({ length: 4 }, async (_, k) => {
    for (let i = 0; running; i++) await s.read(1, (k * 512 + i * 8) % 60000, 8).catch(() => undefined);
  });
  return { stop: async () => { running = false; await Promise.all(loops); } };
}

async function dropUnderIo(tgtd: Tgtd, bus: ProbeBus, s: ScsiSession): Promise<void> {
  const io = background(s);
  await new Promise((r) => setTimeout(r, 150));
  const back = recovered(bus);
  const target = (await tgtd.showTarget()).targets.find((t) => t.iqn === IQN.plain)!;
  const sess = target.sessions[0];
  await tgtd.dropConnection(target.tid, sess.sid, sess.connections[0].cid);
  await back;
  await new Promise((r) => setTimeout(r, 150));
  await io.stop();
}

async function chapLogins(ini: Initiator, portal: { host: string; port: number }): Promise<void> {
  const s = await ini.login({ targetName: IQN.chap, portals: [portal], auth: { chap: CHAP } });
  await s.testUnitReady(1).catch(() => undefined);
  await s.logout();
  const wrong = ini.login({ targetName: IQN.chap, portals: [portal], auth: { chap: { user: CHAP.user, secret: WRONG_SECRET } } });
  await wrong.then(() => { throw new Error("a wrong CHAP secret logged in"); }, (e: unknown) => { if (!(e instanceof LoginError)) throw e; });
}

function fileBytes(file: string): Buffer[] {
  return [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f));
}

/**
 * Run the scenario against a fresh tgtd, recording into `dir/recording.sqlite`. The recorder
 * is closed when this resolves; `stats` is still attached (quiet: the initiator is closed).
 */
export async function recordScenario(dir: string): Promise<Recorded> {
  const tgtd = await startTgtd();
  try {
    await tgtd.addTarget({ iqn: IQN.plain, luns: [{ size: "64M" }, { size: "16M" }] });
    await tgtd.addTarget({ iqn: IQN.chap, luns: [{ size: "16M" }], chap: CHAP });
    const file = join(dir, "recording.sqlite");
    const bus = new ProbeBus();
    const seen = subscribe(bus);
    const stats = new IscsiStats(bus);
    const recorder = await Recorder.open(bus, file, { stats, pdus: true, snapshotIntervalMs: 500 });
    const ini = new Initiator({ bus });
    const portal = { host: "127.0.0.1", port: tgtd.port };
    const s = await ini.login({ targetName: IQN.plain, portals: [portal], queueDepth: 8 });
    const cap = await s.readCapacity(1);
    for (let i = 0; i < 16; i++) {
      await s.write(1 + (i % 2), i * 64, new Uint8Array(4096 * (1 + (i % 4))).fill(i));
      await s.read(1 + (i % 2), i * 64, 8 * (1 + (i % 4)));
    }
    await s.scsi(1, read10Cdb(Number(cap.blocks) + 16, 1)); // CHECK CONDITION: LBA out of range
    await dropUnderIo(tgtd, bus, s);
    await s.write(2, 4096, new Uint8Array(65536).fill(7));
    await chapLogins(ini, portal);
    await recorder.flush();
    const liveBytes = fileBytes(file);
    await s.logout();
    await ini.close();
    await recorder.close();
    return { file, seen, stats, recorder, liveBytes: [...liveBytes, ...fileBytes(file)] };
  } finally {
    await tgtd.stop();
  }
}
