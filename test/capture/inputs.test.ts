import fc from 'fast-check';
import { closeSync, createReadStream, openSync } from 'node:fs';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { concatBytes, writePcap, writePcapng, type RawFrame } from '../fixture/capture-writer.js';
import { collect, makeFrames, TempDir } from './helpers.js';

const temp = new TempDir();
afterAll(() => temp.remove());

const frames = makeFrames(60);
const mixedInterfaces = [{ linkType: 1 }, { linkType: 101, tsresol: 9 }, { linkType: 113, tsresol: 0x80 | 24 }];
const mixed = frames.map((f, i) => ({ ...f, linkType: mixedInterfaces[i % 3]!.linkType }));

/** One capture of every shape the readers know. */
const VARIANTS: [string, Uint8Array][] = [
  ['pcap µs LE', writePcap(frames)],
  ['pcap µs BE', writePcap(frames, { bigEndian: true })],
  ['pcap ns LE', writePcap(frames, { nanos: true })],
  ['pcap ns BE', writePcap(frames, { nanos: true, bigEndian: true })],
  ['pcapng EPB', writePcapng(mixed, { interfaces: mixedInterfaces })],
  ['pcapng BE + unknown blocks', writePcapng(mixed, { interfaces: mixedInterfaces, bigEndian: true, unknownBlocks: true })],
  ['pcapng SPB', writePcapng(frames, { packetBlock: 'spb' })],
  ['pcapng obsolete PB', writePcapng(mixed, { interfaces: mixedInterfaces, packetBlock: 'obsolete' })],
  [
    'pcapng 2 sections',
    concatBytes([
      writePcapng(frames.slice(0, 30), { sectionComment: 'a' }),
      writePcapng(mixed.slice(30), { interfaces: mixedInterfaces, bigEndian: true, unknownBlocks: true }),
    ]),
  ],
];

describe('gzip', () => {
  it.each(VARIANTS)('%s: gzip gives the same frames as the plain file', async (_label, bytes) => {
    const plain = await collect([temp.file(bytes)]);
    // The name says nothing: detection is by the 1f 8b magic.
    const gz = await collect([temp.file(gzipSync(bytes), `x${Math.random().toString(36).slice(2)}.pcap`)]);
    expect(gz.frames).toEqual(plain.frames);
    expect(gz.summary.errors).toEqual([]);
    expect(gz.summary.files[0]).toMatchObject({
      compression: 'gzip',
      format: plain.summary.files[0]!.format,
      bytes: bytes.length,
      sizeOnDisk: gzipSync(bytes).length,
    });
  });

  it('reads concatenated gzip members as one stream', async () => {
    const bytes = writePcap(frames);
    const twoMembers = concatBytes([gzipSync(bytes.subarray(0, 1000)), gzipSync(bytes.subarray(1000))]);
    const { frames: seen, summary } = await collect([temp.file(twoMembers)]);
    expect(summary.errors).toEqual([]);
    expect(seen).toHaveLength(frames.length);
  });
});

