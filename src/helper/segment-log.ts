/**
 * What the helper did with each payload segment of the control connections, kept in one
 * columnar store per HelperStage: a trace with thousands of sessions sees a record per
 * control segment, and an object per record (or a set of small arrays per connection)
 * would cost the garbage collector more than the helper's own work. Adding a record writes
 * into typed-array columns and allocates nothing; the report's questions are answered from
 * the columns, and records become objects only when a verdict or the report returns them.
 */
import { grown } from './columns.js';
import type { FrameRef } from '../findings.js';
import { HelperAction, type Pattern } from './conntrack-ftp.js';
import type { Expectation } from './expectations.js';

/** One record as the verdicts read it. */
export interface HelperSegmentRecord {
  fileIndex: number;
  frame: number;
  /** 0 = ORIGINAL (client → server), 1 = REPLY. */
  direction: number;
  seq: number;
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

// The state column packs the flags, the action (3 bits) and the pattern code (3 bits).
const DIRECTION = 1;
const NO_NEWLINE = 1 << 1;
const CLASH = 1 << 2;
const MERGED = 1 << 3;
/** Set when the action is DroppedPartial (the packet never passed), so drop scans test one bit. */
const DROPPED_PARTIAL = 1 << 4;
const ACTION_SHIFT = 5;
const PATTERN_SHIFT = 8;

/** Pattern column: 0 = none. */
const PATTERN_CODES: readonly (Pattern | null)[] = [null, 'PORT', 'EPRT', '227 ', '229 '];

function patternCode(pattern: Pattern | null): number {
  switch (pattern) {
    case null: return 0;
    case 'PORT': return 1;
    case 'EPRT': return 2;
    case '227 ': return 3;
    case '229 ': return 4;
  }
}

/** A record's state column: its direction, flags, action and pattern in one number. */
export function recordState(
  direction: number, action: HelperAction, pattern: Pattern | null, clash: boolean, endsWithoutNewline: boolean, mergedAfterDrop: boolean,
): number {
  return (direction & DIRECTION) | (endsWithoutNewline ? NO_NEWLINE : 0) | (clash ? CLASH : 0) |
    (mergedAfterDrop ? MERGED : 0) | (action === HelperAction.DroppedPartial ? DROPPED_PARTIAL : 0) |
    (action << ACTION_SHIFT) | (patternCode(pattern) << PATTERN_SHIFT);
}

/** Records per page: 16384 × 18 bytes, 288 KiB, filled front to back and never copied. */
const PAGE_BITS = 14;
const PAGE_SIZE = 1 << PAGE_BITS;
const PAGE_MASK = PAGE_SIZE - 1;

/**
 * The columns for PAGE_SIZE consecutive records, as views of one buffer: one allocation per
 * page instead of one per column (five separate 64 KiB typed arrays measured several times
 * slower to allocate than one 288 KiB buffer, which the allocator maps lazily zeroed).
 */
class Page {
  readonly fileIndex: Int32Array;
  readonly frame: Int32Array;
  /** TCP sequence numbers are 32-bit (the decoder reads them unsigned). */
  readonly seq: Uint32Array;
  /** The trace's next record (-1: none yet), so one trace's records are read without the others'. */
  readonly next: Int32Array;
  readonly state: Uint16Array;
  /** Records here whose trace is not released yet: at 0 (and full) the page can go. */
  live = 0;

