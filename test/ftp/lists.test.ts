import { describe, expect, it } from 'vitest';
import { appended, EMPTY } from '../../src/ftp/lists.js';

describe('appended', () => {
  it('replaces an empty list with a list of its own, then pushes to that one', () => {
    const one = appended<number>(EMPTY, 1);
    expect(one).toEqual([1]);
    expect(EMPTY).toEqual([]);
    const two = appended(one, 2);
    expect(two).toBe(one);
    expect(two).toEqual([1, 2]);
    // Lists started from EMPTY stay apart.
    expect(appended<number>(EMPTY, 3)).not.toBe(appended<number>(EMPTY, 3));
    expect(appended([], 'a')).toEqual(['a']);
  });

  it('never lets the shared empty list take an item', () => {
    expect(() => (EMPTY as unknown as number[]).push(1)).toThrow(TypeError);
  });
});
