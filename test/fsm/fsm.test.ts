import { test } from "node:test";
import assert from "node:assert/strict";
import { FsmError } from "../../src/errors.js";
import { Machine, fire, post, ANY } from "../../src/fsm/fsm.js";
import { ProbeBus } from "../../src/probe/bus.js";

type S = "A" | "B" | "C";
type E = "go" | "back" | "reset";

const M = new Machine<S, E, "doGo">("conn", ["A", "B", "C"], ["go", "back", "reset"], [
  { from: "A", on: "go", to: "B", do: "doGo", rfc: "T1" },
  { from: ["B", "C"], on: "back", to: "A", rfc: "T2" },
  { from: "A", on: "back", to: "C", rfc: "first-match-loses" },
  { from: ANY, on: "reset", to: "A", rfc: "T3" },
]);

function host(bus: ProbeBus) {
  let now = 1000n;
  const h = {
    state: "A" as S,
    probes: bus.module("initiator"),
    clock: { now: () => now++ },
    calls: [] as unknown[],
    doGo(arg: unknown) { h.calls.push([h.state, arg]); },
  };
  return h;
}

test("fire() moves, fires conn:state-change with from/to/event/rfc/detail, then runs the action", () => {
  const bus = new ProbeBus();
  const seen: unknown[] = [];
  bus.on("conn:state-change", (a) => seen.push({ from: a.from, to: a.to, event: a.event, rfc: a.rfc, detail: a.detail, t: a.t }));
  const h = host(bus);
  assert.equal(fire(M, h, "go", 42, "because"), "B");
  assert.deepEqual(seen, [{ from: "A", to: "B", event: "go", rfc: "T1", detail: "because", t: 1000n }]);
  assert.deepEqual(h.calls, [["B", 42]], "the action runs after the move");
});

test("fire() takes the first matching row: groups and ANY", () => {
  const h = host(new ProbeBus());
  h.state = "C";
  assert.equal(fire(M, h, "back"), "A");
  assert.equal(fire(M, h, "back"), "C");
  assert.equal(fire(M, h, "reset"), "A");
});

test("fire() on an unhandled pair fires fsm:unhandled and throws ERR_FSM_UNHANDLED, state unchanged", () => {
  const bus = new ProbeBus();
  const seen: string[] = [];
  bus.on("fsm:unhandled", (a) => seen.push(`${a.machine} ${a.state} ${a.event}`));
  const h = host(bus);
  h.state = "B";
  assert.throws(() => fire(M, h, "go"), (e: unknown) => e instanceof FsmError && e.code === "ERR_FSM_UNHANDLED");
  assert.equal(h.state, "B");
  assert.deepEqual(seen, ["conn B go"]);
});

test("post() runs the event after the current synchronous work", async () => {
  const h = host(new ProbeBus());
  post(M, h, "go");
  assert.equal(h.state, "A");
  await Promise.resolve();
  assert.equal(h.state, "B");
});
