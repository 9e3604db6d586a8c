/**
 * tshark (Wireshark 4.0.17) as the oracle for capture decoding: every iSCSI PDU of a capture
 * as tshark decodes it, any `-T fields` columns, and the SCSI service response time table.
 *
 * Preferences and options set on every run ({@link TSHARK_PREFS}), each for a measured reason:
 * - `-d tcp.port==PORT,iscsi`, even for 3260: without it tshark finds iSCSI on 3260 by
 *   itself, but a PDU whose BHS is split across segments at the start of a segment is
 *   never reassembled and is lost; with it, it is.
 * - `iscsi.bogus_pdu_filter:FALSE`: with the filter on (the default), a PDU that starts in
 *   the last 1-47 bytes of a segment, after another PDU, is judged bogus from its partial
 *   header and lost together with every later PDU of the stream (tshark then hands the
 *   bytes to other heuristic dissectors: "LBMSRS"). With it off, only a PDU starting in
 *   the last 1-7 bytes of such a segment is lost: tshark needs 8 bytes (DataSegmentLength)
 *   to ask TCP for more. A real capture can hold such splits; a test that compares with
 *   tshark should not build them (see the harness test of this limit). The filter is what
 *   lets tshark resynchronise after a hole; on captures with kernel drops we saw the same
 *   PDU count with it on and off.
 * - `iscsi.bogus_pdu_max_data_len:16777215`: with the bogus filter on, the default 262144
 *   drops every PDU with a larger data segment; 2^24-1 is DataSegmentLength's maximum.
 *   Set for callers that turn the filter back on.
 * - `iscsi.desegment_iscsi_messages:TRUE`, `tcp.desegment_tcp_streams:TRUE`: the defaults,
 *   set so that a preferences file cannot turn off the reassembly the results depend on.
 * Left at their defaults on purpose: `tcp.check_checksum` (FALSE; tcpdump on `lo` records
 * checksums the kernel never filled in, so checking flags every frame), `iscsi.demand_good_f_bit`
 * (FALSE), `tcp.reassemble_out_of_order` (FALSE; it made no difference on these splits).
 * tshark 4.0 has no digest preferences: it recognises header digests by their CRC, and
 * data digests from the login keys (and, in our synthetic captures, without them too).
 */
import { run } from "../../src/cli/peers/run.js";
import { JsonObject, parseOrderedJson, type JsonValue } from "./ordered-json.js";

/**
 * Preferences passed with `-o` on every run (see the module comment); `opts.prefs` adds to
 * or overrides them.
 *
 * @example
 * // A capture with kernel drops: let tshark's bogus-PDU filter resynchronise after holes.
 * await tsharkPdus(file, { port, prefs: { "iscsi.bogus_pdu_filter": "TRUE" } });
 */
export const TSHARK_PREFS: Readonly<Record<string, string>> = {
  "iscsi.bogus_pdu_filter": "FALSE",
  "iscsi.bogus_pdu_max_data_len": "16777215",
  "iscsi.desegment_iscsi_messages": "TRUE",
  "tcp.desegment_tcp_streams": "TRUE",
};

/** Options shared by the tshark helpers. */
export interface TsharkOptions {
  /** The target's TCP port. Default 3260. */
  port?: number;
  /** Extra `-o` preferences, applied after {@link TSHARK_PREFS}. */
  prefs?: Record<string, string>;
  /** Display filter (`-Y`). Default "iscsi" for {@link tsharkPdus}, none otherwise. */
  filter?: string;
  /** Default 120000. */
  timeoutMs?: number;
  /**
   * Ask tshark for each PDU's bytes (-x, for `raw`, `flags`, `immediate`). Default true; turn
   * it off for captures of many megabytes, where the hex dump would dwarf the decode. Without
   * it, `flags` and `immediate` come from tshark's iscsi.flags and iscsi.I where it shows them.
   */
  raw?: boolean;
}

/** One iSCSI PDU as tshark decoded it. Absent fields are fields tshark did not show. */
export interface TsharkPdu {
  frame: number;
  /** `frame.time_epoch`: seconds since the epoch, nanosecond digits ("1700000000.000300000"). */
  time: string;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  opcode: number;
  /** Byte 1 of the BHS, from {@link TsharkPdu.raw}. */
  flags: number;
  /** The I bit (byte 0, 0x40). */
  immediate: boolean;
  itt?: number;
  ttt?: number;
  /** The PDU's own LUN field as tshark shows it, e.g. "0x0001" (none on a SCSI Response). */
  lun?: string;
  cmdSN?: number;
  expStatSN?: number;
  statSN?: number;
  expCmdSN?: number;
  maxCmdSN?: number;
  dataSN?: number;
  r2tSN?: number;
  expDataSN?: number;
  bufferOffset?: number;
  dataSegmentLength: number;
  totalAHSLength: number;
  /** Login and Text `key=value` pairs, in order. */
  keyValues: string[];
  /** The SCSI opcode tshark ties to this PDU (a command's, also shown on its data and response). */
  scsiOpcode?: number;
  /** SAM status of a SCSI Response, or of a Data-In carrying status. */
  status?: number;
  /** The Response field of a SCSI Response. */
  response?: number;
  /** Login Response status class and detail, e.g. 0x0201. */
  loginStatus?: number;
  /** The 4 digest bytes read big-endian, as tshark shows them: the CRC32C value byte-swapped. */
  headerDigest?: number;
  /** As `headerDigest`. */
  dataDigest?: number;
  /**
   * The bytes tshark gives the iSCSI layer: the whole PDU (header, AHS, digests, data,
   * padding), except that when tshark hands the data segment to its SCSI dissector (Data-In,
   * Data-Out, immediate data, sense data) only the header part is here. The BHS always is.
   */
  raw: Uint8Array;
  /** Every field tshark showed for the PDU (its iSCSI layer and the SCSI layer after it). */
  fields: Record<string, string[]>;
}

