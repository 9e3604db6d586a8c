/** Tiny timing helpers for `npm run bench`: run a body for a while, report rates. */

export interface Rate {
  /** Operations per second. */
  opsPerSec: number;
  /** Nanoseconds per operation. */
  nsPerOp: number;
}

/**
 * Call `body(n)` (which performs n operations) with growing n until `seconds` have passed;
 * the best of three timed rounds is kept, as the least disturbed by the other core.
 */
export function measure(body: (n: number) => void, seconds = 0.4): Rate {
  let n = 1;
  for (;;) {
    const t0 = process.hrtime.bigint();
    body(n);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    if (dt > 0.05) break;
    n *= 4;
  }
  let best = Infinity;
  const rounds = 3;
  for (let k = 0; k < rounds; k++) {
    const target = (seconds / rounds) * 1e9;
    let ops = 0;
    const t0 = process.hrtime.bigint();
    let el = 0;
    while (el < target) {
      body(n);
      ops += n;
      el = Number(process.hrtime.bigint() - t0);
    }
    best = Math.min(best, el / ops);
  }
  return { opsPerSec: 1e9 / best, nsPerOp: best };
}

/** Print rows as an aligned table under a title. */
export function table(title: string, head: string[], rows: Array<Array<string | number>>): void {
  const cells = [head, ...rows.map((r) => r.map((c) => (typeof c === "number" ? fmt(c) : c)))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => String(r[i] ?? "").length)));
  console.log(`\n${title}`);
  for (const [k, r] of cells.entries()) {
    console.log(r.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join("  "));
    if (k === 0) console.log(widths.map((w) => "-".repeat(w)).join("  "));
  }
}

/** A number with three significant figures and k/M/G suffixes. */
export function fmt(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e9) return `${(x / 1e9).toPrecision(3)}G`;
  if (a >= 1e6) return `${(x / 1e6).toPrecision(3)}M`;
  if (a >= 1e4) return `${(x / 1e3).toPrecision(3)}k`;
  if (a >= 100) return x.toFixed(0);
  return x.toPrecision(3);
}

/** Keep a value alive so the optimiser cannot drop the work that made it. */
export let sink: unknown;
export function keep(v: unknown): void {
  sink = v;
}
