import { afterAll, describe, expect, it } from 'vitest';
import {
  concatBytes,
  pcapngTimestamp,
  tsresolUnits,
  writePcapng,
  type PcapngInterface,
  type RawFrame,
} from '../fixture/capture-writer.js';
import { collect, makeFrames, pcapngBlocks, TempDir } from './helpers.js';

const temp = new TempDir();
afterAll(() => temp.remove());

/** The time a reader must report for a frame stored at the interface's resolution. */
function storedTs(f: RawFrame, iface: PcapngInterface): { tsSec: number; tsNsec: number } {
  const count = pcapngTimestamp(f.tsSec, f.tsNsec, iface.tsresol ?? 6, iface.tsoffset ?? 0);
  const units = tsresolUnits(iface.tsresol ?? 6);
  return {
    tsSec: Number(count / units) + (iface.tsoffset ?? 0),
    tsNsec: Number(((count % units) * 1_000_000_000n) / units),
  };
}

/** Offsets of the packet blocks in a written file. */
function packetOffsets(bytes: Uint8Array): number[] {
  return pcapngBlocks(bytes)
    .filter((b) => b.type === 2 || b.type === 3 || b.type === 6)
    .map((b) => b.at);
}

const frames = makeFrames(30);

describe('pcapng', () => {
  it.each([
    ['little-endian', false],
    ['big-endian', true],
  ])('reads EPBs of a %s section', async (_label, bigEndian) => {
    const bytes = writePcapng(frames, { bigEndian });
    const { frames: seen, summary } = await collect([temp.file(bytes)]);
    const offsets = packetOffsets(bytes);
    expect(seen).toEqual(
      frames.map((f, i) => ({
        fileIndex: 0,
        number: i + 1,
        offset: offsets[i],
        ...storedTs(f, { linkType: 1 }),
        linkType: 1,
        capturedLength: f.data.length,
        originalLength: f.data.length,
        data: f.data,
      })),
    );
    expect(summary.files[0]).toMatchObject({ format: 'pcapng', linkTypes: [1], frames: 30, bytes: bytes.length, error: null });
  });

  it('gives each interface its own link type and timestamp resolution', async () => {
    const interfaces: PcapngInterface[] = [
      { linkType: 1 }, // µs by default
      { linkType: 101, tsresol: 9 },
      { linkType: 113, tsresol: 0x80 | 20 },
      { linkType: 228, tsresol: 3, tsoffset: 1_000_000 },
    ];
    const mixed = frames.map((f, i) => ({ ...f, linkType: interfaces[i % 4]!.linkType, interfaceId: i % 4 }));
    const { frames: seen, summary } = await collect([temp.file(writePcapng(mixed, { interfaces }))]);
    expect(seen.map((f) => ({ linkType: f.linkType, tsSec: f.tsSec, tsNsec: f.tsNsec }))).toEqual(
      mixed.map((f, i) => ({ linkType: f.linkType, ...storedTs(f, interfaces[i % 4]!) })),
    );
    expect(summary.files[0]!.linkTypes).toEqual([1, 101, 113, 228]);
  });

  it('keeps nanoseconds exact', async () => {
    const { frames: seen } = await collect([temp.file(writePcapng(frames, { interfaces: [{ linkType: 1, tsresol: 9 }] }))]);
    expect(seen.map((f) => [f.tsSec, f.tsNsec])).toEqual(frames.map((f) => [f.tsSec, f.tsNsec]));
  });

  it('restarts interface ids and byte order with each section', async () => {
    const first = frames.slice(0, 10);
    const second = frames.slice(10, 20).map((f) => ({ ...f, linkType: 101 }));
    const third = frames.slice(20);
    const bytes = concatBytes([
      writePcapng(first, { interfaces: [{ linkType: 1, tsresol: 9 }], sectionComment: 'one' }),
      // Interface 0 of this section is a different one than in the first section.
      writePcapng(second, { bigEndian: true, interfaces: [{ linkType: 101 }], sectionComment: 'two' }),
      writePcapng(third, { interfaces: [{ linkType: 1, tsresol: 0x80 | 32 }] }),
    ]);
    const { frames: seen, summary } = await collect([temp.file(bytes)]);
    expect(seen.map((f) => f.number)).toEqual(frames.map((_, i) => i + 1));
    expect(seen.map((f) => f.linkType)).toEqual([...first.map(() => 1), ...second.map(() => 101), ...third.map(() => 1)]);
    expect(seen.map((f) => ({ tsSec: f.tsSec, tsNsec: f.tsNsec }))).toEqual([
      ...first.map((f) => storedTs(f, { linkType: 1, tsresol: 9 })),
      ...second.map((f) => storedTs(f, { linkType: 101 })),
      ...third.map((f) => storedTs(f, { linkType: 1, tsresol: 0x80 | 32 })),
    ]);
    expect(seen.map((f) => f.data)).toEqual(frames.map((f) => f.data));
    expect(summary.files[0]!.linkTypes).toEqual([1, 101]);
    expect(summary.files[0]!.comments).toEqual(['one', 'two']);
  });

  it('reads Simple Packet Blocks: first interface, length from the block and the snaplen, previous time', async () => {
    const interfaces = [{ linkType: 1, snaplen: 100 }];
    const bytes = writePcapng(frames, { packetBlock: 'spb', interfaces });
    const { frames: seen } = await collect([temp.file(bytes)]);
    expect(seen.map((f) => [f.linkType, f.capturedLength, f.originalLength])).toEqual(
      frames.map((f) => [1, Math.min(100, f.data.length), f.data.length]),
    );
    expect(seen.map((f) => f.data)).toEqual(frames.map((f) => f.data.subarray(0, 100)));
    // No timestamp in an SPB: a file of only SPBs stays at the epoch.
    expect(seen.every((f) => f.tsSec === 0 && f.tsNsec === 0)).toBe(true);
  });

  it('does not count SPB padding as captured bytes', async () => {
    const odd = makeFrames(8).map((f, i) => ({ ...f, data: f.data.subarray(0, 41 + i) }));
    const { frames: seen } = await collect([temp.file(writePcapng(odd, { packetBlock: 'spb', interfaces: [{ linkType: 1, snaplen: 0 }] }))]);
    expect(seen.map((f) => f.capturedLength)).toEqual(odd.map((f) => f.data.length));
  });

  it('gives an SPB after an EPB the EPB time', async () => {
    const bytes = writePcapng(frames.slice(0, 1));
    const spb = pcapngBlocks(writePcapng(frames.slice(1, 2), { packetBlock: 'spb' })).find((b) => b.type === 3)!.bytes;
    const { frames: seen } = await collect([temp.file(concatBytes([bytes, spb]))]);
    expect(seen[1]).toMatchObject({ number: 2, tsSec: seen[0]!.tsSec, tsNsec: seen[0]!.tsNsec, data: frames[1]!.data });
  });

  it.each([false, true])('reads obsolete Packet Blocks (big-endian %s)', async (bigEndian) => {
    const interfaces = [{ linkType: 1 }, { linkType: 101, tsresol: 9 }];
    const mixed = frames.map((f, i) => ({ ...f, linkType: interfaces[i % 2]!.linkType }));
    const bytes = writePcapng(mixed, { packetBlock: 'obsolete', interfaces, bigEndian });
    const { frames: seen } = await collect([temp.file(bytes)]);
    expect(seen.map((f) => ({ linkType: f.linkType, tsSec: f.tsSec, tsNsec: f.tsNsec, data: f.data }))).toEqual(
      mixed.map((f, i) => ({ linkType: f.linkType, ...storedTs(f, interfaces[i % 2]!), data: f.data })),
    );
    expect(seen.map((f) => f.offset)).toEqual(packetOffsets(bytes));
  });

  it('skips unknown blocks by their length', async () => {
    const plain = await collect([temp.file(writePcapng(frames))]);
    const bytes = writePcapng(frames, { unknownBlocks: true, bigEndian: true });
    const withUnknown = await collect([temp.file(bytes)]);
    expect(withUnknown.summary.errors).toEqual([]);
    expect(withUnknown.frames.map(({ offset: _o, ...rest }) => rest)).toEqual(plain.frames.map(({ offset: _o, ...rest }) => rest));
    expect(withUnknown.frames.map((f) => f.offset)).toEqual(packetOffsets(bytes));
  });

  it('keeps section and interface comments, not packet comments', async () => {
    const commented = frames.slice(0, 3).map((f) => ({ ...f, comment: 'packet comment' }));
    const bytes = writePcapng(commented, {
      sectionComment: 'captured on the gateway',
      interfaces: [{ linkType: 1, name: 'eth0', comment: 'uplink ✓' }],
    });
    const { frames: seen, summary } = await collect([temp.file(bytes)]);
    expect(seen).toHaveLength(3);
    expect(summary.files[0]!.comments).toEqual(['captured on the gateway', 'uplink ✓']);
  });

  it('reads a file with only a section header', async () => {
    const { frames: seen, summary } = await collect([temp.file(writePcapng([], { interfaces: [] }))]);
    expect(seen).toEqual([]);
    expect(summary.files[0]).toMatchObject({ format: 'pcapng', frames: 0, linkTypes: [], error: null });
  });
});
