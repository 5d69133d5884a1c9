/**
 * One direction of a connection: sequence tracking, out-of-order runs, the stream view's
 * delivery and gaps, and the byte accounting of count-only mode.
 *
 * Positions are "relative offsets" (rel): bytes since the start of the direction's stream
 * (the byte after the SYN, or the first payload seen on a mid-stream pickup). They are plain
 * JS numbers that never wrap, so a stream may exceed 4 GiB; a 32-bit sequence number is
 * turned into a rel by its signed distance from the highest byte seen (RFC 9293 §3.4:
 * sequence arithmetic is modulo 2^32, and a valid segment lies within 2^31 of the reference).
 */
import type { Direction, DirectionStats } from './types.js';

/** A range of sequence space seen beyond the next byte to deliver, waiting for the hole before it. */
export class PendingRun {
  constructor(
    public start: number,
    public end: number,
    /** Copied payload of [start, end), or null when seen but not kept (count-only, or cut by the snaplen). */
    public bytes: Uint8Array | null,
    public fileIndex: number,
    public frame: number,
  ) {}
}

/**
 * Where a history ring is: `size` bytes (a power of two) at `at` in `bytes`, which is a slab
 * shared by many rings or the ring's own array.
 */
export class HistoryRing {
  constructor(
    readonly bytes: Uint8Array,
    readonly at: number,
    readonly size: number,
  ) {}
}

const NO_BYTES = new Uint8Array(0);

/**
 * What scan() found in a segment, read right after it (classification, counts, findings).
 * One per table, not per direction: a connection's halves hold what lasts beyond a segment.
 */
export class ScanResult {
  /** Bytes never seen before, and bytes seen before. */
  newBytes = 0;
  overlapBytes = 0;
  /** First rel where a byte differs from its earlier copy (-1: none), and that copy's frame (0: unknown). */
  differsAt = -1;
  differsFileIndex = 0;
  differsFrame = 0;
}

/** Which named cap stopped a direction from buffering. */
export type BufferCap = 'maxBufferedBytesPerConnection' | 'maxBufferedBytesTotal' | 'maxPendingRunsPerDirection';

/** What a direction needs from its connection: where stream events go, and whose budget pays for copies. */
export interface StreamSink {
  streamData(direction: Direction, bytes: Uint8Array, from: number, to: number, fileIndex: number, frame: number): void;
  streamGap(direction: Direction, length: number): void;
  /** The cap that `bytes` more of out-of-order copies would break, or null (then they are reserved). */
  reserveBuffer(bytes: number): BufferCap | null;
  releaseBuffer(bytes: number): void;
  /** A MIN_HISTORY ring for a direction's delivered bytes, or null when the budget is spent. */
  acquireHistory(): HistoryRing | null;
  /** Whether a ring may grow by `bytes`; reserved when true. */
  reserveHistory(bytes: number): boolean;
  releaseHistory(ring: HistoryRing): void;
  capHit(cap: BufferCap, direction: Direction, fileIndex: number, frame: number): void;
  readonly limits: HalfLimits;
  /** Where a direction's scan() of the current segment leaves its results (one per table). */
  readonly scanned: ScanResult;
}

/** Limits a direction works within (a view of TcpOptions). */
export interface HalfLimits {
  maxPendingRuns: number;
  historyBytes: number;
}

/**
 * An ACK further than this beyond the highest byte seen is not believed (a corrupt or
 * foreign ACK would otherwise declare gigabytes missing); a real capture loss that large
 * still ends up as a gap at the next segment or at the close.
 */
const MAX_ACK_AHEAD = 1 << 30;

/** Size of a new history ring (a power of two); rings this size are pooled by the table. */
export const MIN_HISTORY = 1024;

// Bits of HalfConnection.flags.
const STARTED = 1;
const SYN_SEEN = 2;
const FIN_ACKED = 4;
const HAS_LAST = 8;