  constructor() {
    const buffer = new ArrayBuffer(PAGE_SIZE * RECORD_BYTES);
    // 4-byte columns first, so every view starts at a multiple of its element size.
    this.fileIndex = new Int32Array(buffer, 0, PAGE_SIZE);
    this.frame = new Int32Array(buffer, PAGE_SIZE * 4, PAGE_SIZE);
    this.seq = new Uint32Array(buffer, PAGE_SIZE * 8, PAGE_SIZE);
    this.next = new Int32Array(buffer, PAGE_SIZE * 12, PAGE_SIZE);
    this.state = new Uint16Array(buffer, PAGE_SIZE * 16, PAGE_SIZE);
  }
}

/**
 * Bytes per record across the columns: four 4-byte ones and the 2-byte state. (A column of
 * each record's trace number went: nothing read it, the `next` links already say whose a record is.)
 */
const RECORD_BYTES = 18;

/**
 * Records of every control connection, in the order the helper saw them (a record's number
 * is its position in that order). The columns come in fixed-size pages rather than arrays
 * that double: growing copies nothing and reserves at most one page ahead, which on a large
 * trace saves tens of megabytes of short-lived buffers. Records of one connection are linked
 * (the `next` column), so a session settled mid-trace reads its own records only; a page goes
 * once every trace with records in it is released.
 */
export class SegmentStore {
  private count = 0;
  private traces = 0;
  /** null: a page whose traces were all released. */
  private readonly pages: (Page | null)[] = [];
  /** Per-trace running totals, one column each, indexed by trace number. */
  private readonly totals = new TraceTotals();
  /** The expectation a Matched record registered: one entry per setup, not per segment. */
  private readonly expectations = new Map<number, Expectation>();
  /** The records of the trace last asked for, for `cachedCount` records (a verdict asks several times). */
  private cachedTrace = -1;
  private cachedCount = -1;
  private cachedRecords: Int32Array | null = null;

  get size(): number {
    return this.count;
  }

  /** A new, empty log for one control connection. */
  log(): SegmentLog {
    return this.view(this.addTrace());
  }

  /** A new, empty trace (its number), without a SegmentLog object: the stage appends by number. */
  addTrace(): number {
    const trace = this.traces;
    this.openTrace(trace);
    return trace;
  }

  /**
   * Starts trace `trace` empty: the next new number, or a released one (the helper stage
   * numbers its control connections and reuses the numbers of those it released). A view
   * made of the trace before its release must not be used after.
   */
  openTrace(trace: number): void {
    if (trace >= this.traces) this.traces = trace + 1;
    this.totals.open(trace);
  }

  /** The log of an existing trace (a view: the records and totals live in the store). */
  view(trace: number): SegmentLog {
    return new SegmentLog(this, trace, this.totals);
  }

  /** Records appended to `trace` so far. */
  traceSize(trace: number): number {
    return this.totals.count[trace]!;
  }

  /**
   * Appends a record to `trace` (captured at tsSec/tsNsec; `state` from recordState()) and
   * updates its totals; allocates only a new page every PAGE_SIZE records (and a map entry
   * for a record that registered an expectation).
   *
   * No argument is a double: V8 does not always inline this call into the helper's
   * per-segment path, and where it does not, a number argument that is not a small integer
   * is boxed in a new heap number, per record. So the time comes as its two integers (small
   * until 2038) and the seconds are computed only where they are kept, and `seq` may be
   * passed as int32 (`| 0`: the column keeps the same 32 bits).
   */
  append(trace: number, fileIndex: number, frame: number, tsSec: number, tsNsec: number, seq: number, state: number, expectation: Expectation | null): void {
    const at = this.count++;
    const slot = at & PAGE_MASK;
    if (slot === 0) this.pages.push(new Page());
    const page = this.pages[at >>> PAGE_BITS]!;
    const totals = this.totals;
    const last = totals.count[trace]! > 0 ? totals.lastRecord[trace]! : -1;
    if (last >= 0) this.pages[last >>> PAGE_BITS]!.next[last & PAGE_MASK] = at;
    else totals.firstRecord[trace] = at;
    totals.lastRecord[trace] = at;
    totals.record(trace, fileIndex, frame, tsSec, tsNsec, state);
    page.next[slot] = -1;
    page.live++;
    page.fileIndex[slot] = fileIndex;
    page.frame[slot] = frame;
    page.seq[slot] = seq;
    page.state[slot] = state;
    if (expectation !== null) this.expectations.set(at, expectation);
  }

  /** Record `at` as an object, for the few that a verdict or the report hands out. */
  record(at: number): HelperSegmentRecord {
    const page = this.pages[at >>> PAGE_BITS]!;
    const slot = at & PAGE_MASK;
    const state = page.state[slot]!;
    return {
      fileIndex: page.fileIndex[slot]!,
      frame: page.frame[slot]!,
      direction: state & DIRECTION,
      seq: page.seq[slot]!,
      action: ((state >> ACTION_SHIFT) & 7) as HelperAction,
      pattern: PATTERN_CODES[(state >> PATTERN_SHIFT) & 7]!,
      expectation: this.expectations.get(at) ?? null,
      clash: (state & CLASH) !== 0,
      endsWithoutNewline: (state & NO_NEWLINE) !== 0,
      mergedAfterDrop: (state & MERGED) !== 0,
    };
  }

