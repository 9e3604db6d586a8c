/**
 * The one place a command's outcome becomes an exit code: a user's mistake (UsageError) or a
 * failure iSCSI reported (login refused, unreachable portal, aborted command) is one line on
 * stderr and a non-zero exit; anything else is a bug, reported as such (the stack only with
 * ISCSISCOPE_DEBUG=1).
 */
import { IscsiError } from "../errors.js";
import { helpText, parseCommand, type CommandSpec, type Parsed } from "./args.js";
import { UsageError } from "./usage-error.js";

export interface Command {
  spec: CommandSpec;
  run(p: Parsed): Promise<number>;
}

/** Run one command with its argv; resolves with the exit code. */
export async function runCommand(prog: string, cmd: Command, argv: string[]): Promise<number> {
  endOnClosedStdout();
  try {
    const parsed = parseCommand(cmd.spec, argv);
    if (parsed.values.help) {
      process.stdout.write(helpText(cmd.spec));
      return 0;
    }
    return await cmd.run(parsed);
  } catch (e) {
    return report(prog, e);
  }
}

let stdoutGuarded = false;

/**
 * A reader that goes away (`iscsiscope bench --json | head -c 80`) ends the command quietly,
 * as SIGPIPE ends iostat, instead of an EPIPE stack trace. A command that streams through
 * StdoutLines (its own "error" listener) stops its output itself and finishes its work; one
 * that cleans up on SIGTERM (the demo stops its tgtd) is ended the way SIGTERM ends it.
 */
function endOnClosedStdout(): void {
  if (stdoutGuarded) return;
  stdoutGuarded = true;
  let ending = false;
  process.stdout.on("error", (e: NodeJS.ErrnoException) => {
    if (e.code !== "EPIPE" && e.code !== "ERR_STREAM_DESTROYED") throw e;
    if (ending || process.stdout.listenerCount("error") > 1) return;
    ending = true;
    if (process.listenerCount("SIGTERM") > 0) process.emit("SIGTERM", "SIGTERM");
    else process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
  });
}

/** Print an error as one line; returns the exit code. */
export function report(prog: string, e: unknown): number {
  if (e instanceof UsageError) {
    console.error(`${prog}: ${e.message}`);
    return e.exitCode;
  }
  if (e instanceof IscsiError || e instanceof RangeError) {
    console.error(`${prog}: ${e.message}`);
    return 1;
  }
  console.error(`${prog}: internal error: ${e instanceof Error ? e.message : String(e)}`);
  if (process.env.ISCSISCOPE_DEBUG && e instanceof Error) console.error(e.stack);
  return 70;
}

/** Pick the command named by `word`, allowing any unique prefix (iscsictl's parser). */
export function pickCommand(prog: string, commands: Command[], word: string | undefined): Command {
  const names = commands.map((c) => c.spec.name);
  if (word === undefined) throw new UsageError(`missing command; valid commands: ${names.join(", ")} (${prog} COMMAND --help)`);
  const exact = commands.find((c) => c.spec.name === word);
  if (exact) return exact;
  const matches = commands.filter((c) => c.spec.name.startsWith(word));
  if (matches.length === 1) return matches[0];
  throw new UsageError(`${matches.length > 1 ? "ambiguous" : "unknown"} command '${word}'; valid commands: ${names.join(", ")}`);
}

/** Set the exit code and let the event loop drain (stdout flushed), with a hard stop. */
export function exitWith(code: number): void {
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}