describe('standard input', () => {
  it.each(VARIANTS)('%s from a stream given as "-"', async (_label, bytes) => {
    const plain = await collect([temp.file(bytes)]);
    // Odd-sized pieces so records straddle stream chunks too.
    const pieces: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 333) pieces.push(bytes.slice(at, at + 333));
    const fromStdin = await collect(['-'], { stdin: Readable.from(pieces) });
    expect(fromStdin.frames).toEqual(plain.frames);
    expect(fromStdin.summary.files[0]).toMatchObject({ path: '-', sizeOnDisk: null, compression: 'none', error: null });
  });

  it.each(VARIANTS.slice(0, 5))('%s from standard input redirected from a file: read as the file, size known', async (_label, bytes) => {
    const path = temp.file(bytes);
    const plain = await collect([path]);
    // What process.stdin is for `ftpcap analyze - < trace.pcap`: an fs stream on an open descriptor.
    const fd = openSync(path, 'r');
    try {
      const stdin = createReadStream('', { fd, autoClose: false });
      const fromStdin = await collect(['-'], { stdin });
      expect(fromStdin.frames).toEqual(plain.frames);
      expect(fromStdin.summary.files[0]).toMatchObject({ path: '-', sizeOnDisk: bytes.length, compression: 'none', error: null });
    } finally {
      closeSync(fd);
    }
  });

  it('decompresses gzip on standard input', async () => {
    const bytes = writePcapng(mixed, { interfaces: mixedInterfaces });
    const plain = await collect([temp.file(bytes)]);
    const fromStdin = await collect(['-'], { stdin: Readable.from([Buffer.from(gzipSync(bytes))]), chunkSize: 64 });
    expect(fromStdin.frames).toEqual(plain.frames);
    expect(fromStdin.summary.files[0]!.compression).toBe('gzip');
  });

  it('refuses standard input twice instead of splitting it', async () => {
    const stdin = Readable.from([Buffer.from(writePcap(frames))]);
    const { frames: seen, summary } = await collect(['-', '-'], { stdin });
    expect(seen).toHaveLength(frames.length);
    expect(summary.errors.map((e) => [e.file, e.what])).toEqual([['-', 'standard input given more than once']]);
  });

  it('ends a stream destroyed without an end event, reporting the cut record', async () => {
    const bytes = writePcap(frames);
    const stdin = new Readable({ read() {} });
    stdin.push(Buffer.from(bytes.subarray(0, 2000)));
    setTimeout(() => stdin.destroy(), 20);
    const { frames: seen, summary } = await collect(['-'], { stdin });
    expect(seen.length).toBeGreaterThan(0);
    expect(summary.errors[0]!.what).toMatch(/^truncated record/);
  });

  it('reports an empty standard input', async () => {
    const { summary } = await collect(['-'], { stdin: Readable.from([]) });
    expect(summary.errors.map((e) => [e.file, e.offset, e.what])).toEqual([['-', 0, 'empty file']]);
  });
});

