/**
 * The chunk window every format reader parses from. Records are read in place from a large
 * buffer; when one straddles the end of the buffer, its head is moved to the front and the
 * rest is read after it, growing the buffer only when a single record is larger than it.
 */
import { CaptureError } from './errors.js';
import { newFrame, type Frame } from './frame.js';
import type { ByteSource } from './source.js';
import { SourceError } from './source.js';
import type { CaptureFileInfo } from './types.js';

export interface ReaderSetup {
  source: ByteSource;
  info: CaptureFileInfo;
  fileIndex: number;
  /** The buffer the format was sniffed from, and how many bytes of it are filled. */
  buffer: Uint8Array;
  filled: number;
  /** Size the buffer grows to once the file is being read (see MERGE_INITIAL_BUFFER). */
  chunkSize: number;
  /** Called after every refill; the caller rate-limits its progress report. */
  onChunk: () => void;
}

export abstract class RecordReader {
  /** The single Frame this reader overwrites for every record. */
  readonly frame: Frame = newFrame();
  error: CaptureError | null = null;
  /** No more frames will come: end of data, or a fault. */
  done = false;

  protected buf: Uint8Array;
  protected view: DataView;
  /** Parse position and end of valid data in `buf`. */
  protected pos = 0;
  protected end: number;
  /** File offset (decompressed) of buf[0]. */
  protected base = 0;
  /** Set when next() returns false for lack of data: bytes needed from `pos` to continue. */
  protected need = 0;
  /** Length the pending record's header declared (-1 when the header itself is incomplete), for the truncation message. */
  protected declared = -1;
  /** Bytes at the start of the record not counted by `declared`. */
  protected declaredAfter = 0;
  /** What the incomplete bytes were meant to be, when `declared` is -1. */
  protected pendingPart = 'record header';

  protected readonly source: ByteSource;
  protected readonly info: CaptureFileInfo;
  private readonly chunkSize: number;
  private readonly onChunk: () => void;
  private sourceEnded = false;
  private sourceError: unknown = null;

  constructor(setup: ReaderSetup) {
    this.source = setup.source;
    this.info = setup.info;
    this.chunkSize = setup.chunkSize;
    this.onChunk = setup.onChunk;
    this.buf = setup.buffer;
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.end = setup.filled;
    this.frame.fileIndex = setup.fileIndex;
    this.frame.buffer = this.buf;
  }

  /**
   * Parses the next record into `frame`. Synchronous so the common case costs no promise;
   * returns false when the buffer runs out (call refill) or when `done`.
   */
  abstract next(): boolean;

  /** The next frame, refilling as often as needed; false when the file has no more. */
  async advance(): Promise<boolean> {
    for (;;) {
      if (this.next()) return true;
      if (!(await this.refill())) return false;
    }
  }

  /** Makes `need` bytes available at `pos`; false (and `done`) at the end of the data or on a fault. */
  async refill(): Promise<boolean> {
    if (this.done) return false;
    this.compactAndGrow();
    while (!this.sourceEnded && this.end < this.buf.length) {
      try {
        const n = await this.source.read(this.buf, this.end, this.buf.length - this.end);
        if (n === 0) this.sourceEnded = true;
        this.end += n;
      } catch (err) {
        this.sourceEnded = true;
        this.sourceError = err;
      }
    }
    this.onChunk();
    if (this.end - this.pos >= this.need) return true;
    this.finishAtEndOfData();
    return false;
  }

  async close(): Promise<void> {
    await this.source.close();
  }

  /** Copies the reader's final state into its file info. */
  finish(): void {
    const info = this.info;
    const frame = this.frame;
    info.frames = frame.number;
    info.bytes = this.base + this.pos;
    if (frame.number > 0) {
      info.lastTsSec = frame.tsSec;
      info.lastTsNsec = frame.tsNsec;
    }
    info.error = this.error;
  }

  /** Bytes taken from disk or stdin so far (compressed for gzip). */
  get rawBytesRead(): number {
    return this.source.rawBytesRead;
  }

  protected wait(need: number, declared: number, declaredAfter: number, pendingPart = 'record header'): false {
    this.need = need;
    this.declared = declared;
    this.declaredAfter = declaredAfter;
    this.pendingPart = pendingPart;
    return false;
  }

  /** Ends the file with a fault at file offset base + at. Always returns false for `return this.fail(...)`. */
  protected fail(at: number, what: string): false {
    this.done = true;
    this.error = this.captureError(this.base + at, what);
    return false;
  }

  /** Called for the first frame only, so the hot path does not track it. */
  protected noteFirstFrame(): void {
    this.info.firstTsSec = this.frame.tsSec;
    this.info.firstTsNsec = this.frame.tsNsec;
  }

  protected noteLinkType(linkType: number): void {
    if (!this.info.linkTypes.includes(linkType)) this.info.linkTypes.push(linkType);
  }

  private captureError(offset: number, what: string): CaptureError {
    // Offsets in a gzip file count decompressed bytes; say so, or users would look in the wrong place.
    const suffix = this.info.compression === 'gzip' ? ' (decompressed)' : '';
    return new CaptureError(this.info.path, offset, what + suffix);
  }

  private compactAndGrow(): void {
    const tail = this.end - this.pos;
    const wanted = Math.max(this.need, Math.min(this.chunkSize, this.buf.length * 4), this.buf.length);
    if (wanted > this.buf.length) {
      const bigger = new Uint8Array(wanted);
      bigger.set(this.buf.subarray(this.pos, this.end));
      this.buf = bigger;
      this.view = new DataView(bigger.buffer);
      this.frame.buffer = bigger;
    } else if (this.pos > 0) {
      this.buf.copyWithin(0, this.pos, this.end);
    }
    this.base += this.pos;
    this.pos = 0;
    this.end = tail;
  }

  private finishAtEndOfData(): void {
    this.done = true;
    const available = this.end - this.pos;
    if (this.sourceError !== null) {
      const err = this.sourceError;
      const what = err instanceof SourceError ? err.what : `read error: ${String(err)}`;
      // A gzip fault is reported where the decompressed data stopped, not at the record start.
      this.error = this.captureError(this.base + this.end, what);
    } else if (available === 0) {
      return;
    } else if (this.declared < 0) {
      this.error = this.captureError(
        this.base + this.pos,
        `truncated ${this.pendingPart}: needs ${this.need} bytes, ${available} available`,
      );
    } else {
      this.error = this.captureError(
        this.base + this.pos,
        `truncated record: header says ${this.declared} bytes, ${available - this.declaredAfter} available`,
      );
    }
  }
}
