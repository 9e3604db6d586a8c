/**
 * A real iSCSI target for tests: tgtd (tgt 1.0.85) on loopback, on a free port and a
 * management socket of its own, configured through tgtadm.
 *
 * Facts about tgtd 1.0.85 this relies on (measured here):
 * - `-C N` names the management socket `/var/run/tgtd/socket.N`, guarded by the lock file
 *   `socket.N.lock` (`lockf`; N is a C `short`). tgtd does not create `/var/run/tgtd` and
 *   leaves both files behind when it exits. The environment variable `TGT_IPC_SOCKET=/path`
 *   replaces the `/var/run/tgtd/socket` prefix, for tgtd and tgtadm alike: we point it into
 *   the daemon's own temp dir, so no two daemons (ours or anyone's) can share a socket
 *   whatever N is, and removing the dir at stop removes the socket and lock too. To poke a
 *   test's daemon by hand: `TGT_IPC_SOCKET=<ipcPrefix> tgtadm -C <controlPort> ...`.
 * - When a portal cannot be bound (port taken) or is malformed (`portal=::1:3260`), tgtd does
 *   not exit: it logs the failure and listens on 0.0.0.0:3260 and [::]:3260 instead. So
 *   readiness means "tgtadm lists exactly our portals", not "the port accepts connections".
 * - SIGTERM is caught and ignored; a clean shutdown (`--op delete --mode system`, refused
 *   while any target exists) takes up to ~2 s. `stop()` therefore sends SIGKILL.
 * - It prints harmless warnings at start (RDMA, oom_score_adj, nr_open): kept in `log()`,
 *   never treated as errors.
 *
 * Teardown always happens: use {@link withTgtd}, or `t.after(() => tgtd.stop())` right after
 * `startTgtd()`; and `reapOnExit` SIGKILLs the daemon if the test process dies first.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort, probeTcp } from "./ports.js";
import { killAndWait, reapOnExit } from "./reaper.js";
import { run } from "./run.js";
import { parseTgtdShow, type TgtdTarget } from "./tgtd-show.js";

export type { TgtdConnection, TgtdLun, TgtdSession, TgtdTarget } from "./tgtd-show.js";

/** Options of {@link startTgtd}. */
export interface TgtdOptions {
  /** Listen on 127.0.0.1, [::1] or both. Default "ipv4". */
  family?: "ipv4" | "ipv6" | "both";
  /** A fixed port (no retry on another port). Default: a free one. */
  port?: number;
  /** Give up on an attempt after this many ms. Default 5000. */
  startTimeoutMs?: number;
  /** Pass `-d 1` (verbose log). Default false. */
  debug?: boolean;
}

/** A logical unit on a sparse file. tgtd's `null` store ignores `size` (always 1 TiB, no data I/O). */
export interface LunSpec {
  /** Bytes, or a binary suffix as truncate(1) takes it: "512K", "64M", "1G". */
  size: string | number;
  bstype?: "rdwr" | "null";
}

/** A CHAP account: user name and secret. */
export interface ChapAccount {
  user: string;
  secret: string;
}

/** What {@link Tgtd.addTarget} creates. */
export interface TargetSpec {
  iqn: string;
  /** LUN 1, 2, ... in order (LUN 0 is tgtd's controller). Default none. */
  luns?: LunSpec[];
  /** Parameters set with {@link Tgtd.setParam}, e.g. `{ HeaderDigest: "CRC32C" }`. */
  params?: Record<string, string | number>;
  /** "ALL" (default), or initiator addresses / names (`iqn.`, `eui.`, `naa.` prefixes). */
  initiators?: "ALL" | string[];
  /** One-way CHAP: the initiator must prove it knows this secret. */
  chap?: ChapAccount;
  /** Mutual CHAP: the target's own account, which the initiator checks (needs `chap`). */
  mutualChap?: ChapAccount;
}

/** Parsed `tgtadm --op show --mode target`. */
export interface TgtdShow {
  targets: TgtdTarget[];
}

/** What {@link startTgtd} hands to the {@link Tgtd} it creates (internal). */
export interface TgtdInit {
  proc: ChildProcess;
  port: number;
  controlPort: number;
  portals: string[];
  dir: string;
  output: string[];
}

const ATTEMPTS = 5;
const LOG_LIMIT = 1 << 20;
const TGTADM_TIMEOUT_MS = 10_000;

