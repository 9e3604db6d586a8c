/**
 * Login negotiation: the key table, mine/his/active negotiation, CHAP, login status names.
 *
 * @example
 * import { Negotiation, ChapInitiator, formatLoginStatus } from "./login/index.js";
 */
export {
  KEYS, MAX_DATA_LENGTH, SPECIAL_ANSWERS, isExtensionKey, isIrrelevant, isSpecialAnswer, keyDef,
  type IrrelevantCondition, type KeyDef, type KeyName, type KeyScope, type KeySender, type KeyType, type KeyUse,
  type ResultFunction, type SpecialAnswer,
} from "./keys.js";
export { admissible, answerProposal, checkAnswer, parseNumber, splitList, type ProposalAnswer } from "./merge.js";
export { Negotiation, type KeyRecord, type Stage } from "./negotiate.js";
export {
  DISCOVERY_MAX_RECV_DATA_SEGMENT_LENGTH, INITIATOR_DEFAULTS, buildMine, isSettable,
  type DigestOffer, type KeySetting, type NegotiationOptions,
} from "./options.js";
export { sessionParams, type SessionParams, type SessionParamsExtra } from "./params.js";
export { CHAP_ALGORITHMS, REDACTED, chapResponse, decodeBinary, encodeBinary, redactPairs } from "./chap-response.js";
export {
  ChallengeLedger, ChapError, ChapInitiator, MAX_CHALLENGE_LENGTH, MIN_CHALLENGE_LENGTH,
  type ChapFailure, type ChapOptions, type ChapState,
} from "./chap.js";
export { LOGIN_STATUSES, formatLoginStatus, loginStatusAction, loginStatusName, type LoginStatus, type LoginStatusAction } from "./status.js";
