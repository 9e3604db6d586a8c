/**
 * The one error a SCSI decoder throws: data too short to hold the mandatory header of the
 * structure being decoded. Everything else a target sends (a short allocation, an unknown
 * page, odd bits) comes back as data with a `truncated` flag, never as an exception.
 *
 * Same shape as the project's `IscsiError` (a stable `code`), defined here because
 * src/scsi imports nothing else of ours.
 *
 * @example
 * try { decodeInquiry(bytes); }
 * catch (e) { if (e instanceof ScsiDecodeError) console.error(e.code, e.structure, e.length); }
 */
export class ScsiDecodeError extends Error {
  /** Stable, greppable code. */
  readonly code = "ERR_SCSI_TRUNCATED";
  /** What was being decoded, e.g. "standard INQUIRY data". */
  readonly structure: string;
  /** How many bytes were given. */
  readonly length: number;
  /** How many bytes the mandatory header needs. */
  readonly needed: number;
  constructor(structure: string, length: number, needed: number) {
    super(`${structure}: ${length} bytes, the header needs ${needed}`);
    this.name = "ScsiDecodeError";
    this.structure = structure;
    this.length = length;
    this.needed = needed;
  }
}

/**
 * Throw {@link ScsiDecodeError} unless `b` holds at least `needed` bytes.
 *
 * @example
 * need(bytes, 8, "READ CAPACITY (10) data");
 */
export function need(b: Uint8Array, needed: number, structure: string): void {
  if (b.length < needed) throw new ScsiDecodeError(structure, b.length, needed);
}
