import { DecodeResult, type DecodedPacket } from './packet.js';
import type { DecodeStats } from './stats.js';
import { decodeTcp, IPPROTO_TCP } from './tcp.js';

const IPV6_HEADER = 40;

export const IPV6_HOP_BY_HOP = 0;
export const IPV6_ROUTING = 43;
export const IPV6_FRAGMENT = 44;
export const IPV6_AH = 51;
export const IPV6_NO_NEXT_HEADER = 59;
export const IPV6_DESTINATION_OPTIONS = 60;

/**
 * Decodes the IPv6 header at `offset`, walks its extension headers, and decodes TCP when
 * that is what the chain ends in. `capturedEnd` is the end of the captured frame bytes.
 */
export function decodeIpv6(
  buf: Uint8Array,
  offset: number,
  capturedEnd: number,
  frameNumber: number,
  out: DecodedPacket,
  stats: DecodeStats,
): DecodeResult {
  out.ipVersion = 6;
  out.ipOffset = offset;
  out.ipId = -1;
  if (offset + IPV6_HEADER > capturedEnd) return DecodeResult.Truncated;
  if (buf[offset] >> 4 !== 6) return DecodeResult.Malformed;
  out.srcAddrOffset = offset + 8;
  out.dstAddrOffset = offset + 24;

  const payloadLength = (buf[offset + 4] << 8) | buf[offset + 5];
  // Zero means a jumbogram (RFC 2675), or TSO's unfilled length: take the rest of the frame.
  const ipEnd = payloadLength === 0 ? capturedEnd : offset + IPV6_HEADER + payloadLength;

  let nextHeader = buf[offset + 6];
  let at = offset + IPV6_HEADER;
  let fragmentOffset = 0;
  // Every extension header is at least 8 bytes long, so the walk ends within the packet.
  for (;;) {
    out.ipProtocol = nextHeader;
    let headerLength: number;
    switch (nextHeader) {
      case IPV6_HOP_BY_HOP:
      case IPV6_ROUTING:
      case IPV6_DESTINATION_OPTIONS:
        if (at + 2 > ipEnd) return DecodeResult.Malformed;
        if (at + 2 > capturedEnd) return DecodeResult.Truncated;
        headerLength = (buf[at + 1] + 1) * 8;
        break;
      case IPV6_AH:
        // AH counts its length in 4-byte units, minus 2 (RFC 4302 section 2.2).
        if (at + 2 > ipEnd) return DecodeResult.Malformed;
        if (at + 2 > capturedEnd) return DecodeResult.Truncated;
        headerLength = (buf[at + 1] + 2) * 4;
        break;
      case IPV6_FRAGMENT: {
        headerLength = 8;
        if (at + headerLength > ipEnd) return DecodeResult.Malformed;
        if (at + headerLength > capturedEnd) return DecodeResult.Truncated;
        fragmentOffset = ((buf[at + 2] << 8) | buf[at + 3]) >> 3;
        const moreFragments = (buf[at + 3] & 1) !== 0;
        // An "atomic" fragment header (offset 0, no M flag) holds the whole packet and is
        // processed as if unfragmented (RFC 6946).
        if (moreFragments || fragmentOffset !== 0) {
          out.fragment = true;
          stats.ipv6Fragments++;
          if (stats.firstFragmentFrame === 0) stats.firstFragmentFrame = frameNumber;
        }
        break;
      }
      default:
        if (nextHeader !== IPPROTO_TCP) return DecodeResult.NotTcp;
        return decodeTcp(buf, at, ipEnd, capturedEnd, out.fragment, out);
    }
    if (at + headerLength > ipEnd) return DecodeResult.Malformed;
    if (at + headerLength > capturedEnd) return DecodeResult.Truncated;
    nextHeader = buf[at];
    at += headerLength;
    // Headers after a non-first fragment header belong to the fragmentable part: only the
    // first fragment has the upper-layer header.
    if (fragmentOffset !== 0) {
      out.ipProtocol = nextHeader;
      return DecodeResult.Fragment;
    }
  }
}
