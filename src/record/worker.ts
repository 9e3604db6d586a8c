/**
 * The recorder's worker thread: opens the database (WAL, synchronous=NORMAL), migrates the
 * schema, refuses a file another live process is writing, adds the recording row, then
 * commits each batch it is posted in one transaction and acknowledges it. On "close" it
 * marks the recording ended, checkpoints the WAL into the database and exits.
 *
 * Errors at open are posted as a message (the main side turns them into RecordError); an
 * error later is thrown, so the Worker's "error" event carries it to the main side.
 */
import { parentPort, workerData } from "node:worker_threads";
import Database from "better-sqlite3";
import { RecordError } from "../errors.js";
import type { MainMessage, WorkerMessage } from "./layout.js";
import { checkSchema, migrate } from "./schema.js";
import { RecordingWriter } from "./write.js";

/** What the main side passes to the worker. */
export interface WorkerInit {
  file: string;
  source: string;
  module: string | null;
  host: string;
  toolVersion: string;
  pid: number;
  startedT: bigint;
  options: string;
}

function post(m: WorkerMessage): void {
  parentPort!.postMessage(m);
}

/** Another process on this host with the same file open for recording and still alive. */
function liveWriter(db: Database.Database, host: string): number | undefined {
  const pids = db.prepare("SELECT pid FROM recordings WHERE ended_t IS NULL AND host = ?").pluck().all(host) as number[];
  for (const pid of pids) {
    if (pid === process.pid) continue; // this process: the main side keeps one recorder per file
    try {
      process.kill(pid, 0);
      return pid;
    } catch {
      // ESRCH: a recorder that died without closing; its rows stay, its ids are below ours.
    }
  }
  return undefined;
}

function open(init: WorkerInit): { db: Database.Database; writer: RecordingWriter } {
  const db = new Database(init.file);
  try {
    checkSchema(db, init.file); // before anything is written: a refused file stays as it was
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    migrate(db, init.file);
    const busy = liveWriter(db, init.host);
    if (busy !== undefined) {
      throw new RecordError("ERR_RECORD_BUSY", init.file, `${init.file}: process ${busy} is recording into this file; use another file`);
    }
    const id = db.prepare(`INSERT INTO recordings (source, module, host, tool_version, pid, started_t, options)
      VALUES (@source, @module, @host, @toolVersion, @pid, @startedT, @options)`).run(init).lastInsertRowid;
    return { db, writer: new RecordingWriter(db, Number(id)) };
  } catch (e) {
    db.close();
    throw e;
  }
}

function main(): void {
  const init = workerData as WorkerInit;
  let opened: ReturnType<typeof open>;
  try {
    opened = open(init);
  } catch (e) {
    const err = e instanceof RecordError ? e : undefined;
    post({
      type: "error", code: err?.code ?? "ERR_RECORD_WORKER", message: e instanceof Error ? e.message : String(e),
      foundVersion: err?.foundVersion, supportedVersion: err?.supportedVersion,
    });
    parentPort!.close();
    return;
  }
  const { db, writer } = opened;
  post({ type: "ready", recordingId: writer.recordingId });
  parentPort!.on("message", (m: MainMessage) => {
    if (m.type === "batch") {
      try {
        writer.writeBatch(m.batch);
      } catch (e) {
        // Rethrown as a plain Error: SqliteError's code and message would not survive the thread boundary.
        const x = e as { code?: string; message?: string };
        throw new Error(`batch ${m.batch.seq}: ${x.code ?? "error"}: ${x.message ?? String(e)}`);
      }
      const { nums, bigs } = m.batch;
      parentPort!.postMessage({ type: "ack", seq: m.batch.seq, records: m.batch.records, nums, bigs } satisfies WorkerMessage,
        [nums.buffer as ArrayBuffer, bigs.buffer as ArrayBuffer]);
    } else if (m.type === "close") {
      writer.end(m.endedT);
      db.pragma("wal_checkpoint(TRUNCATE)");
      db.close();
      post({ type: "closed" });
      parentPort!.close();
    } else if (m.type === "crash") {
      throw new Error("recorder worker: crash requested (test hook)");
    }
  });
}

main();
