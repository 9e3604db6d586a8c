/**
 * A script whose command waits for a session to come back must not end before it does. Node
 * exits when nothing keeps its event loop alive; the initiator's timers are unref'd so that an
 * idle session never holds a process open, but the reconnect of a FAILED session that a
 * command waits for must. Checked with tgtd: the script logs in, tgtd drops the connection,
 * the script reads while the session is in recovery, and must print the data and exit 0
 * (an unsettled top-level await exits with 13).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { withTgtd } from "../helpers/tgtd.js";

const IQN = "iqn.2026-11.io.iscsiscope.test:keepalive";
const initiatorJs = fileURLToPath(new URL("../../src/initiator/initiator.js", import.meta.url));
const busJs = fileURLToPath(new URL("../../src/probe/bus.js", import.meta.url));

const SCRIPT = `
import { Initiator } from ${JSON.stringify(initiatorJs)};
import { defaultBus } from ${JSON.stringify(busJs)};
const [port] = process.argv.slice(2);
const ini = new Initiator();
const s = await ini.login({ targetName: ${JSON.stringify(IQN)}, portals: [{ host: "127.0.0.1", port: Number(port) }],
  timeouts: { nopIntervalMs: 0, replacementMs: 60000 } });
const failed = new Promise((resolve) => defaultBus.on("session:state-change", (a) => { if (a.to === "FAILED") resolve(); }));
console.log("ready");
await failed;
console.log("failed");
const data = await s.read(1, 0, 8);
console.log("read " + data.length);
await s.logout();
`;

test("tgtd: a read queued while the session is FAILED keeps the script alive until the reconnect serves it", (t) => withTgtd(t, {}, async (tgtd) => {
  const tid = await tgtd.addTarget({ iqn: IQN, luns: [{ size: "4M" }] });
  const dir = mkdtempSync(join(tmpdir(), "iscsiscope-keepalive-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "script.mjs");
  writeFileSync(file, SCRIPT);
  const child = spawn(process.execPath, [file, String(tgtd.port)], { stdio: ["ignore", "pipe", "pipe"] });
  t.after(() => child.kill("SIGKILL"));
  let out = "";
  let err = "";
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const ready = new Promise<void>((resolve) => child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
    if (out.includes("ready")) resolve();
  }));
  await ready;
  const session = (await tgtd.showTarget()).targets.find((x) => x.tid === tid)!.sessions[0];
  await tgtd.dropConnection(tid, session.sid, session.connections[0].cid);
  const [code] = await once(child, "exit");
  assert.equal(code, 0, `script exit code (13 = ended with its read still waiting)\n${out}${err}`);
  assert.match(out, /failed\nread 4096\n/);
}));
