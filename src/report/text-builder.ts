/**
 * Report text written straight into one growing buffer as UTF-8, with the JSON pieces the
 * reports are made of (quoted strings, numbers, times). Reused from one session's text to
 * the next, it makes no string per member: building each session's JSON as strings made
 * about 600 MB of short-lived strings on the small bench trace (12,000 sessions, 52 MB
 * of JSON), most of what the whole run allocated, and encoding them for the spool cost
 * again. A text is read as a view of the buffer (valid until the builder is written again)
 * or as a string.
 */
import { civilDate, FOUR_DIGIT_YEARS_END, isoTime } from './format.js';

/**
 * Seconds below which jsonNumber writes a value rounded to the microsecond by arithmetic
 * (see #microseconds): a whole number of microseconds then fits 32 bits, and doubles lie
 * far closer together than 1e-6 (they do up to about 9e9).
 */
const MAX_MICROSECOND_SECONDS = 4294;

/** ASCII text as bytes, for TextBuilder.bytes(): the report's fixed pieces, encoded once. */
export function asciiBytes(text: string): Uint8Array {
  if (!/^[\x00-\x7f]*$/.test(text)) throw new RangeError(`not ASCII: ${JSON.stringify(text)}`);
  return new Uint8Array(Buffer.from(text, 'latin1'));
}

/** Characters JSON.stringify writes escaped: quote, backslash, control characters, (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** Printable ASCII without a quote or a backslash: a string JSON.stringify writes as it is, quoted. */
const NOTHING_TO_ESCAPE = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * Characters above which jsonString() checks a string with NOTHING_TO_ESCAPE and copies it
 * natively: below, the regular expression and the native call cost more than looking at each
 * character (measured: at 16 characters the loop took 2/3 of the time, at 32 about the same,
 * at 64 twice as long; on the 110-character messages of findings, three times as long).
 */
const NATIVE_COPY_CHARS = 32;

/** Slots of a builder's piece cache (see TextBuilder.piece): a power of two. */
const PIECE_SLOTS = 256;

/**
 * Pieces of text that recur from text to text, each known by a key of a kind (which
 * writer's piece it is), three strings and a number, kept in slots chosen by the key
 * (one piece a slot: a newer key takes the slot).
 */
class PieceCache {
  readonly kinds = new Int32Array(PIECE_SLOTS).fill(-1);
  readonly first: (string | null)[] = new Array<string | null>(PIECE_SLOTS).fill(null);
  readonly second: (string | null)[] = new Array<string | null>(PIECE_SLOTS).fill(null);
  readonly third: (string | null)[] = new Array<string | null>(PIECE_SLOTS).fill(null);
  readonly numbers = new Float64Array(PIECE_SLOTS);
  /** A slot's piece, or null while its key was seen once only. */
  readonly bytes: (Uint8Array | null)[] = new Array<Uint8Array | null>(PIECE_SLOTS).fill(null);
}

/** Whole seconds whose ISO text a builder keeps (see IsoSecondCache). */
const ISO_SECOND_SLOTS = 4;

/**
 * The texts of the last few whole seconds jsonIsoTime() wrote, up to the fraction: a
 * report's times come in runs from a few seconds at once (a session's start and end, then
 * the next session's, a second or so later): 21 bytes copied in place of the calendar
 * arithmetic and six numbers, whose civilDate() made an array per time (about 5 MB on the
 * small bench trace, by the sampling heap profiler). Slots are taken in turn.
 */
class IsoSecondCache {
  readonly seconds = new Float64Array(ISO_SECOND_SLOTS).fill(-1);
  readonly texts: (Uint8Array | null)[] = new Array<Uint8Array | null>(ISO_SECOND_SLOTS).fill(null);
  #next = 0;

  /** The slot holding `sec`'s text, or -1. */
  find(sec: number): number {
    const seconds = this.seconds;
    for (let slot = 0; slot < ISO_SECOND_SLOTS; slot++) if (seconds[slot] === sec) return slot;
    return -1;
  }

