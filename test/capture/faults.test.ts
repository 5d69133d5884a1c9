import { chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureError } from '../../src/capture/index.js';
import { GZIP_OUTPUT_CHUNK } from '../../src/capture/limits.js';
import { concatBytes, writePcap, writePcapng } from '../fixture/capture-writer.js';
import { collect, makeFrames, pcapngBlocks, pcapRecordOffsets, setU32, TempDir } from './helpers.js';

const temp = new TempDir();
afterAll(() => temp.remove());

const frames = makeFrames(10);
const pcap = writePcap(frames, { snaplen: 65535 });
const recordAt = pcapRecordOffsets(frames);
const pcapng = writePcapng(frames, { interfaces: [{ linkType: 1, snaplen: 65535 }] });
const blocks = pcapngBlocks(pcapng);
/** Offsets of the EPBs (blocks[0] is the SHB, blocks[1] the IDB). */
const epbAt = blocks.filter((b) => b.type === 6).map((b) => b.at);

/**
 * Reads a bad file and checks what every fault case must hold: the promise resolves, the
 * fault is in the file info and the summary, and the frames before it were all delivered.
 */
async function expectFault(bytes: Uint8Array, fault: { offset: number; what: string | RegExp }, framesBefore: number, chunkSize?: number) {
  const path = temp.file(bytes);
  const { frames: seen, summary } = await collect([path], { chunkSize });
  expect(summary.errors).toHaveLength(1);
  const error = summary.errors[0]!;
  expect(error).toBeInstanceOf(CaptureError);
  expect(error.file).toBe(path);
  if (typeof fault.what === 'string') expect(error.what).toBe(fault.what);
  else expect(error.what).toMatch(fault.what);
  expect(error.offset).toBe(fault.offset);
  expect(error.message).toBe(`${path}: ${error.what} at byte offset ${error.offset}`);
  expect(summary.files[0]!.error).toBe(error);
  expect(seen.map((f) => f.data)).toEqual(frames.slice(0, framesBefore).map((f) => f.data));
  expect(summary.files[0]!.frames).toBe(framesBefore);
  return summary;
}

describe('bad input: any format', () => {
  it('empty file', async () => {
    const summary = await expectFault(new Uint8Array(0), { offset: 0, what: 'empty file' }, 0);
    expect(summary.files[0]!.format).toBeNull();
  });

  it('random bytes', async () => {
    const bytes = new Uint8Array(5000).map((_, i) => (i * 7919 + 13) & 0xff);
    expect(Buffer.from(bytes.subarray(0, 4)).toString('hex')).toBe('0dfcebda');
    await expectFault(bytes, { offset: 0, what: 'not a pcap or pcapng file (magic 0x0dfcebda)' }, 0);
  });

  it('a text file', async () => {
    await expectFault(new TextEncoder().encode('hello world\n'), { offset: 0, what: 'not a pcap or pcapng file (magic 0x68656c6c)' }, 0);
  });

  it('fewer bytes than a magic', async () => {
    await expectFault(new Uint8Array([0xd4, 0xc3]), { offset: 0, what: 'truncated file header: needs 4 bytes, 2 available' }, 0);
  });
});

describe('bad input: classic pcap', () => {
  it('file header cut short', async () => {
    const summary = await expectFault(pcap.subarray(0, 10), { offset: 0, what: 'truncated file header: needs 24 bytes, 10 available' }, 0);
    expect(summary.files[0]!.format).toBe('pcap');
  });

  it.each([1, 7, 15])('cut %d bytes into a record header', async (cut) => {
    await expectFault(pcap.subarray(0, recordAt[4]! + cut), { offset: recordAt[4]!, what: `truncated record header: needs 16 bytes, ${cut} available` }, 4);
  });

  it.each([undefined, 7])('cut in a record body (chunk size %s)', async (chunkSize) => {
    const caplen = frames[4]!.data.length;
    await expectFault(
      pcap.subarray(0, recordAt[4]! + 16 + 3),
      { offset: recordAt[4]!, what: `truncated record: header says ${caplen} bytes, 3 available` },
      4,
      chunkSize,
    );
  });

  it('captured length over the snaplen and the 256 KiB standard maximum', async () => {
    const bytes = setU32(pcap, recordAt[6]! + 8, 300_000);
    await expectFault(bytes, { offset: recordAt[6]!, what: 'record length 300000 exceeds 262144 (snaplen 65535)' }, 6);
  });

  it('captured length over the snaplen but within 256 KiB is accepted', async () => {
    // Some writers put a small snaplen in the header and still store whole frames.
    const { frames: seen, summary } = await collect([temp.file(setU32(pcap, 16, 32))]);
    expect(summary.errors).toEqual([]);
    expect(seen.map((f) => f.data)).toEqual(frames.map((f) => f.data));
  });

  it('a huge snaplen does not lift the 16 MiB cap', async () => {
    const bytes = setU32(setU32(pcap, 16, 0xffffffff), recordAt[2]! + 8, 0x7fffffff);
    await expectFault(bytes, { offset: recordAt[2]!, what: 'record length 2147483647 exceeds the 16 MiB record cap' }, 2);
  });

  it('a 1 MiB record under a matching snaplen is read, cut short it is a truncation', async () => {
    const big = [{ tsSec: 1, tsNsec: 0, linkType: 1, data: new Uint8Array(1 << 20).fill(0xab) }];
    const bytes = writePcap(big, { snaplen: 1 << 20 });
    const whole = await collect([temp.file(bytes)], { chunkSize: 4096 });
    expect(whole.summary.errors).toEqual([]);
    expect(whole.frames[0]!.data).toEqual(big[0]!.data);
    const { summary } = await collect([temp.file(bytes.subarray(0, 5000))], { chunkSize: 4096 });
    expect(summary.errors[0]!.what).toBe(`truncated record: header says ${1 << 20} bytes, ${5000 - 40} available`);
  });
});

