/**
 * The text spool: texts added by id in any order come back in id order, byte for byte as
 * UTF-8, whether they stayed in memory, went to the temporary file, or were the one that
 * crossed the budget; the file is never seen in its directory and is closed at the end.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SpoolError, TextSpool, type SpoolOptions } from '../../src/report/spool.js';
import { TextBuilder } from '../../src/report/text-builder.js';
import { seededRandom } from '../support/random.js';
import { openFilesIn } from './open-files.js';

const dir = mkdtempSync(join(tmpdir(), 'ftpcap-spool-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Adds [id, text] pairs in the order given and returns the texts read back, decoded. */
function roundTrip(entries: readonly [number, string][], options: SpoolOptions): { texts: string[]; memoryBytes: number; fileBytes: number } {
  const spool = new TextSpool({ directory: dir, ...options });
  try {
    for (const [id, text] of entries) spool.add(id, text);
    // Every view is read only after all were given: none may be written over by a later one.
    const views = [...spool.texts()];
    return { texts: views.map((view) => Buffer.from(view).toString('utf8')), memoryBytes: spool.memoryBytes, fileBytes: spool.fileBytes };
  } finally {
    spool.close();
  }
}

function subdirectory(name: string): string {
  return mkdtempSync(join(dir, `${name}-`));
}

