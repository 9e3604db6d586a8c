/**
 * The state machine runner: a machine is a table of rows `{ from, on, to, do?, rfc }`; `fire`
 * is the only place state changes, and every change fires `<machine>:state-change`.
 *
 * `to` is static so the table alone is the specification (a test walks every state × event
 * pair against it) and so a replay can drive the same table from observed PDUs without the
 * side effects. `do` names an action the live object performs after the transition: the
 * action runs after the probe fires, so the probe stream shows the move before its effects.
 * Actions never call `fire` on their own machine synchronously: they `post` (a microtask),
 * as OpenBSD's iscsid delivers events from a callback so the current transition can finish.
 */
import { FsmError } from "../errors.js";
import type { ProbeSet } from "../probe/bus.js";
import type { Ns } from "../probe/types.js";

/** Matches every state. */
export const ANY = "*";

export interface FsmRow<S extends string, E extends string, A extends string> {
  from: S | readonly S[] | typeof ANY;
  on: E;
  to: S;
  /** Name of the action the live object runs after the move. */
  do?: A;
  /** RFC 7143 transition label (T1..T18, M1..M4, N1..N6) or illumos's (E1..E10); "-" for none. */
  rfc: string;
}

export type MachineName = "session" | "conn" | "task";

const STATE_PROBE = {
  session: "session:state-change", conn: "conn:state-change", task: "task:state-change",
} as const;

/** Something a machine drives: it holds the state and the producer's probes and clock. */
export interface FsmHost<S extends string> {
  state: S;
  readonly probes: ProbeSet;
  readonly clock: { now(): Ns };
}

export class Machine<S extends string, E extends string, A extends string> {
  private readonly index = new Map<S, Map<E, FsmRow<S, E, A>>>();
  /** The probe this machine fires, as a constant key (no string built per transition). */
  readonly stateProbe: "session:state-change" | "conn:state-change" | "task:state-change";

  constructor(
    readonly name: MachineName,
    readonly states: readonly S[],
    readonly events: readonly E[],
    readonly rows: ReadonlyArray<FsmRow<S, E, A>>,
  ) {
    this.stateProbe = STATE_PROBE[name];
    for (const s of states) {
      const byEvent = new Map<E, FsmRow<S, E, A>>();
      for (const e of events) {
        const row = rows.find((r) => r.on === e && (r.from === ANY || r.from === s || (Array.isArray(r.from) && r.from.includes(s))));
        if (row) byEvent.set(e, row);
      }
      this.index.set(s, byEvent);
    }
  }

  /** The row for (state, event), first match in table order, or undefined. */
  row(state: S, event: E): FsmRow<S, E, A> | undefined {
    return this.index.get(state)?.get(event);
  }
}

/**
 * Apply `event` to `host`: find the row, move, fire the state-change probe (at `t` when the
 * caller has just read the clock for the same moment, else now), run the row's action. An
 * event no row handles fires `fsm:unhandled` and throws FsmError (code ERR_FSM_UNHANDLED): a
 * bug or a hostile peer, never a crash of the process.
 */
export function fire<S extends string, E extends string, A extends string>(
  m: Machine<S, E, A>,
  host: FsmHost<S> & { [K in A]?: (arg: unknown) => void },
  event: E,
  arg?: unknown,
  detail?: string,
  t?: Ns,
): S {
  const from = host.state;
  const row = m.row(from, event);
  if (!row) {
    const u = host.probes["fsm:unhandled"];
    if (u.hasSubscribers) u.publish({ machine: m.name, state: from, event, t: host.clock.now() });
    throw new FsmError(m.name, from, event);
  }
  host.state = row.to;
  const p = host.probes[m.stateProbe] as { hasSubscribers: boolean; publish(a: unknown): void };
  if (p.hasSubscribers) {
    p.publish({ ref: host, from, to: row.to, event, rfc: row.rfc, detail, t: t ?? host.clock.now() });
  }
  if (row.do) host[row.do]?.(arg);
  return row.to;
}

/** Queue an event for after the current transition (a microtask). */
export function post<S extends string, E extends string, A extends string>(
  m: Machine<S, E, A>,
  host: FsmHost<S> & { [K in A]?: (arg: unknown) => void },
  event: E,
  arg?: unknown,
  detail?: string,
): void {
  queueMicrotask(() => fire(m, host, event, arg, detail));
}
