import { afterAll, describe, expect, it } from 'vitest';
import { writePcap, type RawFrame } from '../fixture/capture-writer.js';
import { collect, makeFrames, microsecondTs, pcapRecordOffsets, setU32, TempDir } from './helpers.js';

const temp = new TempDir();
afterAll(() => temp.remove());

const frames = makeFrames(40);

function expected(fs: RawFrame[], nanos: boolean) {
  const offsets = pcapRecordOffsets(fs);
  return fs.map((f, i) => ({
    fileIndex: 0,
    number: i + 1,
    offset: offsets[i],
    ...(nanos ? { tsSec: f.tsSec, tsNsec: f.tsNsec } : microsecondTs(f)),
    linkType: 1,
    capturedLength: f.data.length,
    originalLength: f.data.length,
    data: f.data,
  }));
}

describe('classic pcap', () => {
  it.each([
    // [magic as it appears in the file, nanos, bigEndian]
    ['a1b2c3d4', false, true],
    ['d4c3b2a1', false, false],
    ['a1b23c4d', true, true],
    ['4d3cb2a1', true, false],
  ])('magic %s reads every record exactly', async (magic, nanos, bigEndian) => {
    const bytes = writePcap(frames, { nanos, bigEndian });
    expect(Buffer.from(bytes.subarray(0, 4)).toString('hex')).toBe(magic);
    const path = temp.file(bytes);
    const { frames: seen, summary } = await collect([path]);
    expect(seen).toEqual(expected(frames, nanos));
    expect(summary.errors).toEqual([]);
    expect(summary.frames).toBe(frames.length);
    const info = summary.files[0]!;
    expect(info).toMatchObject({
      path,
      format: 'pcap',
      compression: 'none',
      linkTypes: [1],
      frames: frames.length,
      bytes: bytes.length,
      sizeOnDisk: bytes.length,
      firstTsSec: seen[0]!.tsSec,
      firstTsNsec: seen[0]!.tsNsec,
      lastTsSec: seen.at(-1)!.tsSec,
      lastTsNsec: seen.at(-1)!.tsNsec,
      comments: [],
      error: null,
    });
  });

  it('keeps the original length of frames cut by the snaplen', async () => {
    const { frames: seen } = await collect([temp.file(writePcap(frames, { snaplen: 96 }))]);
    expect(seen.map((f) => [f.capturedLength, f.originalLength])).toEqual(
      frames.map((f) => [Math.min(96, f.data.length), f.data.length]),
    );
    expect(seen.map((f) => f.data)).toEqual(frames.map((f) => f.data.subarray(0, 96)));
  });

  it('accepts any snaplen, even 0 and 0xffffffff', async () => {
    for (const snaplen of [0, 0xffffffff]) {
      const bytes = setU32(writePcap(frames), 16, snaplen);
      const { frames: seen, summary } = await collect([temp.file(bytes)]);
      expect(summary.errors).toEqual([]);
      expect(seen).toHaveLength(frames.length);
    }
  });

  it('masks the FCS bits out of the link type field', async () => {
    // LINKTYPE_ETHERNET with "FCS present, 4 bytes" (libpcap LT_FCS_LENGTH_PRESENT | LT_FCS_LENGTH(4)).
    const bytes = setU32(writePcap(frames, { linkType: 1 }), 20, 0x40000000 | 0x04000000 | 1);
    const { frames: seen, summary } = await collect([temp.file(bytes)]);
    expect(summary.files[0]!.linkTypes).toEqual([1]);
    expect(new Set(seen.map((f) => f.linkType))).toEqual(new Set([1]));
  });

  it('reports the header link type on every frame', async () => {
    const { frames: seen } = await collect([temp.file(writePcap(frames, { linkType: 113 }))]);
    expect(seen.every((f) => f.linkType === 113)).toBe(true);
  });

  it('reads a file with no records', async () => {
    const { frames: seen, summary } = await collect([temp.file(writePcap([], { linkType: 1 }))]);
    expect(seen).toEqual([]);
    expect(summary.files[0]).toMatchObject({ format: 'pcap', frames: 0, bytes: 24, firstTsSec: null, error: null });
  });

  it('hands out one reused Frame whose bytes sit in the chunk buffer', async () => {
    const { readCaptures } = await import('../../src/capture/index.js');
    const objects = new Set<object>();
    const buffers = new Set<object>();
    await readCaptures([temp.file(writePcap(frames))], (f) => {
      objects.add(f);
      buffers.add(f.buffer);
    });
    expect(objects.size).toBe(1);
    expect(buffers.size).toBe(1);
  });
});