export class HalfConnection {
  /** Next byte the stream view delivers; everything before it was delivered or given up. */
  nextRel = 0;
  /**
   * End of the highest payload seen, and its 32-bit sequence number (the rel reference).
   * Sequence numbers are kept as int32 (`seq | 0`, the same 32 bits) here and in lastSeq and
   * lastAck: an int32 is a small integer stored in the object itself, where a number above
   * 2^31 is a heap number of its own, one more object to reach on every segment.
   */
  highestRel = 0;
  highestSeq = 0;
  /**
   * started, synSeen, finAcked and hasLast as bits of one field (see the accessors below): a
   * field each was 24 bytes more per direction of every connection.
   */
  private flags = 0;
  /** The SYN's sequence number, as int32 (a number above 2^31 would be a heap number of its own). */
  isn = 0;
  /** Rel of the FIN (the end of the stream), -1 until one is seen. */
  finRel = -1;
  /** Highest rel the peer acknowledged (-1 none). */
  ackedRel = -1;
  /** Before this direction started: the first ACK number the peer sent for it (-1 none). */
  ackHint = -1;
  /** Previous segment of this direction (keep-alive, window-update classification, when hasLast); seq and ack as int32. */
  lastSeq = 0;
  lastAck = 0;
  lastWindow = 0;
  /** Window scale from the SYN (-1 none) and the largest window this side advertised, in bytes. */
  windowScale = -1;
  maxWindow = 0;
  pending: PendingRun[] | null = null;
  /** Ring of the latest delivered bytes (power-of-two size), valid for [historyStart, nextRel). */
  history: HistoryRing | null = null;
  historyStart = 0;
  /**
   * The ring's bytes, offset and size - 1, copied from `history`: each delivered segment
   * writes to the ring, and reading these fields of this object, which the segment touched
   * already, spares a cache miss on the ring's own object.
   */
  private ringBytes: Uint8Array = NO_BYTES;
  private ringAt = 0;
  private ringMask = 0;

  // The last delivered chunks (rel, file, frame), for naming the first copy in a finding.
  chunkCount = 0;
  chunkRel0 = 0;
  chunkFile0 = 0;
  chunkFrame0 = 0;
  chunkRel1 = 0;
  chunkFile1 = 0;
  chunkFrame1 = 0;
  chunkRel2 = 0;
  chunkFile2 = 0;
  chunkFrame2 = 0;
  chunkRel3 = 0;
  chunkFile3 = 0;
  chunkFrame3 = 0;

  /**
   * Limits and the scan results are reached through the sink (its connection, then the
   * table): a field each here was 16 bytes more per direction of every connection.
   */
  constructor(
    public direction: Direction,
    public stats: DirectionStats,
    private readonly sink: StreamSink,
  ) {}

  /**
   * Back to the state of a new direction, for another connection of the same sink (the table
   * reuses a released connection's objects): every field a new one starts with is set here.
   */
  reset(direction: Direction, stats: DirectionStats): void {
    // Late segments of an ended connection may have left runs (never copies) behind.
    this.release();
    this.direction = direction;
    this.stats = stats;
    this.nextRel = 0;
    this.highestRel = 0;
    this.highestSeq = 0;
    this.flags = 0;
    this.isn = 0;
    this.finRel = -1;
    this.ackedRel = -1;
    this.ackHint = -1;
    this.lastSeq = 0;
    this.lastAck = 0;
    this.lastWindow = 0;
    this.windowScale = -1;
    this.maxWindow = 0;
    this.historyStart = 0;
    // Chunks are read only below chunkCount.
    this.chunkCount = 0;
  }

  /** The stream has a start (rel 0): a SYN, a payload or a FIN was seen. */
  get started(): boolean {
    return (this.flags & STARTED) !== 0;
  }

  set started(value: boolean) {
    this.flags = value ? this.flags | STARTED : this.flags & ~STARTED;
  }

  get synSeen(): boolean {
    return (this.flags & SYN_SEEN) !== 0;
  }

  set synSeen(value: boolean) {
    this.flags = value ? this.flags | SYN_SEEN : this.flags & ~SYN_SEEN;
  }

  /** The peer acknowledged the FIN. */
  get finAcked(): boolean {
    return (this.flags & FIN_ACKED) !== 0;
  }

  set finAcked(value: boolean) {
    this.flags = value ? this.flags | FIN_ACKED : this.flags & ~FIN_ACKED;
  }

  /** lastSeq, lastAck and lastWindow hold a segment's. */
  get hasLast(): boolean {
    return (this.flags & HAS_LAST) !== 0;
  }

  set hasLast(value: boolean) {
    this.flags = value ? this.flags | HAS_LAST : this.flags & ~HAS_LAST;
  }

  /** Where scan() leaves its results; every direction of a table shares one. */
  private get scanned(): ScanResult {
    return this.sink.scanned;
  }

  // Results of the last scan(): what the segment adds, repeats or contradicts.
  get newBytes(): number {
    return this.scanned.newBytes;
  }

