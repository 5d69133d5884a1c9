/**
 * Our readers against independent ones on the shared corpus of real captures:
 * pcap-parser for classic µs pcap, tshark (when installed) for everything.
 */
import { execFile, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { collect } from './helpers.js';
import { SHARED } from '../support/shared.js';

const CORPUS = join(SHARED, 'corpus');

function magicOf(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const bytes = Buffer.alloc(4);
    const n = readSync(fd, bytes, 0, 4, 0);
    return bytes.subarray(0, n).toString('hex');
  } finally {
    closeSync(fd);
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return walk(path);
    return entry.isFile() && statSync(path).size > 0 ? [path] : [];
  });
}

const PCAP_US = new Set(['a1b2c3d4', 'd4c3b2a1']);
const CAPTURE_MAGICS = new Set([...PCAP_US, 'a1b23c4d', '4d3cb2a1', '0a0d0d0a']);
/** Gzip is only taken for capture-looking names: the corpus may hold gzipped logs too. */
const isCapture = (p: string) =>
  CAPTURE_MAGICS.has(magicOf(p)) || (magicOf(p).startsWith('1f8b') && /\.(pcap|pcapng|cap)\.gz$/i.test(p));
const corpusPresent = existsSync(CORPUS);
const captures = corpusPresent
  ? walk(CORPUS)
      .filter(isCapture)
      .sort()
  : [];
const classicMicro = captures.filter((p) => PCAP_US.has(magicOf(p)));
const label = (p: string) => relative(CORPUS, p);

interface ParserPacket {
  header: { timestampSeconds: number; timestampMicroseconds: number; capturedLength: number; originalLength: number };
  data: Buffer;
}

/** pcap-parser's view of a file: every packet, or the error it stopped on. */
function parseWithPcapParser(path: string): Promise<{ packets: ParserPacket[]; error: Error | null }> {
  const require = createRequire(import.meta.url);
  const pcapParser = require('pcap-parser') as { parse(input: string): NodeJS.EventEmitter };
  return new Promise((resolve) => {
    const packets: ParserPacket[] = [];
    let error: Error | null = null;
    const parser = pcapParser.parse(path);
    parser.on('packet', (p: ParserPacket) => packets.push({ header: { ...p.header }, data: Buffer.from(p.data) }));
    parser.on('error', (e: Error) => (error = e));
    parser.on('end', () => resolve({ packets, error }));
  });
}

describe.skipIf(!corpusPresent)('cross-check with pcap-parser on the corpus', () => {
  it('finds classic pcap files to compare', () => {
    expect(classicMicro.length).toBeGreaterThan(0);
  });

  it.each(classicMicro.map((p) => [label(p), p]))('%s', async (_name, path) => {
    const theirs = await parseWithPcapParser(path);
    const ours = await collect([path]);
    // pcap-parser cannot report truncation: it just stops, so compare what both delivered.
    if (ours.summary.errors.length === 0) expect(theirs.packets.length).toBe(ours.frames.length);
    else expect(theirs.packets.length).toBeGreaterThanOrEqual(ours.frames.length);
    expect(ours.frames.length).toBeGreaterThan(0);
    ours.frames.forEach((f, i) => {
      const p = theirs.packets[i]!;
      expect([f.tsSec, f.tsNsec / 1000, f.capturedLength, f.originalLength], `frame ${i + 1}`).toEqual([
        p.header.timestampSeconds,
        p.header.timestampMicroseconds,
        p.header.capturedLength,
        p.header.originalLength,
      ]);
      expect(Buffer.from(f.data).equals(p.data), `frame ${i + 1} bytes`).toBe(true);
    });
  });
});

describe.skipIf(corpusPresent)('cross-check with pcap-parser', () => {
  it.skip(`skipped: corpus folder ${CORPUS} is absent`, () => {});
});

const tshark = spawnSync('sh', ['-c', 'command -v tshark'], { encoding: 'utf8' }).stdout.trim();

/** tshark's epoch time as sec.nnnnnnnnn whatever number of decimals this version prints. */
function normaliseEpoch(text: string): string {
  const [sec, fraction = ''] = text.split('.');
  return `${sec}.${fraction.padEnd(9, '0').slice(0, 9)}`;
}

// tshark takes most of a second to start: run the files concurrently.
describe.skipIf(!corpusPresent || tshark === '').concurrent('cross-check with tshark on the corpus', () => {
  it.each(captures.map((p) => [label(p), p]))('%s', async (_name, path) => {
    let out: string;
    try {
      const fields = ['-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.cap_len'];
      out = (await promisify(execFile)(tshark, ['-r', path, '-T', 'fields', ...fields], { maxBuffer: 1 << 30 })).stdout;
    } catch (err) {
      // tshark exits non-zero on a cut file after printing the frames it read.
      out = String((err as { stdout?: string }).stdout ?? '');
    }
    const theirs = out
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => {
        const [number, time, caplen] = line.split('\t');
        return { number: Number(number), time: normaliseEpoch(time!), caplen: Number(caplen) };
      });
    const ours = await collect([path]);
    expect(ours.frames.length).toBe(theirs.length);
    expect(
      ours.frames.map((f) => ({
        number: f.number,
        time: `${f.tsSec}.${String(f.tsNsec).padStart(9, '0')}`,
        caplen: f.capturedLength,
      })),
    ).toEqual(theirs);
  });
});

describe.skipIf(corpusPresent && tshark !== '')('cross-check with tshark', () => {
  it.skip(`skipped: ${corpusPresent ? 'tshark is not on PATH' : `corpus folder ${CORPUS} is absent`}`, () => {});
});
