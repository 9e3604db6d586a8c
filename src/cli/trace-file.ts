/**
 * `--trace FILE`: every probe as one NDJSON line, `{"probe": "...", "t": ns, "args": {...}}`,
 * written off the probe site (the subscriber serialises; a stream buffers the writes).
 * Secrets never reach it: CHAP_C and CHAP_R values are redacted by probeArgsJson.
 */
import { createWriteStream, type WriteStream } from "node:fs";
import type { ProbeBus } from "../probe/bus.js";
import { probeArgsJson, stringifyJson } from "../probe/json.js";
import { UsageError } from "./usage-error.js";

export interface TraceFile {
  /** Probes written so far. */
  readonly count: number;
  /** Stop subscribing and flush the file. */
  close(): Promise<void>;
}

export async function openTraceFile(bus: ProbeBus, path: string): Promise<TraceFile> {
  const out: WriteStream = createWriteStream(path, { flags: "w", mode: 0o600 });
  await new Promise<void>((resolve, reject) => {
    out.once("open", () => resolve());
    out.once("error", (e: NodeJS.ErrnoException) => reject(new UsageError(`--trace ${path}: ${e.code ?? e.message}`, 1)));
  });
  let count = 0;
  const off = bus.subscribe("iscsi:::", (args, probe) => {
    count++;
    const { t, ...rest } = args as { t: bigint };
    out.write(`${stringifyJson({ probe: probe.id, t, args: probeArgsJson(rest) })}\n`);
  });
  return {
    get count() {
      return count;
    },
    close: () => {
      off();
      return new Promise((resolve) => out.end(resolve));
    },
  };
}