  private stateOf(at: number): number {
    return this.pages[at >>> PAGE_BITS]!.state[at & PAGE_MASK]!;
  }

  /** The helper dropped this packet: a partial match or an expectation clash. */
  isDropped(at: number): boolean {
    return (this.stateOf(at) & (DROPPED_PARTIAL | CLASH)) !== 0;
  }

  isMerged(at: number): boolean {
    return (this.stateOf(at) & MERGED) !== 0;
  }

  direction(at: number): number {
    return this.stateOf(at) & DIRECTION;
  }

  seqOf(at: number): number {
    return this.pages[at >>> PAGE_BITS]!.seq[at & PAGE_MASK]!;
  }

  fileIndexOf(at: number): number {
    return this.pages[at >>> PAGE_BITS]!.fileIndex[at & PAGE_MASK]!;
  }

  frameOf(at: number): number {
    return this.pages[at >>> PAGE_BITS]!.frame[at & PAGE_MASK]!;
  }

  /** Compares record `at` with (fileIndex, frame): negative, zero or positive. */
  compareFrame(at: number, fileIndex: number, frame: number): number {
    const page = this.pages[at >>> PAGE_BITS]!;
    const slot = at & PAGE_MASK;
    return page.fileIndex[slot] !== fileIndex ? page.fileIndex[slot]! - fileIndex : page.frame[slot]! - frame;
  }

  /** The records of trace `trace`, in capture order: positions [start, end) of the returned array. */
  traceRecords(trace: number): { records: Int32Array; start: number; end: number } {
    const count = this.totals.count[trace]!;
    if (this.cachedTrace !== trace || this.cachedCount !== count) {
      const records = new Int32Array(count);
      let at = count > 0 ? this.totals.firstRecord[trace]! : -1;
      for (let i = 0; i < count; i++) {
        records[i] = at;
        at = this.pages[at >>> PAGE_BITS]!.next[at & PAGE_MASK]!;
      }
      this.cachedTrace = trace;
      this.cachedCount = count;
      this.cachedRecords = records;
    }
    return { records: this.cachedRecords!, start: 0, end: count };
  }

  /**
   * The trace's session is reported: its records are not asked for again. Pages whose
   * records all belong to released traces go.
   */
  release(trace: number): void {
    const count = this.totals.count[trace]!;
    let at = count > 0 ? this.totals.firstRecord[trace]! : -1;
    for (let i = 0; i < count; i++) {
      const index = at >>> PAGE_BITS;
      const page = this.pages[index]!;
      const next = page.next[at & PAGE_MASK]!;
      if (this.expectations.size > 0) this.expectations.delete(at);
      // The page being filled stays, whatever it holds.
      if (--page.live === 0 && index < this.pages.length - 1) this.pages[index] = null;
      at = next;
    }
    // Empty until opened again: a second release frees nothing twice.
    this.totals.count[trace] = 0;
    if (this.cachedTrace === trace) {
      this.cachedTrace = -1;
      this.cachedRecords = null;
    }
  }

  /** Pages held now (each PAGE_SIZE records). */
  get pagesHeld(): number {
    let held = 0;
    for (const page of this.pages) if (page !== null) held++;
    return held;
  }
}

/**
 * The few running totals per trace the report asks for (so it can skip connections with
 * nothing to say without reading records), one typed-array column each (see columns.ts).
 */
class TraceTotals {
  count = new Int32Array(INITIAL_TRACES);
  dropped = new Int32Array(INITIAL_TRACES);
  merged = new Int32Array(INITIAL_TRACES);
  /** Latest time of a recorded REPLY segment (-Infinity: none). */
  lastReplyTime = new Float64Array(INITIAL_TRACES);
  /**
   * 1 while capture order agrees with (fileIndex, frame) order, as it does when each file is
   * read front to back: frame lookups can then binary-search the records instead of scanning them.
   */
  framesInOrder = new Uint8Array(INITIAL_TRACES);
  /** (fileIndex, frame) of the trace's last record, valid when count > 0. */
  lastFileIndex = new Int32Array(INITIAL_TRACES);
  lastFrame = new Int32Array(INITIAL_TRACES);
  /** The trace's first and last record numbers, valid when count > 0. */
  firstRecord = new Int32Array(INITIAL_TRACES);
  lastRecord = new Int32Array(INITIAL_TRACES);

