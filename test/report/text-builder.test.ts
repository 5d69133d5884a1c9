/**
 * The text builder writes what JSON.stringify and isoTime() write, byte for byte: strings
 * of every kind (escapes, non-ASCII, lone surrogates), numbers, times, and texts longer
 * than its buffer.
 */
import { describe, expect, it } from 'vitest';
import { isoTime } from '../../src/report/format.js';
import { TextBuilder } from '../../src/report/text-builder.js';
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

  it('numbers as JSON.stringify writes them', () => {
    const samples = [0, -0, 1, 9, 10, 99, 100, 4294967295, 4294967296, -1, -4294967296, 0.5, 1e21, 1.5e-7, 123.456, Number.MAX_SAFE_INTEGER,
      Number.MAX_VALUE, Number.MIN_VALUE, NaN, Infinity, -Infinity];
    for (const sample of samples) expect(written((out) => out.jsonNumber(sample))).toBe(JSON.stringify(sample));
    expect(written((out) => out.jsonNumber(null))).toBe('null');
    expect(written((out) => { out.jsonBoolean(true); out.jsonBoolean(false); })).toBe('truefalse');
  });

  it('times as isoTime() writes them, quoted', () => {
    const random = seededRandom(3);
    const samples = [{ sec: 0, nsec: 0 }, { sec: 951782400, nsec: 1 }, { sec: 1709164800, nsec: 999999999 }, { sec: 253402300799, nsec: 5 },
      { sec: 253402300800, nsec: 0 }, { sec: -1, nsec: 0 }, { sec: 1.5, nsec: 0 }, { sec: 1000, nsec: 1.5 }];
    for (let i = 0; i < 2000; i++) samples.push({ sec: Math.floor(random() * 253402300800), nsec: Math.floor(random() * 1e9) });
    for (const sample of samples) expect(written((out) => out.jsonIsoTime(sample))).toBe(JSON.stringify(isoTime(sample)));
    expect(written((out) => out.jsonIsoTime(null))).toBe('null');
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
