/**
 * `iscsiscope daemon` and the commands that talk to it: `login`, `logout`, `list`.
 */
import { Daemon } from "../daemon/server.js";
import { DaemonClient } from "../daemon/client.js";
import { readConfig, type DaemonConfig } from "../daemon/config.js";
import { serveMetrics } from "../daemon/metrics.js";
import type { ListResponse, LoginResponse, LogoutResponse, SessionInfo } from "../daemon/protocol.js";
import { defaultSocketPath } from "../daemon/socket-path.js";
import { formatPortal } from "../initiator/options.js";
import { intOption, type CommandSpec, type OptionSpec, type Parsed } from "./args.js";
import { printJson } from "./common.js";
import { credentialsFor } from "./secrets.js";
import { parseIscsiUrl } from "./url.js";
import { UsageError } from "./usage-error.js";
import { openRecorder } from "./recording.js";

const SOCKET: Record<string, OptionSpec> = {
  socket: { type: "string", arg: "PATH", help: "the daemon's control socket (default $XDG_RUNTIME_DIR/iscsiscope/control.sock)" },
};

export const DAEMON: CommandSpec = {
  name: "daemon",
  summary: "hold sessions, record them, serve counters and probes on a control socket",
  usage: "iscsiscope daemon [--config FILE] [--socket PATH] [--record FILE] [--metrics HOST:PORT]",
  options: {
    ...SOCKET,
    config: { type: "string", arg: "FILE", help: "targets to keep logged in, and daemon settings (see README)" },
    record: { type: "string", arg: "FILE", help: "record everything to this SQLite file (the flight recorder)" },
    metrics: { type: "string", arg: "HOST:PORT", help: "serve Prometheus metrics (loopback unless an address is given)" },
    secrets: { type: "string", arg: "FILE", help: "CHAP credentials for the configured targets (mode 0600)" },
    "snapshot-interval": { type: "string", arg: "S", help: "seconds between counter snapshots in the recording (default 1)" },
  },
  positionals: [],
  required: 0,
  help: `Runs in the foreground; SIGTERM or SIGINT logs out of every session, flushes the recording
and removes the socket. A second daemon on the same socket is refused; a stale socket is removed.`,
};

