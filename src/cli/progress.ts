/**
 * A progress bar on stderr for long reads (iscsisnoop on a large capture): redrawn at most
 * ten times a second on one line, erased at the end so the output below stays clean.
 */
import { statSync } from "node:fs";

const WIDTH = 30;
const MIN_REDRAW_NS = 100_000_000n;
/** Files smaller than this are read before a bar would be seen. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

/**
 * @example
 * const bar = new ProgressBar("night.pcap");
 * bar.update(300e6, 600e6); // "night.pcap [===============               ]  50%  300.0/600.0 MB  1.2 s"
 * bar.end();
 */
export class ProgressBar {
  private last = 0n;
  private drawn = false;
  private readonly t0 = process.hrtime.bigint();

  constructor(private readonly label: string, private readonly stream: NodeJS.WriteStream = process.stderr) {}

  update(done: number, total: number): void {
    const now = process.hrtime.bigint();
    if (done < total && now - this.last < MIN_REDRAW_NS) return;
    this.last = now;
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const full = Math.round(frac * WIDTH);
    const mb = (n: number) => (n / 1e6).toFixed(1);
    const s = Number(now - this.t0) / 1e9;
    this.stream.write(`\r${this.label} [${"=".repeat(full)}${" ".repeat(WIDTH - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${mb(done)}/${mb(total)} MB  ${s.toFixed(1)} s`);
    this.drawn = true;
  }

  /** Erase the bar (when the stream is a terminal), or end its line. */
  end(): void {
    if (!this.drawn) return;
    this.stream.write(this.stream.isTTY ? "\r\x1b[K" : "\n");
    this.drawn = false;
  }
}

/**
 * The progress bar for reading `file`: forced on with --progress, off with --no-progress,
 * else shown when stderr is a terminal, the file is large, and stdout is not a terminal
 * receiving lines as the file is read.
 */
export function progressFor(file: string, v: Record<string, unknown>, linesToStdout: boolean): ProgressBar | undefined {
  if (v["no-progress"] === true) return undefined;
  if (v.progress !== true) {
    // Not when the lines it would be drawn between go to the same terminal.
    if (!process.stderr.isTTY || (linesToStdout && process.stdout.isTTY)) return undefined;
    try {
      if (statSync(file).size < PROGRESS_MIN_BYTES) return undefined;
    } catch {
      return undefined; // the reader will say what is wrong with the file
    }
  }
  return new ProgressBar(file);
}
