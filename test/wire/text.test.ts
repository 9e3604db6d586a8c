/**
 * Text segments (RFC 7143 §6.1): key=value pairs separated by NUL, kept as an ordered list,
 * with the RFC's length limits, NUL padding, and continuation over several PDUs (C bit).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { TextError } from "../../src/errors.js";
import {
  decodeText, encodeText, MAX_TEXT_LENGTH, splitText, TextAccumulator, type TextPair,
} from "../../src/wire/text.js";
import { readHexFixture } from "../helpers/hex.js";
import { OPERATIONAL_KEYS, SENDTARGETS_ANSWER, text } from "./cases/common.js";

const SENDTARGETS_PAIRS: TextPair[] = [
  ["TargetName", "iqn.2024-01.org.iscsiscope:disk1"],
  ["TargetAddress", "192.0.2.10:3260,1"],
  ["TargetName", "iqn.2024-01.org.iscsiscope:disk2"],
  ["TargetAddress", "[2001:db8::10]:3260,12"],
];

function textError(offset: number): (e: unknown) => boolean {
  return (e) => e instanceof TextError && e.code === "ERR_TEXT_FORMAT" && e.offset === offset;
}

test("decodeText() keeps order and repeated keys of a SendTargets answer; encodeText() gives the bytes back", () => {
  assert.deepStrictEqual(decodeText(text(SENDTARGETS_ANSWER)), SENDTARGETS_PAIRS);
  assert.deepStrictEqual(encodeText(SENDTARGETS_PAIRS), text(SENDTARGETS_ANSWER));
});

test("decodeText() ignores the NUL padding of a real data segment (text-response-sendtargets.hex)", () => {
  const pdu = readHexFixture("pdus/text-response-sendtargets.hex");
  const segment = pdu.subarray(48); // data and its padding to 4 bytes
  assert.ok(segment.length > SENDTARGETS_ANSWER.length && segment[segment.length - 1] === 0);
  assert.deepStrictEqual(decodeText(segment), SENDTARGETS_PAIRS);
  assert.deepStrictEqual(decodeText(text("a=b\0\0\0\0")), [["a", "b"]]);
});

test("decodeText() accepts a last pair without its NUL, and an empty value", () => {
  assert.deepStrictEqual(decodeText(text("a=b\0TargetAlias=")), [["a", "b"], ["TargetAlias", ""]]);
});

test("only the first '=' separates key and value: base64 padding stays in the value", () => {
  assert.deepStrictEqual(decodeText(text("CHAP_C=0bAAECAw==\0X-org.example.k=a=b\0")),
    [["CHAP_C", "0bAAECAw=="], ["X-org.example.k", "a=b"]]);
  assert.deepStrictEqual(encodeText([["CHAP_C", "0bAAECAw=="]]), text("CHAP_C=0bAAECAw==\0"));
  assert.throws(() => encodeText([["TargetAlias", "a\0b"]]), RangeError);
});

test("a key of 63 bytes is accepted, 64 rejected (RFC 7143 §6.1)", () => {
  const k63 = "K".repeat(63);
  assert.deepStrictEqual(decodeText(text(`${k63}=v\0`)), [[k63, "v"]]);
  assert.deepStrictEqual(encodeText([[k63, "v"]]), text(`${k63}=v\0`));
  assert.throws(() => decodeText(text(`a=b\0${k63}K=v\0`)), textError(4));
  assert.throws(() => encodeText([[`${k63}K`, "v"]]), RangeError);
});

test("a value of 255 bytes is accepted, 256 rejected (RFC 7143 §6.1)", () => {
  const v255 = "v".repeat(255);
  assert.deepStrictEqual(decodeText(text(`TargetAlias=${v255}\0`)), [["TargetAlias", v255]]);
  assert.deepStrictEqual(encodeText([["TargetAlias", v255]]), text(`TargetAlias=${v255}\0`));
  assert.throws(() => decodeText(text(`TargetAlias=${v255}v\0`)), textError(12));
  assert.throws(() => encodeText([["TargetAlias", `${v255}v`]]), RangeError);
});

test("a binary value (0x... or 0b...) may exceed 255 bytes, up to 8192", () => {
  for (const prefix of ["0x", "0X", "0b", "0B"]) {
    const v8192 = prefix + "a".repeat(8190);
    assert.deepStrictEqual(decodeText(text(`CHAP_C=${v8192}\0`)), [["CHAP_C", v8192]], prefix);
    assert.deepStrictEqual(encodeText([["CHAP_C", v8192]]), text(`CHAP_C=${v8192}\0`), prefix);
    assert.throws(() => decodeText(text(`CHAP_C=${v8192}a\0`)), textError(7), prefix);
    assert.throws(() => encodeText([["CHAP_C", `${v8192}a`]]), RangeError, prefix);
  }
});

test("a pair without '=' and an empty key are rejected with their byte offset", () => {
  assert.throws(() => decodeText(text("HeaderDigest=None\0DataDigest\0")), textError(18));
  assert.throws(() => decodeText(text("HeaderDigest=None\0=None\0")), textError(18));
  assert.throws(() => decodeText(text("=None\0")), textError(0));
  assert.throws(() => decodeText(text("a=b\0noequals")), (e: unknown) =>
    e instanceof TextError && /at byte 4 /.test(e.message));
  assert.throws(() => encodeText([["", "x"]]), RangeError);
  assert.throws(() => encodeText([["a=b", "x"]]), RangeError);
});

test("TextAccumulator: the operational keys split at every byte offset give the same pairs", () => {
  const bytes = text(OPERATIONAL_KEYS);
  const want = decodeText(bytes);
  assert.equal(want.length, 14);
  const acc = new TextAccumulator();
  for (let k = 0; k <= bytes.length; k++) {
    assert.equal(acc.add(bytes.subarray(0, k), true), undefined);
    assert.equal(acc.pending, k > 0);
    assert.deepStrictEqual(acc.add(bytes.subarray(k), false), want, `split at ${k}`);
    assert.equal(acc.pending, false);
  }
});

test("splitText() pieces of every size join back, each piece within the size", () => {
  const bytes = text(OPERATIONAL_KEYS);
  const want = decodeText(bytes);
  for (let max = 1; max <= bytes.length + 1; max++) {
    const pieces = splitText(bytes, max);
    assert.equal(pieces.length, Math.ceil(bytes.length / max), `max ${max}`);
    assert.ok(pieces.every((p) => p.length > 0 && p.length <= max), `max ${max}`);
    const acc = new TextAccumulator();
    let pairs: TextPair[] | undefined;
    pieces.forEach((p, i) => (pairs = acc.add(p, i < pieces.length - 1)));
    assert.deepStrictEqual(pairs, want, `max ${max}`);
  }
  assert.throws(() => splitText(bytes, 0), RangeError);
});

test("TextAccumulator joins the continued login of login-request-continue(-end).hex", () => {
  const first = readHexFixture("pdus/login-request-continue.hex").subarray(48, 48 + 52);
  const last = readHexFixture("pdus/login-request-continue-end.hex").subarray(48, 48 + 234);
  const acc = new TextAccumulator();
  assert.equal(acc.add(first, true), undefined);
  assert.deepStrictEqual(acc.add(last, false), decodeText(text(OPERATIONAL_KEYS)));
});

test("TextAccumulator accepts exactly 1 MiB of continued text and rejects one byte more", () => {
  const quarter = text("k=v\0".repeat(MAX_TEXT_LENGTH / 16));
  assert.equal(quarter.length * 4, MAX_TEXT_LENGTH);
  const acc = new TextAccumulator();
  for (let i = 0; i < 3; i++) acc.add(quarter, true);
  const pairs = acc.add(quarter, false);
  assert.equal(pairs?.length, MAX_TEXT_LENGTH / 4);

  for (let i = 0; i < 4; i++) acc.add(quarter, true);
  assert.throws(() => acc.add(text("k"), true), (e: unknown) => e instanceof TextError);
  assert.equal(acc.pending, false, "the accumulator is reset after the cap");
  assert.deepStrictEqual(acc.add(text("a=b\0"), false), [["a", "b"]]);
});
