/**
 * What the helper did with each payload segment of one control connection, kept in
 * columns of typed arrays: a trace with thousands of sessions sees a record per control
 * segment, and an object each would cost the garbage collector more than the helper's
 * own work. Records become objects only when a verdict or the report asks (`records()`).
 */
import type { HelperAction, Pattern } from './conntrack-ftp.js';
import type { Expectation } from './expectations.js';

/** One record as the verdicts read it. */
export interface HelperSegmentRecord {
  fileIndex: number;
  frame: number;
  time: number;
  /** 0 = ORIGINAL (client → server), 1 = REPLY. */
  direction: number;
  seq: number;
  length: number;
  action: HelperAction;
  pattern: Pattern | null;
  /** The expectation this segment registered (Matched), or null. */
  expectation: Expectation | null;
  /** Matched, but another control connection held the same expectation: dropped. */
  clash: boolean;
  /** The payload does not end in LF: the next segment in this direction is not parsed. */
  endsWithoutNewline: boolean;
  /**
   * The sender's IPv4 ID skipped one or more just before this segment, which continues the
   * stream and starts with a PORT/EPRT/227/229 the helper parses: a first part was dropped by
   * a helper on the sender's own host and TCP merged it into this one (kernel-ftp-helper.md §6).
   */
  mergedAfterDrop: boolean;
}

const DIRECTION = 1;
const NO_NEWLINE = 1 << 1;
const CLASH = 1 << 2;
const MERGED = 1 << 3;

export class SegmentLog {
  private count = 0;
  private fileIndex = new Int32Array(16);
  private frame = new Int32Array(16);
  private seq = new Float64Array(16);
  private time = new Float64Array(16);
  private length = new Int32Array(16);
  private action = new Uint8Array(16);
  private flags = new Uint8Array(16);
  /** Pattern and expectation, for the few records that have them. */
  private readonly extra = new Map<number, { pattern: Pattern | null; expectation: Expectation | null }>();
  private materialized: HelperSegmentRecord[] | null = null;

  get size(): number {
    return this.count;
  }

  push(
    fileIndex: number, frame: number, time: number, direction: number, seq: number, length: number, action: HelperAction,
    pattern: Pattern | null, expectation: Expectation | null, clash: boolean, endsWithoutNewline: boolean, mergedAfterDrop: boolean,
  ): void {
    if (this.count === this.frame.length) this.grow();
    const at = this.count++;
    this.fileIndex[at] = fileIndex;
    this.frame[at] = frame;
    this.time[at] = time;
    this.seq[at] = seq;
    this.length[at] = length;
    this.action[at] = action;
    this.flags[at] = (direction & DIRECTION) | (endsWithoutNewline ? NO_NEWLINE : 0) | (clash ? CLASH : 0) | (mergedAfterDrop ? MERGED : 0);
    if (pattern !== null || expectation !== null) this.extra.set(at, { pattern, expectation });
    this.materialized = null;
  }

  /** Every record as an object, in capture order (built once, when first asked). */
  records(): readonly HelperSegmentRecord[] {
    if (this.materialized !== null) return this.materialized;
    const out: HelperSegmentRecord[] = new Array(this.count);
    for (let at = 0; at < this.count; at++) {
      const flags = this.flags[at]!;
      const extra = this.extra.get(at);
      out[at] = {
        fileIndex: this.fileIndex[at]!,
        frame: this.frame[at]!,
        time: this.time[at]!,
        direction: flags & DIRECTION,
        seq: this.seq[at]!,
        length: this.length[at]!,
        action: this.action[at]! as HelperAction,
        pattern: extra?.pattern ?? null,
        expectation: extra?.expectation ?? null,
        clash: (flags & CLASH) !== 0,
        endsWithoutNewline: (flags & NO_NEWLINE) !== 0,
        mergedAfterDrop: (flags & MERGED) !== 0,
      };
    }
    this.materialized = out;
    return out;
  }

  private grow(): void {
    const size = this.frame.length * 2;
    const widen = <T extends Int32Array | Float64Array | Uint8Array>(from: T, make: (n: number) => T): T => {
      const to = make(size);
      to.set(from);
      return to;
    };
    this.fileIndex = widen(this.fileIndex, (n) => new Int32Array(n));
    this.frame = widen(this.frame, (n) => new Int32Array(n));
    this.seq = widen(this.seq, (n) => new Float64Array(n));
    this.time = widen(this.time, (n) => new Float64Array(n));
    this.length = widen(this.length, (n) => new Int32Array(n));
    this.action = widen(this.action, (n) => new Uint8Array(n));
    this.flags = widen(this.flags, (n) => new Uint8Array(n));
  }
}
