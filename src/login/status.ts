/**
 * Login Response Status-Class / Status-Detail names (RFC 7143 §11.13.5), as Wireshark,
 * libiscsi and open-iscsi print them, and what an initiator should do about each class.
 * open-iscsi issue #190 is the reason this exists: 0x0302 "Out of resources" was reported as
 * an authentication failure. Always show the code and the name together.
 */

/** One known status. */
export interface LoginStatus {
  /** (Status-Class << 8) | Status-Detail, e.g. 0x0201. */
  readonly code: number;
  readonly name: string;
}

/**
 * Every status RFC 7143 §11.13.5 defines.
 *
 * @example
 * LOGIN_STATUSES.filter((s) => s.code >> 8 === 3).map((s) => s.name); // the target errors
 */
export const LOGIN_STATUSES: readonly LoginStatus[] = [
  { code: 0x0000, name: "Success" },
  { code: 0x0101, name: "Target moved temporarily" },
  { code: 0x0102, name: "Target moved permanently" },
  { code: 0x0200, name: "Initiator error (miscellaneous)" },
  { code: 0x0201, name: "Authentication failure" },
  { code: 0x0202, name: "Authorization failure (forbidden)" },
  { code: 0x0203, name: "Target not found" },
  { code: 0x0204, name: "Target removed" },
  { code: 0x0205, name: "Unsupported version" },
  { code: 0x0206, name: "Too many connections" },
  { code: 0x0207, name: "Missing parameter" },
  { code: 0x0208, name: "Can't include in session" },
  { code: 0x0209, name: "Session type not supported" },
  { code: 0x020a, name: "Session does not exist" },
  { code: 0x020b, name: "Invalid request during login" },
  { code: 0x0300, name: "Target error (miscellaneous)" },
  { code: 0x0301, name: "Service unavailable" },
  { code: 0x0302, name: "Out of resources" },
];

const NAMES = new Map(LOGIN_STATUSES.map((s) => [s.code, s.name]));
const CLASS_NAMES = ["success", "redirection", "initiator error", "target error"];

/**
 * The name of a login status; unknown details name their class.
 *
 * @example
 * loginStatusName(2, 1);    // "Authentication failure"
 * loginStatusName(2, 0xff); // "Unknown (initiator error class)"
 * loginStatusName(9, 0);    // "Unknown (reserved class)"
 */
export function loginStatusName(statusClass: number, statusDetail: number): string {
  const name = NAMES.get(((statusClass & 0xff) << 8) | (statusDetail & 0xff));
  if (name !== undefined) return name;
  return `Unknown (${CLASS_NAMES[statusClass] ?? "reserved"} class)`;
}

/**
 * Hex code and name, the way a log line should show it.
 *
 * @example
 * formatLoginStatus(2, 1);    // "0x0201 Authentication failure"
 * formatLoginStatus(2, 0xff); // "0x02ff Unknown (initiator error class)"
 */
export function formatLoginStatus(statusClass: number, statusDetail: number): string {
  const hex = (((statusClass & 0xff) << 8) | (statusDetail & 0xff)).toString(16).padStart(4, "0");
  return `0x${hex} ${loginStatusName(statusClass, statusDetail)}`;
}

/**
 * What to do after a login status (RFC 7143 §11.13.5):
 * - `proceed`: class 0, the login goes on.
 * - `redirect`: class 1, log in again at the TargetAddress the response carries
 *   (0x0102: and use that address from now on).
 * - `fail`: class 2, an initiator error; retrying unchanged fails again. Also for classes
 *   the RFC does not define.
 * - `retry`: class 3, a target error; the same login may succeed later.
 */
export type LoginStatusAction = "proceed" | "redirect" | "fail" | "retry";

/**
 * The action for a Status-Class.
 *
 * @example
 * loginStatusAction(3); // "retry"  (0x0301 Service unavailable, 0x0302 Out of resources)
 * loginStatusAction(2); // "fail"   (do not retry unchanged)
 */
export function loginStatusAction(statusClass: number): LoginStatusAction {
  switch (statusClass) {
    case 0: return "proceed";
    case 1: return "redirect";
    case 3: return "retry";
    default: return "fail";
  }
}
