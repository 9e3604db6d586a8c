/**
 * Ticks and Histories for sampler tests: sessions built with test/helpers/kstats.ts at whole
 * seconds from a fixed epoch (times exact in a double), and views with defaults.
 */
import type { FeedEvent, FeedTick } from "../../../src/tui/feed.js";
import { History, type HistoryOptions } from "../../../src/tui/history.js";
import type { SamplerInput, SamplerParams } from "../../../src/tui/samplers/types.js";
import { initialView, type ViewState } from "../../../src/tui/view.js";
import { sessionKstats, type SessionSpec } from "../../helpers/kstats.js";

/** 2026-11-18 11:06:40 UTC, in ns (a multiple of 2^9, so whole seconds stay exact as numbers). */
export const T0 = 1_795_000_000_000_000_000;

/** Feed time of second `s`, as a bigint. */
export function at(s: number): bigint {
  return BigInt(T0) + BigInt(Math.round(s * 1e9));
}

/** A tick at second `s` with these sessions (created at second 0) and events. */
export function tick(s: number, sessions: Array<Omit<SessionSpec, "t">>, events: FeedEvent[] = []): FeedTick {
  return { t: at(s), kstats: sessions.flatMap((x) => sessionKstats({ crtime: T0, ...x, t: T0 + s * 1e9 })), events };
}

export function historyOf(ticks: FeedTick[], opts?: HistoryOptions): History {
  const h = new History(opts);
  for (const t of ticks) h.advance(t);
  return h;
}

export function view(over: Partial<ViewState> = {}): ViewState {
  return { ...initialView("top", 1, { kind: "live", source: "test" }), ...over };
}

export function input(history: History, v: Partial<ViewState> = {}, params: SamplerParams = {}): SamplerInput {
  return { history, view: view(v), params };
}
