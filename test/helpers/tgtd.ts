/**
 * The test side of the private tgtd: src/cli/peers/tgtd.ts starts and stops it (the demo
 * uses it too); this adds the test-runner glue.
 */
import type { TestContext } from "node:test";
import { startTgtd, type Tgtd, type TgtdOptions } from "../../src/cli/peers/tgtd.js";

export * from "../../src/cli/peers/tgtd.js";

/**
 * Run `fn` with a fresh tgtd and stop it afterwards, whatever `fn` does. When `fn` throws,
 * tgtd's log goes to the test's diagnostics before the error is rethrown.
 *
 * @example
 * test("iscsi-ls lists the target", (t) => withTgtd(t, {}, async (tgtd) => {
 *   await tgtd.addTarget({ iqn: "iqn.2024-01.test:t1" });
 *   const { stdout } = await run("iscsi-ls", [tgtd.url()]);
 *   assert.match(stdout, /iqn.2024-01.test:t1/);
 * }));
 */
export async function withTgtd<T>(t: TestContext | undefined, opts: TgtdOptions, fn: (tgtd: Tgtd) => Promise<T>): Promise<T> {
  const tgtd = await startTgtd(opts);
  try {
    return await fn(tgtd);
  } catch (e) {
    t?.diagnostic(`tgtd log:\n${tgtd.log()}`);
    throw e;
  } finally {
    await tgtd.stop();
  }
}
