/**
 * Splits one direction of a control connection's stream view into lines. Handles CRLF
 * and bare LF, Telnet IAC sequences (RFC 959 §4.1.3: the control connection is a
 * Telnet NVT; clients send IAC IP / IAC DM before ABOR), lines split over segments and
 * several lines in one segment. A gap drops the partial line and resynchronises at the
 * next line feed. Lines longer than the cap are cut (with the rest of the line skipped)
 * instead of buffered without bound.
 */
import type { FrameRef } from '../findings.js';
import { spanFrames, type FrameSpan } from './model.js';

/** Zeek caps commands at 100 bytes by default; real replies (MLST, FEAT, 211-) run longer. */
export const MAX_LINE_BYTES = 8192;
const INITIAL_LINE_BYTES = 128;
const NO_BYTES = new Uint8Array(0);

/**
 * UTF-8 text of bytes[start, end) of any Uint8Array, with no Buffer made around it: what
 * Buffer#toString('utf8', start, end) runs, taken from Buffer's prototype. Lines are read
 * in place from the segment, which is a plain view, and a Buffer per line cost more than
 * decoding it.
 */
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice(this: Uint8Array, start: number, end: number): string }).utf8Slice;

const IAC = 0xff;

/** Slots of a LineTexts cache (a power of two). */
const TEXT_SLOTS = 4096;
/** Lines longer than this are decoded each time: long lines (paths, MLST facts) seldom repeat. */
const MAX_CACHED_LINE = 96;

/**
 * Texts of the lines an FTP stage saw lately, by their bytes, shared by its sessions. Most
 * control lines repeat across sessions and within one ("NOOP", "200 NOOP ok.", "TYPE I",
 * "226 Transfer complete."): a repeated line gets the string made the first time instead of a
 * new one, with no call into Node's decoder, and the suffix asked of it last (a command's
 * argument, a reply's text after its code) comes with it. A string seen before also has its
 * hash computed already, for the maps that take it next (the command store's string pool).
 *
 * Direct-mapped: one text per slot, by a hash of the bytes; a line that takes the slot of
 * another replaces it. Only ASCII lines are kept, so a text's characters are its bytes.
 */
export class LineTexts {
  private readonly texts: string[] = new Array<string>(TEXT_SLOTS).fill('');
  private readonly suffixes: string[] = new Array<string>(TEXT_SLOTS).fill('');
  /** Where in its text each slot's suffix starts (-1: none kept). */
  private readonly suffixFrom = new Int16Array(TEXT_SLOTS).fill(-1);
  /** The slot of the text returned last, for suffix(). */
  private lastSlot = -1;

  /** The UTF-8 text of bytes[from, to). */
  text(bytes: Uint8Array, from: number, to: number): string {
    const length = to - from;
    this.lastSlot = -1;
    if (length === 0) return '';
    if (length > MAX_CACHED_LINE) return utf8Slice.call(bytes, from, to);
    // FNV-1a over the bytes; a byte of 0x80 or more (UTF-8) is decoded each time.
    let hash = 0x811c9dc5;
    for (let i = from; i < to; i++) {
      const byte = bytes[i]!;
      if (byte >= 0x80) return utf8Slice.call(bytes, from, to);
      hash = Math.imul(hash ^ byte, 0x01000193);
    }
    const slot = (hash ^ (hash >>> 16)) & (TEXT_SLOTS - 1);
    const cached = this.texts[slot]!;
    if (cached.length === length && sameText(cached, bytes, from)) {
      this.lastSlot = slot;
      return cached;
    }
    const text = utf8Slice.call(bytes, from, to);
    this.texts[slot] = text;
    this.suffixFrom[slot] = -1;
    this.suffixes[slot] = '';
    this.lastSlot = slot;
    return text;
  }

  /** text.slice(from), for the text returned last: made once per cached text (and `from`). */
  suffix(text: string, from: number): string {
    const slot = this.lastSlot;
    if (slot < 0 || this.texts[slot] !== text) return text.slice(from);
    if (this.suffixFrom[slot] === from) return this.suffixes[slot]!;
    const suffix = text.slice(from);
    this.suffixes[slot] = suffix;
    this.suffixFrom[slot] = from;
    return suffix;
  }
}

/** Whether the ASCII string `text` is bytes[from, from + text.length). */
function sameText(text: string, bytes: Uint8Array, from: number): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) !== bytes[from + i]) return false;
  return true;
}

/**
 * The first `byte` in bytes[from, to), or -1. A loop, not the native indexOf: that one
 * has no end and would read on past the segment into the rest of the capture's chunk.
 * Control lines are short.
 */
function indexOfByte(bytes: Uint8Array, byte: number, from: number, to: number): number {
  for (let i = from; i < to; i++) if (bytes[i] === byte) return i;
  return -1;
}

/** The first line feed or IAC in bytes[from, to), or -1: where plain text stops, found in one pass. */
function indexOfLineFeedOrIac(bytes: Uint8Array, from: number, to: number): number {
  for (let i = from; i < to; i++) {
    const byte = bytes[i];
    if (byte === 0x0a || byte === IAC) return i;
  }
  return -1;
}
const TELNET_SB = 0xfa;
const TELNET_SE = 0xf0;
const TELNET_WILL = 0xfb;
const TELNET_DONT = 0xfe;

