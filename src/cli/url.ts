/**
 * iSCSI URLs in libiscsi's form, `iscsi://[user@]host[:port]/target-iqn[/lun]`. A password
 * (`user%password@`) is refused: it would sit in the shell history and in every process
 * listing; secrets come from the environment or a 0600 file (see secrets.ts).
 */
import { parsePortal, type Portal } from "../initiator/options.js";
import { UsageError } from "./usage-error.js";

export interface IscsiUrl {
  portal: Portal;
  /** Empty when the URL names only a portal. */
  targetName: string;
  lun: number | undefined;
  /** CHAP user name given in the URL, if any. */
  user: string | undefined;
}

/**
 * @example
 * parseIscsiUrl("iscsi://127.0.0.1:3260/iqn.2026-11.test:t1/1");
 * // { portal: { host: "127.0.0.1", port: 3260 }, targetName: "iqn.2026-11.test:t1", lun: 1, user: undefined }
 */
export function parseIscsiUrl(text: string, need: { target?: boolean; lun?: boolean } = {}): IscsiUrl {
  const m = /^iscsi:\/\/(?:([^@/]*)@)?(\[[^\]]+\](?::\d+)?|[^/]+)(?:\/([^/]*))?(?:\/([^/]*))?\/?$/.exec(text);
  if (!m) throw new UsageError(`'${text}' is not an iSCSI URL: expected iscsi://host[:port]/target-iqn/lun`);
  const [, userinfo, hostport, target = "", lunText] = m;
  if (userinfo?.includes("%")) {
    throw new UsageError("a CHAP secret in the URL would show in process listings: set ISCSISCOPE_CHAP_SECRET or use --secrets FILE (mode 0600)");
  }
  let portal: Portal;
  try {
    portal = parsePortal(hostport);
  } catch (e) {
    throw new UsageError(`${(e as Error).message} in URL '${text}'`);
  }
  const targetName = decodeURIComponent(target);
  if (need.target && !targetName) throw new UsageError(`URL '${text}' names no target: iscsi://host[:port]/target-iqn/lun`);
  let lun: number | undefined;
  if (lunText !== undefined && lunText !== "") {
    lun = Number(lunText);
    if (!Number.isInteger(lun) || lun < 0 || lun > 16383) throw new UsageError(`LUN '${lunText}' in URL '${text}' is not a number from 0 to 16383`);
  }
  if (need.lun && lun === undefined) throw new UsageError(`URL '${text}' names no LUN: iscsi://host[:port]/target-iqn/lun`);
  return { portal, targetName, lun, user: userinfo ? decodeURIComponent(userinfo) : undefined };
}
