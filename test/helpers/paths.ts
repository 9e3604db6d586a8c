/** Paths of the repository, valid from the compiled tests under dist/test/. */
import { fileURLToPath } from "node:url";
import { dirname, join, resolve } from "node:path";

/** The repository root (dist/test/helpers -> ../../..). */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/** A path under fixtures/. */
export function fixturePath(...parts: string[]): string {
  return join(repoRoot, "fixtures", ...parts);
}
