import type { Frame } from '../capture/frame.js';
import { decodeIpv4 } from './ipv4.js';
import { decodeIpv6 } from './ipv6.js';
import { decodeLink, linkFailureResult } from './link.js';
import { DecodeResult, type DecodedPacket } from './packet.js';
import type { DecodeStats } from './stats.js';

/**
 * Decodes one frame's link, IP and TCP headers into the reused `out` and counts the outcome
 * in `stats`. Fields of `out` that the frame did not reach keep their reset values (ports 0,
 * options -1, ...). Never throws on any input bytes.
 */
export function decodeFrame(frame: Frame, out: DecodedPacket, stats: DecodeStats): DecodeResult {
  stats.frames++;
  stats.linkTypes[frame.linkType] = (stats.linkTypes[frame.linkType] ?? 0) + 1;
  const result = decodeFrameHeaders(frame, out, stats);
  stats.results[result]++;
  if (out.fragment && stats.ipv4Fragments + stats.ipv6Fragments === 1) stats.firstFragmentFileIndex = frame.fileIndex;
  return result;
}

function decodeFrameHeaders(frame: Frame, out: DecodedPacket, stats: DecodeStats): DecodeResult {
  const buf = frame.buffer;
  resetPacket(out, buf);
  const start = frame.start;
  // A reader that reports more than it holds must not make us read past the chunk.
  const frameEnd = start + frame.capturedLength;
  const end = frameEnd < buf.length ? frameEnd : buf.length;

  const networkOffset = decodeLink(buf, start, end, frame.linkType, out);
  if (networkOffset < 0) return linkFailureResult(networkOffset);
  if (out.ipVersion === 4) return decodeIpv4(buf, networkOffset, end, frame.number, out, stats);
  if (out.ipVersion === 6) return decodeIpv6(buf, networkOffset, end, frame.number, out, stats);
  return DecodeResult.NotTcp;
}

function resetPacket(out: DecodedPacket, buf: Uint8Array): void {
  out.buffer = buf;
  out.ipOffset = 0;
  out.tcpOffset = 0;
  out.ipVersion = 0;
  out.srcAddrOffset = 0;
  out.dstAddrOffset = 0;
  out.ipProtocol = 0;
  out.vlanId = 0;
  out.vlanDepth = 0;
  out.fragment = false;
  out.srcPort = 0;
  out.dstPort = 0;
  out.seq = 0;
  out.ack = 0;
  out.tcpFlags = 0;
  out.window = 0;
  out.mss = -1;
  out.windowScale = -1;
  out.sackPermitted = false;
  out.sackBlocks = 0;
  out.hasTimestamps = false;
  out.tsVal = 0;
  out.tsEcr = 0;
  out.payloadOffset = 0;
  out.payloadLength = 0;
  out.payloadCaptured = 0;
}
