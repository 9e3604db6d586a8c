/**
 * The transport under a connection: TCP by default, swappable so a test can put a scripted
 * target, or a wrapper that mutates PDUs, in its place (libiscsi's `drv->queue_pdu` swap).
 */
import { connect as netConnect, type Socket } from "node:net";
import { TransportError } from "../errors.js";

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
  data(chunk: Uint8Array): void;
  end(how: TransportEnd): void;
}

export interface Transport {
  /** Connect; rejects with TransportError (code ECONNREFUSED, ETIMEDOUT, EHOSTUNREACH, ...). */
  connect(host: string, port: number, timeoutMs: number, on: TransportHandlers): Promise<TransportInfo>;
  /** Queue bytes; pieces written in one turn of the event loop leave in as few syscalls as possible. */
  write(parts: readonly Uint8Array[]): void;
  /** Graceful close (FIN). */
  close(): void;
  /** Abort (RST when the socket is open). */
  destroy(): void;
}

export type TransportFactory = () => Transport;

function fmtAddr(addr: string | undefined, port: number | undefined, family: string | number | undefined): string {
  if (!addr) return "";
  return family === "IPv6" || family === 6 ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/**
 * TCP via node:net, Nagle off (iSCSI PDUs are latency-bound), writes corked for the rest of
 * the current turn so a queue depth of commands leaves in one segment train.
 */
export class TcpTransport implements Transport {
  private socket: Socket | undefined;
  private corked = false;
  private ended = false;

  connect(host: string, port: number, timeoutMs: number, on: TransportHandlers): Promise<TransportInfo> {
    return new Promise((resolve, reject) => {
      const s = netConnect({ host, port, noDelay: true });
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
    s.on("data", (chunk: Buffer) => on.data(chunk));
    s.on("error", (err: NodeJS.ErrnoException) => {
      last = { kind: err.code === "ECONNRESET" ? "reset" : "error", code: err.code, message: err.message };
    });
    s.on("end", () => {
      last ??= { kind: "fin", message: "the target closed the connection (TCP FIN)" };
      s.end();
    });
    s.on("close", () => {
      if (this.ended) return;
      this.ended = true;
      on.end(last ?? { kind: "local", message: "closed" });
    });
  }

  write(parts: readonly Uint8Array[]): void {
    const s = this.socket;
    if (!s || s.destroyed) return;
    if (!this.corked) {
      this.corked = true;
      s.cork();
      process.nextTick(() => {
        this.corked = false;
        s.uncork();
      });
    }
    for (const p of parts) s.write(p);
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