/** One row of `-z scsi,srt,N`. */
export interface SrtRow {
  index: number;
  procedure: string;
  calls: number;
  /** Seconds. */
  min: number;
  max: number;
  avg: number;
  sum: number;
}

/**
 * Every iSCSI PDU of `file` in capture order, one entry per PDU even when a frame holds
 * several; a PDU reassembled from several segments appears once, at its last frame.
 * Rejects with tshark's stderr if tshark fails.
 *
 * @example
 * const pdus = await tsharkPdus(file, { port: tgtd.port });
 * const logins = pdus.filter((p) => p.opcode === 0x03);
 */
export async function tsharkPdus(file: string, opts: TsharkOptions = {}): Promise<TsharkPdu[]> {
  const dump = opts.raw === false ? [] : ["-x"];
  const args = [...baseArgs(file, opts), "-Y", opts.filter ?? "iscsi", "-T", "json", ...dump, "-J", "frame ip ipv6 tcp iscsi scsi"];
  const { stdout } = await run("tshark", args, { timeoutMs: opts.timeoutMs ?? 120_000 });
  const doc = parseOrderedJson(stdout);
  if (!Array.isArray(doc)) throw new Error("tshark -T json did not print an array");
  return doc.flatMap((packet) => packetPdus(packet));
}

/**
 * `tshark -T fields`: one row per frame, each asked field's occurrences in order (a frame
 * with two PDUs gives two values of `iscsi.opcode`).
 *
 * @example
 * const rows = await tsharkFields(file, ["frame.number", "iscsi.opcode"], { filter: "iscsi" });
 * rows[0]["iscsi.opcode"]; // ["0x03"]
 */
export async function tsharkFields(file: string, fields: readonly string[], opts: TsharkOptions = {}): Promise<Record<string, string[]>[]> {
  const args = [...baseArgs(file, opts), ...(opts.filter ? ["-Y", opts.filter] : []), "-T", "fields"];
  args.push("-E", "header=n", "-E", "separator=/t", "-E", "occurrence=a", "-E", `aggregator=${AGGREGATOR}`);
  for (const f of fields) args.push("-e", f);
  const { stdout } = await run("tshark", args, { timeoutMs: opts.timeoutMs ?? 120_000 });
  return stdout.split("\n").filter((line) => line !== "").map((line) => {
    const cols = line.split("\t");
    return Object.fromEntries(fields.map((f, i) => [f, cols[i] ? cols[i].split(AGGREGATOR) : []]));
  });
}

/**
 * `tshark -q -z scsi,srt,CMDSET` (0 = SBC, the default) as rows. tshark leaves out commands
 * that ended in CHECK CONDITION, and in our captures also the INQUIRY that iscsi-inq sends.
 *
 * @example
 * const rows = await tsharkSrt(file, { port: tgtd.port });
 * rows.find((r) => r.procedure === "Read(16)")?.calls;
 */