export async function runDaemon(p: Parsed): Promise<number> {
  const v = p.values;
  const config: DaemonConfig | undefined = typeof v.config === "string" ? readConfig(v.config) : undefined;
  const socket = (v.socket as string | undefined) ?? config?.socket ?? defaultSocketPath();
  const secrets = (v.secrets as string | undefined) ?? config?.secrets;
  // Read the secrets once now: a mistake in the file stops the daemon before it starts.
  for (const t of config?.targets ?? []) credentialsFor(t.targetName, { secretsFile: secrets });
  const d = new Daemon({ socket, config, credentials: (t) => credentialsFor(t, { secretsFile: secrets }) });
  const record = (v.record as string | undefined) ?? config?.record;
  if (record) {
    const interval = v["snapshot-interval"] !== undefined ? Number(v["snapshot-interval"]) : config?.snapshotInterval ?? 1;
    const r = await openRecorder(d.bus, record, { source: `live:${socket}`, snapshots: { stats: d.stats, clock: d.clock, intervalS: interval } });
    d.onStop(() => r.close());
    d.log(`recording to ${record}`);
  }
  await d.start();
  const metrics = (v.metrics as string | undefined) ?? config?.metrics;
  if (metrics) {
    const server = await serveMetrics(metrics, () => d.stats.snapshot(d.clock.now()));
    d.onStop(() => new Promise<void>((resolve) => server.close(() => resolve())));
    d.log(`Prometheus metrics on http://${metrics}/metrics`);
  }
  await new Promise<void>((resolve) => {
    const stop = (sig: string) => void d.stop(sig).then(resolve);
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return 0;
}

async function client(v: Parsed["values"], name: string): Promise<DaemonClient> {
  return DaemonClient.connect((v.socket as string | undefined) ?? defaultSocketPath(), name);
}

export const LOGIN: CommandSpec = {
  name: "login",
  summary: "have the daemon log in to a target and hold the session",
  usage: "iscsiscope login iscsi://HOST[:PORT]/TARGET [--socket PATH] [--secrets FILE]",
  options: { ...SOCKET, json: { type: "boolean", help: "machine-readable output" }, secrets: { type: "string", arg: "FILE", help: "CHAP credentials (mode 0600); else ISCSISCOPE_CHAP_USER/_SECRET" } },
  positionals: ["URL"],
  required: 1,
};

export async function runLogin(p: Parsed): Promise<number> {
  const url = parseIscsiUrl(p.positionals[0], { target: true });
  const auth = credentialsFor(url.targetName, { secretsFile: p.values.secrets as string | undefined, urlUser: url.user });
  const c = await client(p.values, "login");
  try {
    const r = await c.request<LoginResponse>({ op: "login", target: url.targetName, portals: [formatPortal(url.portal)], auth });
    const s = r.session as SessionInfo;
    if (p.values.json) printJson(s);
    else console.log(`Login to [target: ${s.target}, portal: ${s.portal}] successful: session ${s.sid}`);
    return 0;
  } finally {
    c.close();
  }
}

export const LOGOUT: CommandSpec = {
  name: "logout",
  summary: "log out of a session held by the daemon (by session id or URL)",
  usage: "iscsiscope logout SID|iscsi://HOST[:PORT]/TARGET [--socket PATH]",
  options: SOCKET,
  positionals: ["SID|URL"],
  required: 1,
};

export async function runLogout(p: Parsed): Promise<number> {
  const what = p.positionals[0];
  const sel = /^\d+$/.test(what) ? { sid: Number(what) } : { target: parseIscsiUrl(what, { target: true }).targetName };
  const c = await client(p.values, "logout");
  try {
    const r = await c.request<LogoutResponse>({ op: "logout", ...sel });
    if (r.loggedOut.length === 0) throw new UsageError(`no session ${"sid" in sel ? sel.sid : `to ${sel.target}`} is held by the daemon on ${c.path}`, 1);
    for (const sid of r.loggedOut) console.log(`Logout of session ${sid} successful.`);
    return 0;
  } finally {
    c.close();
  }
}

export const LIST: CommandSpec = {
  name: "list",
  summary: "sessions held by the daemon, like iscsiadm -m session (-P 0..3 for detail)",
  usage: "iscsiscope list [-P 0|1|2|3] [--json] [--socket PATH]",
  options: { ...SOCKET, print: { type: "string", short: "P", arg: "LEVEL", help: "detail: 0 one line each, 1 states, 2 parameters and timeouts, 3 LUNs" }, json: { type: "boolean", help: "machine-readable output" } },
  positionals: [],
  required: 0,
};

export async function runList(p: Parsed): Promise<number> {
  const level = intOption(p.values.print, "print", 0, 0, 3);
  const c = await client(p.values, "list");
  try {
    const { sessions } = await c.request<ListResponse>({ op: "list", level });
    if (p.values.json) return printJson(sessions), 0;
    if (sessions.length === 0) console.log("No active sessions.");
    for (const s of sessions) console.log(formatSession(s, level));
    return 0;
  } finally {
    c.close();
  }
}

/** iscsiadm -m session -P LEVEL, in iscsiscope's words. */
export function formatSession(s: SessionInfo, level: number): string {
  if (level === 0) return `tcp: [${s.sid}] ${s.portal},${s.tpgt ?? 1} ${s.target} (${s.state.toLowerCase().replace("_", " ")})`;
  const lines = [`Target: ${s.target}`, `\tCurrent Portal: ${s.portal},${s.tpgt ?? 1}`, `\tSID: ${s.sid}`, `\tISID: ${s.isid}  TSIH: ${s.tsih}`,
    `\tiSCSI Session State: ${s.state}`, ...s.conns.map((c) => `\tiSCSI Connection State: ${c.state} (CID ${c.cid}, ${c.local} -> ${c.remote})`),
    `\tUptime: ${s.uptime} s, reconnects: ${s.reconnects}, held from ${s.origin === "config" ? "the configuration" : "a login request"}`];
  if (level >= 2) {
    lines.push("\tTimeouts:", ...Object.entries(s.timeouts ?? {}).map(([k, v]) => `\t\t${k}: ${v} s`));
    lines.push("\tCHAP:", `\t\tusername: ${s.chap?.user ?? "<empty>"}`, `\t\tpassword: ${s.chap?.user ? "********" : "<empty>"}`,
      `\t\tusername_in: ${s.chap?.mutualUser ?? "<empty>"}`, `\t\tpassword_in: ${s.chap?.mutualUser ? "********" : "<empty>"}`);
    lines.push("\tNegotiated iSCSI params:", ...Object.entries(s.params ?? {}).map(([k, v]) => `\t\t${k}: ${typeof v === "boolean" ? (v ? "Yes" : "No") : v}`));
  }
  if (level >= 3) {
    lines.push("\tLUNs:", ...(s.luns ?? []).map((l) => `\t\tLUN ${l.lun}: ${l.type}, ${l.vendor} ${l.product} ${l.revision}` +
      (l.blocks ? `, ${l.blocks} blocks of ${l.blockSize} bytes` : "")));
  }
  return lines.join("\n");
}
