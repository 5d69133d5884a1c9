import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LineTexts } from '../../src/ftp/lines.js';
import { splitCommandLine } from '../../src/ftp/session.js';

/** The definition the fast reader must agree with. */
function reference(text: string): { command: string; argument: string } | null {
  if (text.trim() === '') return null;
  const match = /^\s*(\S+)(?: (.*))?$/.exec(text);
  return { command: (match?.[1] ?? text).toUpperCase(), argument: match?.[2] ?? '' };
}

const copy = (split: { command: string; argument: string } | null) => (split === null ? null : { command: split.command, argument: split.argument });

describe('splitCommandLine', () => {
  it('reads the usual lines', () => {
    expect(copy(splitCommandLine('retr file name.txt'))).toEqual({ command: 'RETR', argument: 'file name.txt' });
    expect(copy(splitCommandLine('NOOP'))).toEqual({ command: 'NOOP', argument: '' });
    expect(copy(splitCommandLine('  CWD  /a'))).toEqual({ command: 'CWD', argument: ' /a' });
    expect(copy(splitCommandLine('NOOP '))).toEqual({ command: 'NOOP', argument: '' });
    expect(splitCommandLine('   ')).toBeNull();
    expect(splitCommandLine('')).toBeNull();
  });

  it('says whether the word is a known command, by any way it was read', () => {
    expect(splitCommandLine('noop')?.known).toBe(true);
    expect(splitCommandLine('Retr a')?.known).toBe(true);
    expect(splitCommandLine('xmkd dir')?.known).toBe(true);
    expect(splitCommandLine('XYZW')?.known).toBe(false);
    expect(splitCommandLine('HELLOTHERE x')?.known).toBe(false);
    // Long words and lines with tabs take other ways through the reader.
    expect(splitCommandLine('noopnoop')?.known).toBe(false);
    expect(splitCommandLine('stor\tfile')?.known).toBe(false);
    expect(splitCommandLine('stor file\t')?.known).toBe(true);
  });

  it('agrees with /^\\s*(\\S+)(?: (.*))?$/ on any line: tabs, CR, NUL, non-ASCII, odd spacing', () => {
    const char = fc.oneof(
      fc.constantFrom(' ', ' ', ' ', '\t', '\r', '\u0000', '\u00a0', '\u2028', '\ufeff', 'é', '€', '\u007f'),
      fc.constantFrom(...'abcxyzABCXYZ019,|./-_'),
    );
    const line = fc.array(char, { maxLength: 24 }).map((chars) => chars.join(''));
    fc.assert(fc.property(line, (text) => {
      expect(copy(splitCommandLine(text))).toEqual(reference(text));
    }), { numRuns: 20000 });
  });

  it('agrees with itself when the line came from a LineTexts (its argument taken from there)', () => {
    const texts = new LineTexts();
    const char = fc.constantFrom(...'noopNOOPretrRETRxXyz ,./-_1');
    const line = fc.array(char, { maxLength: 12 }).map((chars) => chars.join(''));
    fc.assert(fc.property(line, (text) => {
      const bytes = Buffer.from(text);
      const cached = texts.text(bytes, 0, bytes.length);
      expect(copy(splitCommandLine(cached, texts))).toEqual(reference(text));
      // Asked again: the argument kept for the line.
      expect(copy(splitCommandLine(texts.text(bytes, 0, bytes.length), texts))).toEqual(reference(text));
    }), { numRuns: 5000 });
  });
});
