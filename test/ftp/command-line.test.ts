import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { splitCommandLine } from '../../src/ftp/session.js';

/** The definition the fast reader must agree with. */
function reference(text: string): { command: string; argument: string } | null {
  if (text.trim() === '') return null;
  const match = /^\s*(\S+)(?: (.*))?$/.exec(text);
  return { command: (match?.[1] ?? text).toUpperCase(), argument: match?.[2] ?? '' };
}

const copy = (split: { command: string; argument: string } | null) => (split === null ? null : { ...split });

describe('splitCommandLine', () => {
  it('reads the usual lines', () => {
    expect(copy(splitCommandLine('retr file name.txt'))).toEqual({ command: 'RETR', argument: 'file name.txt' });
    expect(copy(splitCommandLine('NOOP'))).toEqual({ command: 'NOOP', argument: '' });
    expect(copy(splitCommandLine('  CWD  /a'))).toEqual({ command: 'CWD', argument: ' /a' });
    expect(copy(splitCommandLine('NOOP '))).toEqual({ command: 'NOOP', argument: '' });
    expect(splitCommandLine('   ')).toBeNull();
    expect(splitCommandLine('')).toBeNull();
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
});
