import { DecodeResult, type DecodedPacket } from './packet.js';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;
export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;

const TCP_MIN_HEADER = 20;

const OPT_END = 0;
const OPT_NOP = 1;
const OPT_MSS = 2;
const OPT_WSCALE = 3;
const OPT_SACK_PERMITTED = 4;
const OPT_SACK = 5;
const OPT_TIMESTAMPS = 8;

/**
 * Decodes the TCP header at `offset`. `ipEnd` is where the IP packet ends according to its
 * own length field, `capturedEnd` where the captured bytes end; the payload is what lies
 * between the header and ipEnd, of which only up to capturedEnd is present.
 * `fragment` says the IP packet is a first fragment: a TCP header that does not fit in it
 * is then a reassembly matter (Fragment), not a broken packet.
 */
export function decodeTcp(
  buf: Uint8Array,
  offset: number,
  ipEnd: number,
  capturedEnd: number,
  fragment: boolean,
  out: DecodedPacket,
): DecodeResult {
  out.tcpOffset = offset;
  if (offset + TCP_MIN_HEADER > ipEnd) return fragment ? DecodeResult.Fragment : DecodeResult.Malformed;
  if (offset + TCP_MIN_HEADER > capturedEnd) return DecodeResult.Truncated;

  out.srcPort = (buf[offset] << 8) | buf[offset + 1];
  out.dstPort = (buf[offset + 2] << 8) | buf[offset + 3];
  out.seq = ((buf[offset + 4] << 24) | (buf[offset + 5] << 16) | (buf[offset + 6] << 8) | buf[offset + 7]) >>> 0;
  out.ack = ((buf[offset + 8] << 24) | (buf[offset + 9] << 16) | (buf[offset + 10] << 8) | buf[offset + 11]) >>> 0;
  const headerLength = (buf[offset + 12] >> 4) * 4;
  out.tcpFlags = buf[offset + 13];
  out.window = (buf[offset + 14] << 8) | buf[offset + 15];

  if (headerLength < TCP_MIN_HEADER) return DecodeResult.Malformed;
  const payloadOffset = offset + headerLength;
  if (payloadOffset > ipEnd) return fragment ? DecodeResult.Fragment : DecodeResult.Malformed;
  if (payloadOffset > capturedEnd) return DecodeResult.Truncated;

  if (headerLength > TCP_MIN_HEADER) decodeTcpOptions(buf, offset + TCP_MIN_HEADER, payloadOffset, out);

  out.payloadOffset = payloadOffset;
  out.payloadLength = ipEnd - payloadOffset;
  const capturedPayload = (capturedEnd < ipEnd ? capturedEnd : ipEnd) - payloadOffset;
  out.payloadCaptured = capturedPayload > 0 ? capturedPayload : 0;
  return DecodeResult.Tcp;
}

/**
 * Reads the options the TCP stage cares about. A length that cannot be right ends the walk
 * (as the kernel's tcp_parse_options does) but keeps what was read before it: the segment's
 * data is still good, only its option list is not.
 */
export function decodeTcpOptions(buf: Uint8Array, offset: number, end: number, out: DecodedPacket): void {
  let at = offset;
  while (at < end) {
    const kind = buf[at];
    if (kind === OPT_END) return;
    if (kind === OPT_NOP) {
      at++;
      continue;
    }
    if (at + 1 >= end) return;
    const length = buf[at + 1];
    if (length < 2 || at + length > end) return;
    switch (kind) {
      case OPT_MSS:
        if (length !== 4) return;
        out.mss = (buf[at + 2] << 8) | buf[at + 3];
        break;
      case OPT_WSCALE:
        if (length !== 3) return;
        out.windowScale = buf[at + 2];
        break;
      case OPT_SACK_PERMITTED:
        if (length !== 2) return;
        out.sackPermitted = true;
        break;
      case OPT_SACK:
        if ((length - 2) % 8 !== 0 || length === 2) return;
        out.sackBlocks = (length - 2) >> 3;
        break;
      case OPT_TIMESTAMPS:
        if (length !== 10) return;
        out.hasTimestamps = true;
        out.tsVal = ((buf[at + 2] << 24) | (buf[at + 3] << 16) | (buf[at + 4] << 8) | buf[at + 5]) >>> 0;
        out.tsEcr = ((buf[at + 6] << 24) | (buf[at + 7] << 16) | (buf[at + 8] << 8) | buf[at + 9]) >>> 0;
        break;
      default:
        // Unknown kinds (MPTCP, TFO, MD5, ...) are skipped by their length.
        break;
    }
    at += length;
  }
}
