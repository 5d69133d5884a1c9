/**
 * How a settled session's findings reach the sink (src/session-reports.ts): its own, then
 * linkage, look-alike and verdict findings, in that order, as one list; when only one of
 * them has any, that list itself, not a copy.
 */
import { describe, expect, it } from 'vitest';
import type { Finding } from '../src/findings.js';
import { joined } from '../src/session-reports.js';

function finding(code: string): Finding {
  return { code, severity: 'info', message: code, frames: [{ fileIndex: 0, frame: 1 }], session: 1 };
}

describe('a session\'s findings for the sink', () => {
  it('one list with findings is given as it is', () => {
    const own = [finding('a'), finding('b')];
    expect(joined(own, [], [], [])).toBe(own);
    const verdicts = [finding('v')];
    expect(joined([], [], [], verdicts)).toBe(verdicts);
  });

  it('several are joined in order, and none gives an empty list', () => {
    const [a, b, c, d] = ['a', 'b', 'c', 'd'].map(finding);
    expect(joined([a!], [], [b!, c!], [d!])).toEqual([a, b, c, d]);
    expect(joined([], [a!], [], [b!])).toEqual([a, b]);
    expect(joined([], [], [], [])).toEqual([]);
  });
});