  get overlapBytes(): number {
    return this.scanned.overlapBytes;
  }

  get differsAt(): number {
    return this.scanned.differsAt;
  }

  get differsFileIndex(): number {
    return this.scanned.differsFileIndex;
  }

  get differsFrame(): number {
    return this.scanned.differsFrame;
  }

  /** Starts the stream at `seq` (rel 0). */
  start(seq: number): void {
    this.started = true;
    this.nextRel = 0;
    this.highestRel = 0;
    this.highestSeq = seq | 0;
  }

  relOf(seq: number): number {
    return this.highestRel + ((seq - this.highestSeq) | 0);
  }

  private setHighest(rel: number): void {
    this.highestSeq = (this.highestSeq + (rel - this.highestRel)) | 0;
    this.highestRel = rel;
  }

  private moveNext(rel: number): void {
    this.nextRel = rel;
    if (rel > this.highestRel) this.setHighest(rel);
  }

  /**
   * Classifies payload [S, E) (rel; captured up to C) against what came before, without
   * changing any state: fills newBytes, overlapBytes and, when `compare`, differsAt.
   * Bytes before rel 0 (a mid-stream pickup's past) count as neither.
   */
  scan(S: number, E: number, C: number, buf: Uint8Array, off: number, compare: boolean): void {
    let newBytes = 0;
    let overlap = 0;
    const scanned = this.scanned;
    scanned.differsAt = -1;
    let pos = S > 0 ? S : 0;
    if (pos < E) {
      const next = this.nextRel;
      if (pos < next) {
        const oldEnd = E < next ? E : next;
        overlap += oldEnd - pos;
        if (compare) this.compareHistory(pos, oldEnd < C ? oldEnd : C, buf, off + (pos - S));
        pos = oldEnd;
      }
      const runs = this.pending;
      if (pos < E && runs !== null && runs.length > 0) {
        for (let i = this.firstRunEndingAfter(pos); i < runs.length && pos < E; i++) {
          const run = runs[i]!;
          if (run.start >= E) break;
          if (run.start > pos) {
            newBytes += run.start - pos;
            pos = run.start;
          }
          const end = run.end < E ? run.end : E;
          overlap += end - pos;
          if (compare && run.bytes !== null && scanned.differsAt < 0) {
            const cmpEnd = end < C ? end : C;
            const bytes = run.bytes;
            const runOff = pos - run.start;
            const segOff = off + (pos - S);
            for (let k = 0; k < cmpEnd - pos; k++) {
              if (bytes[runOff + k] !== buf[segOff + k]) {
                scanned.differsAt = pos + k;
                scanned.differsFileIndex = run.fileIndex;
                scanned.differsFrame = run.frame;
                break;
              }
            }
          }
          pos = end;
        }
      }
      if (pos < E) newBytes += E - pos;
    }
    scanned.newBytes = newBytes;
    scanned.overlapBytes = overlap;
  }

  private compareHistory(from: number, to: number, buf: Uint8Array, off: number): void {
    const scanned = this.scanned;
    if (this.history === null || scanned.differsAt >= 0) return;
    const start = from > this.historyStart ? from : this.historyStart;
    const bytes = this.ringBytes;
    const at = this.ringAt;
    const mask = this.ringMask;
    for (let rel = start; rel < to; rel++) {
      if (bytes[at + (rel & mask)] !== buf[off + (rel - from)]) {
        scanned.differsAt = rel;
        scanned.differsFileIndex = 0;
        scanned.differsFrame = 0;
        this.findHistoryFrame(rel);
        return;
      }
    }
  }

  /**
   * Takes payload [S, E) into the stream after scan(): in-order bytes are delivered (from the
   * first copy wherever an earlier one is pending), later ones wait as pending runs.
   */
  apply(S: number, E: number, C: number, buf: Uint8Array, off: number, fileIndex: number, frame: number, buffered: boolean): void {
    if (this.newBytes > 0) {
      const lo = S > 0 ? S : 0;
      // The peer already acknowledged the hole before this segment: it was on the wire, not in the capture.
      if (lo > this.nextRel && lo <= this.ackedRel) this.flushTo(lo, buffered);
      if (lo <= this.nextRel) this.deliver(S, E, C, buf, off, fileIndex, frame, buffered);
      else this.bufferOutOfOrder(lo, S, E, C, buf, off, fileIndex, frame, buffered);
    }
    if (E > this.highestRel) this.setHighest(E);
  }

