/**
 * Disconnect reasons (DESIGN.md §5, one closed list) in plain words: what happened, and
 * what it usually means, with the open-iscsi code an administrator may know it by.
 */
import type { DisconnectReason } from "../../probe/types.js";

export interface ReasonText {
  /** What happened, one short clause. */
  what: string;
  /** What it usually means, or what to look at. */
  hint: string;
  /** open-iscsi's kernel error code and name, when there is one. */
  openIscsi?: string;
}

/**
 * Every reason of the closed list, in words.
 *
 * @example
 * REASONS["target-closed"].openIscsi; // "1020 ISCSI_ERR_TCP_CONN_CLOSE"
 */
export const REASONS: Record<DisconnectReason, ReasonText> = {
  "user-logout": { what: "we logged out", hint: "an orderly end asked for on this side" },
  "target-logout-request": { what: "the target asked us to log out (Async Message 1)", hint: "target maintenance or a portal going away; the session logs in again" },
  "target-drop-connection": { what: "the target dropped this connection (Async Message 2)", hint: "target-side recovery or rebalancing" },
  "target-drop-all": { what: "the target dropped every connection of the session (Async Message 3)", hint: "target-side session reset" },
  "target-closed": { what: "the target closed the TCP connection", hint: "an admin action, a target restart or a failover: no Logout and no Async Message came first", openIscsi: "1020 ISCSI_ERR_TCP_CONN_CLOSE" },
  "connection-reset": { what: "the TCP connection was reset", hint: "the target or something on the path (firewall, load balancer) sent a RST", openIscsi: "1020 ISCSI_ERR_TCP_CONN_CLOSE" },
  "connect-failed": { what: "the TCP connect was refused or unreachable", hint: "target down, wrong portal, or a firewall" },
  "connect-timeout": { what: "the TCP connect timed out", hint: "no answer from the portal: routing or a dropped SYN" },
  "login-failed": { what: "the target refused the login", hint: "see the Status-Class/Detail: authentication, authorization, target not found or busy", openIscsi: "iscsiadm 5 / 24" },
  "login-timeout": { what: "the login did not complete in time", hint: "a slow or stuck target" },
  "nop-timeout": { what: "a NOP-Out ping got no answer in time", hint: "a busy target or a dead link: compare the time since the last receive with the NOP interval", openIscsi: "1022 ISCSI_ERR_NOP_TIMEDOUT" },
  "header-digest-error": { what: "a PDU header failed its CRC32C digest", hint: "corruption on the path (NIC offload, memory)", openIscsi: "1014 ISCSI_ERR_HDR_DGST" },
  "data-digest-error": { what: "a PDU's data failed its CRC32C digest", hint: "corruption on the path (NIC offload, memory)", openIscsi: "1015 ISCSI_ERR_DATA_DGST" },
  "protocol-error": { what: "the target broke the iSCSI protocol", hint: "see the detail: sequence numbers, task tags or PDU fields", openIscsi: "1008 ISCSI_ERR_PROTO" },
  "task-escalation": { what: "a command timed out and its abort and LUN reset failed too", hint: "a hung LUN on the target", openIscsi: "1021 ISCSI_ERR_SCSI_EH_SESSION_RST" },
  "replacement-timeout": { what: "the session could not come back before the replacement timeout", hint: "the target stayed unreachable; commands were failed", openIscsi: "1013 ISCSI_ERR_SESSION_FAILED" },
  "shutdown": { what: "the initiator shut down", hint: "an orderly end on this side" },
};

/**
 * The plain words for a reason name; unknown names (a newer producer) are shown as they are.
 *
 * @example
 * reasonText("nop-timeout").what; // "a NOP-Out ping got no answer in time"
 */
export function reasonText(reason: string): ReasonText {
  return (REASONS as Record<string, ReasonText>)[reason] ?? { what: reason, hint: "" };
}