  /** Zero totals for trace `trace` (the rest of its row is valid only once count > 0). */
  open(trace: number): void {
    while (trace >= this.count.length) this.grow();
    this.count[trace] = 0;
    this.dropped[trace] = 0;
    this.merged[trace] = 0;
    this.lastReplyTime[trace] = -Infinity;
    this.framesInOrder[trace] = 1;
  }

  /** Counts a record (`state` as in the state column) into its trace's totals. */
  record(trace: number, fileIndex: number, frame: number, tsSec: number, tsNsec: number, state: number): void {
    if ((state & (DROPPED_PARTIAL | CLASH)) !== 0) this.dropped[trace]!++;
    if ((state & MERGED) !== 0) this.merged[trace]!++;
    // Only the latest reply time is ever asked for ("did the server speak after t?").
    if ((state & DIRECTION) === 1) {
      const time = tsSec + tsNsec / 1e9;
      if (time > this.lastReplyTime[trace]!) this.lastReplyTime[trace] = time;
    }
    const last = this.lastFileIndex[trace]!;
    if (this.count[trace]! > 0 && (fileIndex < last || (fileIndex === last && frame < this.lastFrame[trace]!))) this.framesInOrder[trace] = 0;
    this.lastFileIndex[trace] = fileIndex;
    this.lastFrame[trace] = frame;
    this.count[trace]!++;
  }

  /** Doubles every column (the old ones become garbage once, not per connection). */
  private grow(): void {
    const length = this.count.length * 2;
    this.count = grown(this.count, new Int32Array(length));
    this.dropped = grown(this.dropped, new Int32Array(length));
    this.merged = grown(this.merged, new Int32Array(length));
    this.lastReplyTime = grown(this.lastReplyTime, new Float64Array(length));
    this.framesInOrder = grown(this.framesInOrder, new Uint8Array(length));
    this.lastFileIndex = grown(this.lastFileIndex, new Int32Array(length));
    this.lastFrame = grown(this.lastFrame, new Int32Array(length));
    this.firstRecord = grown(this.firstRecord, new Int32Array(length));
    this.lastRecord = grown(this.lastRecord, new Int32Array(length));
  }
}

const INITIAL_TRACES = 64;

/** One control connection's records in the shared store, and its totals. */
export class SegmentLog {
  /** Dropped records grouped by (direction, seq), groups in order of their first record; built for `groupedCount` records. */
  private groups: Map<string, number[]> | null = null;
  private groupedCount = -1;

  constructor(private readonly store: SegmentStore, private readonly trace: number, private readonly totals: TraceTotals) {}

  get size(): number {
    return this.totals.count[this.trace]!;
  }

  private get dropped(): number {
    return this.totals.dropped[this.trace]!;
  }

  private get merged(): number {
    return this.totals.merged[this.trace]!;
  }

  private get framesInOrder(): boolean {
    return this.totals.framesInOrder[this.trace] === 1;
  }

  push(
    fileIndex: number, frame: number, tsSec: number, tsNsec: number, direction: number, seq: number, action: HelperAction,
    pattern: Pattern | null, expectation: Expectation | null, clash: boolean, endsWithoutNewline: boolean, mergedAfterDrop: boolean,
  ): void {
    this.store.append(this.trace, fileIndex, frame, tsSec, tsNsec, seq, recordState(direction, action, pattern, clash, endsWithoutNewline, mergedAfterDrop), expectation);
  }

  /** Time of the latest recorded REPLY-direction segment (-Infinity: none). */
  get lastReplyTime(): number {
    return this.totals.lastReplyTime[this.trace]!;
  }

  /** Some REPLY-direction segment was recorded after `time`. */
  repliedAfter(time: number): boolean {
    return this.totals.lastReplyTime[this.trace]! > time;
  }