describe('bad input: pcapng', () => {
  const at4 = epbAt[4]!;
  const epbLength = (i: number) => blocks.find((b) => b.at === epbAt[i])!.bytes.length;

  it.each([
    ['total length below 12', 8, 'block length 8 is less than 12'],
    ['total length not a multiple of 4', 66, 'block length 66 is not a multiple of 4'],
    ['total length over the 16 MiB cap', 0x7ffffff0, 'block length 2147483632 exceeds the 16 MiB cap'],
  ])('%s', async (_label, total, what) => {
    await expectFault(setU32(pcapng, at4 + 4, total), { offset: at4, what }, 4);
  });

  it('trailing length that does not match', async () => {
    const total = epbLength(4);
    await expectFault(setU32(pcapng, at4 + total - 4, total + 4), { offset: at4, what: `block trailing length ${total + 4} does not match ${total}` }, 4);
  });

  it('block cut short', async () => {
    const total = epbLength(4);
    await expectFault(pcapng.subarray(0, at4 + 20), { offset: at4, what: `truncated record: header says ${total} bytes, 20 available` }, 4);
  });

  it('block header cut short', async () => {
    await expectFault(pcapng.subarray(0, at4 + 6), { offset: at4, what: 'truncated record header: needs 12 bytes, 6 available' }, 4);
  });

  it('EPB referencing an unknown interface', async () => {
    await expectFault(setU32(pcapng, at4 + 8, 3), { offset: at4, what: 'packet references unknown interface 3 (section has 1)' }, 4);
  });

  it('packet before any interface description block', async () => {
    const withoutIdb = concatBytes(blocks.filter((b) => b.type !== 1).map((b) => b.bytes));
    await expectFault(withoutIdb, { offset: blocks[0]!.bytes.length, what: 'packet before any interface description block' }, 0);
  });

  it('interface ids do not carry over into the next section', async () => {
    const second = pcapngBlocks(writePcapng(frames.slice(0, 2))).filter((b) => b.type !== 1);
    const bytes = concatBytes([pcapng, ...second.map((b) => b.bytes)]);
    await expectFault(bytes, { offset: pcapng.length + second[0]!.bytes.length, what: 'packet before any interface description block' }, 10);
  });

  it('EPB captured length beyond its block', async () => {
    const room = epbLength(4) - 32;
    await expectFault(setU32(pcapng, at4 + 20, room + 4), { offset: at4, what: `captured length ${room + 4} exceeds block room ${room}` }, 4);
  });

  it('bad byte-order magic in a later section', async () => {
    const bytes = concatBytes([pcapng, setU32(writePcapng([]), 8, 0x12345678)]);
    await expectFault(bytes, { offset: pcapng.length, what: 'bad byte-order magic 0x78563412' }, 10);
  });

  it('unsupported version', async () => {
    const bytes = new Uint8Array(pcapng);
    new DataView(bytes.buffer).setUint16(12, 2, true);
    await expectFault(bytes, { offset: 0, what: 'unsupported pcapng version 2.0' }, 0);
  });
});