/**
 * A running tgtd started by {@link startTgtd}: its address, its targets through tgtadm,
 * its log, and `stop()`.
 *
 * @example
 * const tgtd = await startTgtd({ family: "both" });
 * const tid = await tgtd.addTarget({ iqn: "iqn.2024-01.test:t1", luns: [{ size: "64M" }] });
 * await tgtd.setParam(tid, "HeaderDigest", "CRC32C");
 * await tgtd.stop();
 */
export class Tgtd {
  readonly pid: number;
  readonly port: number;
  /** tgtd's `-C` value. */
  readonly controlPort: number;
  /** The portals tgtd listens on, as it lists them: "127.0.0.1:3260", "[::1]:3260". */
  readonly portals: readonly string[];
  /** The address for iSCSI URLs: 127.0.0.1, or [::1] for an IPv6-only daemon. */
  readonly host: string;
  /** TGT_IPC_SOCKET of this daemon: its socket is `${ipcPrefix}.${controlPort}`. */
  readonly ipcPrefix: string;
  #init: TgtdInit;
  #nextTid = 1;
  #accounts = new Map<string, string>();
  #stopping: Promise<void> | undefined;

  /** @internal Use {@link startTgtd}. */
  constructor(init: TgtdInit) {
    this.#init = init;
    this.pid = init.proc.pid ?? -1;
    this.port = init.port;
    this.controlPort = init.controlPort;
    this.portals = init.portals;
    this.host = init.portals[0].slice(0, init.portals[0].lastIndexOf(":"));
    this.ipcPrefix = ipcPrefix(init.dir);
  }

  /**
   * An iSCSI URL for libiscsi's tools: the portal, or one LUN of a target.
   *
   * @example
   * await run("iscsi-inq", [tgtd.url("iqn.2024-01.test:t1", 1)]);
   */
  url(iqn?: string, lun = 0): string {
    const base = `iscsi://${this.host}:${this.port}`;
    return iqn === undefined ? base : `${base}/${iqn}/${lun}`;
  }

  /**
   * Create a target with its LUNs, parameters, ACL and CHAP accounts; resolves with its tid.
   * Rejects with tgtadm's message when tgtadm refuses a step.
   *
   * @example
   * const tid = await tgtd.addTarget({ iqn: "iqn.2024-01.test:t1", luns: [{ size: "64M" }],
   *   chap: { user: "alice", secret: "alicesecret12" } });
   */
  async addTarget(spec: TargetSpec): Promise<number> {
    if (spec.mutualChap && !spec.chap) throw new TypeError("mutualChap needs chap: the initiator authenticates first");
    for (const a of [spec.chap, spec.mutualChap]) {
      const known = a && this.#accounts.get(a.user);
      if (known !== undefined && known !== a?.secret) throw new TypeError(`CHAP user ${a?.user} already exists in this tgtd with another secret`);
    }
    const tid = this.#nextTid++;
    await this.#adm(["--op", "new", "--mode", "target", "--tid", `${tid}`, "-T", spec.iqn]);
    for (const [i, lun] of (spec.luns ?? []).entries()) await this.#addLun(tid, i + 1, lun);
    for (const [name, value] of Object.entries(spec.params ?? {})) await this.setParam(tid, name, value);
    for (const who of spec.initiators === undefined || spec.initiators === "ALL" ? ["ALL"] : spec.initiators) {
      const how = /^(iqn|eui|naa)\./.test(who) ? "--initiator-name" : "--initiator-address";
      await this.#adm(["--op", "bind", "--mode", "target", "--tid", `${tid}`, how, who]);
    }
    if (spec.chap) await this.#bindAccount(tid, spec.chap, false);
    if (spec.mutualChap) await this.#bindAccount(tid, spec.mutualChap, true);
    return tid;
  }

  /**
   * Set a per-target parameter: an iSCSI key (HeaderDigest, DataDigest, InitialR2T,
   * ImmediateData, FirstBurstLength, MaxBurstLength, MaxRecvDataSegmentLength,
   * MaxXmitDataSegmentLength, MaxOutstandingR2T, MaxConnections, ErrorRecoveryLevel, ...),
   * a tgtd one (nop_interval, nop_count, MaxQueueCmd) or `state`. tgtd matches names
   * without case but values exactly ("CRC32C", "Yes"); it refuses values out of range
   * ("invalid request", exit 22) but silently reads a non-number nop_interval as 0.
   *
   * @example
   * await tgtd.setParam(tid, "HeaderDigest", "CRC32C");
   * await tgtd.setParam(tid, "nop_interval", 1);
   */
  async setParam(tid: number, name: string, value: string | number): Promise<void> {
    await this.#adm(["--op", "update", "--mode", "target", "--tid", `${tid}`, "--name", name, "--value", `${value}`]);
  }

