/**
 * `iscsiscope discover`, `inq` and `luns`: ask a target what it has, as iscsiadm's
 * discovery, libiscsi's iscsi-inq and iscsi-ls -s do.
 */
import { formatPortal } from "../initiator/options.js";
import { deviceTypeName } from "../scsi/index.js";
import type { CommandSpec, Parsed } from "./args.js";
import { commandRig, formatBytes, formatTable, INITIATOR_OPTIONS, loginFromUrl, printJson, urlArg } from "./common.js";
import { credentialsFor } from "./secrets.js";
import { UsageError } from "./usage-error.js";
import { parsePortal } from "../initiator/options.js";

export const DISCOVER: CommandSpec = {
  name: "discover",
  summary: "SendTargets discovery on a portal: every target, its portals and portal group tags",
  usage: "iscsiscope discover HOST[:PORT] [--json] [--trace FILE]",
  options: INITIATOR_OPTIONS,
  positionals: ["HOST[:PORT]"],
  required: 1,
  help: `Prints one line per target portal, as iscsiadm -m discovery does:
  127.0.0.1:3260,1 iqn.2026-11.example:disk1
A host name is resolved to all its addresses, tried in turn. CHAP for discovery comes from
--secrets or ISCSISCOPE_CHAP_USER/ISCSISCOPE_CHAP_SECRET.`,
};

export async function runDiscover(p: Parsed): Promise<number> {
  let portal;
  try {
    portal = parsePortal(p.positionals[0]);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const rig = await commandRig(p.values);
  try {
    const auth = credentialsFor("", { secretsFile: typeof p.values.secrets === "string" ? p.values.secrets : undefined });
    const targets = await rig.ini.discover(portal, { auth, timeouts: rig.timeouts });
    const rows = targets.flatMap((t) => t.portals.map((a) => ({ target: t.targetName, portal: formatPortal(a), tpgt: a.tpgt })));
    if (p.values.json) printJson(rows);
    else if (rows.length === 0) console.log(`no targets at ${formatPortal(portal)}`);
    else for (const r of rows) console.log(`${r.portal},${r.tpgt} ${r.target}`);
    return 0;
  } finally {
    await rig.close();
  }
}

export const INQ: CommandSpec = {
  name: "inq",
  summary: "INQUIRY of a LUN: standard data, or a VPD page with --page",
  usage: "iscsiscope inq iscsi://HOST[:PORT]/TARGET/LUN [--page N] [--json]",
  options: { ...INITIATOR_OPTIONS, page: { type: "string", arg: "N", help: "VPD page (0x00, 0x80, 0x83, 0xb0, 0xb1, 0xb2, ...)" } },
  positionals: ["URL"],
  required: 1,
};

export async function runInq(p: Parsed): Promise<number> {
  const url = urlArg(p.positionals[0], { target: true, lun: true });
  const page = p.values.page === undefined ? undefined : Number(p.values.page);
  if (page !== undefined && (!Number.isInteger(page) || page < 0 || page > 255)) throw new UsageError(`--page must be 0..255 (e.g. 0x83), got '${p.values.page}'`);
  const rig = await commandRig(p.values);
  try {
    const s = await loginFromUrl(rig, url, p.values);
    const data = page === undefined ? await s.inquiry(url.lun!) : await s.inquiry(url.lun!, { page });
    await s.logout();
    if (p.values.json) printJson(data);
    else printFields(data as unknown as Record<string, unknown>);
    return 0;
  } finally {
    await rig.close();
  }
}

/** SPC/SBC field names as the standards spell them. */
const SPELLED: Record<string, string> = {
  normAca: "NormACA", hiSup: "HiSup", sccs: "SCCS", acc: "ACC", tpgs: "TPGS", threePc: "3PC", protect: "PROTECT",
  encServ: "EncServ", multiP: "MultiP", cmdQue: "CmdQue", piv: "PIV", naa: "NAA", t10VendorId: "T10 vendor ID",
  lbpu: "LBPU", lbpws: "LBPWS", lbpws10: "LBPWS10", lbprz: "LBPRZ", anc_sup: "ANC_SUP", dp: "DP", lbpme: "LBPME",
  wce: "WCE", rcd: "RCD", dbd: "DBD", wp: "WP",
};

/** "peripheralDeviceType" -> "Peripheral device type". */
function label(k: string): string {
  if (SPELLED[k]) return SPELLED[k];
  const words = k.replace(/([a-z0-9])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2").toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** "Label:  value" lines for a decoded structure; nested lists indented. */
function printFields(o: Record<string, unknown>, indent = ""): void {
  const keys = Object.keys(o).filter((k) => o[k] !== undefined);
  const w = Math.max(...keys.map((k) => label(k).length + 1));
  for (const k of keys) {
    const v = o[k];
    if (Array.isArray(v) && v.some((x) => typeof x === "object")) {
      console.log(`${indent}${label(k)}:`);
      for (const item of v) { printFields(item as Record<string, unknown>, `${indent}  `); if (item !== v[v.length - 1]) console.log(`${indent}  --`); }
    } else if (v instanceof Uint8Array) {
      console.log(`${indent}${`${label(k)}:`.padEnd(w)}  ${Buffer.from(v).toString("hex")}`);
    } else if (typeof v === "object" && v !== null && !Array.isArray(v)) {
      console.log(`${indent}${label(k)}:`);
      printFields(v as Record<string, unknown>, `${indent}  `);
    } else {
      const text = Array.isArray(v) ? v.map(hexIfByte).join(" ") : typeof v === "boolean" ? (v ? "yes" : "no") : String(v);
      console.log(`${indent}${`${label(k)}:`.padEnd(w)}  ${text}`);
    }
  }
}

function hexIfByte(x: unknown): string {
  return typeof x === "number" && x >= 0 && x < 256 ? `0x${x.toString(16).padStart(2, "0")}` : String(x);
}

export const LUNS: CommandSpec = {
  name: "luns",
  summary: "the LUNs of a target: REPORT LUNS, then INQUIRY and capacity of each",
  usage: "iscsiscope luns iscsi://HOST[:PORT]/TARGET [--json]",
  options: INITIATOR_OPTIONS,
  positionals: ["URL"],
  required: 1,
};

export async function runLuns(p: Parsed): Promise<number> {
  const url = urlArg(p.positionals[0], { target: true });
  const rig = await commandRig(p.values);
  try {
    const s = await loginFromUrl(rig, url, p.values);
    const rows = [];
    for (const lun of await s.luns()) {
      const inq = await s.inquiry(lun);
      const cap = inq.peripheralDeviceType === 0 ? await s.readCapacity(lun).catch(() => undefined) : undefined;
      rows.push({ lun, type: deviceTypeName(inq.peripheralDeviceType), vendor: inq.vendor ?? "", product: inq.product ?? "",
        revision: inq.revision ?? "", blocks: cap?.blocks, blockSize: cap?.blockSize, bytes: cap?.bytes });
    }
    await s.logout();
    if (p.values.json) return printJson(rows), 0;
    console.log(formatTable(["LUN", "TYPE", "VENDOR", "PRODUCT", "REV", "SIZE"], rows.map((r) => [
      r.lun, r.type, r.vendor, r.product, r.revision, r.bytes === undefined ? "-" : `${formatBytes(r.bytes)} (${r.blocks} x ${r.blockSize})`,
    ])));
    return 0;
  } finally {
    await rig.close();
  }
}