  /** Keeps a copy of `text` as that of `sec`, in place of the oldest kept. */
  keep(sec: number, text: Uint8Array): void {
    const slot = this.#next;
    this.#next = (slot + 1) % ISO_SECOND_SLOTS;
    const kept = this.texts[slot];
    if (kept === null || kept === undefined || kept.length !== text.length) this.texts[slot] = new Uint8Array(text);
    else kept.set(text);
    this.seconds[slot] = sec;
  }
}

export class TextBuilder {
  /** Where the text is written: the builder's own buffer, or one lent by writeInto(). */
  #bytes: Buffer;
  #own: Buffer;
  /** Where the text starts in #bytes (0 in the builder's own buffer), and where it ends. */
  #start = 0;
  #length = 0;
  #pieces: PieceCache | null = null;
  #isoSeconds: IsoSecondCache | null = null;
  /** The slot and start of the piece being written since piece() returned false, or -1. */
  #pieceSlot = -1;
  #pieceStart = 0;

  constructor(initialBytes = 1024) {
    this.#bytes = this.#own = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.#length - this.#start;
  }

  /** Empties the builder (the buffer stays, for the next text). */
  reset(): this {
    this.#bytes = this.#own;
    this.#start = this.#length = 0;
    this.#pieceSlot = -1;
    return this;
  }

  /**
   * Empties the builder, and has the next text written into `buffer` from `offset` on, as
   * far as it fits there; one that outgrows it moves to the builder's own buffer. view()
   * then tells which: a writer that keeps texts in a buffer of its own (the spool's file
   * buffer) lends it, and takes the text where it lies when it is there, without a copy.
   */
  writeInto(buffer: Buffer, offset: number): this {
    this.reset();
    this.#bytes = buffer;
    this.#start = this.#length = offset;
    return this;
  }

  /** Whether the text lies in `buffer` from `offset` on (where writeInto() lent it, if it still fits there). */
  isWrittenInto(buffer: Buffer, offset: number): boolean {
    return this.#bytes === buffer && this.#start === offset;
  }

  /** The text so far, as a view of the buffer: valid until the builder is written again. */
  view(): Uint8Array {
    return this.#bytes.subarray(this.#start, this.#length);
  }

  toString(): string {
    return this.#bytes.toString('utf8', this.#start, this.#length);
  }

  /** ASCII text as it is (member names, punctuation): no character may be above 0x7f. */
  ascii(text: string): void {
    const length = text.length;
    this.#room(length);
    const bytes = this.#bytes;
    let at = this.#length;
    for (let i = 0; i < length; i++) bytes[at++] = text.charCodeAt(i);
    this.#length = at;
  }

  /**
   * Bytes as they are: ASCII text encoded beforehand (see asciiBytes; the report's member
   * names and punctuation) or a kept piece. Short ones are copied byte by byte, which on
   * keys of 8 to 16 bytes measured about a third faster than reading a string's characters
   * (ascii()); from there on a native set() costs less, whatever the length (about 17 ns).
   */
  bytes(bytes: Uint8Array): void {
    const length = bytes.length;
    this.#room(length);
    const into = this.#bytes;
    let at = this.#length;
    if (length > 16) {
      into.set(bytes, at);
      this.#length = at + length;
      return;
    }
    for (let i = 0; i < length; i++) into[at++] = bytes[i]!;
    this.#length = at;
  }

