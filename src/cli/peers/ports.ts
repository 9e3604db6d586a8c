/**
 * TCP ports for peers started by tests: one that is free now, and a check that a portal
 * accepts connections.
 */
import { connect, createServer } from "node:net";

/**
 * A port nobody listens on at this moment on `host`: bind port 0, read the port the kernel
 * chose, close. Whoever binds it next may still lose a race for it; callers retry.
 *
 * @example
 * const port = await freePort("127.0.0.1");
 */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/**
 * Resolve once a TCP connection to `portal` ("127.0.0.1:3260", "[::1]:3260") is accepted
 * (then close it); reject with the connection error.
 *
 * @example
 * await probeTcp(`[::1]:${port}`);
 */
export function probeTcp(portal: string): Promise<void> {
  const i = portal.lastIndexOf(":");
  const host = portal.slice(0, i).replace(/^\[|\]$/g, "");
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port: Number(portal.slice(i + 1)) });
    socket.once("connect", () => socket.end(resolve));
    socket.once("error", reject);
  });
}
