import { test } from "node:test";
import assert from "node:assert/strict";
import { History } from "../../src/tui/history.js";
import { Ring } from "../../src/tui/ring.js";
import { at, tick } from "./samplers/fixture.js";

test("Ring: keeps the newest items, oldest first", () => {
  const r = new Ring<number>(3);
  assert.equal(r.newest(), undefined);
  for (const x of [1, 2, 3, 4, 5]) r.push(x);
  assert.deepEqual(r.toArray(), [3, 4, 5]);
  assert.deepEqual(r.last(2), [4, 5]);
  assert.equal(r.newest(), 5);
  assert.equal(r.length, 3);
  assert.throws(() => new Ring(0), RangeError);
});

test("History.advance(): rates derived once per tick from the previous snapshot; a new session's since its creation", () => {
  const h = new History();
  h.advance(tick(10, [{ oid: 1, io: { reads: 1000 } }]));
  assert.equal(h.cur!.derived.get(1)!.io.rps, 100, "first tick: since creation (10 s)");
  h.advance(tick(11, [{ oid: 1, io: { reads: 1050 } }, { oid: 2, crtime: 10.5e9 + 1_795_000_000_000_000_000, io: { writes: 5 } }]));
  assert.equal(h.cur!.derived.get(1)!.io.rps, 50);
  assert.equal(h.cur!.derived.get(2)!.io.wps, 10, "born half a second ago");
  assert.equal(h.totals.newest()!.rps, 50);
  assert.equal(h.totals.newest()!.dt, 1);
  assert.equal(h.prev!.t, at(10));
});

test("History: per-session memory goes with the session; rings bound the rest (an hour costs what a minute does)", () => {
  const h = new History({ points: 60, events: 100, timeline: 10, lingerS: 5 });
  for (let s = 0; s < 3600; s++) {
    const oid = 1 + Math.floor(s / 100); // a new session every 100 s, the previous one gone
    h.advance(tick(s, [{ oid, io: { reads: s } }], [{ t: at(s), kind: "transition", sid: oid, text: `tick ${s}` }]));
  }
  assert.equal(h.totals.length, 60);
  assert.equal(h.events.length, 100);
  assert.deepEqual([...h.series.keys()], [36]);
  assert.deepEqual([...h.timelines.keys()], [36]);
  assert.equal(h.timelines.get(36)!.length, 10);
  assert.equal(h.series.get(36)!.length, 60);
});

test("History: a session that went FREE stays visible for the linger time, then its memory goes", () => {
  const h = new History({ lingerS: 10 });
  h.advance(tick(0, [{ oid: 1 }], [{ t: at(0), kind: "disconnect", sid: 1, reason: "user-logout", text: "user-logout: logged out" }]));
  h.advance(tick(1, [{ oid: 1, state: "FREE" }]));
  assert.equal(h.visible(1), true);
  assert.ok(h.lastDisconnect.has(1));
  h.advance(tick(12, [{ oid: 1, state: "FREE" }]));
  assert.equal(h.visible(1), false);
  assert.deepEqual(h.visibleOids(), []);
  assert.equal(h.lastDisconnect.has(1), false);
  assert.equal(h.series.has(1), false);
  h.advance(tick(13, [{ oid: 1, state: "LOGGED_IN" }]));
  assert.equal(h.visible(1), true, "logged in again: shown again");
});