describe('bad input: gzip', () => {
  const big = makeFrames(400);
  const plain = writePcap(big);
  // A plain Uint8Array: Buffer#slice would alias, and the corruption tests edit copies.
  const gz = new Uint8Array(gzipSync(plain));

  it('gzip stream that ends early', async () => {
    const path = temp.file(gz.subarray(0, Math.floor(gz.length / 2)));
    const { frames: seen, summary } = await collect([path]);
    const error = summary.errors[0]!;
    expect(error.what).toBe('gzip: unexpected end of data (decompressed)');
    expect(error.message).toContain('(decompressed) at byte offset');
    // Frames up to where the data stopped were delivered, in order, and the offset is where it stopped.
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.map((f) => f.data)).toEqual(big.slice(0, seen.length).map((f) => f.data));
    expect(error.offset).toBeGreaterThanOrEqual(pcapRecordOffsets(big)[seen.length - 1]!);
    expect(error.offset).toBeLessThan(plain.length);
  });

  it('gzip stream cut inside its header', async () => {
    const { summary } = await collect([temp.file(gz.subarray(0, 5))]);
    expect(summary.errors.map((e) => [e.offset, e.what])).toEqual([[0, 'gzip: unexpected end of data (decompressed)']]);
  });

  it('corrupt gzip data', async () => {
    const corrupt = gz.slice();
    for (let i = 200; i < 260; i++) corrupt[i] = 0xff;
    const { frames: seen, summary } = await collect([temp.file(corrupt)]);
    expect(summary.errors[0]!.what).toMatch(/^gzip: (corrupt data \(.+\)|unexpected end of data) \(decompressed\)$/);
    expect(seen.map((f) => f.data)).toEqual(big.slice(0, seen.length).map((f) => f.data));
  });

  it('wrong gzip checksum', async () => {
    const badCrc = gz.slice();
    badCrc[badCrc.length - 8]! ^= 0xff;
    const { frames: seen, summary } = await collect([temp.file(badCrc)]);
    const error = summary.errors[0]!;
    expect(error.what).toMatch(/^gzip: corrupt data \(.*check.*\) \(decompressed\)$/);
    // zlib withholds the output of the inflate call that found the fault: at most one
    // GZIP_OUTPUT_CHUNK before it is lost, everything earlier is delivered.
    expect(plain.length - error.offset).toBeLessThanOrEqual(GZIP_OUTPUT_CHUNK);
    const delivered = seen.reduce((n, f) => n + 16 + f.capturedLength, 24);
    expect(delivered).toBeGreaterThan(error.offset - 2000);
    expect(seen.map((f) => f.data)).toEqual(big.slice(0, seen.length).map((f) => f.data));
  });

  it('pcap truncated inside a valid gzip stream says the offset is decompressed', async () => {
    const cut = writePcap(frames).subarray(0, recordAt[4]! + 5);
    await expectFault(gzipSync(cut), { offset: recordAt[4]!, what: 'truncated record header: needs 16 bytes, 5 available (decompressed)' }, 4);
  });

  it('empty gzip', async () => {
    await expectFault(gzipSync(new Uint8Array(0)), { offset: 0, what: 'empty file (decompressed)' }, 0);
  });

  it('truncated gzip on standard input', async () => {
    const { frames: seen, summary } = await collect(['-'], { stdin: Readable.from([Buffer.from(gz.subarray(0, 3000))]) });
    expect(summary.errors[0]!.what).toBe('gzip: unexpected end of data (decompressed)');
    expect(seen.map((f) => f.data)).toEqual(big.slice(0, seen.length).map((f) => f.data));
  });
});

describe('bad input: the file system', () => {
  it('missing file', async () => {
    const { summary } = await collect([join(temp.path, 'nope.pcap')]);
    expect(summary.errors.map((e) => [e.offset, e.what])).toEqual([[0, 'cannot open: no such file']]);
    expect(summary.files[0]).toMatchObject({ format: null, frames: 0, sizeOnDisk: null });
  });

  it('directory', async () => {
    const { summary } = await collect([temp.path]);
    expect(summary.errors.map((e) => [e.offset, e.what])).toEqual([[0, 'cannot open: is a directory']]);
  });

  it.skipIf(process.getuid?.() === 0)('unreadable file', async () => {
    const path = temp.file(pcap);
    chmodSync(path, 0);
    const { summary } = await collect([path]);
    expect(summary.errors.map((e) => [e.offset, e.what])).toEqual([[0, 'cannot open: permission denied']]);
  });
});

describe('a fault ends that file only', () => {
  it('reads the other files to the end and resolves', async () => {
    const good = temp.file(writePcap(frames));
    const cut = temp.file(pcap.subarray(0, recordAt[3]! + 20));
    const missing = join(temp.path, 'missing.pcap');
    const bad = temp.file(new TextEncoder().encode('not a capture'));
    const { frames: seen, summary } = await collect([cut, good, missing, bad]);
    expect(summary.files.map((f) => f.frames)).toEqual([3, 10, 0, 0]);
    expect(summary.frames).toBe(13);
    expect(summary.errors.map((e) => e.file)).toEqual([cut, missing, bad]);
    expect(seen.filter((f) => f.fileIndex === 1).map((f) => f.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(seen.filter((f) => f.fileIndex === 0).map((f) => f.number)).toEqual([1, 2, 3]);
  });
});
