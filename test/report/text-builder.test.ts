/**
 * The text builder writes what JSON.stringify and isoTime() write, byte for byte: strings
 * of every kind (escapes, non-ASCII, lone surrogates), numbers, times, and texts longer
 * than its buffer.
 */
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/report/format.js';
import { asciiBytes, TextBuilder } from '../../src/report/text-builder.js';
import { seededRandom } from '../support/random.js';

function written(write: (out: TextBuilder) => void): string {
  const out = new TextBuilder(4);
  write(out);
  // The view and the string agree.
  expect(Buffer.from(out.view()).toString('utf8')).toBe(out.toString());
  return out.toString();
}

describe('TextBuilder', () => {
  it('strings as JSON.stringify writes them', () => {
    const random = seededRandom(7);
    const samples = ['', 'RETR file.txt', 'quote " and \\ backslash', 'tab\there', 'bell\u0007', 'del\u007f', 'é ü 日本', '😀 pair',
      'lone \ud800 high', 'lone \udfff low', '\u2028\u2029', 'x'.repeat(5000)];
    for (let i = 0; i < 500; i++) {
      let text = '';
      for (let length = Math.floor(random() * 40); length > 0; length--) text += String.fromCharCode(Math.floor(random() * (random() < 0.8 ? 0x80 : 0x10000)));
      samples.push(text);
    }
    for (const sample of samples) {
      expect(written((out) => out.jsonString(sample))).toBe(JSON.stringify(sample));
      expect(written((out) => out.jsonNullableString(sample))).toBe(JSON.stringify(sample));
    }
    expect(written((out) => out.jsonNullableString(null))).toBe('null');
  });

  it('long strings (copied natively when nothing needs escaping) as JSON.stringify writes them, whatever comes last', () => {
    const base = "PORT announces 10.0.0.1, not the client's own address";
    for (const length of [31, 32, 33, 34, 64, 200]) {
      const plain = base.repeat(4).slice(0, length);
      for (const last of ['', 'x', '"', '\\', '\n', '\u007f', 'é', '\ud800', '😀', '~', ' ']) {
        for (const sample of [plain + last, last + plain, plain.slice(0, 16) + last + plain.slice(16)]) {
          expect(written((out) => out.jsonString(sample))).toBe(JSON.stringify(sample));
        }
      }
    }
    // A string made by joining others (a finding's message) is read as a flat one is.
    let joined = '';
    for (let i = 0; i < 20; i++) joined += `part ${i}, `;
    expect(written((out) => out.jsonString(joined))).toBe(JSON.stringify(joined));
  });

  it('numbers as JSON.stringify writes them', () => {
    const samples = [0, -0, 1, 9, 10, 99, 100, 4294967295, 4294967296, -1, -4294967296, 0.5, 1e21, 1.5e-7, 123.456, Number.MAX_SAFE_INTEGER,
      Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity];
    for (const sample of samples) expect(written((out) => out.jsonNumber(sample))).toBe(JSON.stringify(sample));
    expect(written((out) => out.jsonNumber(null))).toBe('null');
    expect(written((out) => { out.jsonBoolean(true); out.jsonBoolean(false); })).toBe('truefalse');
  });

  it('numbers rounded to the microsecond as String() writes them (response times, durations)', () => {
    const random = seededRandom(11);
    const samples = [0.000001, 0.00001, 0.0001, 0.1, 0.5, 0.123456, 0.1234565, 1.000001, 4293.999999, 4294.000001, 4294.5, 1e-7, 0.1 + 0.2];
    for (let i = 0; i < 20000; i++) {
      // As summary.ts rounds them: whole microseconds of a difference of two epoch times.
      const micro = Math.floor(random() * (random() < 0.5 ? 1e4 : 5e9));
      samples.push(micro / 1e6, Math.round((1.7e9 + micro / 1e6 - 1.7e9) * 1e6) / 1e6);
    }
    for (const sample of samples) expect(written((out) => out.jsonNumber(sample))).toBe(String(sample));
  });

  it('bytes encoded beforehand, short and long, as the text they encode', () => {
    const pieces = ['{', ',"frame":', ',"responseTime":', '},"preliminary":[]}', 'x'.repeat(300)];
    expect(written((out) => { for (const piece of pieces) out.bytes(asciiBytes(piece)); })).toBe(pieces.join(''));
    expect(() => asciiBytes('é')).toThrow(RangeError);
  });

  it('keeps a piece the second time its key comes, and copies it from then on', () => {
    const out = new TextBuilder(8);
    const writes: string[] = [];
    let kind = 0;
    const piece = (first: string, second: string, number: number, third: string): void => {
      if (out.piece(kind, first, second, number, third)) return;
      writes.push(first);
      out.jsonString(first);
      out.jsonString(second);
      out.jsonNumber(number);
      out.jsonString(third);
      out.endPiece();
    };
    const expected: string[] = [];
    const keys: [string, string, number, string][] = [['NOOP', '', 200, 'ok'], ['NOOP', '', 200, 'ok'], ['NOOP', '', 200, 'ok'],
      ['NOOP', '', 200, 'okay'], ['NOOP', '', 200, 'ok'], ['NOOP', '', 200, 'ok'], ['PORT', '1,2,3,4,5,6', 200, 'ok'], ['NOOP', '', 200, 'ok']];
    for (const [first, second, number, third] of keys) {
      out.ascii('|');
      piece(first, second, number, third);
      expected.push(`|${JSON.stringify(first)}${JSON.stringify(second)}${number}${JSON.stringify(third)}`);
    }
    expect(out.toString()).toBe(expected.join(''));
    // Written: NOOP "ok" twice (seen once, then kept), NOOP "okay" once, PORT once; copied after that.
    expect(writes).toEqual(['NOOP', 'NOOP', 'NOOP', 'PORT']);
    // Keys of one slot (same lengths, same number): a newer key takes the slot, and the older is written again.
    writes.length = 0;
    const round = ['ab', 'ab', 'cd', 'ab', 'ab', 'ab'];
    for (const first of round) piece(first, '', 1, 'x');
    expect(writes).toEqual(['ab', 'ab', 'cd', 'ab', 'ab']);
    // Another writer's piece of the same key is its own.
    writes.length = 0;
    kind = 1;
    for (const first of round) piece(first, '', 1, 'x');
    expect(writes).toEqual(['ab', 'ab', 'cd', 'ab', 'ab']);
  });

  it('writes into a lent buffer while the text fits, and moves to its own when it outgrows it', () => {
    const lent = Buffer.alloc(64, 0x2e);
    const out = new TextBuilder(4);
    out.writeInto(lent, 10).ascii('{"a":');
    out.jsonNumber(1);
    expect(out.view().buffer).toBe(lent.buffer);
    expect(out.view().byteOffset).toBe(lent.byteOffset + 10);
    expect(out.toString()).toBe('{"a":1');
    expect(out.length).toBe(6);
    // A piece begun in the lent buffer is kept right after the move.
    expect(out.piece(0, 'k', 'k', 1, 'k')).toBe(false);
    out.ascii('x'.repeat(100));
    out.jsonString('y');
    expect(out.view().buffer).not.toBe(lent.buffer);
    expect(out.toString()).toBe(`{"a":1${'x'.repeat(100)}"y"`);
    // The lent buffer keeps what came before the text.
    expect(lent.subarray(0, 10).toString()).toBe('.'.repeat(10));
    out.reset().ascii('ok');
    expect(out.toString()).toBe('ok');
  });

  it('times as isoTime() writes them, quoted', () => {
    const random = seededRandom(3);
    const samples = [{ sec: 0, nsec: 0 }, { sec: 951782400, nsec: 1 }, { sec: 1709164800, nsec: 999999999 }, { sec: 253402300799, nsec: 5 },
      { sec: 253402300800, nsec: 0 }, { sec: -1, nsec: 0 }, { sec: 1.5, nsec: 0 }, { sec: 1000, nsec: 1.5 }];
    for (let i = 0; i < 2000; i++) samples.push({ sec: Math.floor(random() * 253402300800), nsec: Math.floor(random() * 1e9) });
    for (const sample of samples) expect(written((out) => out.jsonIsoTime(sample))).toBe(JSON.stringify(isoTime(sample)));
    expect(written((out) => out.jsonIsoTime(null))).toBe('null');
  });

  it('times of a few recurring seconds, in turn and among others, as isoTime() writes them (its seconds are kept)', () => {
    const random = seededRandom(5);
    const out = new TextBuilder(4);
    // More recurring seconds than the builder keeps, and seconds of other days and years between them.
    const seconds = [1700000000, 1700000015, 1700000001, 1700000016, 1700000002, 1700000017, 86399, 86400, 951868800];
    for (let i = 0; i < 3000; i++) {
      const sec = random() < 0.9 ? seconds[Math.floor(random() * seconds.length)]! : Math.floor(random() * 253402300800);
      const ts = { sec, nsec: Math.floor(random() * 1e9) };
      out.reset();
      out.jsonIsoTime(ts);
      expect(out.toString()).toBe(JSON.stringify(isoTime(ts)));
    }
    // Into a lent buffer too, near its end: the text moves to the builder's own buffer whole.
    const lent = Buffer.alloc(40);
    for (const offset of [0, 10, 25, 39]) {
      out.writeInto(lent, offset);
      out.ascii('>');
      out.jsonIsoTime({ sec: 1700000015, nsec: 7 });
      expect(out.toString()).toBe(`>${JSON.stringify(isoTime({ sec: 1700000015, nsec: 7 }))}`);
    }
  });

  it('grows past its buffer, and starts over on reset', () => {
    const out = new TextBuilder(2);
    const parts: string[] = [];
    for (let i = 0; i < 3000; i++) {
      parts.push(`{"n":${i}}`);
      out.ascii('{"n":');
      out.jsonNumber(i);
      out.text('}');
    }
    expect(out.toString()).toBe(parts.join(''));
    expect(out.length).toBe(parts.join('').length);
    out.reset().ascii('ok');
    expect(out.toString()).toBe('ok');
  });
});
