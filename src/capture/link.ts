/**
 * Link layers: where the IP header starts in a frame, for the link types iSCSI captures come
 * in (tcpdump's LINKTYPE_* numbers, https://www.tcpdump.org/linktypes.html).
 */

/**
 * LINKTYPE_* values read here.
 *
 * @example
 * summary.linkTypes.includes(LinkType.LINUX_SLL2); // captured with tcpdump -i any
 */
export const LinkType = {
  NULL: 0,            // BSD loopback: 4-byte address family in the writer's byte order
  ETHERNET: 1,
  RAW_DLT12: 12,      // DLT_RAW as most platforms number it
  RAW_DLT14: 14,      // DLT_RAW on OpenBSD
  RAW: 101,
  LOOP: 108,          // OpenBSD loopback: address family in network byte order
  LINUX_SLL: 113,
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276,
} as const;

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;
/** 802.1Q, 802.1ad (QinQ) and the pre-standard QinQ tags. */
const VLAN_TAGS = new Set([0x8100, 0x88a8, 0x9100, 0x9200]);
const MAX_VLAN_TAGS = 8;
const AF_INET = 2;
/** AF_INET6 on Linux, Windows, NetBSD/OpenBSD, FreeBSD, Darwin. */
const AF_INET6 = new Set([10, 23, 24, 28, 30]);

/** Not an IP packet (or a link type we do not read). */
export const NOT_IP = -1;

/**
 * Where the IP packet of a frame starts and which IP version it is, packed as
 * `offset | version << 24` (no allocation per frame), or {@link NOT_IP}.
 *
 * @example
 * const r = ipStart(LinkType.ETHERNET, frame);
 * if (r !== NOT_IP) parseIp(frame, r & 0xffffff, r >>> 24);
 */
export function ipStart(linkType: number, d: Uint8Array): number {
  switch (linkType) {
    case LinkType.ETHERNET: return ethernet(d, 12);
    case LinkType.LINUX_SLL: return d.length < 16 ? NOT_IP : etherPayload(d, (d[14] << 8) | d[15], 16);
    case LinkType.LINUX_SLL2: return d.length < 20 ? NOT_IP : etherPayload(d, (d[0] << 8) | d[1], 20);
    case LinkType.NULL: return d.length < 4 ? NOT_IP : family(hostOrderFamily(d), 4);
    case LinkType.LOOP: return d.length < 4 ? NOT_IP : family(((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0, 4);
    case LinkType.RAW: case LinkType.RAW_DLT12: case LinkType.RAW_DLT14:
    case LinkType.IPV4: case LinkType.IPV6:
      return d.length < 1 ? NOT_IP : byVersion(d, 0);
    default: return NOT_IP;
  }
}

/** Ethernet II from the EtherType field at `typeAt`, through any number of VLAN tags. */
function ethernet(d: Uint8Array, typeAt: number): number {
  if (d.length < typeAt + 2) return NOT_IP;
  return etherPayload(d, (d[typeAt] << 8) | d[typeAt + 1], typeAt + 2);
}

function etherPayload(d: Uint8Array, etherType: number, at: number): number {
  let type = etherType;
  let o = at;
  for (let tags = 0; VLAN_TAGS.has(type); tags++) {
    if (tags === MAX_VLAN_TAGS || d.length < o + 4) return NOT_IP;
    type = (d[o + 2] << 8) | d[o + 3];
    o += 4;
  }
  if (type === ETHERTYPE_IPV4) return o | (4 << 24);
  if (type === ETHERTYPE_IPV6) return o | (6 << 24);
  return NOT_IP;
}

/** LINKTYPE_NULL's family is in the byte order of the machine that wrote it: values are small, so a large one is swapped. */
function hostOrderFamily(d: Uint8Array): number {
  const le = (d[0] | (d[1] << 8) | (d[2] << 16) | (d[3] << 24)) >>> 0;
  if (le <= 0xffff) return le;
  return ((d[0] << 24) | (d[1] << 16) | (d[2] << 8) | d[3]) >>> 0;
}

function family(af: number, at: number): number {
  if (af === AF_INET) return at | (4 << 24);
  if (AF_INET6.has(af)) return at | (6 << 24);
  return NOT_IP;
}

/** Raw IP: the version nibble says which. */
function byVersion(d: Uint8Array, at: number): number {
  const v = d[at] >> 4;
  return v === 4 || v === 6 ? at | (v << 24) : NOT_IP;
}
