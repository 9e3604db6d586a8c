import { test } from "node:test";
import assert from "node:assert/strict";
import { LOGIN_STATUSES, formatLoginStatus, loginStatusAction, loginStatusName } from "../../src/login/status.js";

// RFC 7143 §11.13.5, as Wireshark/libiscsi/open-iscsi name them (reference/iscsi-anchors.md §7.5).
const EXPECTED: [number, number, string][] = [
  [0, 0x00, "0x0000 Success"],
  [1, 0x01, "0x0101 Target moved temporarily"],
  [1, 0x02, "0x0102 Target moved permanently"],
  [2, 0x00, "0x0200 Initiator error (miscellaneous)"],
  [2, 0x01, "0x0201 Authentication failure"],
  [2, 0x02, "0x0202 Authorization failure (forbidden)"],
  [2, 0x03, "0x0203 Target not found"],
  [2, 0x04, "0x0204 Target removed"],
  [2, 0x05, "0x0205 Unsupported version"],
  [2, 0x06, "0x0206 Too many connections"],
  [2, 0x07, "0x0207 Missing parameter"],
  [2, 0x08, "0x0208 Can't include in session"],
  [2, 0x09, "0x0209 Session type not supported"],
  [2, 0x0a, "0x020a Session does not exist"],
  [2, 0x0b, "0x020b Invalid request during login"],
  [3, 0x00, "0x0300 Target error (miscellaneous)"],
  [3, 0x01, "0x0301 Service unavailable"],
  [3, 0x02, "0x0302 Out of resources"],
];

test("formatLoginStatus() prints hex code and name for every RFC 7143 status", () => {
  for (const [cls, detail, text] of EXPECTED) assert.equal(formatLoginStatus(cls, detail), text);
  assert.equal(LOGIN_STATUSES.length, EXPECTED.length);
});

test("loginStatusName() names the class of an unknown detail", () => {
  assert.equal(loginStatusName(2, 1), "Authentication failure");
  assert.equal(formatLoginStatus(2, 0xff), "0x02ff Unknown (initiator error class)");
  assert.equal(formatLoginStatus(3, 0x10), "0x0310 Unknown (target error class)");
  assert.equal(formatLoginStatus(1, 0x00), "0x0100 Unknown (redirection class)");
  assert.equal(formatLoginStatus(0, 0x05), "0x0005 Unknown (success class)");
  assert.equal(formatLoginStatus(0x7f, 0x01), "0x7f01 Unknown (reserved class)");
});

test("loginStatusAction(): redirect is followed, initiator errors are not retried unchanged, target errors may be", () => {
  assert.equal(loginStatusAction(0), "proceed");
  assert.equal(loginStatusAction(1), "redirect");
  assert.equal(loginStatusAction(2), "fail");
  assert.equal(loginStatusAction(3), "retry");
  assert.equal(loginStatusAction(4), "fail");
});
