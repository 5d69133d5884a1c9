/**
 * Property: a byte stream cut into segments, then duplicated, reordered, partly dropped and
 * (sometimes) retransmitted with other bytes, comes out of the stream view as the first copy
 * of every byte that was captured, with one gap of the exact size for every hole, each byte
 * mapped to the frame its first copy came in; the segment view classifies each segment as
 * a model of "what came before" says; count-only mode counts the same bytes.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { TCP_ACK, TCP_FIN, TCP_SYN } from '../../src/decode/packet.js';
import { ConnectionTable } from '../../src/tcp/table.js';
import { SegmentKind, type DirectionStats } from '../../src/tcp/types.js';
import type { TcpOptions } from '../../src/tcp/options.js';
import { HandFeeder, Recorder, type ObserverMode } from './helpers.js';

interface Copy {
  /** Offset in the stream and the bytes this copy carries (maybe altered). */
  start: number;
  bytes: Uint8Array;
}

interface Scenario {
  data: Uint8Array;
  isn: number;
  handshake: boolean;
  finKept: boolean;
  /** Data segments in capture order. */
  copies: Copy[];
}

/** TCP_PROPERTY_RUNS=20 multiplies the runs for a long soak. */
const SCALE = Number(process.env.TCP_PROPERTY_RUNS ?? 1);
const runs = (n: number) => ({ numRuns: n * SCALE });

const SEQ_NEAR_WRAP = [0xffff_ffff, 0xffff_fff0, 0xffff_ff00, 0xffff_f000];

function scenario(options: { alter: boolean; maxLength?: number }): fc.Arbitrary<Scenario> {
  return fc
    .record({
      data: fc.uint8Array({ minLength: 1, maxLength: options.maxLength ?? 1500 }),
      isn: fc.oneof(fc.constantFrom(...SEQ_NEAR_WRAP), fc.integer({ min: 0xffff_0000, max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff })),
      handshake: fc.boolean(),
      finKept: fc.boolean(),
    })
    .chain(({ data, isn, handshake, finKept }) =>
      fc
        .record({
          cuts: fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, data.length - 1) }), { maxLength: 40 }),
          // Per segment: how many copies reach the capture (0 = lost), and a sort key per copy.
          copies: fc.array(fc.record({ count: fc.constantFrom(0, 1, 1, 1, 2, 3), keys: fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 3, maxLength: 3 }) }), {
            minLength: 41,
            maxLength: 41,
          }),
          // Overlapping resends that straddle segment borders.
          extra: fc.array(fc.record({ start: fc.nat({ max: data.length - 1 }), length: fc.integer({ min: 1, max: 200 }), key: fc.double({ min: 0, max: 1, noNaN: true }), flip: fc.boolean() }), {
            maxLength: 6,
          }),
        })
        .map(({ cuts, copies, extra }) => {
          const bounds = [0, ...cuts.filter((cut) => cut < data.length).sort((a, b) => a - b), data.length];
          const keyed: Array<{ key: number; copy: Copy }> = [];
          for (let i = 0; i + 1 < bounds.length; i++) {
            const plan = copies[i % copies.length]!;
            const start = bounds[i]!;
            const end = bounds[i + 1]!;
            if (start === end) continue;
            for (let c = 0; c < plan.count; c++) {
              const bytes = data.slice(start, end);
              keyed.push({ key: plan.keys[c]! + i * 0.02, copy: { start, bytes } });
            }
          }
          for (const resend of extra) {
            const end = Math.min(data.length, resend.start + resend.length);
            const bytes = data.slice(resend.start, end);
            if (options.alter && resend.flip) bytes[0] = bytes[0]! ^ 0xff;
            keyed.push({ key: resend.key * (bounds.length * 0.02 + 1), copy: { start: resend.start, bytes } });
          }
          keyed.sort((a, b) => a.key - b.key);
          return { data, isn, handshake, finKept, copies: keyed.map((entry) => entry.copy) };
        }),
    );
}

