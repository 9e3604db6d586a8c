/**
 * The package's entry point (package.json "main"/"exports") loads and offers the library's
 * public surface: the initiator, the bus and its catalog, the counters, the recorder and its
 * reader, the capture reader and the replay, the daemon's client, the errors.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./helpers/paths.js";

test("package entry point: main resolves and exports the public surface", async () => {
  const pkg = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { main: string; exports: Record<string, string> };
  assert.equal(pkg.exports["."], pkg.main);
  const m = (await import(join(repoRoot, pkg.main))) as Record<string, unknown>;
  for (const name of ["Initiator", "ScsiSession", "ProbeBus", "defaultBus", "CATALOG", "PROBE_KEYS", "IscsiStats", "Recorder", "openRecording",
    "readEvents", "readSnapshots", "report", "readCapture", "decodeCapture", "replayCapture", "Replay", "DaemonClient", "IscsiError", "CaptureError",
    "RecordError", "TOOL_VERSION"]) {
    assert.ok(m[name] !== undefined, `${name} exported`);
  }
  assert.match(String(m.TOOL_VERSION), /^\d+\.\d+\.\d+/);
});
