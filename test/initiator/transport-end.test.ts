/**
 * How the TCP transport says its peer ended: FIN or RST, as the wire had it. node:net reports
 * a RST that lands right behind data in one wakeup as a plain end of stream; the transport
 * must still call it a reset. A plain node:net peer on loopback (no iSCSI needed to make the
 * kernel send what we want: resetAndDestroy() is a RST, destroy() a FIN).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer, type Server, type Socket } from "node:net";
import { once } from "node:events";
import { TcpTransport, type TransportEnd } from "../../src/initiator/transport.js";

interface Ended {
  how: TransportEnd;
  bytes: number;
}

/** A listening peer; `onConn` gets the accepted socket. Closed when the test ends. */
async function peer(t: { after(fn: () => unknown): void }, onConn: (c: Socket) => void): Promise<number> {
  const server: Server = createServer(onConn);
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  t.after(() => server.close());
  return (server.address() as { port: number }).port;
}

/** Connect a transport; resolves with how it ended and the bytes it received. */
async function connect(port: number): Promise<{ tr: TcpTransport; ended: Promise<Ended> }> {
  const tr = new TcpTransport();
  let bytes = 0;
  let done!: (e: Ended) => void;
  const ended = new Promise<Ended>((resolve) => (done = resolve));
  await tr.connect("127.0.0.1", port, 2000, { data: (c) => (bytes += c.length), end: (how) => done({ how, bytes }) });
  return { tr, ended };
}

/**
 * A peer that sends 1000 bytes and ends the connection with `end` in the same turn of its
 * loop: the client's kernel holds both before the client's next poll.
 */
function dataThen(end: (c: Socket) => void): (c: Socket) => void {
  return (c) => {
    c.on("data", () => undefined);
    setTimeout(() => {
      c.write(Buffer.alloc(1000, 1));
      end(c);
    }, 20);
  };
}

test("a RST right behind data (one wakeup, which node:net reports as an end of stream) is a reset", async (t) => {
  const port = await peer(t, dataThen((c) => c.resetAndDestroy()));
  for (let i = 0; i < 5; i++) {
    const { ended } = await connect(port);
    const e = await ended;
    assert.equal(e.bytes, 1000, "the data before the RST is delivered");
    assert.equal(e.how.kind, "reset", `run ${i}: ${JSON.stringify(e.how)}`);
  }
});

test("a FIN after data is a FIN", async (t) => {
  const port = await peer(t, dataThen((c) => c.destroy()));
  const { ended } = await connect(port);
  const e = await ended;
  assert.equal(e.bytes, 1000);
  assert.equal(e.how.kind, "fin", JSON.stringify(e.how));
});

test("a FIN, then a RST for what we sent after it: a FIN, as the wire showed it first; nothing queued after the end", async (t) => {
  let serverSide: Socket | undefined;
  const port = await peer(t, (c) => {
    serverSide = c;
    c.on("data", () => undefined);
  });
  const { tr, ended } = await connect(port);
  while (!serverSide) await new Promise((r) => setImmediate(r));
  // The peer closes entirely (FIN); in the same turn we send, before reading the FIN: the
  // peer's kernel answers those bytes with a RST.
  serverSide.destroy();
  assert.equal(tr.write([new Uint8Array(100)]), true, "taken before the FIN was read");
  const e = await ended;
  assert.equal(e.how.kind, "fin", JSON.stringify(e.how));
  assert.equal(tr.writable, false);
  assert.equal(tr.write([new Uint8Array(100)]), false, "refused after the end");
});
