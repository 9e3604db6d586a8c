/**
 * The Node floor for the initiator bench: the least JavaScript per I/O that still reads
 * from a real tgtd. One login (operational stage only, AuthMethod None), then READ(10)s
 * from a prebuilt 48-byte command header patched in place; the replies are not decoded,
 * only framed (BHS length fields, opcode, S bit, StatSN, MaxCmdSN), and their data is
 * read into one fixed buffer (node:net `onread`, no allocation per read, as if every
 * Data-In were placed). No probes, no tasks, no promises, no checks of the data or of the
 * status (tgtd's one UNIT ATTENTION after login counts as an I/O).
 *
 * It is not an initiator: it answers nothing the target asks and stops at the first PDU it
 * does not expect. It shows what Node itself costs for the loop on this machine — one
 * socket read callback and one write per turn — next to iscsi-perf and iscsiscope bench.
 *
 *   node floor-client.js HOST PORT IQN LUN --qd N --bs BYTES --blocks N --time S [--random]
 * prints {"iops":…, "cpuUsPerIo":…, "userUsPerIo":…}.
 */
import { connect, type Socket } from "node:net";
import { decodePdu, decodeText, encodePdu, encodeText, pduLength, type LoginRequest } from "../../src/wire/index.js";

interface Args { host: string; port: number; iqn: string; lun: number; qd: number; bs: number; blocks: number; seconds: number; random: boolean }

function parse(argv: string[]): Args {
  const [host, port, iqn, lun] = argv;
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    if (i < 0) throw new Error(`floor-client: ${name} is required`);
    return Number(argv[i + 1]);
  };
  return { host, port: Number(port), iqn, lun: Number(lun), qd: opt("--qd"), bs: opt("--bs"), blocks: opt("--blocks"), seconds: opt("--time"), random: argv.includes("--random") };
}

const ISID = 0x400000f10001;

