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

/** Characters JSON.stringify writes escaped: quote, backslash, control characters, (lone) surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export class TextBuilder {
  #bytes: Buffer;
  #length = 0;

  constructor(initialBytes = 1024) {
    this.#bytes = Buffer.allocUnsafe(initialBytes);
  }

  get length(): number {
    return this.#length;
  }

  /** Empties the builder (the buffer stays, for the next text). */
  reset(): this {
    this.#length = 0;
    return this;
  }

  /** The text so far, as a view of the buffer: valid until the builder is written again. */
  view(): Uint8Array {
    return this.#bytes.subarray(0, this.#length);
  }

  toString(): string {
    return this.#bytes.toString('utf8', 0, this.#length);
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
    else this.ascii(String(value));
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
    const days = Math.floor(sec / 86400);
    const daySeconds = sec - days * 86400;
    const [year, month, day] = civilDate(days);
    this.#room(32);
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
    this.#digits(ts.nsec, 9);
    this.#bytes[this.#length++] = 0x5a;
    this.#bytes[this.#length++] = 0x22;
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
    let size = this.#bytes.length * 2;
    while (size < this.#length + bytes) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.#bytes.copy(grown, 0, 0, this.#length);
    this.#bytes = grown;
  }
}