/** One line as the splitter hands it on: a record refilled per line (keep its fields, not the record). */
export class Line implements FrameSpan {
  /** Text without the line ending, decoded as UTF-8 (RFC 2640) with Telnet commands removed. */
  text = '';
  /** The first frame that carried a byte of the line; the others (a split command) in `more`. */
  fileIndex = 0;
  frame = 0;
  more: FrameRef[] | null = null;
  /** Line ended by bare LF rather than CRLF. */
  bareLf = false;
  /** Bytes were skipped (cap) or lost (gap) inside or before this line. */
  damaged: 'none' | 'too-long' | 'after-gap' = 'none';
  /** Telnet IAC sequences removed from the line (IP, DM, ...), for ABOR detection. */
  telnetCommands = 0;
  /** The line ended the stream without a line feed. */
  unterminated = false;

  /** Every frame that carried a byte of the line, in order, as a list of its own. */
  get frames(): FrameRef[] {
    return spanFrames(this);
  }
}

/**
 * Gets a record that is refilled for the next line: keep its fields, not the record itself.
 * Called with the splitter's `target` as `this` (see LineSplitter).
 */
export type LineHandler<T = unknown> = (this: T, line: Line) => void;

const enum TelnetState {
  Data = 0,
  Iac = 1,
  Option = 2,
  Subnegotiation = 3,
  SubnegotiationIac = 4,
}

export class LineSplitter<T = unknown> {
  /**
   * Holds a line that continues in a later segment. Made when first needed and grown on
   * demand up to the cap: most lines arrive whole and are read in place, and a trace can
   * hold many sessions.
   */
  private buffer: Uint8Array = NO_BYTES;
  private length = 0;
  /**
   * Frames of the line being built: the first in two fields, the rest (rare: a line split
   * over segments) in a list. The line's frames list is made once, when it is complete.
   */
  private frameCount = 0;
  private firstFileIndex = 0;
  private firstFrame = 0;
  private lastFileIndex = 0;
  private lastFrame = 0;
  private moreFrames: FrameRef[] | null = null;
  private skipping = false;
  private damaged: Line['damaged'] = 'none';
  private telnet = TelnetState.Data;
  private telnetCommands = 0;
  /** After a gap, nothing is parsed until the next line feed: the line's start was lost. */
  private resyncing = false;

  constructor(
    private readonly onLine: LineHandler<T>,
    private readonly maxLineBytes: number = MAX_LINE_BYTES,
    /**
     * Whether bytes right after a gap look like the start of a line (a command word, a
     * reply code): lost bytes usually end at a segment boundary, which is a line boundary
     * in most FTP traffic, so we resume there instead of throwing the line away.
     */
    private readonly looksLikeLineStart: (bytes: Uint8Array, start: number, end: number) => boolean = () => false,
    /** Where repeated lines get their texts (the stage's sessions share one); null: each line is decoded. */
    private readonly texts: LineTexts | null = null,
    /**
     * The record lines are handed on in. Splitters whose handlers never run inside one
     * another (one stage's sessions: lines come one at a time, from the segment being read)
     * share one, which stays in the cache where a record per splitter would be one more
     * object to reach per line.
     */
    private readonly line: Line = new Line(),
    /**
     * What onLine is called on: a session hands one function shared by all sessions and
     * itself here, instead of a closure (and its context) per splitter, which a trace of
     * thousands of open sessions would carry through every young-generation collection.
     */
    private readonly target: T = undefined as T,
  ) {}

  push(bytes: Uint8Array, fileIndex: number, frame: number): void {
    this.pushRange(bytes, 0, bytes.length, fileIndex, frame);
  }

  /** Bytes buffer[start, end) of the stream, from one frame. */
  pushRange(bytes: Uint8Array, start: number, end: number, fileIndex: number, frame: number): void {
    const n = end;
    let i = start;
    if (this.resyncing) {
      if (this.looksLikeLineStart(bytes, start, end)) {
        this.resyncing = false;
        this.damaged = 'after-gap';
      } else {
        const lf = indexOfByte(bytes, 0x0a, start, end);
        if (lf < 0) return;
        this.resyncing = false;
        this.damaged = 'after-gap';
        i = lf + 1;
      }
    }
    // Whole runs of plain bytes are found at once and copied at once (or read in place);
    // only Telnet sequences (rare: IAC before ABOR) go byte by byte.
    let noted = false;
    while (i < n) {
      if (!noted && !this.skipping) {
        this.note(fileIndex, frame);
        noted = true;
      }
      if (this.telnet !== TelnetState.Data) {
        if (this.telnetByte(bytes[i]!)) this.append(IAC);
        i++;
        continue;
      }
      let lf = indexOfLineFeedOrIac(bytes, i, n);
      if (lf >= 0 && bytes[lf] === IAC) {
        // Text up to the IAC, then the Telnet sequence byte by byte.
        if (lf === i) {
          this.telnetByte(IAC);
          i++;
        } else {
          this.appendRange(bytes, i, lf);
          i = lf;
        }
        continue;
      }
      if (lf >= 0 && this.length === 0 && !this.skipping && lf - i <= this.maxLineBytes) {
        // The whole line is in this segment (the usual case): its text is read in place.
        this.emitFrom(bytes, i, lf, false);
        noted = false;
        i = lf + 1;
        continue;
      }
      if (lf < 0) lf = n;
      this.appendRange(bytes, i, lf);
      if (lf === n) break;
      this.emit(false);
      noted = false;
      i = lf + 1;
    }
  }

