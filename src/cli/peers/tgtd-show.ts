/**
 * Parser of `tgtadm --lld iscsi --op show --mode target` (tgt 1.0.85), whose output is
 * indented text:
 *
 * ```
 * Target 1: iqn.2024-01.test:t1
 *     System information:
 *         Driver: iscsi
 *         State: ready
 *     I_T nexus information:
 *         I_T nexus: 3
 *             Initiator: iqn.2010-11.libiscsi:iscsi-perf alias: none
 *             Connection: 0
 *                 IP Address: 127.0.0.1
 *     LUN information:
 *         LUN: 1
 *             Type: disk
 *             Size: 67 MB, Block size: 512
 *             Online: Yes
 *             Backing store type: rdwr
 *             Backing store path: <temp dir>/lun-1-1.img
 *     Account information:
 *         alice
 *         tgtuser (outgoing)
 *     ACL information:
 *         ALL
 * ```
 *
 * The I_T nexus number is the session id that `--mode conn --sid` takes.
 */

/** One TCP connection of a session. */
export interface TgtdConnection {
  cid: number;
  /** The initiator's address as tgtd prints it (`127.0.0.1`, `::1`). */
  ip: string;
}

/** One session (an I_T nexus). */
export interface TgtdSession {
  sid: number;
  initiator: string;
  connections: TgtdConnection[];
}

/** One logical unit; LUN 0 is the controller tgtd adds to every target. */
export interface TgtdLun {
  lun: number;
  type: string;
  /** tgtd prints the size in units of 1,000,000 bytes. */
  sizeMB: number;
  blockSize: number;
  online: boolean;
  bstype: string;
  path: string;
}

/** One target as `tgtadm --op show --mode target` lists it. */
export interface TgtdTarget {
  tid: number;
  iqn: string;
  /** "ready" or "offline". */
  state: string;
  sessions: TgtdSession[];
  luns: TgtdLun[];
  /** Incoming (one-way CHAP) accounts. */
  accounts: string[];
  /** Outgoing (mutual CHAP) accounts. */
  outgoingAccounts: string[];
  /** "ALL", addresses or initiator names. */
  acl: string[];
}

type Section = "System" | "I_T nexus" | "LUN" | "Account" | "ACL" | "";

/**
 * Parse the whole output into targets, in the order tgtd lists them.
 *
 * @example
 * const targets = parseTgtdShow((await tgtd.tgtadm("--lld", "iscsi", "--op", "show", "--mode", "target")));
 * targets[0].sessions[0]?.sid;
 */
export function parseTgtdShow(text: string): TgtdTarget[] {
  const targets: TgtdTarget[] = [];
  let section: Section = "";
  for (const line of text.split("\n")) {
    const target = /^Target (\d+): (\S+)/.exec(line);
    if (target) {
      targets.push({
        tid: Number(target[1]), iqn: target[2], state: "", sessions: [], luns: [],
        accounts: [], outgoingAccounts: [], acl: [],
      });
      section = "";
      continue;
    }
    const header = /^ {4}(System|I_T nexus|LUN|Account|ACL) information:$/.exec(line);
    const t = targets[targets.length - 1];
    if (header) section = header[1] as Section;
    else if (t !== undefined && line.trim() !== "") parseLine(t, section, line.trim());
  }
  return targets;
}

function parseLine(t: TgtdTarget, section: Section, line: string): void {
  switch (section) {
    case "System":
      if (line.startsWith("State: ")) t.state = line.slice("State: ".length);
      return;
    case "I_T nexus":
      return parseNexusLine(t.sessions, line);
    case "LUN":
      return parseLunLine(t.luns, line);
    case "Account": {
      const outgoing = line.endsWith(" (outgoing)");
      if (outgoing) t.outgoingAccounts.push(line.slice(0, -" (outgoing)".length));
      else t.accounts.push(line);
      return;
    }
    case "ACL":
      t.acl.push(line);
      return;
    default:
  }
}

function parseNexusLine(sessions: TgtdSession[], line: string): void {
  const [key, value = ""] = splitKey(line);
  const s = sessions[sessions.length - 1];
  if (key === "I_T nexus") sessions.push({ sid: Number(value), initiator: "", connections: [] });
  else if (key === "Initiator" && s) s.initiator = value.split(" ")[0];
  else if (key === "Connection" && s) s.connections.push({ cid: Number(value), ip: "" });
  else if (key === "IP Address" && s && s.connections.length > 0) s.connections[s.connections.length - 1].ip = value;
}

function parseLunLine(luns: TgtdLun[], line: string): void {
  const [key, value = ""] = splitKey(line);
  if (key === "LUN") {
    luns.push({ lun: Number(value), type: "", sizeMB: 0, blockSize: 0, online: false, bstype: "", path: "" });
    return;
  }
  const l = luns[luns.length - 1];
  if (l === undefined) return;
  const size = /^(\d+) MB, Block size: (\d+)$/.exec(value);
  if (key === "Type") l.type = value;
  else if (key === "Size" && size) [l.sizeMB, l.blockSize] = [Number(size[1]), Number(size[2])];
  else if (key === "Online") l.online = value === "Yes";
  else if (key === "Backing store type") l.bstype = value;
  else if (key === "Backing store path") l.path = value;
}

/** "Key: value" split at the first ": " (values such as IPv6 addresses hold colons). */
function splitKey(line: string): [string, string?] {
  const i = line.indexOf(": ");
  return i < 0 ? [line.replace(/:$/, "")] : [line.slice(0, i), line.slice(i + 2)];
}
