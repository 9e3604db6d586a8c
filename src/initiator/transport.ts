/**
 * The transport under a connection: TCP by default, swappable so a test can put a scripted
 * target, or a wrapper that mutates PDUs, in its place (libiscsi's `drv->queue_pdu` swap).
 */
import { connect as netConnect, type Socket } from "node:net";
import { TransportError } from "../errors.js";
import { soon } from "./soon.js";

export interface TransportInfo {
  /** "127.0.0.1:51234" / "[::1]:51234" */
  local: string;
  remote: string;
  family: 4 | 6;
}

/** How a transport ended: a FIN from the peer, a reset, another error, or our own close. */
export interface TransportEnd {
  kind: "fin" | "reset" | "error" | "local";
  /** errno-style code (ECONNRESET, EPIPE, ...) when known. */
  code?: string;
  message: string;
}

export interface TransportHandlers {
  /**
   * Received bytes. The chunk may be a view of a buffer the transport reuses for the next
   * read, and several reads may happen before promise callbacks run: it is valid during this
   * call only; copy what you keep or hand to a promise.
   */
  data(chunk: Uint8Array): void;
  end(how: TransportEnd): void;
  /**
   * Where the next read should land, when the receiver knows (the rest of a Data-In going
   * straight into its command's buffer); the chunk passed to `data` is then a view of it.
   */
  readTarget?(): Uint8Array | undefined;
}

export interface Transport {
  /** Connect; rejects with TransportError (code ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ...). */
  connect(host: string, port: number, timeoutMs: number, on: TransportHandlers): Promise<TransportInfo>;
  /**
   * Queue bytes; pieces written in one turn of the event loop leave in as few syscalls as
   * possible. False when nothing was queued: the transport has ended, or the peer has closed.
   */
  write(parts: readonly Uint8Array[]): boolean;
  /** Whether write() would take bytes now (connected, and the peer has not closed). */
  readonly writable: boolean;
  /** Graceful close (FIN). */
  close(): void;
  /** Abort (RST when the socket is open). */
  destroy(): void;
}

export type TransportFactory = () => Transport;

/** Bytes read per read(2): large enough for a 256 KiB Data-In and its header in one read. */
const READ_BUFFER = 512 * 1024;

/** The write that asks the kernel how the peer ended (see attach). */
const NOTHING = new Uint8Array(0);

/** Pieces at least this long are written as they are; smaller ones are copied together. */
const LARGE = 16 * 1024;

