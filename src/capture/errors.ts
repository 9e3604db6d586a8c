/**
 * The one error the capture reader throws: the file cannot be read as a capture at all
 * (wrong magic, a header cut short, an I/O failure). Everything wrong *inside* a readable
 * capture — a bad record, a truncated last packet, garbage traffic — is an event, never an
 * exception (STYLE.md §5).
 */
import { IscsiError } from "../errors.js";

/** Stable codes of {@link CaptureError}. */
export type CaptureErrorCode =
  | "ERR_CAPTURE_FORMAT"     // not a pcap or pcapng file, or a version we cannot read
  | "ERR_CAPTURE_TRUNCATED"  // the file header (or pcapng section header) is cut short
  | "ERR_CAPTURE_IO";        // open/read failed

/**
 * A capture file that cannot be read. The message is one line naming the file and the byte
 * offset: `capture.pcap: not a pcap or pcapng file (magic 0x12345678 at byte 0)`.
 *
 * @example
 * try { await decodeCapture("x.pcap", () => {}); }
 * catch (e) { if (e instanceof CaptureError) console.error(e.message); }
 */
export class CaptureError extends IscsiError {
  declare readonly code: CaptureErrorCode;
  /** The file as the caller named it. */
  readonly file: string;
  /** Byte offset in the file where reading failed. */
  readonly offset: number;
  constructor(code: CaptureErrorCode, file: string, offset: number, what: string, options?: { cause?: unknown }) {
    super(code, `${file}: ${what}`, options);
    this.file = file;
    this.offset = offset;
  }
}
