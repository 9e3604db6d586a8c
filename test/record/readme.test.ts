/**
 * src/record/README.md stays true: every example query runs in the sqlite3 shell (as a user
 * pastes it) and through better-sqlite3 on a real recording and returns sensible rows, and
 * every table and column of the schema is documented.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { repoRoot } from "../helpers/paths.js";
import { recordScenario, CHAP, dropAs, type Recorded } from "./scenario.js";

type Row = Record<string, unknown>;

const README = readFileSync(join(repoRoot, "src/record/README.md"), "utf8");

/** The ```sql blocks of the README, by the name in their first line (`-- name`). */
function queries(): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of README.matchAll(/```sql\n(-- ([a-z-]+)\n[\s\S]*?)```/g)) out.set(m[2], m[1]);
  return out;
}

let dir: string;
let rec: Recorded;
let db: Database.Database;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "iscsiscope-record-readme-"));
  rec = await recordScenario(dir);
  rec.stats.close();
  db = new Database(rec.file, { readonly: true });
});

after(() => {
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Run `sql` in the sqlite3 shell, JSON output. */
function shell(sql: string): Row[] {
  const r = spawnSync("sqlite3", ["-readonly", "-json", rec.file], { input: sql, encoding: "utf8" });
  if (r.error) throw new Error(`sqlite3 could not run (${r.error.message}): as root, apt-get install sqlite3 installs it`);
  assert.equal(r.status, 0, `sqlite3 failed: ${r.stderr}`);
  return r.stdout.trim() === "" ? [] : (JSON.parse(r.stdout) as Row[]);
}

const tasks = (): number => Number(db.prepare("SELECT count(*) FROM tasks").pluck().get());
const sum = (rows: Row[], k: string): number => rows.reduce((a, r) => a + Number(r[k]), 0);

/** What each documented query must return on the scenario's recording. */
const EXPECT: Record<string, (rows: Row[]) => void> = {
  "slowest-commands": (rows) => {
    assert.equal(rows.length, 10);
    for (let i = 1; i < rows.length; i++) assert.ok(Number(rows[i - 1].latency_ms) >= Number(rows[i].latency_ms));
    assert.ok(Number(rows[0].latency_ms) > 1000, "the commands caught by the drop waited for the recovery");
  },
  "disconnects-by-reason": (rows) => {
    assert.deepEqual(rows.map((r) => dropAs(r.reason)).sort(), ["dropped", "login-failed", "user-logout"]);
    assert.equal(rows.find((r) => r.reason === "user-logout")?.n, 2);
  },
  "latency-per-lun-per-minute": (rows) => {
    assert.equal(sum(rows, "ios"), tasks());
    for (const r of rows) assert.ok(Number(r.avg_ms) <= Number(r.max_ms) && /^\d{4}-\d\d-\d\d \d\d:\d\d$/.test(String(r.minute)));
  },
  "latency-percentiles": (rows) => {
    assert.equal(sum(rows, "ios"), tasks());
    for (const r of rows) assert.ok(Number(r.p50_us) <= Number(r.p90_us) && Number(r.p90_us) <= Number(r.p99_us) && Number(r.p99_us) <= Number(r.max_us));
    assert.ok(rows.some((r) => r.op_name === "Read(10)" && Number(r.ios) > 8));
  },
  "disconnect-context": (rows) => {
    assert.equal(rows.length, 4);
    assert.equal(rows.filter((r) => dropAs(r.reason) === "dropped").length, 1);
  },
  "login-failures": (rows) => {
    assert.equal(rows.length, 1);
    assert.equal(rows[0].status, "0x0201 Authentication failure");
    assert.equal(rows[0].reason, "login-failed");
  },
  "negotiated-keys": (rows) => {
    assert.ok(rows.some((r) => r.key === "HeaderDigest" && r.result === "None"));
    assert.ok(rows.some((r) => r.key === "CHAP_N" && r.offered === CHAP.user));
    assert.ok(rows.filter((r) => r.key === "CHAP_R" || r.key === "CHAP_C").every((r) => [r.offered, r.answered, r.result].every((v) => v === null || v === "<redacted>")));
  },
  "session-timeline": (rows) => {
    const rfc = rows.filter((r) => r.object === "session").map((r) => r.rfc);
    assert.deepEqual(rfc, ["N1", "N5", "N4", "N3"]);
    assert.ok(rows.some((r) => r.object === "conn" && r.rfc === "T15"));
  },
  "failed-commands": (rows) => {
    assert.ok(rows.some((r) => r.sense_key_name === "ILLEGAL REQUEST" && /LOGICAL BLOCK ADDRESS OUT OF RANGE/.test(String(r.asc_name))));
    assert.ok(rows.every((r) => r.status_name !== "GOOD"));
  },
  "what-went-wrong": (rows) => {
    const what = rows.map((r) => String(r.what));
    for (const w of ["recovery attempt 1", "login 0x0201 Authentication failure", "disconnect login-failed"]) {
      assert.ok(what.includes(w), `${w} in ${what.join(" | ")}`);
    }
    assert.ok(what.some((w) => w.startsWith("disconnect ") && dropAs(w.slice(11)) === "dropped"));
    assert.ok(!what.includes("disconnect user-logout"));
  },
  "iostat-from-snapshots": (rows) => {
    assert.ok(rows.length >= 3);
    assert.ok(rows.some((r) => Number(r.r_s) > 0), "some interval had reads");
  },
  recordings: (rows) => {
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0].source, rows[0].commands, rows[0].dropped], ["live", tasks(), 0]);
    assert.notEqual(rows[0].seconds, "not closed");
  },
};

test("README: every example query has an expectation here, and every expectation a query", () => {
  assert.deepEqual([...queries().keys()].sort(), Object.keys(EXPECT).sort());
});

for (const [name, check] of Object.entries(EXPECT)) {
  test(`README query '${name}' returns sensible rows in the sqlite3 shell and in better-sqlite3`, () => {
    const sql = queries().get(name);
    assert.ok(sql, `no query named ${name} in README.md`);
    const rows = shell(sql);
    check(rows);
    assert.equal(db.prepare(sql).all().length, rows.length);
  });
}

/** Column names listed in the README tables of the section headed by `table` (or a heading naming it). */
function documentedColumns(table: string): Set<string> {
  const cols = new Set<string>();
  for (const section of README.split(/^### /m)) {
    const heading = section.split("\n")[0];
    if (!heading.includes(`\`${table}\``)) continue;
    for (const m of section.matchAll(/^\| ([a-z_0-9]+) \| [A-Z]+ \|/gm)) cols.add(m[1]);
  }
  return cols;
}

test("README: every table and column of the schema is documented", () => {
  const tables = db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").pluck().all() as string[];
  assert.ok(tables.length >= 15);
  for (const table of tables) {
    const documented = documentedColumns(table);
    assert.ok(documented.size > 0, `table ${table} has no section in README.md`);
    for (const col of db.prepare(`SELECT name FROM pragma_table_xinfo('${table}')`).pluck().all() as string[]) {
      assert.ok(documented.has(col), `${table}.${col} is not documented in README.md`);
    }
  }
});