describe('TextSpool', () => {
  it('gives the texts back in id order, whatever order they came in', () => {
    const entries: [number, string][] = [[3, 'three'], [1, 'one'], [5, 'five'], [2, 'two'], [4, 'four']];
    for (const budgetBytes of [0, 7, 1 << 20]) {
      expect(roundTrip(entries, { budgetBytes }).texts).toEqual(['one', 'two', 'three', 'four', 'five']);
    }
  });

  it.each([
    // [budget, texts in order of arrival, bytes in memory]
    [8, ['abcd', 'efgh', 'ij'], 8], // the budget filled exactly: all but the last in memory
    [10, ['abcd', 'efgh', 'ijkl', 'm'], 8], // the third crosses the budget: it and all after it go to the file
    [4, ['abcde', 'f'], 0], // the first is already over: everything in the file
    [0, ['', 'a', ''], 0], // empty texts, with no budget at all
    [5, ['ab', '', 'cde', ''], 5], // empty texts in memory
  ])('spills at the budget: %i bytes, %j', (budgetBytes, texts, memoryBytes) => {
    const entries = texts.map((text, index): [number, string] => [index + 1, text]);
    const result = roundTrip(entries, { budgetBytes });
    expect(result.texts).toEqual(texts);
    expect(result.memoryBytes).toBe(memoryBytes);
    expect(result.fileBytes).toBe(texts.join('').length - memoryBytes);
  });

  it('counts UTF-8 bytes, not characters, and keeps every text as UTF-8', () => {
    const texts = ['ü', 'für', '中文字', '😀 "x"', 'plain', 'ascii again', 'ünïcödé ✓'];
    for (let budgetBytes = 0; budgetBytes <= 40; budgetBytes++) {
      // Last id first.
      const result = roundTrip(texts.map((text, index): [number, string] => [index + 1, text]).reverse(), { budgetBytes });
      expect(result.texts).toEqual(texts);
      // What stayed in memory is a run of whole texts from the first to arrive, within the budget.
      let kept = 0;
      for (const text of [...texts].reverse()) {
        const bytes = Buffer.byteLength(text);
        if (kept + bytes > budgetBytes) break;
        kept += bytes;
      }
      expect(result.memoryBytes).toBe(kept);
      expect(result.memoryBytes + result.fileBytes).toBe(Buffer.byteLength(texts.join('')));
    }
    // A 2-unit character is 4 bytes; 'ü' 1 unit but 2 bytes: a budget of 3 takes 'ü' only.
    expect(roundTrip([[1, 'ü'], [2, 'ü']], { budgetBytes: 3 })).toMatchObject({ memoryBytes: 2, fileBytes: 2 });
  });

  it('writes a lone surrogate as the report writer does (U+FFFD)', () => {
    const spool = new TextSpool({ directory: dir, budgetBytes: 0 });
    spool.add(1, 'a\ud800b');
    expect([...spool.texts()].map((view) => Buffer.from(view))).toEqual([Buffer.from('a\ud800b')]);
    spool.close();
  });

  it('keeps many texts, some longer than its blocks, in a shuffled order', () => {
    const random = seededRandom(7);
    const count = 60000;
    const alphabet = [...'abcdefghijklmnopqrstuvwxyzäöü中😀{}",\n'];
    const texts = Array.from({ length: count }, (_, index) => {
      const length = index % 9973 === 5 ? 600000 + Math.floor(random() * 1000) : Math.floor(random() * 200);
      let text = `${index + 1}:`;
      while (text.length < length) text += alphabet[Math.floor(random() * alphabet.length)]!.repeat(1 + Math.floor(random() * 50));
      return text;
    });
    // Mostly in id order, with neighbours swapped and some ids settling far later, as sessions do.
    const order = texts.map((_, index) => index);
    for (let index = 0; index + 1 < count; index += 2) if (random() < 0.3) [order[index], order[index + 1]] = [order[index + 1]!, order[index]!];
    const late = new Set(order.filter(() => random() < 0.02));
    const arrival = [...order.filter((index) => !late.has(index)), ...[...late].reverse()];
    for (const budgetBytes of [0, 100000, 1 << 20, 1 << 30]) {
      const result = roundTrip(arrival.map((index) => [index + 1, texts[index]!]), { budgetBytes });
      expect(result.texts.length).toBe(count);
      for (let index = 0; index < count; index++) if (result.texts[index] !== texts[index]) expect(result.texts[index]).toBe(texts[index]);
      expect(result.memoryBytes).toBeLessThanOrEqual(budgetBytes);
      expect(result.memoryBytes + result.fileBytes).toBe(Buffer.byteLength(texts.join('')));
    }
  });

  it('reading into two buffers in turn gives the same bytes to a reader that takes each piece before the next', () => {
    const random = seededRandom(9);
    // About 6 MiB in the file, so that reads of up to 1 MiB go around both buffers several times.
    const texts = Array.from({ length: 20000 }, (_, index) => `${index + 1}:${'x'.repeat(Math.floor(random() * 600))}ü\n`);
    const order = texts.map((_, index) => index).sort(() => random() - 0.5);
    const spool = new TextSpool({ directory: dir, budgetBytes: 0 });
    try {
      for (const index of order) spool.add(index + 1, texts[index]!);
      const expected = Buffer.from(texts.join(''));
      // Copied as each comes, as the report writer does (batched, or written and waited for).
      // (Buffer.equals: a failed toEqual would diff megabytes byte by byte.)
      const copied = (views: Iterable<Uint8Array>): Buffer => {
        const copies: Buffer[] = [];
        for (const view of views) copies.push(Buffer.from(view));
        return Buffer.concat(copies);
      };
      expect(copied(spool.texts(true)).equals(expected)).toBe(true);
      expect(copied(spool.runs(true)).equals(expected)).toBe(true);
      // Kept without copying, the views of the reused buffers are written over: that reader must not ask for reuse.
      expect(Buffer.concat([...spool.runs(true)]).equals(expected)).toBe(false);
      expect(Buffer.concat([...spool.runs(false)]).equals(expected)).toBe(true);
    } finally {
      spool.close();
    }
  });

  it('joins texts that lie next to each other into runs, and only those', () => {
    const texts = Array.from({ length: 3000 }, (_, index) => `${index + 1}:${'ü'.repeat(index % 700)}\n`);
    const joined = Buffer.from(texts.join(''));
    const spool = new TextSpool({ directory: dir, budgetBytes: 300000 });
    try {
      // In id order but for one late text: the runs break around it, in memory and in the file.
      texts.forEach((text, index) => index !== 1500 && spool.add(index + 1, text));
      spool.add(1501, texts[1500]!);
      spool.add(3001, '');
      const runs = [...spool.runs()];
      expect(Buffer.concat(runs)).toEqual(joined);
      expect(runs.every((run) => run.length > 0)).toBe(true);
      // Memory blocks as large as the budget here, reads of the file of up to 1 MiB.
      expect(runs.length).toBeLessThan(30);
      expect(Math.max(...runs.map((run) => run.length))).toBeGreaterThan(900000);
      // Each run is whole texts: it ends where a text ends.
      const ends = new Set<number>();
      let end = 0;
      for (const text of texts) ends.add((end += Buffer.byteLength(text)));
      let at = 0;
      for (const run of runs) expect(ends.has((at += run.length))).toBe(true);
    } finally {
      spool.close();
    }
  });

  it('takes texts written straight into its file buffer (begin, keep) as add() takes them, in any order and length', () => {
    const random = seededRandom(21);
    // Some far longer than the room begin() leaves, and than the buffer: they move to the builder's own buffer.
    const texts = Array.from({ length: 3000 }, (_, index) =>
      `${index + 1}:${'ü'.repeat(random() < 0.01 ? 40000 + Math.floor(random() * 700000) : Math.floor(random() * 900))}\n`);
    const order = texts.map((_, index) => index).sort(() => random() - 0.5);
    for (const budgetBytes of [0, 5000, 1 << 20]) {
      const spool = new TextSpool({ directory: dir, budgetBytes });
      const out = new TextBuilder(16);
      try {
        for (const [n, index] of order.entries()) {
          if (n % 7 === 0) spool.add(index + 1, texts[index]!);
          else {
            spool.begin(out).text(texts[index]!);
            spool.keep(index + 1, out);
          }
        }
        expect(Buffer.concat([...spool.runs()]).equals(Buffer.from(texts.join('')))).toBe(true);
        expect(spool.memoryBytes + spool.fileBytes).toBe(Buffer.byteLength(texts.join('')));
        expect(spool.memoryBytes).toBeLessThanOrEqual(budgetBytes);
      } finally {
        spool.close();
      }
    }
    // A text kept twice, or kept once the spool is closed, is refused as add() refuses it.
    const spool = new TextSpool({ directory: dir, budgetBytes: 0 });
    const out = new TextBuilder();
    spool.add(1, 'first');
    spool.begin(out).ascii('again');
    expect(() => spool.keep(1, out)).toThrow(/spooled twice/);
    spool.close();
    expect(() => spool.keep(2, spool.begin(out))).toThrow(/closed/);
  });

  it('keepNext() keeps a text written straight into its buffer under the id append() would give it', () => {
    for (const budgetBytes of [0, 30, 1 << 20]) {
      const spool = new TextSpool({ directory: dir, budgetBytes });
      const out = new TextBuilder(16);
      try {
        const expected: string[] = [];
        for (let n = 1; n <= 200; n++) {
          const text = `${n}:${'é'.repeat(n % 13)};`;
          expected.push(text);
          if (n % 3 === 0) expect(spool.append(text)).toBe(n);
          else {
            spool.begin(out).text(text);
            expect(spool.keepNext(out)).toBe(n);
          }
        }
        expect(Buffer.concat([...spool.texts()]).toString()).toBe(expected.join(''));
        if (budgetBytes === 0) expect(spool.memoryBytes).toBe(0);
      } finally {
        spool.close();
      }
    }
  });

  it('refuses an id twice, a non-positive id, and reading back with an id missing', () => {
    const spool = new TextSpool({ directory: dir, budgetBytes: 0 });
    spool.add(1, 'a');
    expect(() => spool.add(1, 'b')).toThrow(/spooled twice/);
    expect(() => spool.add(0, 'c')).toThrow(RangeError);
    spool.add(3, 'c');
    expect(() => [...spool.texts()]).toThrow(/1 of 3 texts never reached the spool/);
    spool.add(2, 'b');
    expect([...spool.texts()].map((view) => Buffer.from(view).toString())).toEqual(['a', 'b', 'c']);
    spool.close();
    expect(() => spool.add(4, 'd')).toThrow(/closed/);
  });

  it('makes no file while the texts fit the budget', () => {
    const directory = subdirectory('fits');
    const spool = new TextSpool({ directory, budgetBytes: 100 });
    spool.add(2, 'two');
    spool.add(1, 'one');
    expect([...spool.texts()]).toHaveLength(2);
    expect(openFilesIn(directory)).toEqual([]);
    spool.close();
  });

  it('removes its file at once, keeps it open while needed, and closes it, also when the run throws', () => {
    const directory = subdirectory('removed');
    const run = (fail: boolean): void => {
      const spool = new TextSpool({ directory, budgetBytes: 4 });
      try {
        for (let id = 1; id <= 3000; id++) spool.add(id, `text ${id} `.repeat(100));
        expect(spool.fileBytes).toBeGreaterThan(0);
        // Never listed in its directory, yet open (Linux shows the removed file's old name).
        expect(readdirSync(directory)).toEqual([]);
        expect(openFilesIn(directory)).toEqual([expect.stringMatching(/\/ftpcap-spool-\d+-\w+ \(deleted\)$/)]);
        const texts = spool.texts();
        texts.next();
        if (fail) throw new Error('the report failed');
        expect([...texts]).toHaveLength(2999);
      } finally {
        spool.close();
      }
    };
    run(false);
    expect(openFilesIn(directory)).toEqual([]);
    expect(() => run(true)).toThrow('the report failed');
    expect(openFilesIn(directory)).toEqual([]);
    expect(readdirSync(directory)).toEqual([]);
  });

  it('fails with a one-line SpoolError naming the directory when it cannot make its file', () => {
    const missing = join(dir, 'no such directory');
    const spool = new TextSpool({ directory: missing, budgetBytes: 0 });
    let failure: unknown;
    try {
      spool.add(1, 'x'.repeat(2 << 20)); // longer than the write buffer: written at once
    } catch (error) {
      failure = error;
    }
    spool.close();
    expect(failure).toBeInstanceOf(SpoolError);
    expect((failure as Error).message).toContain(`cannot make the report's temporary file in ${missing}: ENOENT`);
    expect((failure as Error).message).not.toContain('\n');
  });
});
