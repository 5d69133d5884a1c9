/**
 * The shared segment store answers the verdicts' questions exactly as a plain scan over
 * every record of the connection would (the way the report read them when each
 * connection kept its own list of record objects). Seeded random traces: interleaved
 * connections, several files, frames out of order, retransmitted drops, and more records
 * than one page holds.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../support/random.js';
import { HelperAction, type Pattern } from '../../src/helper/conntrack-ftp.js';
import type { Expectation } from '../../src/helper/expectations.js';
import { SegmentStore, type HelperSegmentRecord, type SegmentLog } from '../../src/helper/segment-log.js';

interface Reference extends HelperSegmentRecord {
  time: number;
}

const PATTERNS: (Pattern | null)[] = [null, 'PORT', 'EPRT', '227 ', '229 '];

function strip(record: Reference): HelperSegmentRecord {
  const { time: _time, ...rest } = record;
  return rest;
}

function build(seed: number, connections: number, records: number, options: { files: number; shuffle: number; rotated?: boolean }) {
  const next = seededRandom(seed);
  const store = new SegmentStore();
  const logs: SegmentLog[] = [];
  const reference: Reference[][] = [];
  for (let i = 0; i < connections; i++) {
    logs.push(store.log());
    reference.push([]);
  }
  const frames = new Array<number>(options.files).fill(0);
  const seqs = reference.map(() => [Math.floor(next() * 2 ** 32), Math.floor(next() * 2 ** 32)]);
  for (let n = 0; n < records; n++) {
    const trace = Math.floor(next() * connections);
    // Rotated files follow one another; merged ones interleave.
    const fileIndex = options.rotated ? Math.floor((n * options.files) / records) : Math.floor(next() * options.files);
    // Mostly capture order; sometimes a frame number from the past (a shuffled or merged capture).
    frames[fileIndex]! += 1 + Math.floor(next() * 3);
    const frame = next() < options.shuffle ? Math.floor(next() * frames[fileIndex]!) : frames[fileIndex]!;
    const direction = next() < 0.5 ? 0 : 1;
    const retransmit = next() < 0.2;
    const seq = seqs[trace]![direction]!;
    if (!retransmit) seqs[trace]![direction] = (seq + 1 + Math.floor(next() * 100)) >>> 0;
    const action = Math.floor(next() * 7) as HelperAction;
    const clash = action === HelperAction.Matched && next() < 0.3;
    const expectation = action === HelperAction.Matched && !clash ? ({ frame } as Expectation) : null;
    const record: Reference = {
      fileIndex, frame, direction, seq, action,
      pattern: PATTERNS[Math.floor(next() * PATTERNS.length)]!,
      expectation, clash,
      endsWithoutNewline: next() < 0.1,
      mergedAfterDrop: next() < 0.05,
      time: 0,
    };
    // The timestamp as a capture has it, seconds and nanoseconds: n ms into the trace, some up to a second early.
    const nanoseconds = Math.round(n * 1e6 - (next() < 0.1 ? next() : 0) * 1e9);
    const tsSec = 1_700_000_000 + Math.floor(nanoseconds / 1e9);
    const tsNsec = nanoseconds - Math.floor(nanoseconds / 1e9) * 1e9;
    record.time = tsSec + tsNsec / 1e9;
    reference[trace]!.push(record);
    logs[trace]!.push(record.fileIndex, record.frame, tsSec, tsNsec, record.direction, record.seq, record.action, record.pattern,
      record.expectation, record.clash, record.endsWithoutNewline, record.mergedAfterDrop);
  }
  return { store, logs, reference, next };
}

const isDropped = (record: HelperSegmentRecord): boolean => record.action === HelperAction.DroppedPartial || record.clash;

/** The report's original grouping: first drop per (direction, seq), with the other dropped copies. */
function referenceGroups(records: Reference[]): HelperSegmentRecord[][] {
  const seen = new Set<string>();
  const groups: HelperSegmentRecord[][] = [];
  for (const record of records) {
    if (!isDropped(record)) continue;
    const key = `${record.direction}:${record.seq}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const copies = records.filter((other) => other !== record && other.direction === record.direction && other.seq === record.seq && isDropped(other));
    groups.push([record, ...copies].map(strip));
  }
  return groups;
}

const cases = [
  { name: 'one file, capture order', seed: 1, connections: 40, records: 40_000, files: 1, shuffle: 0 },
  { name: 'three rotated files', seed: 5, connections: 25, records: 20_000, files: 3, shuffle: 0, rotated: true },
  { name: 'three files interleaved', seed: 2, connections: 25, records: 20_000, files: 3, shuffle: 0 },
  { name: 'frames out of order', seed: 3, connections: 30, records: 20_000, files: 2, shuffle: 0.05 },
  { name: 'one connection over two pages', seed: 4, connections: 1, records: 20_000, files: 1, shuffle: 0 },
];

describe('SegmentStore queries match a scan over every record', () => {
  for (const test of cases) {
    it(test.name, () => {
      const { logs, reference, next } = build(test.seed, test.connections, test.records, test);
      for (let trace = 0; trace < logs.length; trace++) {
        const log = logs[trace]!;
        const records = reference[trace]!;
        expect(log.size).toBe(records.length);
        expect(log.droppedGroups()).toEqual(referenceGroups(records));
        expect(log.mergedRecords()).toEqual(records.filter((record) => record.mergedAfterDrop).map(strip));
        for (let probe = 0; probe < 30; probe++) {
          const time = 1_700_000_000 + next() * (test.records / 1000) * 1.1;
          expect(log.repliedAfter(time)).toBe(records.some((record) => record.direction === 1 && record.time > time));
        }
        for (let probe = 0; probe < 60 && records.length > 0; probe++) {
          const some = records[Math.floor(next() * records.length)]!;
          // Frames that carry records, one that may not, and a repeat.
          const frames = [{ fileIndex: some.fileIndex, frame: some.frame }];
          if (next() < 0.5) frames.push({ fileIndex: Math.floor(next() * test.files), frame: Math.floor(next() * (some.frame + 5)) });
          if (next() < 0.2) frames.push({ ...frames[0]! });
          expect(log.onFrames(frames)).toEqual(records.filter((record) =>
            frames.some((frame) => frame.frame === record.frame && frame.fileIndex === record.fileIndex)).map(strip));

          const earlier = records.filter((record) => record.direction === some.direction && record.frame < some.frame && record.fileIndex === some.fileIndex);
          const previous = earlier[earlier.length - 1];
          expect(log.previousInDirection(some.direction, some.fileIndex, some.frame)).toEqual(previous ? strip(previous) : null);

          if (isDropped(some)) {
            expect(log.droppedCopies(strip(some))).toEqual(records.filter((record) =>
              record.direction === some.direction && record.seq === some.seq && isDropped(record)).map(strip));
          }
        }
      }
    });
  }

  it('a connection with no records, and records added after a query', () => {
    const store = new SegmentStore();
    const first = store.log();
    first.push(0, 1, 1, 0, 1, 100, HelperAction.DroppedPartial, 'PORT', null, false, true, false);
    expect(first.onFrames([{ fileIndex: 0, frame: 1 }])).toHaveLength(1);
    const second = store.log();
    expect(second.onFrames([{ fileIndex: 0, frame: 1 }])).toEqual([]);
    expect(second.previousInDirection(0, 0, 5)).toBeNull();
    first.push(0, 2, 2, 0, 1, 100, HelperAction.DroppedPartial, 'PORT', null, false, true, false);
    expect(first.droppedGroups().map((group) => group.map((record) => record.frame))).toEqual([[1, 2]]);
    expect(first.previousInDirection(1, 0, 3)?.frame).toBe(2);
    expect(first.repliedAfter(1.5)).toBe(true);
    expect(first.repliedAfter(2)).toBe(false);
  });
});

describe('SegmentStore.release', () => {
  it('lets a page go once every trace with records in it is released, and keeps the others answering', () => {
    const store = new SegmentStore();
    const traces = Array.from({ length: 40 }, () => store.addTrace());
    // 40 traces interleaved over about six pages of 16384 records.
    for (let n = 0; n < 100_000; n++) store.append(traces[n % 40]!, 0, n + 1, n, 0, n, 0, null);
    const pages = store.pagesHeld;
    expect(pages).toBe(Math.ceil(100_000 / 16384));
    // Half the traces released: every page still holds records of the others.
    for (const trace of traces.slice(0, 20)) store.release(trace);
    expect(store.pagesHeld).toBe(pages);
    const kept = store.traceRecords(traces[25]!);
    expect(kept.end - kept.start).toBe(2500);
    expect(store.frameOf(kept.records[kept.end - 1]!)).toBe(99_986);
    // All released: only the page being filled stays.
    for (const trace of traces.slice(20)) store.release(trace);
    expect(store.pagesHeld).toBe(1);
  });
});
