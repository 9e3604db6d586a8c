/**
 * CHAP credentials from the environment or a secrets file that only its owner can read
 * (mode 0600, refused otherwise, as ssh refuses a readable private key). Never from argv.
 *
 * File format, `key = value` lines, `#` comments, optional `[target-iqn]` sections whose
 * values apply to that target only:
 *
 *   chap.user = initiator-name-for-chap
 *   chap.secret = ...
 *   [iqn.2026-11.example:disk1]
 *   chap.user = alice
 *   chap.secret = ...
 *   mutual.user = target-name-for-chap
 *   mutual.secret = ...
 */
import { readFileSync, statSync } from "node:fs";
import type { AuthOptions } from "../initiator/options.js";
import { UsageError } from "./usage-error.js";

const KEYS = new Set(["chap.user", "chap.secret", "mutual.user", "mutual.secret"]);

type Section = Partial<Record<"chap.user" | "chap.secret" | "mutual.user" | "mutual.secret", string>>;

/** Parsed secrets: the default section and one per target. */
export interface Secrets {
  defaults: Section;
  targets: Map<string, Section>;
}

/** Read a secrets file; every mistake is a UsageError naming file, line and key. */
export function readSecretsFile(path: string): Secrets {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot read the secrets file (${(e as NodeJS.ErrnoException).code})`, 1);
  }
  if ((st.mode & 0o077) !== 0) {
    throw new UsageError(`${path}: mode ${(st.mode & 0o777).toString(8)} lets others read the secrets; chmod 600 ${path}`, 1);
  }
  return parseSecrets(readFileSync(path, "utf8"), path);
}

export function parseSecrets(text: string, name: string): Secrets {
  const out: Secrets = { defaults: {}, targets: new Map() };
  let cur = out.defaults;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/^\s+|\s+$/g, "");
    if (line === "" || line.startsWith("#")) return;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      cur = {};
      out.targets.set(sec[1].trim(), cur);
      return;
    }
    const eq = line.indexOf("=");
    const key = (eq < 0 ? line : line.slice(0, eq)).trim();
    if (eq < 0) throw new UsageError(`${name}:${i + 1}: expected 'key = value'`, 1);
    if (!KEYS.has(key)) throw new UsageError(`${name}:${i + 1}: unknown key '${key}' (valid: ${[...KEYS].join(", ")})`, 1);
    cur[key as keyof Section] = line.slice(eq + 1).trim();
  });
  return out;
}

function fromSection(s: Section, where: string, userFromUrl = false): AuthOptions | undefined {
  if (!s["chap.secret"] && (userFromUrl || !s["chap.user"])) return undefined;
  if (!s["chap.user"] || !s["chap.secret"]) throw new UsageError(`${where}: chap.user and chap.secret go together`, 1);
  const auth: AuthOptions = { chap: { user: s["chap.user"], secret: s["chap.secret"] } };
  if (s["mutual.user"] || s["mutual.secret"]) {
    if (!s["mutual.secret"]) throw new UsageError(`${where}: mutual.user needs mutual.secret`, 1);
    auth.mutual = { user: s["mutual.user"] ?? "", secret: s["mutual.secret"] };
  }
  return auth;
}

/**
 * The credentials for `targetName`: the file's target section, else its defaults, else the
 * environment (ISCSISCOPE_CHAP_USER/SECRET, ISCSISCOPE_MUTUAL_USER/SECRET, or libiscsi's
 * LIBISCSI_CHAP_USERNAME/PASSWORD and LIBISCSI_CHAP_TARGET_USERNAME/PASSWORD). A user name
 * from the URL overrides the one found.
 */
export function credentialsFor(targetName: string, opts: { secretsFile?: string; urlUser?: string; env?: NodeJS.ProcessEnv } = {}): AuthOptions | undefined {
  const env = opts.env ?? process.env;
  let auth: AuthOptions | undefined;
  if (opts.secretsFile) {
    const s = readSecretsFile(opts.secretsFile);
    auth = fromSection(s.targets.get(targetName) ?? {}, `${opts.secretsFile} [${targetName}]`) ?? fromSection(s.defaults, opts.secretsFile);
  }
  auth ??= fromSection({
    "chap.user": opts.urlUser ?? env.ISCSISCOPE_CHAP_USER ?? env.LIBISCSI_CHAP_USERNAME,
    "chap.secret": env.ISCSISCOPE_CHAP_SECRET ?? env.LIBISCSI_CHAP_PASSWORD,
    "mutual.user": env.ISCSISCOPE_MUTUAL_USER ?? env.LIBISCSI_CHAP_TARGET_USERNAME,
    "mutual.secret": env.ISCSISCOPE_MUTUAL_SECRET ?? env.LIBISCSI_CHAP_TARGET_PASSWORD,
  }, "environment", opts.urlUser !== undefined);
  if (opts.urlUser) {
    if (!auth?.chap) throw new UsageError(`CHAP user '${opts.urlUser}' given but no secret: set ISCSISCOPE_CHAP_SECRET or use --secrets FILE`, 1);
    auth.chap.user = opts.urlUser;
  }
  return auth;
}