export async function tsharkSrt(file: string, opts: TsharkOptions & { cmdset?: number } = {}): Promise<SrtRow[]> {
  const args = [...baseArgs(file, opts), "-q", "-z", `scsi,srt,${opts.cmdset ?? 0}`];
  const { stdout } = await run("tshark", args, { timeoutMs: opts.timeoutMs ?? 120_000 });
  const row = /^\s*(\d+)\s+(.+?)\s+(\d+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*$/;
  return stdout.split("\n").flatMap((line) => {
    const m = row.exec(line);
    if (!m) return [];
    const [index, procedure, calls, min, max, avg, sum] = m.slice(1);
    return [{ index: Number(index), procedure, calls: Number(calls), min: Number(min), max: Number(max), avg: Number(avg), sum: Number(sum) }];
  });
}

/** Unit separator: never inside a field value, unlike "," in key=value pairs. */
const AGGREGATOR = "\u001f";

/** `-r FILE -n -d tcp.port==PORT,iscsi -o ...`; tshark's "Running as user root" goes to stderr, which we ignore. */
function baseArgs(file: string, opts: TsharkOptions): string[] {
  const args = ["-r", file, "-n", "-d", `tcp.port==${opts.port ?? 3260},iscsi`];
  for (const [k, v] of Object.entries({ ...TSHARK_PREFS, ...opts.prefs })) args.push("-o", `${k}:${v}`);
  return args;
}

interface PacketInfo { frame: number; time: string; src: string; dst: string; srcPort: number; dstPort: number }

/**
 * The PDUs of one packet. Its layers come in order: frame, ip, tcp, then per PDU
 * `iscsi_raw` (from -x), `iscsi`, and what tshark hangs after it — the `scsi` layer, and for
 * SCSI Command and Response PDUs `iscsi.flags` as a layer of its own (a tshark quirk).
 */
function packetPdus(packet: JsonValue): TsharkPdu[] {
  const layers = asObject(asObject(asObject(packet)?.get("_source"))?.get("layers"));
  if (!layers) return [];
  const info = packetInfo(layers);
  const pdus: { own: Record<string, string[]>; all: Record<string, string[]>; raw: string }[] = [];
  let raw = "";
  for (const [key, value] of layers.entries) {
    if (key === "iscsi_raw" && Array.isArray(value) && typeof value[0] === "string") raw = value[0];
    else if (key === "iscsi") {
      const own = flatten(value, {});
      pdus.push({ own, all: flatten(value, {}), raw });
      raw = "";
    } else if (pdus.length > 0 && (key === "scsi" || key.startsWith("iscsi.")) && !key.endsWith("_raw")) {
      flatten(value, pdus[pdus.length - 1].all, key);
    }
  }
  return pdus.map((p) => toPdu(info, p.own, p.all, hexBytes(p.raw)));
}

function packetInfo(layers: JsonObject): PacketInfo {
  const f = flatten(layers.get("frame"), {});
  const ip = flatten(layers.get("ip") ?? layers.get("ipv6"), {});
  const tcp = flatten(layers.get("tcp"), {});
  return {
    frame: Number(f["frame.number"]?.[0]),
    time: f["frame.time_epoch"]?.[0] ?? "",
    src: ip["ip.src"]?.[0] ?? ip["ipv6.src"]?.[0] ?? "",
    dst: ip["ip.dst"]?.[0] ?? ip["ipv6.dst"]?.[0] ?? "",
    srcPort: Number(tcp["tcp.srcport"]?.[0]),
    dstPort: Number(tcp["tcp.dstport"]?.[0]),
  };
}

function toPdu(info: PacketInfo, own: Record<string, string[]>, all: Record<string, string[]>, raw: Uint8Array): TsharkPdu {
  const num = (k: string): number | undefined => (all[k] === undefined ? undefined : Number(all[k][0]));
  const scsiOpcode = Object.keys(all).find((k) => /^scsi(_\w+|\.spc)?\.opcode$/.test(k));
  return {
    ...info,
    opcode: Number(own["iscsi.opcode"]?.[0]),
    flags: raw.length > 1 ? raw[1] : Number(all["iscsi.flags"]?.[0] ?? NaN),
    immediate: raw.length > 0 ? (raw[0] & 0x40) !== 0 : all["iscsi.I"]?.[0] === "1",
    itt: num("iscsi.initiatortasktag"), ttt: num("iscsi.targettransfertag"),
    lun: own["scsi.lun"]?.[0],
    cmdSN: num("iscsi.cmdsn"), expStatSN: num("iscsi.expstatsn"), statSN: num("iscsi.statsn"),
    expCmdSN: num("iscsi.expcmdsn"), maxCmdSN: num("iscsi.maxcmdsn"), dataSN: num("iscsi.datasn"),
    r2tSN: num("iscsi.r2tsn"), expDataSN: num("iscsi.expdatasn"), bufferOffset: num("iscsi.bufferOffset"),
    dataSegmentLength: Number(own["iscsi.datasegmentlength"]?.[0]), totalAHSLength: Number(own["iscsi.totalahslength"]?.[0]),
    keyValues: own["iscsi.keyvalue"] ?? [],
    scsiOpcode: scsiOpcode === undefined ? undefined : num(scsiOpcode),
    status: num("iscsi.scsiresponse.status"), response: num("iscsi.scsiresponse.response"),
    loginStatus: num("iscsi.login.status"), headerDigest: num("iscsi.headerdigest32"), dataDigest: num("iscsi.datadigest32"),
    raw, fields: all,
  };
}

/**
 * Every leaf field under `value`, by name, in document order. Subtrees (`*_tree`, "LUN",
 * "Key/Value Pairs") are walked; the `*_raw` arrays that -x adds are skipped. A string
 * directly under `name` (a top-level `iscsi.flags` layer) is kept under that name.
 */
function flatten(value: JsonValue | undefined, into: Record<string, string[]>, name?: string): Record<string, string[]> {
  if (typeof value === "string" && name !== undefined) (into[name] ??= []).push(value);
  else if (Array.isArray(value)) for (const v of value) flatten(v, into, name);
  else if (value instanceof JsonObject) {
    for (const [k, v] of value.entries) if (!k.endsWith("_raw")) flatten(v, into, k);
  }
  return into;
}

function asObject(v: JsonValue | undefined): JsonObject | undefined {
  return v instanceof JsonObject ? v : undefined;
}

function hexBytes(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, "hex"));
}
