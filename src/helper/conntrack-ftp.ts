/**
 * nf_conntrack_ftp's per-packet algorithm (kernel-ftp-helper.md §2), one function per
 * kernel step. It sees one TCP segment at a time, exactly as it crossed the wire; it
 * never reassembles. State per control connection: for each direction, up to two
 * sequence numbers that follow a line feed (seq_aft_nl).
 */
import { grown } from './columns.js';
import { tryEprt, tryEpsvResponse, tryRfc1123, tryRfc959, type KernelProfile, type ParsedEndpoint } from './parsers.js';

/** NUM_SEQ_TO_REMEMBER in include/linux/netfilter/nf_conntrack_ftp.h. */
export const NUM_SEQ_TO_REMEMBER = 2;

/** Conntrack direction: ORIGINAL is the direction of the packet that created the conntrack (the client's SYN). */
export const ORIGINAL = 0;
export const REPLY = 1;

export type Pattern = 'PORT' | 'EPRT' | '227 ' | '229 ';

/** What the helper did with one segment. */
export const enum HelperAction {
  /** ctinfo was not ESTABLISHED/ESTABLISHED_REPLY (§2 step 1): no parsing, no bookkeeping. */
  NotEstablished = 0,
  /** No payload (§2 step 2). */
  NoPayload = 1,
  /** The segment did not start at a remembered line start (§2 step 4). */
  NotAtLineStart = 2,
  /** No pattern at byte 0 (§2 step 5). */
  NoMatch = 3,
  /** Partial match: the packet is dropped (§2 step 6). */
  DroppedPartial = 4,
  /** Matched, but the address is not the sender's and loose is off (§2 step 7). */
  AddressMismatch = 5,
  /** Matched: an expectation is to be registered. */
  Matched = 6,
}

export interface HelperMatch {
  pattern: Pattern;
  /** Announced address (4 or 16 bytes; for 229 the sender's own) and port. */
  address: Uint8Array;
  port: number;
  /** Where the numeric text starts in the payload and how long it is (what nf_nat_ftp rewrites). */
  numberOffset: number;
  numberLength: number;
}

export interface SegmentInput {
  direction: number;
  /** The conntrack has seen a reply (IPS_SEEN_REPLY): original-direction packets are ESTABLISHED from then on. */
  seenReply: boolean;
  seq: number;
  buffer: Uint8Array;
  payloadOffset: number;
  payloadLength: number;
  /** The sender's address as the conntrack tuple holds it (4 or 16 bytes). */
  source: Uint8Array;
  ipVersion: number;
}

const SPACE = 0x20;
const CR = 0x0d;
const LF = 0x0a;
const OPEN_PAREN = 0x28;

function lowerAscii(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte;
}

const PATTERNS: readonly (readonly { pattern: Pattern; bytes: Uint8Array; skip: number; terminator: number }[])[] = [
  [
    { pattern: 'PORT', bytes: ascii('PORT'), skip: SPACE, terminator: CR },
    { pattern: 'EPRT', bytes: ascii('EPRT'), skip: SPACE, terminator: CR },
  ],
  [
    { pattern: '227 ', bytes: ascii('227 '), skip: -1, terminator: -1 },
    { pattern: '229 ', bytes: ascii('229 '), skip: OPEN_PAREN, terminator: 0x29 },
  ],
];

/** Per direction, 1 for each byte that starts some pattern (either case): find_pattern() fails at byte 0 on the rest. */
const FIRST_BYTES: readonly Uint8Array[] = PATTERNS.map((entries) => {
  const starts = new Uint8Array(256);
  for (let byte = 0; byte < 256; byte++) {
    if (entries.some((entry) => lowerAscii(byte) === lowerAscii(entry.bytes[0]!))) starts[byte] = 1;
  }
  return starts;
});

/**
 * Whether a segment of this direction whose payload starts with `byte` can match a pattern:
 * when not, the helper reads nothing of it but its sequence numbers (not the sender's address).
 */
export function mayStartPattern(direction: number, byte: number): boolean {
  return FIRST_BYTES[direction]![byte] === 1;
}

function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

// Per-conntrack state bits (one byte per conntrack): how many line starts are remembered per
// direction (0..2, two bits each) and SEQ_PICKUP per direction.
const COUNT_BITS = 2;
const COUNT_MASK = 3;
const PICKUP = 1 << (2 * COUNT_BITS);

/** Conntracks a new table has room for before its columns double. */
const INITIAL_CONNTRACKS = 64;

/**
 * The helper's state for many control conntracks, one slot each, and the steps it takes
 * per packet. The state is a few numbers per conntrack, kept in typed-array columns shared
 * by all of them (see columns.ts). The parse of the last segment (`match`) and the scratch
 * space are shared too: they are read right after process().
 */
