import { newFrame, type Frame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { newDecodedPacket, type DecodedPacket, type DecodeResult } from '../../src/decode/packet.js';
import { newDecodeStats, type DecodeStats } from '../../src/decode/stats.js';
import type { EncodedFrame } from '../fixture/packet.js';

export interface Decoded {
  result: DecodeResult;
  pkt: DecodedPacket;
  stats: DecodeStats;
}

/**
 * Decodes bytes the way a reader hands them over: inside a larger chunk, at a non-zero
 * start, so offsets that forget `frame.start` show up.
 */
export function decodeBytes(
  frame: EncodedFrame,
  options: { capturedLength?: number; number?: number; fileIndex?: number; stats?: DecodeStats; pkt?: DecodedPacket } = {},
): Decoded {
  const lead = 7;
  const chunk = new Uint8Array(lead + frame.data.length + 5).fill(0xee);
  chunk.set(frame.data, lead);
  const f: Frame = newFrame();
  f.buffer = chunk;
  f.start = lead;
  f.capturedLength = options.capturedLength ?? frame.data.length;
  f.originalLength = frame.data.length;
  f.linkType = frame.linkType;
  f.number = options.number ?? 1;
  f.fileIndex = options.fileIndex ?? 0;
  const pkt = options.pkt ?? newDecodedPacket();
  const stats = options.stats ?? newDecodeStats();
  const result = decodeFrame(f, pkt, stats);
  return { result, pkt, stats };
}

/** The payload bytes the decoder points at, as text. */
export function payloadText(pkt: DecodedPacket): string {
  return new TextDecoder().decode(pkt.buffer.subarray(pkt.payloadOffset, pkt.payloadOffset + pkt.payloadCaptured));
}
