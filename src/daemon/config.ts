/**
 * The daemon's configuration file: `key = value` lines in sections, `#` comments, in the
 * spirit of iscsid.conf. A `[daemon]` section and one `[target IQN]` section per target to
 * keep logged in. Every mistake is a ConfigError naming the file, the line and the key.
 *
 *   [daemon]
 *   socket = /run/iscsiscope/control.sock
 *   record = /var/lib/iscsiscope/flight.sqlite
 *   snapshot-interval = 1
 *   secrets = /etc/iscsiscope/secrets
 *   metrics = 127.0.0.1:9469
 *   initiator-name = iqn.2026-11.io.iscsiscope:host1
 *
 *   [target iqn.2026-11.example:disk1]
 *   portal = 192.0.2.10:3260
 *   portal = [2001:db8::10]:3260
 *   queue-depth = 32
 *   header-digest = CRC32C,None
 *   timeout.replacement = 120
 */
import { readFileSync } from "node:fs";
import { IscsiError } from "../errors.js";
import { parsePortal, type NegotiationOverrides, type Portal, type Timeouts } from "../initiator/options.js";

/** A mistake in the configuration file: `file:line: key: what is wrong`. */
export class ConfigError extends IscsiError {
  constructor(file: string, line: number, key: string | undefined, message: string) {
    super("ERR_CONFIG", `${file}:${line}: ${key ? `${key}: ` : ""}${message}`);
  }
}

export interface TargetConfig {
  targetName: string;
  portals: Portal[];
  queueDepth?: number;
  params: NegotiationOverrides;
  timeouts: Partial<Timeouts>;
  /** Line of the section header, for messages. */
  line: number;
}

export interface DaemonConfig {
  file: string;
  socket?: string;
  record?: string;
  /** Seconds between counter snapshots in the recording (default 1). */
  snapshotInterval: number;
  secrets?: string;
  metrics?: string;
  initiatorName?: string;
  targets: TargetConfig[];
}

type Setter<T> = (into: T, value: string, fail: (msg: string) => never) => void;

const num = (min: number, max: number) => (value: string, fail: (m: string) => never): number => {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) fail(`'${value}' is not a number from ${min} to ${max}`);
  return n;
};
const int = (min: number, max: number) => (value: string, fail: (m: string) => never): number => {
  const n = num(min, max)(value, fail);
  if (!Number.isInteger(n)) fail(`'${value}' is not a whole number`);
  return n;
};
const yesNo = (value: string, fail: (m: string) => never): boolean => {
  if (!/^(yes|no)$/i.test(value)) fail(`'${value}' is not Yes or No`);
  return /^yes$/i.test(value);
};
const digest = (value: string, fail: (m: string) => never): string => {
  if (!/^(None|CRC32C)(,(None|CRC32C))?$/.test(value)) fail(`'${value}' is not None, CRC32C or a list of both`);
  return value;
};
const portal = (value: string, fail: (m: string) => never): Portal => {
  try {
    return parsePortal(value);
  } catch (e) {
    return fail((e as Error).message);
  }
};

const DAEMON_KEYS: Record<string, Setter<DaemonConfig>> = {
  socket: (c, v) => { c.socket = v; },
  record: (c, v) => { c.record = v; },
  "snapshot-interval": (c, v, f) => { c.snapshotInterval = num(0.1, 3600)(v, f); },
  secrets: (c, v) => { c.secrets = v; },
  metrics: (c, v, f) => { portal(v, f); c.metrics = v; },
  "initiator-name": (c, v, f) => { if (!/^(iqn\.|eui\.|naa\.)/.test(v)) f(`'${v}' is not an iSCSI name (iqn., eui. or naa.)`); c.initiatorName = v; },
};

/** Timeouts are given in seconds, like iscsid.conf's; stored in milliseconds. */
const TIMEOUT_KEYS: Record<string, keyof Timeouts> = {
  "timeout.connect": "connectMs", "timeout.login": "loginMs", "timeout.logout": "logoutMs",
  "timeout.nop-interval": "nopIntervalMs", "timeout.nop-timeout": "nopTimeoutMs", "timeout.command": "commandMs",
  "timeout.abort": "abortMs", "timeout.lu-reset": "luResetMs", "timeout.replacement": "replacementMs",
};

