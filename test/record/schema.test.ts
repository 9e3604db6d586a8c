/**
 * Schema versions: a new file gets the current version; the migration framework brings an
 * older file forward one transaction per step (a test-only v2 stands in for the next
 * version) and rolls a failing step back; a file from a newer version, a foreign SQLite
 * file and an empty one are refused with RecordError ERR_RECORD_SCHEMA naming the file and
 * both versions, before anything is written to them.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { RecordError } from "../../src/errors.js";
import { ProbeBus } from "../../src/probe/bus.js";
import { openRecording } from "../../src/record/reader.js";
import { Recorder } from "../../src/record/recorder.js";
import { migrate, MIGRATIONS, SCHEMA_VERSION, schemaVersion, type Migration } from "../../src/record/schema.js";

let dir: string;
let n = 0;
before(() => { dir = mkdtempSync(join(tmpdir(), "iscsiscope-record-schema-")); });
after(() => rmSync(dir, { recursive: true, force: true }));

const fresh = (): string => join(dir, `db-${++n}.sqlite`);

const V2: Migration = {
  version: SCHEMA_VERSION + 1, description: "test-only: a note per task and a table of tags",
  sql: "ALTER TABLE tasks ADD COLUMN note TEXT; CREATE TABLE tags (id INTEGER PRIMARY KEY, tag TEXT NOT NULL);",
};

test("schema: a new file gets the current version, recorded in schema_migrations", async () => {
  const file = fresh();
  const rec = await Recorder.open(new ProbeBus(), file, { snapshotIntervalMs: 0 });
  await rec.close();
  const db = new Database(file, { readonly: true });
  assert.equal(schemaVersion(db), SCHEMA_VERSION);
  assert.deepEqual(db.prepare("SELECT version FROM schema_migrations").pluck().all(), MIGRATIONS.map((m) => m.version));
  assert.equal(db.pragma("journal_mode", { simple: true }), "wal");
  db.close();
});

test("schema: an older file migrates to the next version in place, its rows kept", async () => {
  const file = fresh();
  const rec = await Recorder.open(new ProbeBus(), file, { snapshotIntervalMs: 0, source: "pcap:old.pcap" });
  await rec.close();
  const db = new Database(file);
  assert.deepEqual(migrate(db, file, [...MIGRATIONS, V2]), { from: SCHEMA_VERSION, to: SCHEMA_VERSION + 1 });
  assert.equal(schemaVersion(db), SCHEMA_VERSION + 1);
  assert.equal(db.prepare("SELECT source FROM recordings").pluck().get(), "pcap:old.pcap");
  assert.ok((db.prepare("SELECT name FROM pragma_table_info('tasks')").pluck().all() as string[]).includes("note"));
  assert.deepEqual(db.prepare("SELECT version FROM schema_migrations ORDER BY version").pluck().all(), [...MIGRATIONS, V2].map((m) => m.version));
  assert.deepEqual(migrate(db, file, [...MIGRATIONS, V2]), { from: SCHEMA_VERSION + 1, to: SCHEMA_VERSION + 1 }, "a second run does nothing");
  db.close();
});

test("schema: a migration that fails is rolled back whole; the file keeps its version", () => {
  const file = fresh();
  const db = new Database(file);
  migrate(db, file);
  const broken: Migration = { version: SCHEMA_VERSION + 1, description: "broken", sql: "CREATE TABLE half (x); SELECT * FROM no_such_table;" };
  assert.throws(() => migrate(db, file, [...MIGRATIONS, broken]), /no such table/);
  assert.equal(schemaVersion(db), SCHEMA_VERSION);
  assert.equal(db.prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'half'").pluck().get(), 0);
  db.close();
});

/** A file claiming a schema version from the future. */
function newerFile(): string {
  const file = fresh();
  const db = new Database(file);
  migrate(db, file, [...MIGRATIONS, V2]);
  db.close();
  return file;
}

function isSchemaError(file: string, found: number | undefined, pattern: RegExp): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof RecordError, `a RecordError, got ${String(e)}`);
    assert.equal(e.code, "ERR_RECORD_SCHEMA");
    assert.equal(e.file, file);
    assert.equal(e.foundVersion, found);
    assert.equal(e.supportedVersion, SCHEMA_VERSION);
    assert.match(e.message, pattern);
    return true;
  };
}

test("schema: a file from a newer version is refused by the recorder with one typed error naming the file and both versions", async () => {
  const file = newerFile();
  const bus = new ProbeBus();
  const message = new RegExp(`${file.replace(/[.]/g, "\\.")}: recording schema version ${SCHEMA_VERSION + 1} is newer than version ${SCHEMA_VERSION}`);
  await assert.rejects(Recorder.open(bus, file), isSchemaError(file, SCHEMA_VERSION + 1, message));
  assert.equal(bus.module("initiator")["task:done"].hasSubscribers, false, "a refused recorder leaves no subscriber behind");
  const db = new Database(file, { readonly: true });
  assert.equal(db.prepare("SELECT count(*) FROM recordings").pluck().get(), 0, "nothing was written to it");
  db.close();
  await Recorder.open(bus, fresh()).then((r) => r.close()); // and the refusal released nothing it should not have
});

test("schema: the reader refuses a newer file, a foreign SQLite file and an empty one the same way", () => {
  const newer = newerFile();
  assert.throws(() => openRecording(newer), isSchemaError(newer, SCHEMA_VERSION + 1, /upgrade iscsiscope/));
  const foreign = fresh();
  const db = new Database(foreign);
  db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
  db.close();
  assert.throws(() => openRecording(foreign), isSchemaError(foreign, 0, /not an iscsiscope recording/));
  const empty = fresh();
  new Database(empty).close();
  assert.throws(() => openRecording(empty), isSchemaError(empty, 0, /empty database/));
});

test("schema: the recorder refuses a foreign SQLite file without touching it", async () => {
  const file = fresh();
  const db = new Database(file);
  db.exec("CREATE TABLE invoices (id INTEGER PRIMARY KEY)");
  db.close();
  await assert.rejects(Recorder.open(new ProbeBus(), file), isSchemaError(file, 0, /not an iscsiscope recording/));
  const again = new Database(file, { readonly: true });
  assert.deepEqual(again.prepare("SELECT name FROM sqlite_schema").pluck().all(), ["invoices"]);
  assert.equal(again.pragma("journal_mode", { simple: true }), "delete", "not even switched to WAL");
  again.close();
});
