/**
 * The two ways to reach the fake target: a TCP listener on loopback (so any initiator, and
 * tcpdump, can see it), and an in-memory {@link Transport} with the same interface the
 * initiator's TcpTransport has (src/initiator/transport.ts), for tests that need no socket.
 */
import { createServer, type Server, type Socket } from "node:net";
import { TransportError } from "../../../src/errors.js";
import { concatBytes } from "../../../src/wire/byte-writer.js";
import type { Transport, TransportHandlers, TransportInfo } from "../../../src/initiator/transport.js";
import type { FakeConnection, Wire } from "./connection.js";
import type { TargetCore } from "./core.js";

function fmt(addr: string | undefined, port: number | undefined): string {
  return addr?.includes(":") ? `[${addr}]:${port}` : `${addr}:${port}`;
}

function socketWire(s: Socket): Wire {
  return {
    local: fmt(s.localAddress, s.localPort),
    remote: fmt(s.remoteAddress, s.remotePort),
    write(parts) {
      if (s.destroyed || s.writableEnded) return;
      s.cork();
      for (const p of parts) s.write(p);
      process.nextTick(() => s.uncork());
    },
    close(how) {
      if (how === "rst") s.resetAndDestroy();
      else s.end();
    },
  };
}

/** Listen on `host` (port 0: any free one); resolves with the server once listening. */
export function listen(core: TargetCore, host: string, port: number): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer({ noDelay: true }, (s) => {
    sockets.add(s);
    s.once("close", () => sockets.delete(s));
    const conn = core.attach(socketWire(s));
    let why = "closed the connection (FIN)";
    s.on("data", (chunk: Buffer) => conn.receive(chunk));
    s.on("error", (e: NodeJS.ErrnoException) => {
      why = e.code === "ECONNRESET" ? "reset the connection (RST)" : `broke the connection: ${e.code ?? e.message}`;
    });
    s.on("close", () => conn.onWireEnd(why));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      OPEN_SOCKETS.set(server, sockets);
      resolve(server);
    });
  });
}

const OPEN_SOCKETS = new WeakMap<Server, Set<Socket>>();

/** Close a server and reset every socket still open on it. */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of OPEN_SOCKETS.get(server) ?? []) s.resetAndDestroy();
  });
}

let memoryPort = 40000;

/**
 * A {@link Transport} straight into the target: bytes cross on the next turn of the event
 * loop (setImmediate), in order, one chunk per write, like a socket that never splits.
 */
export class MemoryTransport implements Transport {
  private conn: FakeConnection | undefined;
  private on: TransportHandlers | undefined;
  private open = false;

  constructor(private readonly core: TargetCore, private readonly isStopped: () => boolean) {}

  connect(host: string, port: number, _timeoutMs: number, on: TransportHandlers): Promise<TransportInfo> {
    if (this.isStopped()) {
      return Promise.reject(new TransportError("ECONNREFUSED", `connect to ${host}:${port} failed: ECONNREFUSED (fake target stopped)`));
    }
    const local = `127.0.0.1:${memoryPort++}`;
    const remote = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    this.on = on;
    this.open = true;
    this.conn = this.core.attach({
      local: remote,
      remote: local,
      write: (parts) => this.toInitiator(parts),
      close: (how) => this.targetClosed(how),
    });
    return Promise.resolve({ local, remote, family: host.includes(":") ? 6 : 4 });
  }

  get writable(): boolean {
    return this.open;
  }

  write(parts: readonly Uint8Array[]): boolean {
    if (!this.open) return false;
    const bytes = concatBytes(parts); // a copy: the sender may reuse its buffers
    const conn = this.conn!;
    setImmediate(() => conn.receive(bytes));
    return true;
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    const conn = this.conn!;
    setImmediate(() => conn.onWireEnd("closed the connection (FIN)"));
  }

  destroy(): void {
    if (!this.open) return;
    this.open = false;
    this.conn!.onWireEnd("reset the connection (RST)");
  }

  private toInitiator(parts: readonly Uint8Array[]): void {
    const bytes = concatBytes(parts); // a copy: the sender may reuse its buffers
    setImmediate(() => {
      if (this.open) this.on!.data(bytes);
    });
  }

  /** A FIN arrives after the data sent before it; an RST overtakes it (queued data is lost). */
  private targetClosed(how: "fin" | "rst"): void {
    const on = this.on!;
    if (how === "rst") {
      this.open = false;
      queueMicrotask(() => on.end({ kind: "reset", code: "ECONNRESET", message: "the target reset the connection (RST)" }));
      return;
    }
    setImmediate(() => {
      if (!this.open) return;
      this.open = false;
      on.end({ kind: "fin", message: "the target closed the connection (TCP FIN)" });
    });
  }
}
