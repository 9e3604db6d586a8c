/**
 * What every connection of a fake target shares: its nodes and LUNs, its sessions, its
 * options, the test's hooks and faults, and the log. Wires (TCP or in-memory) attach here.
 */
import { FakeConnection, type Wire } from "./connection.js";
import { Faults } from "./faults.js";
import { HookRegistry } from "./hooks.js";
import { targetParams } from "./keys.js";
import { PduLog, type FakeEventName } from "./log.js";
import {
  DEFAULT_INITIAL_STATSN, DEFAULT_LUN_BLOCKS, DEFAULT_TARGET_NAME, DEFAULT_WINDOW,
  type ChapConfig, type FakeTargetOptions, type LunConfig, type TargetParams,
} from "./options.js";
import { makeLogicalUnit } from "./scsi.js";
import type { FakeSession, TargetNode } from "./session.js";

/** Options after defaults. */
export interface CoreOptions {
  initialStatSN: number;
  phaseCollapse: boolean;
  textChunk: number | undefined;
  nopInterval: number | undefined;
  discoveryChap: ChapConfig | undefined;
  addresses: string[] | undefined;
}

export class TargetCore {
  readonly opts: CoreOptions;
  readonly params: TargetParams;
  /** Keys the test set in `params`: the target offers them when the initiator does not. */
  readonly explicit: ReadonlySet<string>;
  readonly nodes = new Map<string, TargetNode>();
  readonly sessions = new Set<FakeSession>();
  readonly connections: FakeConnection[] = [];
  readonly log = new PduLog();
  readonly hooks = new HookRegistry();
  readonly faults: Faults;
  /** Exceptions thrown inside the target (a bug in the fake, not in the initiator). */
  readonly internalErrors: unknown[] = [];
  /** "host:port" of each listening socket; SendTargets announces them. */
  portals: string[] = ["127.0.0.1:3260"];
  private tsihSeq = 0;

  constructor(opts: FakeTargetOptions) {
    this.opts = {
      initialStatSN: opts.initialStatSN ?? DEFAULT_INITIAL_STATSN,
      phaseCollapse: opts.phaseCollapse ?? true,
      textChunk: opts.textChunk,
      nopInterval: opts.nopInterval,
      discoveryChap: opts.discoveryChap,
      addresses: opts.addresses,
    };
    this.params = targetParams(opts.params);
    this.explicit = new Set(Object.keys(opts.params ?? {}));
    this.faults = new Faults(opts.window ?? DEFAULT_WINDOW, opts.loginStatus);
    const vendor = opts.vendor ?? "ISCSISCP";
    for (const cfg of opts.targets ?? [{ name: DEFAULT_TARGET_NAME }]) {
      if (this.nodes.has(cfg.name)) throw new RangeError(`target ${cfg.name} configured twice`);
      const luns = (cfg.luns ?? [0, 1]).map((l): LunConfig => (typeof l === "number" ? { lun: l } : l));
      const node: TargetNode = { cfg, luns: new Map(), lunList: luns.map((l) => l.lun) };
      for (const l of luns) node.luns.set(l.lun, makeLogicalUnit(cfg.name, { blocks: DEFAULT_LUN_BLOCKS, ...l }, vendor));
      this.nodes.set(cfg.name, node);
    }
  }

  /** A new connection over `wire`. */
  attach(wire: Wire): FakeConnection {
    const c = new FakeConnection(this, wire, this.connections.length + 1);
    this.connections.push(c);
    this.event(c, "connect", `from ${wire.remote} to ${wire.local}`);
    return c;
  }

  event(conn: FakeConnection | undefined, event: FakeEventName, detail: string): void {
    this.log.add({ dir: "event", conn: conn?.id ?? 0, event, detail });
  }

  internalError(conn: FakeConnection | undefined, e: unknown): void {
    this.internalErrors.push(e);
    this.event(conn, "internal-error", e instanceof Error ? e.stack ?? e.message : String(e));
  }

  /** A TSIH no live session holds (never 0). */
  assignTsih(): number {
    const used = new Set([...this.sessions].map((s) => s.tsih));
    do this.tsihSeq = (this.tsihSeq % 0xffff) + 1;
    while (used.has(this.tsihSeq));
    return this.tsihSeq;
  }

  /** TargetAddress values for a node: "host:port,tpgt". */
  targetAddresses(node: TargetNode): string[] {
    const tpgt = node.cfg.portalGroupTag ?? 1;
    return (this.opts.addresses ?? this.portals).map((a) => (a.includes(",") ? a : `${a},${tpgt}`));
  }
}