  /**
   * Writes the piece of text known by the key (`kind`, `first`, `second`, `number`, `third`;
   * `kind` tells one writer's pieces from another's, 0 or more) if
   * the builder kept it, and returns true; else returns false, and the caller writes the
   * piece and then calls endPiece(), which keeps it when the key came before (a key seen
   * once, as a PORT command's argument, is not worth a copy). The piece must depend on
   * the key alone. Why: nearly every command of a trace is one of a few (NOOP answered
   * "200 NOOP ok.", the same USER), and copying its 60-80 bytes costs a fraction of
   * writing and escaping its strings and numbers again.
   */
  piece(kind: number, first: string, second: string, number: number, third: string): boolean {
    const cache = (this.#pieces ??= new PieceCache());
    const slot = (kind * 17 + number * 31 + first.length * 7 + second.length * 3 + third.length) & (PIECE_SLOTS - 1);
    this.#pieceStart = this.#length;
    if (cache.kinds[slot] === kind && cache.numbers[slot] === number && cache.first[slot] === first && cache.second[slot] === second &&
      cache.third[slot] === third) {
      const bytes = cache.bytes[slot];
      if (bytes !== null) {
        this.bytes(bytes);
        this.#pieceSlot = -1;
        return true;
      }
      this.#pieceSlot = slot;
      return false;
    }
    cache.kinds[slot] = kind;
    cache.first[slot] = first;
    cache.second[slot] = second;
    cache.numbers[slot] = number;
    cache.third[slot] = third;
    cache.bytes[slot] = null;
    this.#pieceSlot = -1;
    return false;
  }

  /** The piece that piece() asked for is written (see there). */
  endPiece(): void {
    if (this.#pieceSlot < 0) return;
    this.#pieces!.bytes[this.#pieceSlot] = new Uint8Array(this.#bytes.subarray(this.#pieceStart, this.#length));
    this.#pieceSlot = -1;
  }

  /** Any text, as UTF-8. */
  text(text: string): void {
    this.#room(text.length * 3);
    this.#length += this.#bytes.write(text, this.#length, 'utf8');
  }

  /** A string as JSON.stringify writes it. */
  jsonString(value: string): void {
    const length = value.length;
    this.#room(length + 2);
    const bytes = this.#bytes;
    const start = this.#length;
    let at = start;
    bytes[at++] = 0x22;
    if (length > NATIVE_COPY_CHARS && NOTHING_TO_ESCAPE.test(value)) {
      // Printable ASCII, as a finding's message mostly is: its Latin-1 bytes are its UTF-8.
      at += bytes.write(value, at, length, 'latin1');
      bytes[at++] = 0x22;
      this.#length = at;
      return;
    }
    // Nearly every string of an FTP trace is printable ASCII with nothing to escape: written
    // byte by byte; anything else starts over through JSON.stringify and UTF-8.
    for (let i = 0; i < length; i++) {
      const code = value.charCodeAt(i);
      if (code < 0x20 || code >= 0x7f || code === 0x22 || code === 0x5c) {
        this.#length = start;
        this.text(NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`);
        return;
      }
      bytes[at++] = code;
    }
    bytes[at++] = 0x22;
    this.#length = at;
  }

  jsonNullableString(value: string | null): void {
    if (value === null) this.ascii('null');
    else this.jsonString(value);
  }

  /** A number as JSON.stringify writes it: NaN and the infinities as null. */
  jsonNumber(value: number | null): void {
    if (value === null || !Number.isFinite(value)) this.ascii('null');
    else if (Number.isInteger(value) && value >= 0 && value <= 0xffffffff) this.#digits(value, 1);
    else if (value > 0 && value < MAX_MICROSECOND_SECONDS && Math.round(value * 1e6) / 1e6 === value) this.#microseconds(Math.round(value * 1e6));
    else this.ascii(String(value));
  }

  /**
   * `micro` / 1e6 (not a whole number) as String() writes it: the digits of `micro` with
   * the point six from the right and the trailing zeros dropped. The reports' times are
   * rounded to the microsecond (a response time: 0.000123), and String() made a string
   * for each. Why it is String()'s text: the double nearest micro / 1e6 is what that
   * decimal parses to, and no shorter decimal lies as near, since two decimals of six
   * places differ by 1e-6, more than the spacing of doubles below MAX_MICROSECOND_SECONDS.
   */
  #microseconds(micro: number): void {
    const whole = Math.floor(micro / 1e6);
    this.#digits(whole, 1);
    this.#room(7);
    this.#bytes[this.#length++] = 0x2e;
    this.#digits(micro - whole * 1e6, 6);
    // A fraction that is not 0 has a digit other than 0: the loop ends at it.
    while (this.#bytes[this.#length - 1] === 0x30) this.#length--;
  }

  jsonBoolean(value: boolean): void {
    this.ascii(value ? 'true' : 'false');
  }

  /**
   * An ISO 8601 UTC time with nanoseconds, quoted, as format.ts's isoTime() writes it (as
   * Wireshark shows absolute times); null as null.
   */
  jsonIsoTime(ts: { sec: number; nsec: number } | null): void {
    if (ts === null) {
      this.ascii('null');
      return;
    }
    const sec = ts.sec;
    if (!Number.isInteger(sec) || sec < 0 || sec >= FOUR_DIGIT_YEARS_END || !Number.isInteger(ts.nsec) || ts.nsec < 0 || ts.nsec >= 1e9) {
      // Years outside 0000-9999 and odd values: as isoTime() writes them.
      this.jsonString(isoTime(ts)!);
      return;
    }
    // Room for the whole time at once: the text then does not move while it is written (`start` below stays valid).
    this.#room(32);
    const seconds = (this.#isoSeconds ??= new IsoSecondCache());
    const slot = seconds.find(sec);
    if (slot >= 0) this.bytes(seconds.texts[slot]!);
    else {
      const start = this.#length;
      this.#isoSecondText(sec);
      seconds.keep(sec, this.#bytes.subarray(start, this.#length));
    }
    this.#digits(ts.nsec, 9);
    this.#bytes[this.#length++] = 0x5a;
    this.#bytes[this.#length++] = 0x22;
  }

  /** `"YYYY-MM-DDTHH:MM:SS.`: the quote and an ISO time's whole seconds `sec` (in years 0000-9999), up to its fraction. */
  #isoSecondText(sec: number): void {
    const days = Math.floor(sec / 86400);
    const daySeconds = sec - days * 86400;
    const [year, month, day] = civilDate(days);
    this.#bytes[this.#length++] = 0x22;
    this.#digits(year, 4);
    this.#bytes[this.#length++] = 0x2d;
    this.#digits(month, 2);
    this.#bytes[this.#length++] = 0x2d;
    this.#digits(day, 2);
    this.#bytes[this.#length++] = 0x54;
    this.#digits(Math.floor(daySeconds / 3600), 2);
    this.#bytes[this.#length++] = 0x3a;
    this.#digits(Math.floor((daySeconds % 3600) / 60), 2);
    this.#bytes[this.#length++] = 0x3a;
    this.#digits(daySeconds % 60, 2);
    this.#bytes[this.#length++] = 0x2e;
  }

  /** A whole number from 0 to 2^32 - 1 in decimal, zero-padded to `width` digits (a fraction's digits, a time's). */
  digits(value: number, width: number): void {
    this.#digits(value, width);
  }

  /** A whole number from 0 to 2^32 - 1 in decimal, zero-padded to `width` digits. */
  #digits(value: number, width: number): void {
    let count = value < 10 ? 1 : value < 100 ? 2 : value < 1000 ? 3 : value < 10000 ? 4 : value < 100000 ? 5
      : value < 1000000 ? 6 : value < 10000000 ? 7 : value < 100000000 ? 8 : value < 1000000000 ? 9 : 10;
    if (count < width) count = width;
    this.#room(count);
    const bytes = this.#bytes;
    let at = this.#length + count;
    this.#length = at;
    // Unsigned 32-bit arithmetic: >>> 0 keeps it in integer registers.
    let rest = value >>> 0;
    for (let i = 0; i < count; i++) {
      const next = (rest / 10) >>> 0;
      bytes[--at] = 0x30 + rest - next * 10;
      rest = next;
    }
  }

  /** Makes room for `bytes` more. */
  #room(bytes: number): void {
    if (this.#length + bytes <= this.#bytes.length) return;
    // The text moves to the start of the builder's own buffer, grown if it must be.
    const start = this.#start;
    const needed = this.#length - start + bytes;
    let into = this.#own;
    if (needed > into.length) {
      let size = into.length * 2;
      while (size < needed) size *= 2;
      into = Buffer.allocUnsafe(size);
    }
    // Within the own buffer (start 0) a copy onto itself is a no-op; from a lent one, a move.
    if (this.#bytes !== into || start !== 0) this.#bytes.copy(into, 0, start, this.#length);
    this.#bytes = this.#own = into;
    this.#length -= start;
    this.#pieceStart -= start;
    this.#start = 0;
  }
}
