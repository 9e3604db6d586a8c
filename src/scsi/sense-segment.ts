/**
 * The data segment of an iSCSI SCSI Response that carries sense (RFC 7143 §11.4.7): a
 * 2-byte SenseLength, the sense data, then iSCSI response data, if any.
 */
import { be } from "./bytes.js";
import { ScsiDecodeError } from "./scsi-error.js";
import { type SenseData, decodeSense } from "./sense.js";

/** A SCSI Response data segment, split and decoded. */
export interface SenseSegment {
  /** SenseLength as sent. */
  senseLength: number;
  /** The sense bytes present (fewer than `senseLength` when truncated). */
  senseBytes: Uint8Array;
  /** The decoded sense; undefined when SenseLength is 0 or the bytes cannot be decoded. */
  sense: SenseData | undefined;
  /** Why `sense` is undefined although SenseLength is not 0 (e.g. too short for a header). */
  senseError: ScsiDecodeError | undefined;
  /** Response data after the sense data (RFC 7143 §11.4.7.1; rarely used). */
  responseData: Uint8Array;
  /** The segment ended before SenseLength bytes of sense data. */
  truncated: boolean;
}

const SENSE_LENGTH_FIELD = 2;

/**
 * Split and decode a SCSI Response data segment. An empty segment means no sense data (a
 * CHECK CONDITION without autosense) and decodes to SenseLength 0. Throws
 * {@link ScsiDecodeError} only for a 1-byte segment, which cannot hold SenseLength.
 *
 * @example
 * const seg = decodeSenseSegment(response.data); // 00 12 70 00 06 ...
 * seg.senseLength;          // 18
 * seg.sense?.format;        // "fixed"
 */
export function decodeSenseSegment(segment: Uint8Array): SenseSegment {
  const none = { senseBytes: segment.subarray(0, 0), sense: undefined, senseError: undefined };
  if (segment.length === 0) return { ...none, senseLength: 0, responseData: segment, truncated: false };
  if (segment.length < SENSE_LENGTH_FIELD) throw new ScsiDecodeError("iSCSI sense segment", segment.length, SENSE_LENGTH_FIELD);
  const senseLength = be(segment, 0, SENSE_LENGTH_FIELD);
  const end = SENSE_LENGTH_FIELD + senseLength;
  const senseBytes = segment.subarray(SENSE_LENGTH_FIELD, end);
  const responseData = segment.subarray(Math.min(end, segment.length));
  const truncated = segment.length < end;
  if (senseLength === 0) return { ...none, senseLength, responseData, truncated };
  try {
    return { senseLength, senseBytes, sense: decodeSense(senseBytes), senseError: undefined, responseData, truncated };
  } catch (e) {
    if (!(e instanceof ScsiDecodeError)) throw e;
    return { senseLength, senseBytes, sense: undefined, senseError: e, responseData, truncated };
  }
}