  private deliver(S: number, E: number, C: number, buf: Uint8Array, off: number, fileIndex: number, frame: number, buffered: boolean): void {
    const runs = this.pending;
    while (this.nextRel < E) {
      const run = runs !== null && runs.length > 0 && runs[0]!.start < E ? runs[0]! : null;
      const limit = run === null ? E : run.start;
      const pos = this.nextRel;
      if (pos < limit) {
        const capturedEnd = C < limit ? C : limit;
        if (pos < capturedEnd) {
          if (buffered) {
            this.sink.streamData(this.direction, buf, off + (pos - S), off + (capturedEnd - S), fileIndex, frame);
            this.remember(buf, off + (pos - S), capturedEnd - pos, fileIndex, frame);
          }
          this.moveNext(capturedEnd);
        }
        if (this.nextRel < limit) this.skip(limit - this.nextRel, false, buffered);
      }
      if (run !== null) {
        runs!.shift();
        this.emitRun(run, buffered);
      }
    }
    this.drain(buffered);
  }

  /** Emits a pending run (or what of it lies beyond nextRel) and frees its copy. */
  private emitRun(run: PendingRun, buffered: boolean): void {
    const bytes = run.bytes;
    if (bytes !== null) this.sink.releaseBuffer(bytes.length);
    if (run.end <= this.nextRel) return;
    const from = this.nextRel - run.start;
    if (bytes === null) {
      this.skip(run.end - this.nextRel, false, buffered);
      return;
    }
    if (buffered) {
      this.sink.streamData(this.direction, bytes, from, bytes.length, run.fileIndex, run.frame);
      this.remember(bytes, from, bytes.length - from, run.fileIndex, run.frame);
    }
    this.moveNext(run.end);
  }

  private drain(buffered: boolean): void {
    const runs = this.pending;
    if (runs === null) return;
    while (runs.length > 0 && runs[0]!.start <= this.nextRel) this.emitRun(runs.shift()!, buffered);
  }

  /**
   * Moves past `length` bytes the stream view will never have: a hole in the capture
   * (`missing`), or bytes seen but not kept (snaplen, count-only runs).
   */
  private skip(length: number, missing: boolean, buffered: boolean): void {
    if (missing) this.stats.missingBytes += length;
    if (buffered) this.sink.streamGap(this.direction, length);
    this.moveNext(this.nextRel + length);
    // The ring must stay contiguous with nextRel.
    this.historyStart = this.nextRel;
  }

  /** Gives up every hole before `limit`: gaps for them, pending runs delivered in between. */
  flushTo(limit: number, buffered: boolean): void {
    const runs = this.pending;
    for (;;) {
      const run = runs !== null && runs.length > 0 ? runs[0]! : null;
      if (run !== null && run.start <= this.nextRel) {
        runs!.shift();
        this.emitRun(run, buffered);
        continue;
      }
      if (this.nextRel >= limit) break;
      const holeEnd = run !== null && run.start < limit ? run.start : limit;
      this.skip(holeEnd - this.nextRel, true, buffered);
    }
  }

  private bufferOutOfOrder(
    lo: number,
    S: number,
    E: number,
    C: number,
    buf: Uint8Array,
    off: number,
    fileIndex: number,
    frame: number,
    buffered: boolean,
  ): void {
    const runs = (this.pending ??= []);
    // First pass: what keeping the uncovered pieces would cost, before copying anything.
    let copyBytes = 0;
    let pieces = 0;
    let pos = lo;
    for (let i = this.firstRunEndingAfter(lo); pos < E; ) {
      const run = i < runs.length ? runs[i]! : null;
      if (run !== null && run.start <= pos) {
        pos = run.end;
        i++;
        continue;
      }
      const end = run !== null && run.start < E ? run.start : E;
      if (buffered && pos < C) copyBytes += (end < C ? end : C) - pos;
      pieces += buffered && pos < C && end > C ? 2 : 1;
      pos = end;
    }
    let cap: BufferCap | null = null;
    if (runs.length + pieces > this.sink.limits.maxPendingRuns) cap = 'maxPendingRunsPerDirection';
    else if (copyBytes > 0) cap = this.sink.reserveBuffer(copyBytes);
    if (cap !== null) {
      // As gopacket does when its page cap is hit: give up the holes before this segment
      // and go on from it, rather than drop the segment or grow without bound.
      this.sink.capHit(cap, this.direction, fileIndex, frame);
      this.flushTo(lo, buffered);
      this.deliver(S, E, C, buf, off, fileIndex, frame, buffered);
      return;
    }

    // Second pass: insert the pieces no earlier copy covers (first copy wins).
    pos = lo;
    for (let i = this.firstRunEndingAfter(lo); pos < E; ) {
      const run = i < runs.length ? runs[i]! : null;
      if (run !== null && run.start <= pos) {
        pos = run.end;
        i++;
        continue;
      }
      const end = run !== null && run.start < E ? run.start : E;
      if (buffered && pos < C) {
        const dataEnd = end < C ? end : C;
        const copy = buf.slice(off + (pos - S), off + (dataEnd - S));
        runs.splice(i++, 0, new PendingRun(pos, dataEnd, copy, fileIndex, frame));
        if (dataEnd < end) i = this.insertSeen(runs, i, dataEnd, end, fileIndex, frame);
      } else {
        i = this.insertSeen(runs, i, pos, end, fileIndex, frame);
      }
      pos = end;
    }
  }