function fmtAddr(addr: string | undefined, port: number | undefined, family: string | number | undefined): string {
  if (!addr) return "";
  return family === "IPv6" || family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/**
 * TCP via node:net, Nagle off (iSCSI PDUs are latency-bound). What is written in one turn of
 * the event loop leaves in as few socket writes as possible: headers and small data are
 * copied into one buffer (one syscall for a queue depth of commands), large data segments go
 * as they are (no copy) in a corked batch. The flush is a promise job queued by the first
 * write: the commands that completed in the same read resume before it (their promise jobs
 * were queued first) and send theirs into the same batch; a process.nextTick flush cost a
 * pass of Node's tick queue per write, its unhandled-rejection scan included. Received bytes
 * come up through one read buffer reused for every read (node:net's onread).
 */
export class TcpTransport implements Transport {
  private socket: Socket | undefined;
  private ended = false;
  /** The peer's FIN (or a reset seen as one) arrived: nothing more is queued. */
  private peerEnded = false;
  private scheduled = false;
  private small: Uint8Array[] = [];
  private smallBytes = 0;
  private queue: Uint8Array[] = [];
  private onRead: ((chunk: Uint8Array) => void) | undefined;
  private readTarget: (() => Uint8Array | undefined) | undefined;

  connect(host: string, port: number, timeoutMs: number, on: TransportHandlers): Promise<TransportInfo> {
    return new Promise((resolve, reject) => {
      // One read buffer for the life of the socket (node:net's onread): a fresh 64 KiB buffer
      // per read made the garbage collector the largest cost of small I/O (measured: 19 full
      // collections in 3 s of 4 KiB reads at QD32, 2 with the buffer reused). A plain
      // Uint8Array, not a Buffer: Buffer#slice() makes a view where Uint8Array#slice() copies,
      // and the code above copies with slice().
      // The buffer is chosen before each read (node:net calls a buffer function after every
      // read): the receiver's target when it has one, else the shared buffer.
      const readBuffer = new Uint8Array(Buffer.allocUnsafeSlow(READ_BUFFER).buffer);
      const s = netConnect({
        // Half-open allowed so that, at the peer's end of stream, a write still reaches the
        // kernel: attach() asks it whether that end was a FIN or a reset.
        host, port, noDelay: true, allowHalfOpen: true,
        onread: {
          buffer: () => this.readTarget?.() ?? readBuffer,
          callback: (n: number, buf: Uint8Array) => { this.onRead?.(buf.subarray(0, n)); return true; },
        },
      });
      this.socket = s;
      const timer = setTimeout(() => {
        s.destroy();
        reject(new TransportError("ETIMEDOUT", `connect to ${host}:${port} timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      s.once("connect", () => {
        clearTimeout(timer);
        s.removeAllListeners("error");
        this.attach(s, on);
        resolve({
          local: fmtAddr(s.localAddress, s.localPort, s.localFamily),
          remote: fmtAddr(s.remoteAddress, s.remotePort, s.remoteFamily),
          family: s.remoteFamily === "IPv6" ? 6 : 4,
        });
      });
      s.once("error", (err: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        reject(new TransportError(err.code ?? "ECONNECT", `connect to ${host}:${port} failed: ${err.code ?? err.message}`, { cause: err }));
      });
    });
  }

  private attach(s: Socket, on: TransportHandlers): void {
    let last: TransportEnd | undefined;
    this.onRead = (chunk) => on.data(chunk);
    this.readTarget = on.readTarget;
    s.on("error", (err: NodeJS.ErrnoException) => {
      last ??= { kind: err.code === "ECONNRESET" ? "reset" : "error", code: err.code, message: err.message };
    });
    s.on("end", () => {
      this.peerEnded = true;
      if (s.writableEnded) {
        // Our close() came first: its FIN answered, nothing left to ask.
        last ??= { kind: "fin", message: "the target closed the connection (TCP FIN)" };
        return;
      }
      // node:net reports the end of the stream for a FIN, and also for a RST that arrives right
      // behind data: libuv takes the poll's hang-up after a short read as the end and never
      // reads the error. A write of nothing asks the kernel: the reset still pending
      // (ECONNRESET), a reset after a FIN (EPIPE), or a FIN alone (no error, nothing sent).
      s.write(NOTHING, (err?: NodeJS.ErrnoException | null) => {
        last ??= err?.code === "ECONNRESET"
          ? { kind: "reset", code: err.code, message: "the target reset the connection (TCP RST)" }
          : { kind: "fin", message: "the target closed the connection (TCP FIN)" };
        s.end();
      });
    });
    s.on("close", () => {
      if (this.ended) return;
      this.ended = true;
      on.end(last ?? { kind: "local", message: "closed" });
    });
  }

  get writable(): boolean {
    return this.socket !== undefined && !this.socket.destroyed && !this.peerEnded;
  }

  write(parts: readonly Uint8Array[]): boolean {
    if (!this.writable) return false;
    for (const p of parts) {
      if (p.length >= LARGE) {
        this.flushSmall();
        this.queue.push(p);
      } else {
        this.small.push(p);
        this.smallBytes += p.length;
      }
    }
    if (!this.scheduled) {
      this.scheduled = true;
      soon(this.flush);
    }
    return true;
  }

  /** Pieces written in one turn leave together: small ones joined into one buffer, large ones as they are. */
  private readonly flush = (): void => {
    this.scheduled = false;
    const s = this.socket;
    this.flushSmall();
    const q = this.queue;
    this.queue = [];
    if (!s || s.destroyed || q.length === 0) return;
    if (q.length === 1) {
      s.write(q[0]);
      return;
    }
    s.cork();
    for (const p of q) s.write(p);
    s.uncork();
  };

  private flushSmall(): void {
    if (this.small.length === 0) return;
    // Copied even when alone (a lone command at queue depth 1): a PDU header of 64 bytes or
    // less lives in V8's heap, and node:net would move it out to write it (a malloc and a copy
    // per write, the largest allocation at QD1); a slice of Node's buffer pool costs neither.
    const buf = Buffer.allocUnsafe(this.smallBytes);
    let o = 0;
    for (const p of this.small) {
      buf.set(p, o);
      o += p.length;
    }
    this.queue.push(buf);
    this.small = [];
    this.smallBytes = 0;
  }

  close(): void {
    this.ended = true;
    this.socket?.end();
    const s = this.socket;
    if (s) setTimeout(() => s.destroy(), 1000).unref();
  }

  destroy(): void {
    this.ended = true;
    this.socket?.resetAndDestroy?.() ?? this.socket?.destroy();
  }
}
