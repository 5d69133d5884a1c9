/** Shared helpers for the capture tests: temp files, frame collection, and synthetic traffic. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCaptures, type CaptureSummary, type ReadOptions } from '../../src/capture/index.js';
import type { RawFrame } from '../fixture/capture-writer.js';

/** A copy of everything a Frame says, since the reader reuses its Frame object. */
export interface SeenFrame {
  fileIndex: number;
  number: number;
  offset: number;
  tsSec: number;
  tsNsec: number;
  linkType: number;
  capturedLength: number;
  originalLength: number;
  data: Uint8Array;
}

export async function collect(
  paths: string[],
  options?: ReadOptions,
): Promise<{ frames: SeenFrame[]; summary: CaptureSummary }> {
  const frames: SeenFrame[] = [];
  const summary = await readCaptures(
    paths,
    (f) => {
      frames.push({
        fileIndex: f.fileIndex,
        number: f.number,
        offset: f.offset,
        tsSec: f.tsSec,
        tsNsec: f.tsNsec,
        linkType: f.linkType,
        capturedLength: f.capturedLength,
        originalLength: f.originalLength,
        data: f.buffer.slice(f.start, f.start + f.capturedLength),
      });
    },
    options,
  );
  return { frames, summary };
}

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), 'ftpcap-capture-'));
  private count = 0;
  file(bytes: Uint8Array, name = `f${this.count++}.cap`): string {
    const path = join(this.path, name);
    writeFileSync(path, bytes);
    return path;
  }
  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Deterministic frames of varied sizes (some 1514-byte, some tiny), timestamps rising by a few ms. */
export function makeFrames(count: number, opts: { linkType?: number; startSec?: number; seed?: number } = {}): RawFrame[] {
  const frames: RawFrame[] = [];
  const seed = opts.seed ?? 1;
  let sec = opts.startSec ?? 1_700_000_000;
  let nsec = 123_456_789;
  for (let i = 0; i < count; i++) {
    const length = i % 5 === 0 ? 1514 : 20 + ((i * 37 + seed * 11) % 180);
    const data = new Uint8Array(length);
    for (let j = 0; j < length; j++) data[j] = (i * 7 + j + seed) & 0xff;
    frames.push({ tsSec: sec, tsNsec: nsec, linkType: opts.linkType ?? 1, data });
    nsec += 3_000_001 + ((i * 7919) % 1_000_000);
    if (nsec >= 1e9) {
      sec += 1;
      nsec -= 1e9;
    }
  }
  return frames;
}

/** What a reader must report for a frame written at microsecond resolution. */
export function microsecondTs(f: RawFrame): { tsSec: number; tsNsec: number } {
  return { tsSec: f.tsSec, tsNsec: Math.floor(f.tsNsec / 1000) * 1000 };
}

/** Offsets of each record in a classic pcap written by writePcap (no snaplen cut). */
export function pcapRecordOffsets(frames: RawFrame[]): number[] {
  const offsets: number[] = [];
  let at = 24;
  for (const f of frames) {
    offsets.push(at);
    at += 16 + f.data.length;
  }
  return offsets;
}

/** Splits a little- or big-endian pcapng into its blocks, trusting the writer's framing. */
export function pcapngBlocks(bytes: Uint8Array): { type: number; at: number; bytes: Uint8Array }[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const blocks: { type: number; at: number; bytes: Uint8Array }[] = [];
  let le = true;
  for (let at = 0; at < bytes.length; ) {
    if (view.getUint32(at, true) === 0x0a0d0d0a) le = view.getUint32(at + 8, true) === 0x1a2b3c4d;
    const total = view.getUint32(at + 4, le);
    blocks.push({ type: view.getUint32(at, le), at, bytes: bytes.subarray(at, at + total) });
    at += total;
  }
  return blocks;
}

export function setU32(bytes: Uint8Array, at: number, value: number, littleEndian = true): Uint8Array {
  const copy = bytes.slice();
  new DataView(copy.buffer).setUint32(at, value, littleEndian);
  return copy;
}