  /** Inserts a payload-less run at index i, extending the run before it when they touch. */
  private insertSeen(runs: PendingRun[], i: number, start: number, end: number, fileIndex: number, frame: number): number {
    const before = i > 0 ? runs[i - 1]! : null;
    if (before !== null && before.bytes === null && before.end === start) {
      before.end = end;
      return i;
    }
    runs.splice(i, 0, new PendingRun(start, end, null, fileIndex, frame));
    return i + 1;
  }

  /** Index of the first pending run ending after `pos` (runs are disjoint and sorted). */
  private firstRunEndingAfter(pos: number): number {
    const runs = this.pending!;
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (runs[mid]!.end <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * The peer acknowledged up to `ack`: every hole before it was on the wire but not captured.
   * The caller passes the ack as int32 (relOf() gives the same for it as for the unsigned
   * form): an unsigned ack above 2^31 is not a small integer, and this call (not inlined)
   * would box it in a new heap number per segment.
   */
  onPeerAck(ack: number, buffered: boolean): void {
    if (!this.started) {
      // ackHint stays unsigned: -1 means none.
      if (this.ackHint < 0) this.ackHint = ack >>> 0;
      return;
    }
    const rel = this.relOf(ack);
    if (rel <= this.ackedRel || rel - this.highestRel > MAX_ACK_AHEAD) return;
    this.ackedRel = rel;
    const fin = this.finRel;
    if (fin >= 0 && rel > fin) this.finAcked = true;
    // Beyond the highest byte seen, the last acknowledged unit may be a FIN we did not capture;
    // that tail is settled by the next segment or at the close.
    const limit = fin >= 0 ? (rel < fin ? rel : fin) : rel < this.highestRel ? rel : this.highestRel;
    if (limit > this.nextRel) this.flushTo(limit, buffered);
  }

  /** At the end of the connection: every hole up to the known end is missing. */
  closeFlush(buffered: boolean): void {
    if (!this.started) return;
    let limit = this.finRel >= 0 ? this.finRel : this.highestRel;
    // Acknowledged beyond everything seen, and no FIN seen: count all but the last unit,
    // which may have been the FIN itself.
    if (this.finRel < 0 && this.ackedRel - 1 > limit) limit = this.ackedRel - 1;
    this.flushTo(limit, buffered);
  }

  /** The stream view was dropped: forget copies, keep only what was seen. */
  dropBuffers(): void {
    const runs = this.pending;
    if (runs !== null) {
      for (const run of runs) {
        if (run.bytes !== null) {
          this.sink.releaseBuffer(run.bytes.length);
          run.bytes = null;
        }
      }
    }
    if (this.history !== null) {
      this.sink.releaseHistory(this.history);
      this.useRing(null);
    }
  }

  /** Frees everything (connection ended). */
  release(): void {
    this.dropBuffers();
    this.pending = null;
  }

  /** Keeps delivered bytes [nextRel, nextRel + length) for comparing later retransmissions. */
  private remember(buf: Uint8Array, from: number, length: number, fileIndex: number, frame: number): void {
    const max = this.sink.limits.historyBytes;
    if (max === 0 || length === 0) return;
    if (this.history === null) {
      const acquired = this.sink.acquireHistory();
      if (acquired === null) return;
      this.useRing(acquired);
      this.historyStart = this.nextRel;
      this.chunkCount = 0;
    }
    const end = this.nextRel + length;
    // Grown only while the bytes the peer has not acknowledged outgrow it: those are the ones
    // a sender retransmits (RFC 9293 §3.8.1), and a chatty control connection whose peer
    // ACKs promptly keeps the smallest ring however long it lives.
    const keepFrom = this.ackedRel > this.historyStart ? this.ackedRel : this.historyStart;
    if (this.ringMask + 1 < max && end - keepFrom > this.ringMask + 1) this.growHistory(end - keepFrom, max);
    this.recordChunk(fileIndex, frame);
    const ring = this.ringBytes;
    const at = this.ringAt;
    const mask = this.ringMask;
    const size = mask + 1;
    let rel = this.nextRel;
    if (length > size) {
      from += length - size;
      rel += length - size;
      length = size;
    }
    const writeAt = rel & mask;
    if (length <= 64) {
      for (let k = 0; k < length; k++) ring[at + ((writeAt + k) & mask)] = buf[from + k]!;
    } else {
      const first = size - writeAt < length ? size - writeAt : length;
      ring.set(buf.subarray(from, from + first), at + writeAt);
      if (first < length) ring.set(buf.subarray(from + first, from + length), at);
    }
    if (end - size > this.historyStart) this.historyStart = end - size;
  }

  /**
   * Where the chunk delivered at nextRel came from. Only the last few are kept, in fields of
   * this object (no extra memory to touch per segment): a retransmission is nearly always of
   * the latest unacknowledged segments.
   */
  private recordChunk(fileIndex: number, frame: number): void {
    const rel = this.nextRel;
    switch (this.chunkCount++ & 3) {
      case 0:
        this.chunkRel0 = rel;
        this.chunkFile0 = fileIndex;
        this.chunkFrame0 = frame;
        break;
      case 1:
        this.chunkRel1 = rel;
        this.chunkFile1 = fileIndex;
        this.chunkFrame1 = frame;
        break;
      case 2:
        this.chunkRel2 = rel;
        this.chunkFile2 = fileIndex;
        this.chunkFrame2 = frame;
        break;
      default:
        this.chunkRel3 = rel;
        this.chunkFile3 = fileIndex;
        this.chunkFrame3 = frame;
    }
  }

  /** The frame a delivered byte came from, when its chunk is among the last four. */
  private findHistoryFrame(rel: number): void {
    const count = this.chunkCount < 4 ? this.chunkCount : 4;
    // Chunks are recorded in stream order: before the oldest one kept, the owner is unknown.
    const oldest = this.chunkCount <= 4 ? 0 : this.chunkCount & 3;
    if (count === 0 || rel < this.chunkRelAt(oldest)) return;
    let best = -1;
    for (let slot = 0; slot < count; slot++) {
      const start = this.chunkRelAt(slot);
      if (start <= rel && (best < 0 || start > this.chunkRelAt(best))) best = slot;
    }
    if (best < 0) return;
    this.scanned.differsFileIndex = best === 0 ? this.chunkFile0 : best === 1 ? this.chunkFile1 : best === 2 ? this.chunkFile2 : this.chunkFile3;
    this.scanned.differsFrame = best === 0 ? this.chunkFrame0 : best === 1 ? this.chunkFrame1 : best === 2 ? this.chunkFrame2 : this.chunkFrame3;
  }

  private chunkRelAt(slot: number): number {
    return slot === 0 ? this.chunkRel0 : slot === 1 ? this.chunkRel1 : slot === 2 ? this.chunkRel2 : this.chunkRel3;
  }

  /** Moves the history to a larger ring of its own, when the budget allows. */
  private growHistory(needed: number, max: number): void {
    const old = this.history!;
    let size = old.size;
    while (size < needed && size < max) size *= 2;
    if (size > max) size = 1 << (31 - Math.clz32(max));
    if (size <= old.size || !this.sink.reserveHistory(size)) return;
    const bytes = new Uint8Array(size);
    const oldBytes = old.bytes;
    const oldMask = old.size - 1;
    const mask = size - 1;
    for (let rel = this.historyStart; rel < this.nextRel; rel++) bytes[rel & mask] = oldBytes[old.at + (rel & oldMask)]!;
    this.sink.releaseHistory(old);
    this.useRing(new HistoryRing(bytes, 0, size));
  }

  private useRing(ring: HistoryRing | null): void {
    this.history = ring;
    this.ringBytes = ring === null ? NO_BYTES : ring.bytes;
    this.ringAt = ring === null ? 0 : ring.at;
    this.ringMask = ring === null ? 0 : ring.size - 1;
  }
}
