/**
 * What every initiator command shares: the options (--json, --trace, --secrets, --timeout),
 * building an Initiator on a bus with the trace attached, logging in from a URL, printing
 * machine output, and formatting numbers for people.
 */
import { Initiator } from "../initiator/initiator.js";
import type { SessionOptions, Timeouts } from "../initiator/options.js";
import type { ScsiSession } from "../initiator/scsi-session.js";
import { ProbeBus } from "../probe/bus.js";
import { stringifyJson, type JsonValue } from "../probe/json.js";
import type { OptionSpec, Parsed } from "./args.js";
import { credentialsFor } from "./secrets.js";
import { openTraceFile, type TraceFile } from "./trace-file.js";
import { parseIscsiUrl, type IscsiUrl } from "./url.js";
import { UsageError } from "./usage-error.js";

/** Options of every command that talks to a target. */
export const INITIATOR_OPTIONS: Record<string, OptionSpec> = {
  json: { type: "boolean", help: "machine-readable output (JSON)" },
  trace: { type: "string", arg: "FILE", help: "write every probe as NDJSON to FILE" },
  secrets: { type: "string", arg: "FILE", help: "CHAP credentials from FILE (mode 0600); else ISCSISCOPE_CHAP_USER/_SECRET" },
  timeout: { type: "string", arg: "SECONDS", help: "connect and login timeout (default 10 s connect, 15 s login)" },
  "initiator-name": { type: "string", arg: "IQN", help: "our iSCSI name (default iqn.2026-11.io.iscsiscope:<host>)" },
};

/** An initiator with its bus and, with --trace, the trace file. */
export interface CommandRig {
  bus: ProbeBus;
  ini: Initiator;
  trace: TraceFile | undefined;
  timeouts: Partial<Timeouts>;
  /** Log out of everything, close the trace. */
  close(): Promise<void>;
}

export async function commandRig(v: Parsed["values"]): Promise<CommandRig> {
  const bus = new ProbeBus();
  const trace = typeof v.trace === "string" ? await openTraceFile(bus, v.trace) : undefined;
  const ini = new Initiator({ bus, initiatorName: typeof v["initiator-name"] === "string" ? v["initiator-name"] : undefined });
  const timeouts: Partial<Timeouts> = {};
  if (v.timeout !== undefined) {
    const s = Number(v.timeout);
    if (!(s > 0 && s <= 3600)) throw new UsageError(`--timeout must be a number of seconds from 0 to 3600, got '${v.timeout}'`);
    timeouts.connectMs = s * 1000;
    timeouts.loginMs = s * 1000;
  }
  return {
    bus, ini, trace, timeouts,
    close: async () => {
      await ini.close();
      await trace?.close();
    },
  };
}

/** Log in to the target a URL names, with credentials from --secrets or the environment. */
export async function loginFromUrl(rig: CommandRig, url: IscsiUrl, v: Parsed["values"], extra: Partial<SessionOptions> = {}): Promise<ScsiSession> {
  const auth = credentialsFor(url.targetName, { secretsFile: typeof v.secrets === "string" ? v.secrets : undefined, urlUser: url.user });
  return rig.ini.login({ targetName: url.targetName, portals: [url.portal], auth, timeouts: { ...rig.timeouts, ...extra.timeouts }, ...extra });
}

/** Parse the URL positional, naming the command in errors. */
export function urlArg(text: string | undefined, need: { target?: boolean; lun?: boolean }): IscsiUrl {
  if (text === undefined) throw new UsageError("missing URL: iscsi://host[:port]/target-iqn/lun");
  return parseIscsiUrl(text, need);
}

/** Print a value as JSON (bigints as exact integers), one document. */
export function printJson(v: unknown): void {
  process.stdout.write(`${stringifyJson(toJson(v))}\n`);
}

function toJson(v: unknown): JsonValue {
  if (v === undefined) return null;
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString("hex");
  if (Array.isArray(v)) return v.map(toJson);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), toJson(x)]));
  return Object.fromEntries(Object.entries(v as object).filter(([, x]) => x !== undefined).map(([k, x]) => [k, toJson(x)]));
}

/** 1536 -> "1.5 KiB", 67108864 -> "64.0 MiB". */
export function formatBytes(n: number | bigint): string {
  let x = Number(n);
  for (const unit of ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]) {
    if (x < 1024 || unit === "PiB") return unit === "B" ? `${x} B` : `${x.toFixed(1)} ${unit}`;
    x /= 1024;
  }
  return `${x}`;
}

/** Nanoseconds for people: "850 ns", "12.3 us", "4.56 ms", "1.20 s". */
export function formatNs(ns: number | bigint): string {
  const x = Number(ns);
  if (x < 1e3) return `${x.toFixed(0)} ns`;
  if (x < 1e6) return `${(x / 1e3).toFixed(1)} us`;
  if (x < 1e9) return `${(x / 1e6).toFixed(2)} ms`;
  return `${(x / 1e9).toFixed(2)} s`;
}

/** Rows as an aligned table, left-aligned text, right-aligned numbers. */
export function formatTable(head: string[], rows: Array<Array<string | number>>): string {
  const all = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  const numeric = head.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === "number"));
  return all.map((r) => r.map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd()).join("\n");
}