/** Operational-stage login straight to full feature phase; resolves with the next CmdSN, ExpStatSN and MaxCmdSN. */
function login(sock: Socket, a: Args, setReader: (r: (n: number, buf: Uint8Array) => void) => void): Promise<{ cmdSN: number; expStatSN: number; maxCmdSN: number }> {
  const keys: Array<[string, string]> = [
    ["InitiatorName", "iqn.2026-11.io.iscsiscope:floor"], ["TargetName", a.iqn], ["SessionType", "Normal"],
    ["HeaderDigest", "None"], ["DataDigest", "None"], ["InitialR2T", "Yes"], ["ImmediateData", "Yes"],
    ["MaxRecvDataSegmentLength", "262144"], ["MaxBurstLength", "16776192"], ["FirstBurstLength", "262144"],
    ["MaxConnections", "1"], ["DefaultTime2Wait", "2"], ["DefaultTime2Retain", "0"], ["MaxOutstandingR2T", "1"],
    ["DataPDUInOrder", "Yes"], ["DataSequenceInOrder", "Yes"], ["ErrorRecoveryLevel", "0"],
  ];
  const req: LoginRequest = {
    kind: "login-request", immediate: true, transit: true, continue: false, csg: 1, nsg: 3, versionMax: 0, versionMin: 0,
    isid: ISID, tsih: 0, itt: 0, cid: 0, cmdSN: 1, expStatSN: 0, ahs: [], data: encodeText(keys),
  };
  return new Promise((resolve, reject) => {
    let got = Buffer.alloc(0);
    setReader((n, buf) => {
      got = Buffer.concat([got, buf.subarray(0, n)]);
      if (got.length < 48) return;
      const len = pduLength(got);
      if (got.length < len) return;
      const r = decodePdu(got.subarray(0, len));
      if (r.kind !== "login-response" || r.statusClass !== 0 || !r.transit || r.nsg !== 3) {
        const detail = r.kind === "login-response" ? { statusClass: r.statusClass, statusDetail: r.statusDetail, keys: decodeText(r.data) } : {};
        return reject(new Error(`floor-client: login refused: ${JSON.stringify({ kind: r.kind, ...detail })}`));
      }
      resolve({ cmdSN: r.expCmdSN, expStatSN: (r.statSN + 1) >>> 0, maxCmdSN: r.maxCmdSN });
    });
    sock.write(encodePdu(req));
  });
}

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  const readBuf = Buffer.allocUnsafe(4 << 20);
  let onRead: (n: number, buf: Uint8Array) => void = () => undefined;
  const sock = connect({ host: a.host, port: a.port, noDelay: true, onread: { buffer: readBuf, callback: (n, buf) => { onRead(n, buf); return true; } } });
  await new Promise<void>((res, rej) => sock.once("connect", res).once("error", rej));
  sock.on("error", (e) => { process.stderr.write(`floor-client: ${e.message}\n`); process.exit(1); });
  let { cmdSN, expStatSN, maxCmdSN } = await login(sock, a, (r) => { onRead = r; });

  const blocksPerIo = a.bs / 512;
  const span = Math.floor(a.blocks / blocksPerIo);
  let seqLba = 0;
  let itt = 1;
  let outstanding = 0;
  let done = 0;
  let stopping = false;
  const cmd = Buffer.alloc(48);
  cmd[0] = 0x01;
  cmd[1] = 0xc1; // F, R, ATTR simple
  cmd[9] = a.lun; // LUN (peripheral addressing, < 256)
  cmd.writeUInt32BE(a.bs, 20);
  cmd[32] = 0x28; // READ(10)
  cmd.writeUInt16BE(blocksPerIo, 39);
  let out: Buffer[] = [];

  const submit = () => {
    const lba = a.random ? Math.floor(Math.random() * span) * blocksPerIo : (seqLba = (seqLba + blocksPerIo) % (span * blocksPerIo));
    cmd.writeUInt32BE(itt++ >>> 0, 16);
    cmd.writeUInt32BE(cmdSN, 24);
    cmdSN = (cmdSN + 1) >>> 0;
    cmd.writeUInt32BE(expStatSN, 28);
    cmd.writeUInt32BE(lba, 34);
    out.push(Buffer.from(cmd));
    outstanding++;
  };
  const flush = () => {
    if (out.length === 0) return;
    sock.write(out.length === 1 ? out[0] : Buffer.concat(out));
    out = [];
  };

  // Framing state: header bytes collected so far, then bytes of AHS + data + padding to skip.
  const hdr = Buffer.alloc(48);
  let have = 0;
  let skip = 0;
  let finished: () => void = () => undefined;
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const endAt = t0 + BigInt(Math.round(a.seconds * 1e9));
  onRead = (n, buf) => {
    let i = 0;
    while (i < n) {
      if (skip > 0) {
        const k = Math.min(skip, n - i);
        skip -= k;
        i += k;
        continue;
      }
      const k = Math.min(48 - have, n - i);
      hdr.set(buf.subarray(i, i + k), have);
      have += k;
      i += k;
      if (have < 48) break;
      have = 0;
      skip = pduLength(hdr) - 48;
      const op = hdr[0] & 0x3f;
      const complete = op === 0x21 || (op === 0x25 && (hdr[1] & 1) !== 0);
      if (!complete && op !== 0x25) {
        process.stderr.write(`floor-client: the target sent opcode 0x${op.toString(16)}, which this loop does not handle\n`);
        process.exit(1);
      }
      if (complete) {
        expStatSN = (hdr.readUInt32BE(24) + 1) >>> 0;
        maxCmdSN = hdr.readUInt32BE(32);
        outstanding--;
        done++;
      }
    }
    if (!stopping && process.hrtime.bigint() >= endAt) stopping = true;
    if (!stopping) while (outstanding < a.qd && ((maxCmdSN - cmdSN) | 0) >= 0) submit();
    flush();
    if (stopping && outstanding === 0) finished();
  };
  const ended = new Promise<void>((res) => { finished = res; });
  for (let k = 0; k < a.qd; k++) submit();
  flush();
  await ended;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(cpu0);
  sock.destroy();
  process.stdout.write(`${JSON.stringify({ iops: done / seconds, cpuUsPerIo: (c.user + c.system) / done, userUsPerIo: c.user / done })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
