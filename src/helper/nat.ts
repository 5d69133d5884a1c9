/**
 * nf_nat_ftp (kernel-ftp-helper.md §4): on a NATed control connection the helper
 * re-prints the numeric part of a matched PORT/EPRT/227/229 with the address the other
 * side must use, so the text may change length, and every later segment in that
 * direction is shifted by the difference (seqadj). We predict it for a capture taken on
 * the inside of the NAT box, given the mapping private=public.
 */
import { formatAddress } from '../decode/address.js';
import type { Pattern } from './conntrack-ftp.js';

export interface NatMapping {
  /** The inside address as the capture shows it. */
  private: string;
  /** What the NAT box turns it into on the outside. */
  public: string;
}

/** Parses `--nat 10.0.0.5=203.0.113.7` entries. */
export function parseNatMapping(text: string): NatMapping {
  const [inside, outside, extra] = text.split('=');
  if (!inside || !outside || extra !== undefined) throw new Error(`--nat wants PRIVATE=PUBLIC, got "${text}"`);
  return { private: inside.trim(), public: outside.trim() };
}

/** The text nf_nat_ftp prints in place of the matched numeric part. */
export function rewrittenText(pattern: Pattern, address: Uint8Array, ipVersion: number, port: number): string {
  switch (pattern) {
    case 'PORT':
    case '227 ':
      return `${address[0]},${address[1]},${address[2]},${address[3]},${port >> 8},${port & 255}`;
    case 'EPRT':
      return ipVersion === 6 ? `|2|${formatAddress(address, 0, 6)}|${port}|` : `|1|${formatAddress(address, 0, 4)}|${port}|`;
    case '229 ':
      return `|||${port}|`;
  }
}

export interface NatRewrite {
  fileIndex: number;
  frame: number;
  /** Control connection id. */
  connection: number;
  direction: number;
  original: string;
  rewritten: string;
  /** Bytes added (negative: removed) by this rewrite. */
  delta: number;
  /** Total shift of this direction's sequence numbers after this segment. */
  shiftAfter: number;
  /** The port nf_nat_ftp keeps: the announced one unless another expectation holds it (then a random one ≥ it). */
  portCertain: boolean;
}
