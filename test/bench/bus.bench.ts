/**
 * The cost of a probe nobody listens to: a loop that fires a guarded, unsubscribed probe per
 * iteration next to the same loop with no probe, and a subscribed probe for scale.
 */
import { ProbeBus } from "../../src/probe/bus.js";
import { keep, measure, table } from "./measure.js";

export function benchBus(): void {
  const bus = new ProbeBus();
  const P = bus.module("initiator");
  const conn = { cid: 0 };
  let now = 0n;
  const clock = { now: () => now++ };
  const work = (i: number) => (i * 2654435761) >>> 0;
  const bare = measure((n) => { let x = 0; for (let i = 0; i < n; i++) x ^= work(i); keep(x); }, 0.6);
  const guarded = measure((n) => {
    let x = 0;
    for (let i = 0; i < n; i++) {
      x ^= work(i);
      if (P["pdu:receive"].hasSubscribers) P["pdu:receive"].publish({ conn, pdu: x, wireLength: 48, t: clock.now() } as never);
    }
    keep(x);
  }, 0.6);
  let count = 0;
  bus.subscribe("pdu:receive", () => { count++; });
  const subscribed = measure((n) => {
    let x = 0;
    for (let i = 0; i < n; i++) {
      x ^= work(i);
      if (P["pdu:receive"].hasSubscribers) P["pdu:receive"].publish({ conn, pdu: x, wireLength: 48, t: clock.now() } as never);
    }
    keep(x);
  }, 0.6);
  keep(count);
  table("Probe bus: cost per iteration of a loop body (ns), guarded probe unsubscribed vs none", ["loop", "ns/iter", "extra ns"], [
    ["bare loop", bare.nsPerOp, 0],
    ["+ guarded, unsubscribed probe", guarded.nsPerOp, guarded.nsPerOp - bare.nsPerOp],
    ["+ subscribed probe (args built, one no-op subscriber)", subscribed.nsPerOp, subscribed.nsPerOp - bare.nsPerOp],
  ]);
}
