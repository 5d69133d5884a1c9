import { DecodeResult, type DecodedPacket } from './packet.js';

export const LINKTYPE_NULL = 0;
export const LINKTYPE_ETHERNET = 1;
/** DLT_RAW as it was numbered on most BSDs (12) and on OpenBSD (14) before LINKTYPE_RAW existed. */
export const DLT_RAW_12 = 12;
export const DLT_RAW_14 = 14;
export const LINKTYPE_RAW = 101;
export const LINKTYPE_LOOP = 108;
export const LINKTYPE_LINUX_SLL = 113;
export const LINKTYPE_IPV4 = 228;
export const LINKTYPE_IPV6 = 229;
export const LINKTYPE_LINUX_SLL2 = 276;

export const ETHERTYPE_IPV4 = 0x0800;
export const ETHERTYPE_ARP = 0x0806;
export const ETHERTYPE_IPV6 = 0x86dd;
export const ETHERTYPE_VLAN = 0x8100;
export const ETHERTYPE_QINQ = 0x88a8;
/** Pre-standard QinQ TPID some switches still send. */
export const ETHERTYPE_QINQ_OLD = 0x9100;

/** BSD address family values for IPv6 differ per OS: NetBSD/OpenBSD, FreeBSD, Darwin. */
export const AF_INET = 2;
export const AF_INET6_BSD = 24;
export const AF_INET6_FREEBSD = 28;
export const AF_INET6_DARWIN = 30;

export const SUPPORTED_LINK_TYPES: readonly number[] = [
  LINKTYPE_NULL,
  LINKTYPE_ETHERNET,
  DLT_RAW_12,
  DLT_RAW_14,
  LINKTYPE_RAW,
  LINKTYPE_LOOP,
  LINKTYPE_LINUX_SLL,
  LINKTYPE_IPV4,
  LINKTYPE_IPV6,
  LINKTYPE_LINUX_SLL2,
];

const ETHERNET_HEADER = 14;
const VLAN_TAG = 4;
const SLL_HEADER = 16;
const SLL2_HEADER = 20;
const NULL_HEADER = 4;
/** Largest 802.3 length field; bigger values are EtherTypes (IEEE 802.3 clause 3.2.6). */
const MAX_8023_LENGTH = 1500;

/**
 * decodeLink's failure values are negative so that a network-layer offset (>= 0) can be
 * returned without allocating: failure = -1 - DecodeResult.
 */
export function linkFailure(result: DecodeResult): number {
  return -1 - result;
}

export function linkFailureResult(value: number): DecodeResult {
  return (-1 - value) as DecodeResult;
}

/**
 * Strips the link header of the frame at buf[start, end). Returns the offset of the network
 * header and sets out.ipVersion to 4 or 6, or to 0 when the frame carries something other
 * than IP; returns linkFailure(...) when the header is cut short or the link type unknown.
 * Records the VLAN stack in out.vlanId / out.vlanDepth.
 */
export function decodeLink(buf: Uint8Array, start: number, end: number, linkType: number, out: DecodedPacket): number {
  switch (linkType) {
    case LINKTYPE_ETHERNET:
      if (start + ETHERNET_HEADER > end) return linkFailure(DecodeResult.Truncated);
      return decodeEtherType(buf, (buf[start + 12] << 8) | buf[start + 13], start + ETHERNET_HEADER, end, out);
    case LINKTYPE_LINUX_SLL:
      // libpcap re-inserts VLAN tags the kernel stripped after the cooked header, with the
      // protocol field set to the TPID, so tags are read here as on Ethernet.
      if (start + SLL_HEADER > end) return linkFailure(DecodeResult.Truncated);
      return decodeEtherType(buf, (buf[start + 14] << 8) | buf[start + 15], start + SLL_HEADER, end, out);
    case LINKTYPE_LINUX_SLL2:
      // SLL2 moved the protocol field to the front of its header.
      if (start + SLL2_HEADER > end) return linkFailure(DecodeResult.Truncated);
      return decodeEtherType(buf, (buf[start] << 8) | buf[start + 1], start + SLL2_HEADER, end, out);
    case LINKTYPE_RAW:
    case DLT_RAW_12:
    case DLT_RAW_14: {
      if (start >= end) return linkFailure(DecodeResult.Truncated);
      const version = buf[start] >> 4;
      // Raw IP has nothing but IP to carry, so another version number is a broken packet.
      if (version !== 4 && version !== 6) return linkFailure(DecodeResult.Malformed);
      out.ipVersion = version;
      return start;
    }
    case LINKTYPE_IPV4:
      out.ipVersion = 4;
      return start;
    case LINKTYPE_IPV6:
      out.ipVersion = 6;
      return start;
    case LINKTYPE_NULL: {
      if (start + NULL_HEADER > end) return linkFailure(DecodeResult.Truncated);
      // The family is in the capturing host's byte order, which the file does not record.
      // Family values are small, so whichever end holds the non-zero byte is the low end.
      const family =
        buf[start] !== 0 || buf[start + 1] !== 0
          ? buf[start] | (buf[start + 1] << 8)
          : buf[start + 3] | (buf[start + 2] << 8);
      out.ipVersion = ipVersionOfFamily(family);
      return start + NULL_HEADER;
    }
    case LINKTYPE_LOOP: {
      if (start + NULL_HEADER > end) return linkFailure(DecodeResult.Truncated);
      const family = ((buf[start] << 24) | (buf[start + 1] << 16) | (buf[start + 2] << 8) | buf[start + 3]) >>> 0;
      out.ipVersion = ipVersionOfFamily(family);
      return start + NULL_HEADER;
    }
    default:
      return linkFailure(DecodeResult.UnsupportedLink);
  }
}

/** Follows `etherType` through any stack of VLAN tags starting at `next`. */
function decodeEtherType(buf: Uint8Array, etherType: number, next: number, end: number, out: DecodedPacket): number {
  while (isVlanTpid(etherType)) {
    // Each tag is TCI (PCP/DEI/VID) then the next EtherType.
    if (next + VLAN_TAG > end) return linkFailure(DecodeResult.Truncated);
    if (out.vlanDepth === 0) out.vlanId = ((buf[next] & 0x0f) << 8) | buf[next + 1];
    out.vlanDepth++;
    etherType = (buf[next + 2] << 8) | buf[next + 3];
    next += VLAN_TAG;
  }
  if (etherType <= MAX_8023_LENGTH) {
    // An 802.3 length field: LLC/SNAP frames (STP, CDP, ...) carry no IP worth reading.
    out.ipVersion = 0;
    return next;
  }
  out.ipVersion = ipVersionOfEtherType(etherType);
  return next;
}

function isVlanTpid(etherType: number): boolean {
  return etherType === ETHERTYPE_VLAN || etherType === ETHERTYPE_QINQ || etherType === ETHERTYPE_QINQ_OLD;
}

function ipVersionOfEtherType(etherType: number): number {
  if (etherType === ETHERTYPE_IPV4) return 4;
  if (etherType === ETHERTYPE_IPV6) return 6;
  return 0;
}

function ipVersionOfFamily(family: number): number {
  if (family === AF_INET) return 4;
  if (family === AF_INET6_BSD || family === AF_INET6_FREEBSD || family === AF_INET6_DARWIN) return 6;
  return 0;
}