  private note(fileIndex: number, frame: number): void {
    if (this.frameCount === 0) {
      this.firstFileIndex = this.lastFileIndex = fileIndex;
      this.firstFrame = this.lastFrame = frame;
      this.frameCount = 1;
      return;
    }
    if (frame === this.lastFrame && fileIndex === this.lastFileIndex) return;
    this.lastFileIndex = fileIndex;
    this.lastFrame = frame;
    (this.moreFrames ??= []).push({ fileIndex, frame });
    this.frameCount++;
  }

  /** `length` bytes of this direction were never captured. */
  gap(_length: number): void {
    this.clear();
    this.resyncing = true;
  }

  /** End of the stream: a line without a line feed is still reported. */
  end(): void {
    if (this.length > 0 || this.skipping) this.emit(true);
  }

  /** Feeds one byte of a Telnet sequence; returns true when it stands for a data byte 0xFF. */
  private telnetByte(byte: number): boolean {
    switch (this.telnet) {
      case TelnetState.Data:
        this.telnet = TelnetState.Iac;
        return false;
      case TelnetState.Iac:
        if (byte === IAC) {
          this.telnet = TelnetState.Data;
          return true;
        }
        this.telnetCommands++;
        if (byte >= TELNET_WILL && byte <= TELNET_DONT) this.telnet = TelnetState.Option;
        else if (byte === TELNET_SB) this.telnet = TelnetState.Subnegotiation;
        else this.telnet = TelnetState.Data;
        return false;
      case TelnetState.Option:
        this.telnet = TelnetState.Data;
        return false;
      case TelnetState.Subnegotiation:
        if (byte === IAC) this.telnet = TelnetState.SubnegotiationIac;
        return false;
      case TelnetState.SubnegotiationIac:
        this.telnet = byte === TELNET_SE ? TelnetState.Data : TelnetState.Subnegotiation;
        return false;
    }
  }

  private append(byte: number): void {
    if (this.length === this.buffer.length && !this.grow()) {
      this.skipping = true;
      this.damaged = 'too-long';
      return;
    }
    this.buffer[this.length++] = byte;
  }

  /** Appends bytes[from, to); what does not fit under the cap is skipped. */
  private appendRange(bytes: Uint8Array, from: number, to: number): void {
    if (from === to) return;
    let count = to - from;
    while (this.length + count > this.buffer.length && this.grow()) { /* doubled */ }
    const room = this.buffer.length - this.length;
    if (count > room) {
      count = room;
      this.skipping = true;
      this.damaged = 'too-long';
    }
    const buffer = this.buffer;
    // Command lines are short: a loop beats making a subarray view to set() from.
    if (count < 64) for (let k = 0; k < count; k++) buffer[this.length + k] = bytes[from + k]!;
    else buffer.set(bytes.subarray(from, from + count), this.length);
    this.length += count;
  }

  /** Doubles the line buffer up to the cap; false when it is at the cap already. */
  private grow(): boolean {
    if (this.buffer.length >= this.maxLineBytes) return false;
    const grown = new Uint8Array(Math.min(Math.max(this.buffer.length * 2, INITIAL_LINE_BYTES), this.maxLineBytes));
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    return true;
  }

  private emit(unterminated: boolean): void {
    this.emitFrom(this.buffer, 0, this.length, unterminated);
  }

  /** Hands on the line in bytes[from, to) (without its line feed). */
  private emitFrom(bytes: Uint8Array, from: number, to: number, unterminated: boolean): void {
    let end = to;
    const crlf = end > from && bytes[end - 1] === 0x0d;
    if (crlf) end--;
    // One Line record per splitter, refilled per line: handlers keep its fields, never the record.
    const line = this.line;
    line.text = this.texts !== null ? this.texts.text(bytes, from, end) : utf8Slice.call(bytes, from, end);
    line.fileIndex = this.firstFileIndex;
    line.frame = this.frameCount === 0 ? 0 : this.firstFrame;
    line.more = this.moreFrames;
    line.bareLf = !crlf && !unterminated;
    line.damaged = this.damaged;
    line.telnetCommands = this.telnetCommands;
    line.unterminated = unterminated;
    this.onLine.call(this.target, line);
    // The record outlives the line: holding its text until the next one would carry every
    // session's last line through each young-generation collection.
    line.text = '';
    line.more = null;
    this.clear();
  }

  private clear(): void {
    this.length = 0;
    this.frameCount = 0;
    this.moreFrames = null;
    this.skipping = false;
    this.damaged = 'none';
    this.telnetCommands = 0;
    this.telnet = TelnetState.Data;
  }
}
