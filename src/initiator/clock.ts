/**
 * The injected clock: nanoseconds since the Unix epoch for probes, and timers. The state
 * machines never call setTimeout themselves; the initiator arms timers through this, so a
 * test or a replay can drive time.
 */
import type { Ns } from "../probe/types.js";

export interface TimerHandle {
  cancel(): void;
  /** Let the timer keep the process alive (or stop it doing so). */
  keepAlive?(on: boolean): void;
}

export interface Clock {
  /** Nanoseconds since the Unix epoch. */
  now(): Ns;
  /**
   * Run `fn` after `ms` milliseconds unless cancelled. Timers do not keep the process alive
   * unless `keepAlive` is set (a reconnect that someone's command is waiting for).
   */
  setTimer(ms: number, fn: () => void, opts?: { keepAlive?: boolean }): TimerHandle;
}

/** Wall clock at start-up minus the monotonic clock then: one addition per reading (each bigint op allocates). */
const offset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/**
 * The system clock: the wall clock at start-up advanced by the monotonic clock, so times are
 * epoch-based and never go backwards within a process.
 *
 * @example
 * const t = systemClock.now(); // 1795000000000000000n
 */
export const systemClock: Clock = {
  now: () => process.hrtime.bigint() + offset,
  setTimer(ms, fn, opts) {
    const h = setTimeout(fn, ms);
    if (!opts?.keepAlive) h.unref?.();
    return { cancel: () => clearTimeout(h), keepAlive: (on) => void (on ? h.ref?.() : h.unref?.()) };
  },
};

/** Milliseconds between two clock readings. */
export function msBetween(from: Ns, to: Ns): number {
  return Number(to - from) / 1e6;
}
