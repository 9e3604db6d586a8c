/**
 * The result functions of RFC 7143 §6.2 and §13, applied to one key at a time: checking the
 * target's answer to our offer, and answering the target's offer. Pure functions over wire
 * text; negotiate.ts keeps the state [OpenBSD iscsid `MERGE_MIN`, `MERGE_MAX`, `MERGE_OR`,
 * `MERGE_AND`].
 */
import { NegotiationError } from "../errors.js";
import type { KeyDef } from "./keys.js";

/**
 * Parses an RFC 7143 §6.1 numerical value: a decimal constant or a `0x` hex constant.
 * Returns `undefined` for anything else (signs, spaces, fractions, empty text).
 *
 * @example
 * parseNumber("262144"); // 262144
 * parseNumber("0x400");  // 1024
 * parseNumber("-1");     // undefined
 */
export function parseNumber(text: string): number | undefined {
  if (/^[0-9]{1,16}$/.test(text)) return Number(text);
  if (/^0[xX][0-9a-fA-F]{1,13}$/.test(text)) return Number.parseInt(text.slice(2), 16);
  return undefined;
}

/**
 * Splits a list-of-values (RFC 7143 §6.1: comma-separated, order of preference).
 *
 * @example
 * splitList("CRC32C,None"); // ["CRC32C", "None"]
 */
export function splitList(value: string): string[] {
  return value.split(",");
}

/**
 * Why `value` is not an admissible value of `def`, or `undefined` when it is: a boolean that
 * is not Yes/No, a number out of `min..max`, a list or enumerated value the RFC does not
 * define. Used for our own settings and for the target's offers.
 *
 * @example
 * admissible(keyDef("ErrorRecoveryLevel")!, "3"); // "3 is outside 0..2"
 */
export function admissible(def: KeyDef, value: string): string | undefined {
  switch (def.type) {
    case "boolean":
      return value === "Yes" || value === "No" ? undefined : `${JSON.stringify(value)} is not Yes or No`;
    case "numeric": {
      const n = parseNumber(value);
      if (n === undefined) return `${JSON.stringify(value)} is not a number`;
      if (def.min !== undefined && n < def.min) return `${value} is outside ${def.min}..${def.max}`;
      if (def.max !== undefined && n > def.max) return `${value} is outside ${def.min}..${def.max}`;
      return undefined;
    }
    case "list": {
      const bad = splitList(value).filter((v) => def.values !== undefined && !def.values.includes(v));
      return bad.length === 0 ? undefined : `${bad.map((v) => JSON.stringify(v)).join(", ")} not defined for ${def.name}`;
    }
    case "declarative":
      if (def.values !== undefined && !def.values.includes(value)) return `${JSON.stringify(value)} is not one of ${def.values.join(", ")}`;
      return value.length === 0 ? "empty value" : undefined;
    case "string":
      return undefined;
  }
}

/**
 * Checks the target's `answer` to the value we `offered` under the key's result function
 * (RFC 7143 §6.2.1 list, §6.2.2 simple values) and returns the negotiated value. Throws
 * {@link NegotiationError} naming the key when the answer is not one the acceptor may
 * select. Reserved answers (Reject, Irrelevant, NotUnderstood) are handled by the caller.
 *
 * @example
 * checkAnswer(keyDef("MaxBurstLength")!, "16776192", "262144"); // "262144"
 * checkAnswer(keyDef("MaxBurstLength")!, "65536", "262144");    // throws: exceeds our offer (Min)
 */
export function checkAnswer(def: KeyDef, offered: string, answer: string): string {
  const fail = (why: string): never => {
    throw new NegotiationError(def.name, `target answered ${JSON.stringify(answer)} to our ${JSON.stringify(offered)}: ${why}`);
  };
  if (def.type === "list") {
    // §6.2.1: the acceptor picks one value from the originator's list; anything else is a protocol error.
    if (!splitList(offered).includes(answer)) fail("not one of the values we offered (RFC 7143 §6.2.1)");
    return answer;
  }
  const bad = admissible(def, answer);
  if (bad !== undefined) fail(`${bad} (RFC 7143 ${def.rfc})`);
  switch (def.result) {
    case "Min":
      if (parseNumber(answer)! > parseNumber(offered)!) fail("exceeds our offer, and the result function is Min (RFC 7143 §6.2.2)");
      return String(parseNumber(answer));
    case "Max":
      if (parseNumber(answer)! < parseNumber(offered)!) fail("is below our offer, and the result function is Max (RFC 7143 §6.2.2)");
      return String(parseNumber(answer));
    case "Or":
      if (offered === "Yes" && answer !== "Yes") fail("Yes OR anything is Yes (RFC 7143 §6.2.2)");
      return answer;
    case "And":
      if (offered === "No" && answer !== "No") fail("No AND anything is No (RFC 7143 §6.2.2)");
      return answer;
    default:
      return fail(`${def.result} keys are not answered`);
  }
}

/** Our answer to a key the target offered, and the value that results. */
export interface ProposalAnswer {
  /** What we send back; `undefined` when RFC 7143 §6.2.2 makes the response optional. */
  answer: string | undefined;
  /** The negotiated value; `undefined` when we answer Reject (the key keeps its value). */
  result: string | undefined;
}

/**
 * Answers a value the target offered for a key we did not offer (RFC 7143 §6.2), applying
 * the result function to `mine` (our value, or the RFC default) and `his`. An inadmissible
 * offer, or a list with nothing we accept, is answered Reject (§6.2.1, §6.2.2).
 *
 * @example
 * answerProposal(keyDef("DefaultTime2Wait")!, "2", "5");  // { answer: "5", result: "5" } (Max)
 * answerProposal(keyDef("ImmediateData")!, "Yes", "No"); // { answer: undefined, result: "No" }
 */
export function answerProposal(def: KeyDef, mine: string, his: string): ProposalAnswer {
  if (admissible(def, his) !== undefined) return { answer: "Reject", result: undefined };
  const both = (v: string): ProposalAnswer => ({ answer: v, result: v });
  switch (def.result) {
    case "List": {
      // The acceptor selects the first value of the offer that it supports (§6.2.1).
      const pick = splitList(his).find((v) => splitList(mine).includes(v));
      return pick === undefined ? { answer: "Reject", result: undefined } : both(pick);
    }
    case "Min":
      return both(String(Math.min(parseNumber(mine)!, parseNumber(his)!)));
    case "Max":
      return both(String(Math.max(parseNumber(mine)!, parseNumber(his)!)));
    // §6.2.2: a response is optional for OR with Yes received and AND with No received.
    case "Or":
      return his === "Yes" ? { answer: undefined, result: "Yes" } : both(mine === "Yes" ? "Yes" : "No");
    case "And":
      return his === "No" ? { answer: undefined, result: "No" } : both(mine === "Yes" ? "Yes" : "No");
    default:
      return { answer: "Reject", result: undefined };
  }
}
