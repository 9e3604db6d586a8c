/**
 * Fuzz the framer, the decoder and the text decoder with mutated streams. Bounded in time;
 * the seed is printed so a failure can be replayed with FUZZ_SEED=<n>.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { IscsiError } from "../../src/errors.js";
import { PduFramer } from "../../src/wire/framer.js";
import { decodePdu } from "../../src/wire/decode.js";
import { encodePdu } from "../../src/wire/encode.js";
import { decodeText, encodeText, TextAccumulator } from "../../src/wire/text.js";
import { KIND_OPCODE, type Pdu } from "../../src/wire/types.js";

const SECONDS = Number(process.env.FUZZ_SECONDS ?? 3);
const seed0 = Number(process.env.FUZZ_SEED ?? Date.now() % 1e9);

/** xorshift32: small, fast, reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

/** A valid PDU of every standard opcode, with a data segment of random length. */
function samplePdus(r: () => number): Pdu[] {
  const data = () => new Uint8Array(Math.floor(r() * 70)).map(() => Math.floor(r() * 256));
  const out: Pdu[] = [];
  for (const opcode of Object.values(KIND_OPCODE)) {
    const bhs = new Uint8Array(48).map(() => Math.floor(r() * 256));
    bhs[0] = opcode;
    bhs[4] = 0;
    const d = opcode === 0x03 || opcode === 0x23 ? encodeText([["HeaderDigest", "None"]]) : data();
    bhs[5] = d.length >> 16; bhs[6] = d.length >> 8; bhs[7] = d.length;
    const full = new Uint8Array(48 + d.length + ((4 - (d.length & 3)) & 3));
    full.set(bhs);
    full.set(d, 48);
    out.push(decodePdu(full));
  }
  return out;
}

function mutate(src: Uint8Array, r: () => number): Uint8Array {
  const b = Array.from(src);
  const n = 1 + Math.floor(r() * 8);
  for (let k = 0; k < n; k++) {
    const i = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0: b[i] = (b[i] ?? 0) ^ (1 << Math.floor(r() * 8)); break;
      case 1: b[i] = Math.floor(r() * 256); break;
      case 2: b.splice(i, 0, Math.floor(r() * 256)); break;
      case 3: b.splice(i, 1 + Math.floor(r() * 16)); break;
      case 4: b.splice(i, 0, ...b.slice(0, Math.floor(r() * 64))); break;
      default: b[i] = 0xff; b[i + 1] = 0xff; b[i + 2] = 0xff; break;
    }
  }
  return Uint8Array.from(b.slice(0, 8192));
}

function isTyped(e: unknown): boolean {
  return e instanceof IscsiError;
}

test(`fuzz: PduFramer on mutated streams throws only typed errors and holds bounded memory (seed ${seed0})`, () => {
  const r = rng(seed0);
  const max = 8192;
  const bound = 48 + 1020 + 4 + max + 3 + 4;
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  while (Date.now() < deadline) {
    const digests = { headerDigest: r() < 0.3, dataDigest: r() < 0.3 };
    const stream = samplePdus(r).map((p) => encodePdu(p, digests));
    const bytes = mutate(Uint8Array.from(stream.flatMap((s) => Array.from(s))), r);
    const f = new PduFramer({ ...digests, maxDataSegmentLength: max });
    let i = 0;
    try {
      while (i < bytes.length) {
        const n = 1 + Math.floor(r() * 300);
        f.push(bytes.subarray(i, i + n), () => {}, () => {});
        i += n;
        assert.ok(f.buffered <= bound, `framer holds ${f.buffered} > ${bound} bytes`);
      }
    } catch (e) {
      if (!isTyped(e)) throw new Error(`seed ${seed0} run ${runs}: untyped ${String(e)}`, { cause: e });
    }
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
});

test(`fuzz: decodePdu and decodeText on random and mutated bytes throw only typed errors (seed ${seed0})`, () => {
  const r = rng(seed0 ^ 0x5bd1e995);
  const base = samplePdus(r).map((p) => encodePdu(p));
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  while (Date.now() < deadline) {
    const b = mutate(base[runs % base.length], r);
    for (const opts of [{}, { headerDigest: true }, { headerDigest: true, dataDigest: true }]) {
      try { decodePdu(b, opts); } catch (e) { if (!isTyped(e)) throw e; }
    }
    try { decodeText(b.subarray(48)); } catch (e) { if (!isTyped(e)) throw e; }
    const acc = new TextAccumulator();
    try { acc.add(b.subarray(0, 20), true); acc.add(b.subarray(20), false); } catch (e) { if (!isTyped(e)) throw e; }
    runs++;
  }
  assert.ok(runs > 1000, `only ${runs} runs`);
});

test(`fuzz: PduFramer with data placement on mutated streams of large PDUs, read through readTarget() (seed ${seed0})`, () => {
  const r = rng(seed0 ^ 0x2545f491);
  const max = 65536;
  const deadline = Date.now() + SECONDS * 1000;
  let runs = 0;
  let largePdus = 0;
  while (Date.now() < deadline) {
    const digests = { headerDigest: r() < 0.3, dataDigest: r() < 0.3 };
    const pdus = samplePdus(r).slice(0, 4);
    for (const p of pdus) p.data = new Uint8Array(16384 + Math.floor(r() * 30000)).fill(runs & 0xff);
    const parts = pdus.map((p) => encodePdu(p, digests));
    const whole = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    parts.reduce((o, p) => (whole.set(p, o), o + p.length), 0);
    // Mutate the headers' neighbourhood (mutate() keeps at most 8 KiB), keep the large rest.
    const bytes = r() < 0.2 ? whole : Uint8Array.from([...mutate(whole.subarray(0, 4096), r), ...whole.subarray(4096)]);
    const f = new PduFramer({
      ...digests, maxDataSegmentLength: max,
      placer: (_h, n) => {
        const k = r();
        // Declined, too short (declined), with room after the data for what follows, or exact.
        return k < 0.1 ? undefined : k < 0.15 ? new Uint8Array(n - 1) : k < 0.5 ? new Uint8Array(n + Math.floor(r() * 80)) : new Uint8Array(n);
      },
    });
    let i = 0;
    try {
      while (i < bytes.length) {
        if (r() < 0.05) f.divert();
        const target = r() < 0.8 ? f.readTarget() : undefined;
        const n = Math.min(target?.length ?? 1 + Math.floor(r() * 9000), bytes.length - i);
        const chunk = target ? target.subarray(0, n) : new Uint8Array(n);
        chunk.set(bytes.subarray(i, i + n));
        f.push(chunk, (p) => { if (p.data.length >= 16384) largePdus++; }, () => {});
        i += n;
        assert.ok(f.buffered <= max + 1100, `framer holds ${f.buffered} bytes`);
      }
    } catch (e) {
      if (!isTyped(e)) throw new Error(`seed ${seed0} run ${runs}: untyped ${String(e)}`, { cause: e });
    }
    runs++;
  }
  assert.ok(runs > 100, `only ${runs} runs`);
  assert.ok(largePdus > runs, `large PDUs came through (${largePdus} in ${runs} runs)`);
});