/** Feeds the scenario as one client→server direction (plus the server's SYN/ACK); no ACKs, so only the end declares holes. */
function feed(s: Scenario, mode: ObserverMode, tcp?: TcpOptions, ackAll = false): { rec: Recorder; table: ConnectionTable; frames: number[] } {
  const rec = new Recorder(mode);
  const table = new ConnectionTable(rec.factory, tcp);
  const feeder = new HandFeeder(table);
  const base = s.handshake ? (s.isn + 1) >>> 0 : s.isn;
  if (s.handshake) {
    feeder.send({ from: 'c', seq: s.isn, flags: TCP_SYN });
    feeder.send({ from: 's', seq: 7, ack: base, flags: TCP_SYN | TCP_ACK });
  }
  const frames: number[] = [];
  for (const copy of s.copies) {
    frames.push(feeder.send({ from: 'c', seq: (base + copy.start) >>> 0, ack: 8, flags: TCP_ACK, payload: copy.bytes }));
  }
  // The receiver got everything: its ACK declares the holes before the highest byte seen.
  if (ackAll) feeder.send({ from: 's', seq: 8, ack: (base + s.data.length) >>> 0, flags: TCP_ACK });
  if (s.finKept) feeder.send({ from: 'c', seq: (base + s.data.length) >>> 0, ack: 8, flags: TCP_FIN | TCP_ACK });
  table.finish();
  return { rec, table, frames };
}

interface Model {
  /** First copy of each byte (value, frame), -1 frame when never captured; positions before `origin` ignored. */
  value: number[];
  frame: number[];
  origin: number;
  end: number;
  kinds: SegmentKind[];
  retransmitted: number;
}

/** What the table should make of a scenario, computed the obvious way. */
function model(s: Scenario, frames: number[]): Model {
  const n = s.data.length;
  const value = new Array<number>(n).fill(-1);
  const frame = new Array<number>(n).fill(-1);
  // Without a SYN the first payload seen is where the stream starts (mid-stream pickup).
  const origin = s.handshake ? 0 : s.copies.length > 0 ? s.copies[0]!.start : s.finKept ? n : 0;
  let highest = origin;
  let retransmitted = 0;
  const kinds: SegmentKind[] = [];
  s.copies.forEach((copy, index) => {
    let fresh = 0;
    let differs = false;
    for (let k = 0; k < copy.bytes.length; k++) {
      const at = copy.start + k;
      if (at < origin) continue;
      if (frame[at] === -1) {
        fresh++;
        frame[at] = frames[index]!;
        value[at] = copy.bytes[k]!;
      } else {
        retransmitted++;
        if (value[at] !== copy.bytes[k]) differs = true;
      }
    }
    const end = copy.start + copy.bytes.length;
    let kind: SegmentKind;
    // A byte at next-1 is a keep-alive's garbage byte (RFC 1122 §4.2.3.6), whatever it holds.
    if (copy.bytes.length <= 1 && fresh === 0 && copy.start === highest - 1) kind = SegmentKind.KeepAlive;
    else if (differs) kind = SegmentKind.OverlapDifferent;
    else if (fresh === 0) kind = SegmentKind.Retransmission;
    else if (copy.start > highest) kind = SegmentKind.OutOfOrder;
    else kind = SegmentKind.NewData;
    kinds.push(kind);
    if (end > highest) highest = end;
  });
  let end = origin;
  for (let at = n - 1; at >= origin; at--) {
    if (frame[at] !== -1) {
      end = at + 1;
      break;
    }
  }
  if (s.finKept) end = n;
  return { value, frame, origin, end, kinds, retransmitted };
}

function expectedStats(m: Model, segments: number): Partial<DirectionStats> {
  let bytes = 0;
  let missing = 0;
  for (let at = m.origin; at < m.end; at++) {
    if (m.frame[at] === -1) missing++;
    else bytes++;
  }
  return { segments, bytes, missingBytes: missing, retransmittedBytes: m.retransmitted };
}

