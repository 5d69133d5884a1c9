/**
 * writeAll(): pieces written in order, in batches. On a stream with a file descriptor the
 * batch buffer is filled again once a write is done; the file must still hold every byte.
 */
import { createWriteStream, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { writeAll, writesThrough } from '../../src/cli/write.js';
import { seededRandom } from '../support/random.js';

const dir = mkdtempSync(join(tmpdir(), 'ftpcap-write-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** About 5 MiB of pieces: strings and byte views, short and long, with non-ASCII text. */
function pieces(): (string | Uint8Array)[] {
  const random = seededRandom(5);
  return Array.from({ length: 6000 }, (_, index) => {
    const text = `${index}:${'aü中'.repeat(Math.floor(random() * (index % 500 === 7 ? 40000 : 300)))}\n`;
    return index % 3 === 0 ? Buffer.from(text) : text;
  });
}

describe('writeAll', () => {
  it('writes every byte in order to a file descriptor, reusing its batch buffer', async () => {
    const path = join(dir, 'out');
    const stream = createWriteStream(path, { fd: openSync(path, 'w') });
    expect(writesThrough(stream)).toBe(true);
    const all = pieces();
    expect(await writeAll(stream, all)).toBe(true);
    await new Promise<void>((resolve) => stream.end(resolve));
    const expected = Buffer.concat(all.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
    expect(expected.length).toBeGreaterThan(5 << 20);
    expect(readFileSync(path).equals(expected)).toBe(true);
  });

  it('gives a stream in memory a buffer of its own for each batch', async () => {
    const stream = new PassThrough();
    expect(writesThrough(stream)).toBe(false);
    const chunks: Buffer[] = [];
    // Read only at the end: the chunks must not have been written over meanwhile.
    const all = pieces();
    const done = writeAll(stream, all);
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    expect(await done).toBe(true);
    const expected = Buffer.concat(all.map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece)));
    expect(Buffer.concat(chunks).equals(expected)).toBe(true);
  });
});
