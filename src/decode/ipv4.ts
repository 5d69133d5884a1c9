import { DecodeResult, type DecodedPacket } from './packet.js';
import type { DecodeStats } from './stats.js';
import { decodeTcp, IPPROTO_TCP } from './tcp.js';

const IPV4_MIN_HEADER = 20;

/**
 * Decodes the IPv4 header at `offset` and, when it carries TCP, the TCP header after it.
 * `capturedEnd` is the end of the captured frame bytes.
 */
export function decodeIpv4(
  buf: Uint8Array,
  offset: number,
  capturedEnd: number,
  frameNumber: number,
  out: DecodedPacket,
  stats: DecodeStats,
): DecodeResult {
  out.ipVersion = 4;
  out.ipOffset = offset;
  if (offset + IPV4_MIN_HEADER > capturedEnd) return DecodeResult.Truncated;
  const versionIhl = buf[offset];
  if (versionIhl >> 4 !== 4) return DecodeResult.Malformed;
  const headerLength = (versionIhl & 0x0f) * 4;
  if (headerLength < IPV4_MIN_HEADER) return DecodeResult.Malformed;
  if (offset + headerLength > capturedEnd) return DecodeResult.Truncated;

  out.ipId = (buf[offset + 4] << 8) | buf[offset + 5];
  out.srcAddrOffset = offset + 12;
  out.dstAddrOffset = offset + 16;
  out.ipProtocol = buf[offset + 9];

  const totalLength = (buf[offset + 2] << 8) | buf[offset + 3];
  let ipEnd: number;
  if (totalLength === 0) {
    // A zero total length is what TCP segmentation offload leaves in locally sent packets
    // captured before the NIC fills it in; the frame end is the best length there is.
    ipEnd = capturedEnd;
  } else {
    if (totalLength < headerLength) return DecodeResult.Malformed;
    // Ethernet pads short frames to 60 bytes: the IP length, not the frame, says where the
    // packet ends.
    ipEnd = offset + totalLength;
  }

  // The header checksum is not verified: offloaded checksums are common in captures taken
  // on the sending host, and nothing downstream would treat a bad one differently.

  const moreFragments = (buf[offset + 6] & 0x20) !== 0;
  const fragmentOffset = ((buf[offset + 6] & 0x1f) << 8) | buf[offset + 7];
  if (moreFragments || fragmentOffset !== 0) {
    out.fragment = true;
    stats.ipv4Fragments++;
    if (stats.firstFragmentFrame === 0) stats.firstFragmentFrame = frameNumber;
    // Only the first fragment carries the TCP header; reassembling IP is not this stage's job.
    if (fragmentOffset !== 0) return DecodeResult.Fragment;
  }

  if (out.ipProtocol !== IPPROTO_TCP) return DecodeResult.NotTcp;
  return decodeTcp(buf, offset + headerLength, ipEnd, capturedEnd, out.fragment, out);
}
