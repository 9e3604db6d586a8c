/** The iSCSI wire format: PDU types, codec, framer, text segments, CRC32C. No sockets. */
export * from "./types.js";
export * from "./opcodes.js";
export { BHS_LENGTH, DIGEST_LENGTH, MAX_DATA_SEGMENT_LENGTH, RESERVED_TAG, pad4 } from "./layout.js";
export { decodePdu, decodePlacedPdu, pduLength, type DecodeOptions } from "./decode.js";
export { encodePdu, encodePduVec } from "./encode.js";
export { PduFramer, type FramerOptions, type FrameInfo, type OnPdu, type OnPduError } from "./framer.js";
export { decodeText, encodeText, splitText, TextAccumulator, type TextPair } from "./text.js";
export { crc32c } from "./crc32c.js";
export { snAdd, snDiff, snLe, snLt } from "./serial.js";
export * from "./names.js";
export { StatSNTracker, advancesStatSN } from "./statsn.js";