export class FtpConntrackHelpers {
  /**
   * seq_aft_nl[dir][0..1]: NUM_SEQ_TO_REMEMBER per direction, both directions per slot. Held
   * as int32 (`seq | 0`, the same 32 bits): they stay small integers when passed around, where
   * a sequence number above 2^31 would be boxed into a new heap number on each call.
   */
  private seqAfterNewline = new Int32Array(INITIAL_CONNTRACKS * 2 * NUM_SEQ_TO_REMEMBER);
  /** seq_aft_nl_num[dir] and the SEQ_PICKUP bits (see COUNT_BITS, PICKUP). */
  private state = new Uint8Array(INITIAL_CONNTRACKS);
  private count = 0;
  private readonly scratch = new Uint32Array(6);
  readonly match: HelperMatch = { pattern: 'PORT', address: new Uint8Array(16), port: 0, numberOffset: 0, numberLength: 0 };
  /** The pattern of the last partial match, for the log line the kernel writes. */
  partialPattern: Pattern = 'PORT';

  constructor(
    private readonly loose: boolean,
    private readonly profile: KernelProfile,
  ) {}

  /**
   * A new conntrack's slot (slots are numbered 0, 1, ... in order of adding). SEQ_PICKUP:
   * set only for conntracks injected through ctnetlink, or when the user says tracking began mid-stream.
   */
  add(seqPickup: boolean): number {
    const slot = this.count;
    this.open(slot, seqPickup);
    return slot;
  }

  /**
   * Starts conntrack `slot` afresh: the next new slot, or one whose conntrack is gone (the
   * caller numbers its control connections and reuses the numbers of released ones).
   */
  open(slot: number, seqPickup: boolean): void {
    if (slot >= this.count) this.count = slot + 1;
    while (slot >= this.state.length) {
      this.state = grown(this.state, new Uint8Array(this.state.length * 2));
      this.seqAfterNewline = grown(this.seqAfterNewline, new Int32Array(this.seqAfterNewline.length * 2));
    }
    // The remembered sequence numbers need no clearing: the counts in `state` say how many are valid.
    this.state[slot] = seqPickup ? PICKUP | (PICKUP << 1) : 0;
  }

  /** help() for conntrack `slot`: runs the steps for one segment; `match` holds the parse when the result is Matched or AddressMismatch. */
  process(slot: number, segment: SegmentInput): HelperAction {
    if (!isEstablished(segment)) return HelperAction.NotEstablished;
    if (segment.payloadLength === 0) return HelperAction.NoPayload;
    const direction = segment.direction;
    const end = segment.payloadOffset + segment.payloadLength;
    const endsInNewline = segment.buffer[end - 1] === LF;
    // Sequence numbers as int32 (see seqAfterNewline): equality and before()/after() work on the 32 bits alike.
    const nextSeq = (segment.seq + segment.payloadLength) | 0;

    if (!this.findNewlineSeq(slot, segment.seq | 0, direction)) {
      const pickup = PICKUP << direction;
      if ((this.state[slot]! & pickup) !== 0) {
        this.state[slot]! &= ~pickup;
      } else {
        if (endsInNewline) this.updateNewlineSeq(slot, nextSeq, direction);
        return HelperAction.NotAtLineStart;
      }
    }

    const found = this.searchPatterns(segment);
    if (found < 0) return HelperAction.DroppedPartial; // no bookkeeping: the packet never passes
    let action = HelperAction.NoMatch;
    if (found > 0) action = this.checkAddress(segment) ? HelperAction.Matched : HelperAction.AddressMismatch;
    if (endsInNewline) this.updateNewlineSeq(slot, nextSeq, direction);
    return action;
  }

  /** seq_aft_nl_num[direction] of conntrack `slot`. */
  private remembered(slot: number, direction: number): number {
    return (this.state[slot]! >> (direction * COUNT_BITS)) & COUNT_MASK;
  }

  /** find_nl_seq(): is this segment's seq one of the remembered line starts? */
  private findNewlineSeq(slot: number, seq: number, direction: number): boolean {
    const first = (slot * 2 + direction) * NUM_SEQ_TO_REMEMBER;
    const count = this.remembered(slot, direction);
    for (let i = 0; i < count; i++) if (this.seqAfterNewline[first + i] === seq) return true;
    return false;
  }

  /** update_nl_seq(): remember up to two; replace the older only with a later value. */
  private updateNewlineSeq(slot: number, seq: number, direction: number): void {
    const list = this.seqAfterNewline;
    const first = (slot * 2 + direction) * NUM_SEQ_TO_REMEMBER;
    const count = this.remembered(slot, direction);
    for (let i = 0; i < count; i++) if (list[first + i] === seq) return;
    if (count < NUM_SEQ_TO_REMEMBER) {
      list[first + count] = seq;
      this.state[slot]! += 1 << (direction * COUNT_BITS);
      return;
    }
    const oldest = first + (seqBefore(list[first]!, list[first + 1]!) ? 0 : 1);
    if (seqAfter(seq, list[oldest]!)) list[oldest] = seq;
  }

