import { test } from "node:test";
import assert from "node:assert/strict";
import * as login from "../../src/login/index.js";

test("login/index exports the public surface, and nothing else at run time", () => {
  assert.deepEqual(Object.keys(login).sort(), [
    "CHAP_ALGORITHMS", "ChallengeLedger", "ChapError", "ChapInitiator", "DISCOVERY_MAX_RECV_DATA_SEGMENT_LENGTH",
    "INITIATOR_DEFAULTS", "KEYS", "LOGIN_STATUSES", "MAX_CHALLENGE_LENGTH", "MAX_DATA_LENGTH", "MIN_CHALLENGE_LENGTH",
    "Negotiation", "REDACTED", "SPECIAL_ANSWERS", "admissible", "answerProposal", "buildMine", "chapResponse",
    "checkAnswer", "decodeBinary", "encodeBinary", "formatLoginStatus", "isExtensionKey", "isIrrelevant", "isSettable",
    "isSpecialAnswer", "keyDef", "loginStatusAction", "loginStatusName", "parseNumber", "redactPairs", "sessionParams",
    "splitList",
  ]);
});
