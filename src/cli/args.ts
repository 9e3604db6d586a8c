/**
 * Command grammar as a table (iscsictl's parser.c shape, on node:util parseArgs): each
 * command names its options and positionals; a mistake is one UsageError line that lists
 * what is valid.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./usage-error.js";

export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  /** Placeholder for the value in help ("FILE", "N"). */
  arg?: string;
  help: string;
  multiple?: boolean;
}

export interface CommandSpec {
  name: string;
  /** One line: what it does. */
  summary: string;
  /** One line: `iscsiscope discover HOST[:PORT]`. */
  usage: string;
  options: Record<string, OptionSpec>;
  /** Names of positional arguments; a trailing "..." takes the rest. */
  positionals: string[];
  /** Required positionals (from the left). */
  required: number;
  /** Longer help: a paragraph and examples. */
  help?: string;
}

/** Options every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: "boolean", short: "h", help: "show this help" },
};

export interface Parsed {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/** Parse argv for a command; throws UsageError naming the bad option and the valid ones. */
export function parseCommand(spec: CommandSpec, argv: string[]): Parsed {
  const options = { ...COMMON_OPTIONS, ...spec.options };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv, allowPositionals: true, strict: true,
      options: Object.fromEntries(Object.entries(options).map(([k, o]) => [k, {
        type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}),
      }])),
    });
  } catch (e) {
    const msg = (e as Error).message.split("\n")[0].replace(/\. To specify a positional.*$/, "");
    throw new UsageError(`${spec.name}: ${msg}; valid options: ${Object.keys(options).map((k) => `--${k}`).join(" ")}`);
  }
  const values = parsed.values as Parsed["values"];
  if (values.help) return { values, positionals: parsed.positionals };
  const max = spec.positionals.some((p) => p.endsWith("...")) ? Infinity : spec.positionals.length;
  if (parsed.positionals.length < spec.required) {
    throw new UsageError(`${spec.name}: missing ${spec.positionals.slice(parsed.positionals.length, spec.required).join(" ")}; usage: ${spec.usage}`);
  }
  if (parsed.positionals.length > max) {
    throw new UsageError(`${spec.name}: unexpected argument '${parsed.positionals[max]}'; usage: ${spec.usage}`);
  }
  return { values, positionals: parsed.positionals };
}

/** `--help` text: usage, summary, options, long help. */
export function helpText(spec: CommandSpec): string {
  const opts = { ...spec.options, ...COMMON_OPTIONS };
  const rows = Object.entries(opts).map(([k, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : "    "}--${k}${o.arg ? ` ${o.arg}` : ""}`;
    return `  ${flag.padEnd(28)} ${o.help}`;
  });
  return [`usage: ${spec.usage}`, "", spec.summary, "", "options:", ...rows, ...(spec.help ? ["", spec.help.trim()] : []), ""].join("\n");
}

/** A number option: integer within [min, max], else a UsageError naming the option. */
export function intOption(v: unknown, name: string, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`--${name} must be a whole number from ${min} to ${max}, got '${v}'`);
  return n;
}

/**
 * A size with an optional k/m/g suffix (powers of 1024): "4k" -> 4096.
 * Throws UsageError naming the option.
 */
export function sizeOption(v: unknown, name: string, def: number): number {
  if (v === undefined) return def;
  const m = /^(\d+)([kmg]?)i?b?$/i.exec(String(v));
  if (!m) throw new UsageError(`--${name} must be a size such as 4k, 64k or 1m, got '${v}'`);
  const n = Number(m[1]) * { "": 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as "" | "k" | "m" | "g"];
  if (n <= 0) throw new UsageError(`--${name} must be positive`);
  return n;
}

/** A duration in seconds with an optional s/m suffix: "10", "10s", "2m". */
export function secondsOption(v: unknown, name: string, def: number): number {
  if (v === undefined) return def;
  const m = /^(\d+(?:\.\d+)?)(s|m)?$/.exec(String(v));
  if (!m) throw new UsageError(`--${name} must be a duration such as 10, 10s or 2m, got '${v}'`);
  return Number(m[1]) * (m[2] === "m" ? 60 : 1);
}
