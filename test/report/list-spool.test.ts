/**
 * The trace-wide lists (src/trace-lists.ts) kept in memory and kept as text give the same
 * items in the same order: section by section, each by key, a key's parts in the order
 * added, whatever order the parts came in and wherever the spool kept their texts. And the
 * spool reads ids in any order it is given.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpooledList } from '../../src/report/list-spool.js';
import { TextSpool } from '../../src/report/spool.js';
import { MemoryList } from '../../src/trace-lists.js';
import { seededRandom } from '../support/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ftpcap-list-spool-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Part {
  section: number;
  key: number;
  items: string[];
}

/** Parts over three sections with keys from a small range (so keys repeat), in random order. */
function randomParts(count: number, seed: number): Part[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => ({
    section: Math.floor(random() * 3),
    key: Math.floor(random() * count / 4) * 1000,
    items: Array.from({ length: 1 + Math.floor(random() * 3) }, (_, item) => `p${index}.${item}é${'x'.repeat(Math.floor(random() * 300))}`),
  }));
}

function spooled(parts: readonly Part[], budgetBytes: number, reuse: boolean): string[] {
  const spool = new TextSpool({ budgetBytes, directory: dir });
  try {
    // Each item's text is led by a separator, as the report's are: the read-back splits on it.
    const list = new SpooledList<string>(spool, (out, item) => out.text(`|${item}`));
    for (const part of parts) list.add(part.section, part.key, part.items);
    // Each piece decoded before the next is asked for, as a reused buffer requires.
    const pieces: string[] = [];
    for (const piece of list.texts(reuse)) pieces.push(Buffer.from(piece).toString('utf8'));
    return pieces.join('').split('|').slice(1);
  } finally {
    spool.close();
  }
}

function inMemory(parts: readonly Part[]): string[] {
  const list = new MemoryList<string>();
  for (const part of parts) list.add(part.section, part.key, part.items);
  return list.items();
}

describe('trace-wide lists', () => {
  it('in memory: by section, then key, then the order parts were added', () => {
    const list = new MemoryList<string>();
    list.add(2, 1, ['c']);
    list.add(0, 9, ['b1']);
    list.add(0, 3, ['a']);
    list.add(0, 9, ['b2', 'b3']);
    list.add(1, 0, []);
    expect(list.items()).toEqual(['a', 'b1', 'b2', 'b3', 'c']);
  });

  it.each([
    ['all in memory', 1 << 22],
    ['all in the file', 0],
    ['some of each', 20_000],
  ])('as text, %s: the same items in the same order as in memory', (_name, budgetBytes) => {
    for (const seed of [1, 2, 3]) {
      const parts = randomParts(2000, seed);
      const expected = inMemory(parts);
      expect(expected.length).toBeGreaterThan(2000);
      expect(spooled(parts, budgetBytes, false)).toEqual(expected);
      // Reading into the spool's two buffers in turn: each piece is copied out before the next is read.
      expect(spooled(parts, budgetBytes, true)).toEqual(expected);
    }
  });

  it('parts that come in key order are read back as they came, in runs', () => {
    const spool = new TextSpool({ budgetBytes: 1 << 20, directory: dir });
    const list = new SpooledList<number>(spool, (out, item) => out.ascii(`${item};`));
    for (let key = 0; key < 500; key++) list.add(0, key, [key]);
    const pieces = [...list.texts()];
    expect(pieces).toHaveLength(1);
    expect(Buffer.from(pieces[0]!).toString()).toBe(Array.from({ length: 500 }, (_, key) => `${key};`).join(''));
    spool.close();
  });

  it('the spool gives texts in any order asked, and refuses an id it never had', () => {
    const spool = new TextSpool({ budgetBytes: 100, directory: dir });
    for (let id = 1; id <= 50; id++) expect(spool.append(`t${id}`.padEnd(20, '.'))).toBe(id);
    const order = new Uint32Array([50, 1, 25, 26, 2, 49]);
    expect([...spool.textsOf(order)].map((text) => Buffer.from(text).toString().replace(/\.+$/, ''))).toEqual(['t50', 't1', 't25', 't26', 't2', 't49']);
    expect(() => [...spool.textsOf(new Uint32Array([3, 51]))]).toThrow(/51 never reached the spool/);
    spool.close();
  });
});