describe('chunk boundaries', () => {
  it.each(VARIANTS)('%s: tiny and odd chunk sizes give the default result', async (_label, bytes) => {
    const path = temp.file(bytes);
    const gzPath = temp.file(gzipSync(bytes));
    const reference = await collect([path]);
    expect(reference.frames.length).toBe(frames.length);
    for (const chunkSize of [1, 7, 64, 1000, 1514 + 16]) {
      const small = await collect([path], { chunkSize });
      expect(small.frames, `chunkSize ${chunkSize}`).toEqual(reference.frames);
      expect(small.summary).toEqual(reference.summary);
    }
    expect((await collect([gzPath], { chunkSize: 7 })).frames).toEqual(reference.frames);
  });

  it('round-trips random captures at random chunk sizes', async () => {
    const rawFrame = fc.record({
      tsSec: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      tsNsec: fc.integer({ min: 0, max: 999_999_999 }),
      linkType: fc.constantFrom(1, 101),
      data: fc.uint8Array({ minLength: 0, maxLength: 300 }),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(rawFrame, { maxLength: 20 }),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom('pcap', 'pcap-ns', 'pcapng', 'pcapng-be'),
        async (fs: RawFrame[], chunkSize, kind) => {
          const interfaces = [{ linkType: 1, tsresol: 9 }, { linkType: 101, tsresol: 9 }];
          const bytes =
            kind === 'pcap'
              ? writePcap(fs, { linkType: 1 })
              : kind === 'pcap-ns'
                ? writePcap(fs, { nanos: true, linkType: 1 })
                : writePcapng(fs, { interfaces, bigEndian: kind === 'pcapng-be', unknownBlocks: true });
          const { frames: seen, summary } = await collect([temp.file(bytes)], { chunkSize });
          expect(summary.errors).toEqual([]);
          expect(seen.map((f) => f.data)).toEqual(fs.map((f) => f.data));
          const keepsNanos = kind !== 'pcap';
          expect(seen.map((f) => [f.tsSec, f.tsNsec])).toEqual(
            fs.map((f) => [f.tsSec, keepsNanos ? f.tsNsec : Math.floor(f.tsNsec / 1000) * 1000]),
          );
          if (kind.startsWith('pcapng')) expect(seen.map((f) => f.linkType)).toEqual(fs.map((f) => f.linkType));
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe('several files', () => {
  const at = (tsSec: number, tsNsec: number, tag: number): RawFrame => ({
    tsSec,
    tsNsec,
    linkType: 1,
    data: new Uint8Array([tag]),
  });

  it('merges by timestamp; ties keep file order; numbers are per file', async () => {
    const a = temp.file(writePcap([at(1, 0, 0xa1), at(3, 0, 0xa2), at(5, 0, 0xa3)], { nanos: true }));
    const b = temp.file(writePcapng([at(2, 0, 0xb1), at(3, 0, 0xb2), at(4, 0, 0xb3), at(9, 0, 0xb4)]));
    const c = temp.file(gzipSync(writePcap([at(0, 5, 0xc1), at(3, 0, 0xc2)])));
    const { frames: seen, summary } = await collect([a, b, c], { chunkSize: 7 });
    expect(seen.map((f) => [f.data[0], f.fileIndex, f.number])).toEqual([
      [0xc1, 2, 1],
      [0xa1, 0, 1],
      [0xb1, 1, 1],
      [0xa2, 0, 2],
      [0xb2, 1, 2],
      [0xc2, 2, 2],
      [0xb3, 1, 3],
      [0xa3, 0, 3],
      [0xb4, 1, 4],
    ]);
    expect(summary.frames).toBe(9);
    expect(summary.files.map((f) => f.frames)).toEqual([3, 4, 2]);
  });

  it('keeps the order within a file even when its timestamps go backwards', async () => {
    const a = temp.file(writePcap([at(5, 0, 1), at(1, 0, 2), at(6, 0, 3)]));
    const b = temp.file(writePcap([at(2, 0, 4), at(7, 0, 5)]));
    const { frames: seen } = await collect([a, b]);
    expect(seen.map((f) => f.data[0])).toEqual([4, 1, 2, 3, 5]);
  });

  it('merges large interleaved files exactly like a stable sort', async () => {
    const files = [0, 1, 2, 3].map((seed) => makeFrames(300, { seed, startSec: 1_700_000_000 + (seed % 2) }));
    const paths = files.map((fs, i) => temp.file(i % 2 ? writePcap(fs, { nanos: true }) : writePcapng(fs, { interfaces: [{ linkType: 1, tsresol: 9 }] })));
    const { frames: seen } = await collect(paths, { chunkSize: 4096 });
    const wanted = files
      .flatMap((fs, fileIndex) => fs.map((f, i) => ({ fileIndex, number: i + 1, tsSec: f.tsSec, tsNsec: f.tsNsec })))
      .sort((x, y) => x.tsSec - y.tsSec || x.tsNsec - y.tsNsec || x.fileIndex - y.fileIndex);
    expect(seen.map((f) => ({ fileIndex: f.fileIndex, number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec }))).toEqual(wanted);
  });

  it('merges standard input with files', async () => {
    const a = temp.file(writePcap([at(1, 0, 1), at(3, 0, 3)]));
    const stdin = Readable.from([Buffer.from(writePcap([at(2, 0, 2)]))]);
    const { frames: seen, summary } = await collect([a, '-'], { stdin });
    expect(seen.map((f) => [f.data[0], f.fileIndex])).toEqual([
      [1, 0],
      [2, 1],
      [3, 0],
    ]);
    expect(summary.files.map((f) => f.path)).toEqual([a, '-']);
  });

  it('reads nothing for an empty list', async () => {
    expect(await collect([])).toEqual({ frames: [], summary: { files: [], frames: 0, errors: [] } });
  });
});

describe('progress', () => {
  it('reports a few times a second at most, and the totals at the end', async () => {
    const bytes = writePcap(makeFrames(3000));
    const path = temp.file(bytes);
    const calls: [number, number | null, number][] = [];
    const started = Date.now();
    await collect([path, path], { chunkSize: 7, onProgress: (b, t, f) => calls.push([b, t, f]) });
    const elapsed = Date.now() - started;
    expect(calls.length).toBeGreaterThanOrEqual(1);
    // One call at the start of reading, one per 200 ms, one final.
    expect(calls.length).toBeLessThanOrEqual(2 + Math.ceil(elapsed / 200));
    expect(calls.at(-1)).toEqual([2 * bytes.length, 2 * bytes.length, 6000]);
    for (let i = 1; i < calls.length; i++) expect(calls[i]![0]).toBeGreaterThanOrEqual(calls[i - 1]![0]);
  });

  it('has no total for standard input', async () => {
    const calls: (number | null)[] = [];
    await collect(['-'], { stdin: Readable.from([Buffer.from(writePcap(frames))]), onProgress: (_b, t) => calls.push(t) });
    expect(calls.at(-1)).toBeNull();
  });
});
