/**
 * A client of the daemon's control socket, for the CLI tools (list, login, logout,
 * iscsistat, iscsitop). One request at a time or many; pushes go to subscription handlers.
 *
 * @example
 * const c = await DaemonClient.connect(defaultSocketPath(), "iscsistat");
 * const { kstats } = await c.request<SnapshotResponse>({ op: "snapshot" });
 * c.close();
 */
import { connect, type Socket } from "node:net";
import { IscsiError } from "../errors.js";
import { encodeLine, LineReader, PROTOCOL_VERSION, type HelloResponse, type Request, type SubscribeResponse } from "./protocol.js";

type Pending = { resolve(v: unknown): void; reject(e: Error): void };
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export class DaemonClient {
  private seq = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly subs = new Map<number, (msg: Record<string, unknown>) => void>();
  private readonly reader = new LineReader();
  hello: HelloResponse | undefined;
  private closed: Error | undefined;

  private constructor(private readonly s: Socket, readonly path: string) {
    s.setEncoding("utf8");
    s.on("data", (chunk: string) => this.reader.push(chunk, (line) => this.line(line)));
    s.on("close", () => this.fail(new IscsiError("ERR_DAEMON_GONE", `the daemon on ${path} closed the connection`)));
    s.on("error", (e) => this.fail(new IscsiError("ERR_DAEMON_GONE", `daemon connection: ${e.message}`)));
  }

  /** Connect and say hello; one clear error when no daemon answers. */
  static async connect(path: string, client: string): Promise<DaemonClient> {
    const s = await new Promise<Socket>((resolve, reject) => {
      const sock = connect(path);
      sock.once("connect", () => resolve(sock));
      sock.once("error", (e: NodeJS.ErrnoException) => reject(new IscsiError("ERR_NO_DAEMON",
        `no iscsiscope daemon on ${path} (${e.code ?? e.message}); start one with 'iscsiscope daemon' or give --socket`)));
    });
    const c = new DaemonClient(s, path);
    c.hello = await c.request<HelloResponse>({ op: "hello", version: PROTOCOL_VERSION, client });
    return c;
  }

  private line(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return this.fail(new IscsiError("ERR_PROTOCOL", `the daemon sent a line that is not JSON: ${line.slice(0, 80)}`));
    }
    if (typeof msg.sub === "number" && msg.id === undefined) return this.subs.get(msg.sub)?.(msg);
    const p = this.pending.get(msg.id as number);
    if (!p) return;
    this.pending.delete(msg.id as number);
    if (msg.ok) p.resolve(msg);
    else p.reject(new IscsiError(String(msg.code ?? "ERR_DAEMON"), String(msg.error ?? "the daemon refused")));
  }

  private fail(e: Error): void {
    if (this.closed) return;
    this.closed = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Send a request; resolves with the response, rejects with the daemon's error (its code kept). */
  request<T>(req: DistributiveOmit<Request, "id">): Promise<T> {
    if (this.closed) return Promise.reject(this.closed);
    const id = ++this.seq;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.s.write(encodeLine({ ...req, id }));
    });
  }

  /** Subscribe to probes matching `pattern`; `on` gets each push. Returns the unsubscribe. */
  async subscribe(pattern: string, on: (msg: Record<string, unknown>) => void): Promise<() => Promise<void>> {
    const { sub } = await this.request<SubscribeResponse>({ op: "subscribe", pattern });
    this.subs.set(sub, on);
    return async () => {
      this.subs.delete(sub);
      await this.request({ op: "unsubscribe", sub });
    };
  }

  /** Subscribe to the notable events (FeedEvents, times as strings). */
  async events(on: (event: Record<string, unknown>) => void): Promise<() => Promise<void>> {
    const { sub } = await this.request<SubscribeResponse>({ op: "events" });
    this.subs.set(sub, (msg) => on(msg.event as Record<string, unknown>));
    return async () => {
      this.subs.delete(sub);
      await this.request({ op: "unsubscribe", sub });
    };
  }

  close(): void {
    this.closed ??= new IscsiError("ERR_DAEMON_GONE", "closed");
    this.s.end();
  }
}