function check(s: Scenario, ackAll = false): void {
  const { rec, frames } = feed(s, 'both', undefined, ackAll);
  const m = model(s, frames);
  const sentNothing = !s.handshake && !s.finKept && s.copies.length === 0;
  expect(rec.connections).toHaveLength(sentNothing ? 0 : 1);
  if (sentNothing) return;
  const conn = rec.connections[0]!;

  // Stream view: walk the events and the model together.
  let at = m.origin;
  const expectedGaps: number[] = [];
  for (let i = m.origin; i < m.end; ) {
    if (m.frame[i] !== -1) {
      i++;
      continue;
    }
    let j = i;
    while (j < m.end && m.frame[j] === -1) j++;
    expectedGaps.push(j - i);
    i = j;
  }
  const gaps: number[] = [];
  for (const event of rec.events) {
    if (event.type === 'end') continue;
    expect(event.direction).toBe(0);
    if (event.type === 'gap') {
      gaps.push(event.length);
      for (let k = 0; k < event.length; k++) expect(m.frame[at + k]).toBe(-1);
      at += event.length;
    } else {
      for (let k = 0; k < event.bytes.length; k++) {
        if (m.frame[at + k] !== event.frame || m.value[at + k] !== event.bytes[k]) {
          throw new Error(`byte ${at + k}: got ${event.bytes[k]} from frame ${event.frame}, want ${m.value[at + k]} from frame ${m.frame[at + k]}`);
        }
      }
      at += event.bytes.length;
    }
  }
  expect(at).toBe(m.end);
  expect(gaps).toEqual(expectedGaps);
  expect(rec.ends()).toEqual([1]);

  // Segment view: one record per segment, in capture order, classified as the model says.
  const dataSegments = rec.segments.filter((segment) => segment.wireLength > 0 && segment.direction === 0);
  expect(dataSegments.map((segment) => segment.frame)).toEqual(frames);
  expect(dataSegments.map((segment) => segment.kind)).toEqual(m.kinds);

  expect(conn.stats[0]).toMatchObject(expectedStats(m, rec.segments.filter((segment) => segment.direction === 0).length));
  expect(conn.end).toBe(s.finKept ? 'half-closed' : 'open');
}

describe('stream view (property)', () => {
  test('duplicated, reordered, partly dropped segments come out as the first copies with exact gaps', () => {
    fc.assert(fc.property(scenario({ alter: false }), (s) => check(s)), runs(400));
  });

  test('retransmissions carrying other bytes: first copy wins, OverlapDifferent in the segment view', () => {
    fc.assert(
      fc.property(scenario({ alter: true }), (s) => {
        check(s);
        const { rec, table } = feed(s, 'both');
        const overlaps = rec.segments.filter((segment) => segment.kind === SegmentKind.OverlapDifferent).length;
        expect(table.findings.filter((finding) => finding.code === 'tcp.overlap-different')).toHaveLength(overlaps);
      }),
      runs(300),
    );
  });

  test('an ACK of everything turns the holes into gaps then, with the same sizes', () => {
    fc.assert(
      fc.property(scenario({ alter: false }), (s) => check({ ...s, handshake: true, finKept: true }, true)),
      runs(200),
    );
  });

  test('the sequence start just below 2^32 wraps', () => {
    fc.assert(
      fc.property(scenario({ alter: false }), fc.constantFrom(...SEQ_NEAR_WRAP), (s, isn) => check({ ...s, isn })),
      runs(200),
    );
  });

  test('count-only mode counts what the stream view delivers, and never calls data()', () => {
    fc.assert(
      fc.property(scenario({ alter: false }), (s) => {
        const buffered = feed(s, 'both');
        for (const mode of ['count-only', 'segments'] as const) {
          const counted = feed(s, mode);
          expect(counted.rec.events.filter((event) => event.type !== 'end')).toEqual([]);
          expect(counted.rec.connections.map((conn) => conn.stats)).toEqual(buffered.rec.connections.map((conn) => conn.stats));
          expect(counted.table.stats.peakBufferedBytes).toBe(0);
        }
      }),
      runs(200),
    );
  });

  test('with tiny caps the stream stays consistent: right bytes, right length, frames of some copy', () => {
    const caps: TcpOptions = { maxBufferedBytesPerConnection: 300, maxPendingRunsPerDirection: 3, retransmissionHistoryBytes: 0 };
    fc.assert(
      fc.property(scenario({ alter: false }), (s) => {
        const { rec, frames, table } = feed(s, 'stream', caps);
        const m = model(s, frames);
        let at = m.origin;
        for (const event of rec.events) {
          if (event.type === 'end') continue;
          if (event.type === 'gap') {
            at += event.length;
            continue;
          }
          const index = frames.indexOf(event.frame);
          const copy = s.copies[index]!;
          for (let k = 0; k < event.bytes.length; k++) {
            expect(event.bytes[k]).toBe(s.data[at + k]);
            expect(at + k >= copy.start && at + k < copy.start + copy.bytes.length).toBe(true);
          }
          at += event.bytes.length;
        }
        expect(at).toBe(m.end);
        expect(table.stats.bufferedBytes).toBe(0);
        expect(table.stats.peakBufferedBytes).toBeLessThanOrEqual(300);
      }),
      runs(300),
    );
  });
});