const TARGET_KEYS: Record<string, Setter<TargetConfig>> = {
  portal: (t, v, f) => { t.portals.push(portal(v, f)); },
  "queue-depth": (t, v, f) => { t.queueDepth = int(1, 1024)(v, f); },
  "header-digest": (t, v, f) => { t.params.HeaderDigest = digest(v, f); },
  "data-digest": (t, v, f) => { t.params.DataDigest = digest(v, f); },
  "initial-r2t": (t, v, f) => { t.params.InitialR2T = yesNo(v, f); },
  "immediate-data": (t, v, f) => { t.params.ImmediateData = yesNo(v, f); },
  "max-recv-data-segment-length": (t, v, f) => { t.params.MaxRecvDataSegmentLength = int(512, 16777215)(v, f); },
  "max-burst-length": (t, v, f) => { t.params.MaxBurstLength = int(512, 16777215)(v, f); },
  "first-burst-length": (t, v, f) => { t.params.FirstBurstLength = int(512, 16777215)(v, f); },
  ...Object.fromEntries(Object.entries(TIMEOUT_KEYS).map(([k, field]) => [k, (t: TargetConfig, v: string, f: (m: string) => never) => {
    t.timeouts[field] = num(0, 86400)(v, f) * 1000;
  }])),
};

/** Read and check a configuration file. Throws ConfigError (or one for an unreadable file). */
export function readConfig(file: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(file, 0, undefined, `cannot read the configuration (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseConfig(text, file);
}

export function parseConfig(text: string, file: string): DaemonConfig {
  const cfg: DaemonConfig = { file, snapshotInterval: 1, targets: [] };
  let section: "none" | "daemon" | TargetConfig = "none";
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = i + 1;
    const s = raw.replace(/#.*$/, "").trim();
    if (s === "") return;
    const head = /^\[\s*(daemon|target\s+(\S+))\s*\]$/.exec(s);
    if (head) {
      section = head[1] === "daemon" ? "daemon" : newTarget(cfg, head[2], file, line);
      return;
    }
    if (s.startsWith("[")) throw new ConfigError(file, line, undefined, `'${s}' is not [daemon] or [target IQN]`);
    const eq = s.indexOf("=");
    if (eq < 0) throw new ConfigError(file, line, undefined, `expected 'key = value', got '${s}'`);
    const key = s.slice(0, eq).trim();
    const value = s.slice(eq + 1).trim();
    const fail = (msg: string): never => { throw new ConfigError(file, line, key, msg); };
    if (section === "none") fail("is outside any section: put it under [daemon] or [target IQN]");
    const table: Record<string, Setter<never>> = section === "daemon" ? DAEMON_KEYS : TARGET_KEYS;
    const set = table[key];
    if (!set) fail(`unknown key; valid here: ${Object.keys(table).join(", ")}`);
    if (value === "") fail("has no value");
    (set as Setter<DaemonConfig | TargetConfig>)(section === "daemon" ? cfg : section as TargetConfig, value, fail);
  });
  for (const t of cfg.targets) {
    if (t.portals.length === 0) throw new ConfigError(file, t.line, undefined, `[target ${t.targetName}] has no portal`);
  }
  return cfg;
}

function newTarget(cfg: DaemonConfig, name: string, file: string, line: number): TargetConfig {
  if (!/^(iqn\.|eui\.|naa\.)/.test(name)) throw new ConfigError(file, line, undefined, `'${name}' is not an iSCSI name (iqn., eui. or naa.)`);
  if (cfg.targets.some((t) => t.targetName === name)) throw new ConfigError(file, line, undefined, `target ${name} appears twice`);
  const t: TargetConfig = { targetName: name, portals: [], params: {}, timeouts: {}, line };
  cfg.targets.push(t);
  return t;
}