  /** Dropped packets grouped by (direction, seq): the first drop and its retransmissions, each group in capture order. */
  droppedGroups(): HelperSegmentRecord[][] {
    if (this.dropped === 0) return [];
    return [...this.dropGroups().values()].map((group) => group.map((at) => this.store.record(at)));
  }

  /** Every dropped record with the same direction and seq as `record` (itself included), in capture order. */
  droppedCopies(record: HelperSegmentRecord): HelperSegmentRecord[] {
    if (this.dropped === 0) return [];
    const group = this.dropGroups().get(dropKey(record.direction, record.seq)) ?? [];
    return group.map((at) => this.store.record(at));
  }

  /** Records with mergedAfterDrop set, in capture order. */
  mergedRecords(): HelperSegmentRecord[] {
    const out: HelperSegmentRecord[] = [];
    if (this.merged === 0) return out;
    const { records, start, end } = this.store.traceRecords(this.trace);
    for (let i = start; i < end; i++) if (this.store.isMerged(records[i]!)) out.push(this.store.record(records[i]!));
    return out;
  }

  /** Records carried by any of these frames, in capture order. */
  onFrames(frames: readonly FrameRef[]): HelperSegmentRecord[] {
    const store = this.store;
    const { records, start, end } = store.traceRecords(this.trace);
    const found: number[] = [];
    if (!this.framesInOrder) {
      for (let i = start; i < end; i++) {
        const at = records[i]!;
        if (frames.some((frame) => frame.frame === store.frameOf(at) && frame.fileIndex === store.fileIndexOf(at))) found.push(at);
      }
      return found.map((at) => store.record(at));
    }
    for (const frame of frames) {
      for (let i = lowerBound(store, records, start, end, frame.fileIndex, frame.frame); i < end && store.compareFrame(records[i]!, frame.fileIndex, frame.frame) === 0; i++) {
        found.push(records[i]!);
      }
    }
    // Record numbers follow capture order; a frame named twice must still yield its record once.
    if (frames.length > 1) found.sort((a, b) => a - b);
    const out: HelperSegmentRecord[] = [];
    for (let i = 0; i < found.length; i++) if (i === 0 || found[i] !== found[i - 1]) out.push(store.record(found[i]!));
    return out;
  }

  /** The last record (in capture order) in `direction` from the same file with a lower frame number, or null. */
  previousInDirection(direction: number, fileIndex: number, frame: number): HelperSegmentRecord | null {
    const store = this.store;
    const { records, start, end } = store.traceRecords(this.trace);
    if (!this.framesInOrder) {
      let previous = -1;
      for (let i = start; i < end; i++) {
        const at = records[i]!;
        if (store.direction(at) === direction && store.frameOf(at) < frame && store.fileIndexOf(at) === fileIndex) previous = at;
      }
      return previous < 0 ? null : store.record(previous);
    }
    // In frame order the candidates end just before (fileIndex, frame); the nearest one in this direction is the last.
    for (let i = lowerBound(store, records, start, end, fileIndex, frame) - 1; i >= start && store.fileIndexOf(records[i]!) === fileIndex; i--) {
      if (store.direction(records[i]!) === direction) return store.record(records[i]!);
    }
    return null;
  }

  private dropGroups(): Map<string, number[]> {
    if (this.groups !== null && this.groupedCount === this.size) return this.groups;
    const groups = new Map<string, number[]>();
    const store = this.store;
    const { records, start, end } = store.traceRecords(this.trace);
    for (let i = start; i < end; i++) {
      const at = records[i]!;
      if (!store.isDropped(at)) continue;
      const key = dropKey(store.direction(at), store.seqOf(at));
      const group = groups.get(key);
      if (group) group.push(at);
      else groups.set(key, [at]);
    }
    this.groups = groups;
    this.groupedCount = this.size;
    return groups;
  }
}

function dropKey(direction: number, seq: number): string {
  return `${direction}:${seq}`;
}

/** First position in records[start, end) whose (fileIndex, frame) is not below the given one. */
function lowerBound(store: SegmentStore, records: Int32Array, start: number, end: number, fileIndex: number, frame: number): number {
  let low = start;
  let high = end;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (store.compareFrame(records[middle]!, fileIndex, frame) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}