  /**
   * Every target with its sessions (sid = tgtd's I_T nexus number), connections and LUNs.
   *
   * @example
   * const { targets } = await tgtd.showTarget();
   * const sids = targets.find((t) => t.tid === tid)?.sessions.map((s) => s.sid);
   */
  async showTarget(): Promise<TgtdShow> {
    return { targets: parseTgtdShow(await this.#adm(["--op", "show", "--mode", "target"])) };
  }

  /**
   * Close one connection from the target side; on the wire a plain FIN, no Async Message.
   *
   * @example
   * await tgtd.dropConnection(tid, session.sid, session.connections[0].cid);
   */
  async dropConnection(tid: number, sid: number, cid: number): Promise<void> {
    await this.#adm(["--op", "delete", "--mode", "conn", "--tid", `${tid}`, "--sid", `${sid}`, "--cid", `${cid}`]);
  }

  /**
   * Take a target offline (a login then gets status 0x0300, Target Error) or back to ready.
   *
   * @example
   * await tgtd.setTargetState(tid, "offline");
   */
  async setTargetState(tid: number, state: "offline" | "ready"): Promise<void> {
    await this.setParam(tid, "state", state);
  }

  /**
   * Run tgtadm against this daemon with any arguments (`-C N` and the socket are supplied);
   * resolves with its stdout.
   *
   * @example
   * await tgtd.tgtadm("--lld", "iscsi", "--op", "show", "--mode", "portal");
   */
  async tgtadm(...args: string[]): Promise<string> {
    return tgtadm(this.#init.dir, this.controlPort, args);
  }

  /**
   * Everything tgtd printed so far (stdout and stderr as they came, the last ~1 MiB), for a
   * failing test to show.
   *
   * @example
   * t.diagnostic(tgtd.log());
   */
  log(): string {
    return this.#init.output.join("");
  }

  /**
   * SIGKILL tgtd (it ignores SIGTERM), wait for it to exit, then remove its temp dir: LUN
   * files, socket and lock. Safe to call more than once; resolves when the daemon is gone.
   *
   * @example
   * t.after(() => tgtd.stop());
   */
  stop(): Promise<void> {
    this.#stopping ??= killAndWait(this.#init.proc).then(() => rm(this.#init.dir, { recursive: true, force: true }));
    return this.#stopping;
  }

  #adm(args: string[], redact: string[] = []): Promise<string> {
    return tgtadm(this.#init.dir, this.controlPort, ["--lld", "iscsi", ...args], redact);
  }

  async #addLun(tid: number, lun: number, spec: LunSpec): Promise<void> {
    let path = "/dev/null";
    if (spec.bstype !== "null") {
      path = join(this.#init.dir, `lun-${tid}-${lun}.img`);
      await writeFile(path, "");
      await truncate(path, parseSize(spec.size)); // sparse: no data blocks written
    }
    const args = ["--op", "new", "--mode", "logicalunit", "--tid", `${tid}`, "--lun", `${lun}`, "-b", path];
    await this.#adm(spec.bstype === undefined ? args : [...args, "--bstype", spec.bstype]);
  }

  /** Accounts are global to a tgtd: create each user once, then bind it to the target. */
  async #bindAccount(tid: number, account: ChapAccount, outgoing: boolean): Promise<void> {
    if (!this.#accounts.has(account.user)) {
      // tgtadm only takes the secret on argv, so it shows in `ps` for the few ms tgtadm
      // runs. Unavoidable for the target side; these are throwaway test secrets.
      const args = ["--op", "new", "--mode", "account", "--user", account.user, "--password", account.secret];
      await this.#adm(args, [account.secret]);
      this.#accounts.set(account.user, account.secret);
    }
    const bind = ["--op", "bind", "--mode", "account", "--tid", `${tid}`, "--user", account.user];
    await this.#adm(outgoing ? [...bind, "--outgoing"] : bind);
  }
}

/**
 * Start tgtd on a free port and wait until tgtadm answers and tgtd listens on exactly the
 * portals asked for (and they accept TCP connections). Retries with another port when tgtd
 * could not bind; rejects with tgtd's log when no attempt became ready.
 *
 * @example
 * const tgtd = await startTgtd();
 * t.after(() => tgtd.stop());
 * const tid = await tgtd.addTarget({ iqn: "iqn.2024-01.test:t1", luns: [{ size: "64M" }] });
 */
export async function startTgtd(opts: TgtdOptions = {}): Promise<Tgtd> {
  const family = opts.family ?? "ipv4";
  let lastError: unknown;
  for (let attempt = 0; attempt < (opts.port === undefined ? ATTEMPTS : 1); attempt++) {
    const port = opts.port ?? (await freePort(family === "ipv6" ? "::1" : "127.0.0.1"));
    try {
      return await launch(port, portalsFor(family, port), opts);
    } catch (e) {
      lastError = e;
    }
  }
  throw lastError;
}

/** One attempt: spawn, wait for readiness, or kill and clean up. */
async function launch(port: number, portals: string[], opts: TgtdOptions): Promise<Tgtd> {
  const dir = await mkdtemp(join(tmpdir(), "iscsiscope-tgtd-"));
  const controlPort = 1024 + Math.floor(Math.random() * 31000); // any N: the socket dir is ours alone
  const args = ["-f", "-C", `${controlPort}`, "--iscsi", portals.map((p) => `portal=${p}`).join(",")];
  const proc = spawn("tgtd", opts.debug ? [...args, "-d", "1"] : args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, TGT_IPC_SOCKET: ipcPrefix(dir) },
  });
  reapOnExit(proc, () => rmSync(dir, { recursive: true, force: true }));
  const output = collectOutput(proc);
  proc.once("error", (e) => output.push(`could not run tgtd (${e.message}): as root, apt-get install tgt installs it\n`));
  const tgtd = new Tgtd({ proc, port, controlPort, portals, dir, output });
  try {
    await waitReady(tgtd, proc, opts.startTimeoutMs ?? 5000);
    return tgtd;
  } catch (e) {
    await tgtd.stop();
    throw new Error(`tgtd did not start on ${portals.join(", ")}: ${e instanceof Error ? e.message : String(e)}\n${tgtd.log()}`);
  }
}

