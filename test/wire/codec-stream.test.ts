/**
 * The multi-PDU stream fixtures (several PDUs back to back, as one TCP direction carries them):
 * walked with pduLength() and decodePdu(), and rebuilt with encodePdu(). The framer's
 * split-at-every-offset tests use the same files.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { decodePdu, pduLength } from "../../src/wire/decode.js";
import { encodePdu } from "../../src/wire/encode.js";
import type { Pdu } from "../../src/wire/types.js";
import { readHexFixture } from "../helpers/hex.js";
import type { Case } from "./cases/common.js";
import { concat, words } from "./cases/common.js";
import { INITIATOR_CASES } from "./cases/initiator.js";
import { TARGET_CASES } from "./cases/target.js";
import { STREAMS } from "./cases/streams.js";

const byFile = new Map<string, Case>([...INITIATOR_CASES, ...TARGET_CASES].map((c) => [c.file, c]));

for (const s of STREAMS) {
  describe(`${s.file}.hex (${s.shows})`, () => {
    const bytes = readHexFixture(`pdus/${s.file}.hex`);
    const parts = s.parts.map((name) => {
      const c = byFile.get(name);
      assert.ok(c, `no case ${name}`);
      return c;
    });

    test("pduLength() and decodePdu() walk it PDU by PDU to the expected objects", () => {
      const got: Pdu[] = [];
      let off = 0;
      while (off < bytes.length) {
        const n = pduLength(bytes.subarray(off), s.opts);
        got.push(decodePdu(bytes.subarray(off, off + n), { ...s.opts, offset: off }));
        off += n;
      }
      assert.equal(off, bytes.length);
      assert.deepStrictEqual(got, parts.map((c) => c.pdu));
    });

    test("encodePdu() of the parts, back to back, gives exactly the stream", () => {
      assert.equal(words(concat(parts.map((c) => encodePdu(c.pdu, s.opts)))), words(bytes));
    });

    if (!s.opts.headerDigest && !s.opts.dataDigest) {
      test("the stream is the single-PDU fixtures back to back", () => {
        assert.equal(words(concat(parts.map((c) => readHexFixture(`pdus/${c.file}.hex`)))), words(bytes));
      });
    }
  });
}
