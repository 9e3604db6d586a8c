/** Reads fixtures/transcripts/*.txt (written by fixtures/transcripts/record.sh). */
import { readFileSync } from "node:fs";
import type { TextPair } from "../../src/wire/text.js";
import { fixturePath } from "../helpers/paths.js";

/** One PDU of a transcript. */
export interface TranscriptPdu {
  /** "initiator request", "target response", "initiator text request", "target text response". */
  kind: string;
  /** 1-based, per kind. */
  n: number;
  /** CSG, NSG, T, C, status as written in the comment line. */
  flags: Record<string, string>;
  pairs: TextPair[];
}

/**
 * Parses a transcript: header comments, then `# --- <kind> <n> (K=V ...)` lines each followed
 * by that PDU's key=value lines (split at the first '=').
 */
export function readTranscript(name: string): TranscriptPdu[] {
  const pdus: TranscriptPdu[] = [];
  for (const line of readFileSync(fixturePath("transcripts", `${name}.txt`), "utf8").split("\n")) {
    const head = /^# --- (.+?) (\d+)(?: \((.*)\))?$/.exec(line);
    if (head) {
      const flags = Object.fromEntries((head[3] ?? "").split(" ").filter(Boolean).map((f) => f.split("=") as [string, string]));
      pdus.push({ kind: head[1], n: Number(head[2]), flags, pairs: [] });
    } else if (line !== "" && !line.startsWith("#")) {
      const eq = line.indexOf("=");
      if (eq <= 0 || pdus.length === 0) throw new Error(`${name}: bad transcript line ${JSON.stringify(line)}`);
      pdus[pdus.length - 1].pairs.push([line.slice(0, eq), line.slice(eq + 1)]);
    }
  }
  return pdus;
}

/** The pairs of the `n`th PDU of `kind`. */
export function pdu(pdus: TranscriptPdu[], kind: string, n: number): TranscriptPdu {
  const p = pdus.find((x) => x.kind === kind && x.n === n);
  if (p === undefined) throw new Error(`no ${kind} ${n} in transcript`);
  return p;
}