/** Poll until tgtadm lists exactly our portals and each accepts a TCP connection. */
async function waitReady(tgtd: Tgtd, proc: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (proc.pid === undefined || proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`tgtd exited (${proc.exitCode ?? proc.signalCode ?? "did not start"})`);
    }
    const listed = await tgtd.tgtadm("--lld", "iscsi", "--op", "show", "--mode", "portal").catch(() => undefined);
    if (listed !== undefined) {
      const got = [...listed.matchAll(/^Portal: (\S+),\d+$/gm)].map((m) => m[1]).sort();
      if (got.join() !== [...tgtd.portals].sort().join()) throw new Error(`tgtd listens on ${got.join(", ")} instead`);
      for (const p of tgtd.portals) await probeTcp(p);
      return;
    }
    if (Date.now() > deadline) throw new Error(`no answer from tgtadm within ${timeoutMs} ms`);
    await sleep(20);
  }
}

function tgtadm(dir: string, controlPort: number, args: string[], redact: string[] = []): Promise<string> {
  const env = { TGT_IPC_SOCKET: ipcPrefix(dir) };
  return run("tgtadm", ["-C", `${controlPort}`, ...args], { env, redact, timeoutMs: TGTADM_TIMEOUT_MS }).then((r) => r.stdout);
}

function ipcPrefix(dir: string): string {
  return join(dir, "socket");
}

function portalsFor(family: "ipv4" | "ipv6" | "both", port: number): string[] {
  if (family === "ipv4") return [`127.0.0.1:${port}`];
  if (family === "ipv6") return [`[::1]:${port}`];
  return [`127.0.0.1:${port}`, `[::1]:${port}`];
}

/** Keep the child's stdout and stderr, dropping the oldest chunks beyond ~1 MiB. */
function collectOutput(proc: ChildProcess): string[] {
  const chunks: string[] = [];
  let size = 0;
  const onData = (d: Buffer): void => {
    chunks.push(d.toString("utf8"));
    size += d.length;
    while (size > LOG_LIMIT && chunks.length > 1) size -= Buffer.byteLength(chunks.shift() ?? "");
  };
  proc.stdout?.on("data", onData);
  proc.stderr?.on("data", onData);
  return chunks;
}

/** "64M" -> 67108864 (K, M, G, T are powers of 1024, as in truncate(1)); numbers are bytes. */
function parseSize(size: string | number): number {
  if (typeof size === "number") return size;
  const m = /^(\d+)([KMGT]?)$/i.exec(size.trim());
  if (!m) throw new TypeError(`bad LUN size ${JSON.stringify(size)}: want bytes or e.g. "64M"`);
  return Number(m[1]) * 1024 ** "_KMGT".indexOf((m[2] || "_").toUpperCase());
}
