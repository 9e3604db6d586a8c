import { test } from "node:test";
import assert from "node:assert/strict";
import { ScsiDecodeError, need } from "../../src/scsi/scsi-error.js";

test("need() throws ScsiDecodeError with a stable code and the lengths", () => {
  need(new Uint8Array(8), 8, "READ CAPACITY (10) data");
  assert.throws(() => need(new Uint8Array(3), 8, "READ CAPACITY (10) data"), (e: unknown) => {
    assert.ok(e instanceof ScsiDecodeError);
    assert.equal(e.code, "ERR_SCSI_TRUNCATED");
    assert.equal(e.name, "ScsiDecodeError");
    assert.equal(e.structure, "READ CAPACITY (10) data");
    assert.equal(e.length, 3);
    assert.equal(e.needed, 8);
    assert.equal(e.message, "READ CAPACITY (10) data: 3 bytes, the header needs 8");
    return true;
  });
});
