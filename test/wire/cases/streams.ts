/** The multi-PDU stream fixtures: which single-PDU cases they are made of, in order. */
import type { DigestOptions } from "../../../src/wire/types.js";

export interface StreamCase {
  file: string;
  shows: string;
  opts: DigestOptions;
  /** File names (without .hex) of the cases whose objects the stream's PDUs must decode to. */
  parts: string[];
}

export const STREAMS: StreamCase[] = [
  {
    file: "stream-login-initiator", shows: "a leading login with a continued operational stage",
    opts: {}, parts: ["login-request-security", "login-request-continue", "login-request-continue-end"],
  },
  {
    file: "stream-read-target", shows: "a READ answered by two Data-In and a SCSI Response",
    opts: {}, parts: ["data-in-middle", "data-in-final", "scsi-response-good"],
  },
  {
    file: "stream-write-initiator", shows: "a WRITE and the two Data-Out answering its R2T",
    opts: {}, parts: ["scsi-command-write10", "data-out-mid-burst", "data-out-final"],
  },
  {
    file: "stream-write-target", shows: "the R2T and SCSI Response of that WRITE",
    opts: {}, parts: ["r2t", "scsi-response-write-good"],
  },
  {
    file: "stream-digest-target", shows: "header and data digests on, data digest only where there is data",
    opts: { headerDigest: true, dataDigest: true },
    parts: ["nop-in-answer", "data-in-digests", "scsi-response-check-condition", "async-message-logout-request"],
  },
];
