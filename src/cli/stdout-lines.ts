/**
 * Many lines to stdout, fast and polite: lines are joined into 64 KiB writes, the producer
 * waits when the pipe is full, and a reader that goes away (`iscsisnoop f.pcap | head`)
 * ends the output quietly (OutputClosed) instead of an EPIPE stack trace.
 */

/** The reader of stdout went away; the command stops and exits 0. */
export class OutputClosed extends Error {
  constructor() {
    super("stdout closed");
    this.name = "OutputClosed";
  }
}

const CHUNK = 64 * 1024;

/**
 * @example
 * const out = new StdoutLines();
 * for (const l of lines) { out.line(l); await out.waitIfFull(); }
 * await out.end();
 */
export class StdoutLines {
  private buf: string[] = [];
  private size = 0;
  private full: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly stream: NodeJS.WriteStream = process.stdout) {
    stream.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code === "EPIPE" || e.code === "ERR_STREAM_DESTROYED") this.closed = true;
      else throw e;
    });
  }

  line(s: string): void {
    if (this.closed) return;
    this.buf.push(s);
    this.size += s.length + 1;
    if (this.size >= CHUNK) this.flush();
  }

  /** Resolves at once unless the pipe is full; rejects with OutputClosed once the reader left. */
  waitIfFull(): Promise<void> | undefined {
    if (this.closed) return Promise.reject(new OutputClosed());
    return this.full;
  }

  private flush(): void {
    if (this.buf.length === 0 || this.closed) return;
    const text = `${this.buf.join("\n")}\n`;
    this.buf = [];
    this.size = 0;
    if (!this.stream.write(text) && !this.full) {
      this.full = new Promise((resolve) => this.stream.once("drain", () => {
        this.full = undefined;
        resolve();
      }));
    }
  }

  /** Write what is left and wait until it is handed to the OS. */
  async end(): Promise<void> {
    this.flush();
    if (this.full && !this.closed) await Promise.race([this.full, new Promise((r) => this.stream.once("error", r))]);
  }
}
