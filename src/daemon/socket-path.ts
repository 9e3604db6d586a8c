/**
 * Where the control socket lives, and taking it: a live daemon on the path is refused, a
 * stale socket file (its daemon gone) is removed, anything else there is an error. The
 * socket is created mode 0600: only its owner may talk to the daemon.
 */
import { connect, createServer, type Server, type Socket } from "node:net";
import { chmodSync, existsSync, lstatSync, mkdirSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { IscsiError } from "../errors.js";

/**
 * The socket path: the one given, else $XDG_RUNTIME_DIR/iscsiscope/control.sock, else
 * /run/iscsiscope/control.sock for root, else <tmpdir>/iscsiscope-<uid>/control.sock.
 */
export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ISCSISCOPE_SOCKET) return env.ISCSISCOPE_SOCKET;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, "iscsiscope", "control.sock");
  if (process.getuid?.() === 0) return "/run/iscsiscope/control.sock";
  return join(tmpdir(), `iscsiscope-${process.getuid?.() ?? "user"}`, "control.sock");
}

/** Is a daemon answering on `path`? */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s: Socket = connect(path);
    s.once("connect", () => { s.destroy(); resolve(true); });
    s.once("error", () => resolve(false));
  });
}

/** Listen on `path` (mode 0600), refusing a live daemon and removing a stale socket. */
export async function listenOnSocket(path: string, onConnection: (s: Socket) => void): Promise<Server> {
  if (existsSync(path)) {
    const st = lstatSync(path);
    if (!st.isSocket()) throw new IscsiError("ERR_SOCKET_TAKEN", `${path} exists and is not a socket; choose another --socket`);
    if (await answers(path)) throw new IscsiError("ERR_SOCKET_TAKEN", `a daemon is already running on ${path}`);
    unlinkSync(path); // stale: its daemon is gone
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const server = createServer(onConnection);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (e: NodeJS.ErrnoException) => reject(new IscsiError("ERR_SOCKET_TAKEN", `cannot listen on ${path}: ${e.code ?? e.message}`)));
    const old = process.umask(0o177); // the socket file is created by bind(2), inside listen()
    try {
      server.listen(path, () => resolve());
    } finally {
      process.umask(old);
    }
  });
  chmodSync(path, 0o600);
  return server;
}