  /** The address check (§2 step 7): the announced address must be the sender's own unless loose. */
  private checkAddress(segment: SegmentInput): boolean {
    const announced = this.match.address;
    const length = segment.ipVersion === 6 ? 16 : 4;
    for (let i = 0; i < length; i++) {
      if (announced[i] !== segment.source[i]) return this.loose;
    }
    return true;
  }

  /** The search table for this direction, first non-NONE result wins: 1 match, 0 none, -1 partial. */
  private searchPatterns(segment: SegmentInput): number {
    const { buffer, payloadOffset, payloadLength } = segment;
    // Most control segments are other commands and replies: every pattern would fail at byte 0
    // (and `match` means something only after Matched or AddressMismatch).
    if (payloadLength > 0 && !mayStartPattern(segment.direction, buffer[payloadOffset]!)) return 0;
    // cmd.u3 starts as the sender's address: 229 never overwrites it (§2 step 7).
    const address = this.match.address;
    const addressLength = segment.ipVersion === 6 ? 16 : 4;
    for (let i = 0; i < address.length; i++) address[i] = i < addressLength ? segment.source[i]! : 0;
    for (const entry of PATTERNS[segment.direction]!) {
      const found = this.findPattern(buffer, payloadOffset, payloadLength, entry, segment.ipVersion);
      if (found !== 0) {
        if (found < 0) this.partialPattern = entry.pattern;
        this.match.pattern = entry.pattern;
        return found;
      }
    }
    return 0;
  }

  /** find_pattern(): the pattern at byte 0, case-insensitive; a prefix-only short packet is partial. */
  private findPattern(
    data: Uint8Array, start: number, length: number,
    entry: { pattern: Pattern; bytes: Uint8Array; skip: number; terminator: number }, ipVersion: number,
  ): number {
    const patternLength = entry.bytes.length;
    if (length <= patternLength) {
      for (let i = 0; i < length; i++) if (lowerAscii(data[start + i]!) !== lowerAscii(entry.bytes[i]!)) return 0;
      return -1;
    }
    for (let i = 0; i < patternLength; i++) if (lowerAscii(data[start + i]!) !== lowerAscii(entry.bytes[i]!)) return 0;
    let i = patternLength;
    if (entry.skip >= 0) {
      // The skip character is looked for up to the end of the payload, across line ends.
      for (; data[start + i] !== entry.skip; i++) if (i === length - 1) return -1;
      i++;
    }
    const out: ParsedEndpoint = this.match;
    const end = start + length;
    let numberLength = 0;
    let numberOffset = i;
    switch (entry.pattern) {
      case 'PORT':
        numberLength = tryRfc959(data, start + i, end, out, entry.terminator, this.profile, this.scratch);
        break;
      case 'EPRT':
        numberLength = tryEprt(data, start + i, end, out, ipVersion, this.profile, this.scratch);
        break;
      case '227 ': {
        const scan = tryRfc1123(data, start + i, end, out, this.profile, this.scratch);
        numberOffset += scan.offset;
        numberLength = scan.length;
        break;
      }
      case '229 ':
        numberLength = tryEpsvResponse(data, start + i, end, out, this.profile);
        break;
    }
    if (numberLength === 0) return -1;
    this.match.numberOffset = numberOffset;
    this.match.numberLength = numberLength;
    return 1;
  }
}

/** ctinfo: reply-direction packets are ESTABLISHED_REPLY; original ones are ESTABLISHED once a reply was seen. */
function isEstablished(segment: SegmentInput): boolean {
  return segment.direction === REPLY || segment.seenReply;
}

/** before()/after() from include/net/tcp.h: sequence comparison modulo 2^32. */
export function seqBefore(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqAfter(a: number, b: number): boolean {
  return seqBefore(b, a);
}

/** The helper for a single control conntrack (the kernel cases and unit tests drive one at a time). */
export class FtpConntrackHelper {
  private readonly helpers: FtpConntrackHelpers;
  private readonly slot: number;

  constructor(loose: boolean, profile: KernelProfile, seqPickup = false) {
    this.helpers = new FtpConntrackHelpers(loose, profile);
    this.slot = this.helpers.add(seqPickup);
  }

  get match(): HelperMatch {
    return this.helpers.match;
  }

  get partialPattern(): Pattern {
    return this.helpers.partialPattern;
  }

  process(segment: SegmentInput): HelperAction {
    return this.helpers.process(this.slot, segment);
  }
}
