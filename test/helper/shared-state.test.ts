/**
 * The helper keeps every conntrack's state in shared columns (FtpConntrackHelpers, one slot
 * each) instead of an object per connection. Many conntracks driven interleaved through one
 * table must act exactly as each driven alone through its own FtpConntrackHelper, including
 * past the point where the columns grow, with mid-stream pickup, both directions, partial
 * matches, retransmissions and sequence numbers that wrap.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../support/random.js';
import { FtpConntrackHelper, FtpConntrackHelpers, HelperAction, ORIGINAL, REPLY, type SegmentInput } from '../../src/helper/conntrack-ftp.js';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

const CLIENT = Uint8Array.of(10, 0, 0, 1);
const SERVER = Uint8Array.of(10, 0, 0, 2);
const CLIENT_LINES = ['PORT 10,0,0,1,4,1\r\n', 'PORT 10,0,0,9,4,1\r\n', 'EPRT |1|10.0.0.1|1025|\r\n', 'PO', 'USER a\r\n', 'LIST\r\n', 'NOOP\r\nPORT 10,0,0,1,4,2\r\n', 'port 10,0,0,1,4,3\r\n', 'RETR x'];
const SERVER_LINES = ['227 Entering Passive Mode (10,0,0,2,4,1).\r\n', '229 Entering Extended Passive Mode (|||1025|)\r\n', '22', '200 OK\r\n', '150 here\r\n226 done\r\n', '227 (10,0,0,2,4,'];

interface Step {
  conntrack: number;
  input: SegmentInput;
}

/** Interleaved segments of `conntracks` connections; about one in six is a retransmission of the previous one. */
function steps(seed: number, conntracks: number, count: number): Step[] {
  const next = seededRandom(seed);
  const seqs = Array.from({ length: conntracks }, () => [Math.floor(next() * 2 ** 32), Math.floor(next() * 2 ** 32)]);
  const seenReply = new Array<boolean>(conntracks).fill(false);
  const last: (Step | null)[] = new Array(conntracks).fill(null);
  const out: Step[] = [];
  for (let n = 0; n < count; n++) {
    const conntrack = Math.floor(next() * conntracks);
    const previous = last[conntrack];
    if (previous && next() < 1 / 6) {
      out.push({ conntrack, input: { ...previous.input, seenReply: seenReply[conntrack]! } });
      continue;
    }
    const direction = next() < 0.5 ? ORIGINAL : REPLY;
    const lines = direction === ORIGINAL ? CLIENT_LINES : SERVER_LINES;
    const bytes = ascii(lines[Math.floor(next() * lines.length)]!);
    const seq = seqs[conntrack]![direction]!;
    seqs[conntrack]![direction] = (seq + bytes.length) >>> 0;
    const input: SegmentInput = {
      direction, seenReply: seenReply[conntrack]!, seq, buffer: bytes, payloadOffset: 0, payloadLength: next() < 0.05 ? 0 : bytes.length,
      source: direction === ORIGINAL ? CLIENT : SERVER, ipVersion: 4,
    };
    if (direction === REPLY) seenReply[conntrack] = true;
    const step = { conntrack, input };
    last[conntrack] = step;
    out.push(step);
  }
  return out;
}

function outcome(action: HelperAction, match: { pattern: string; address: Uint8Array; port: number; numberOffset: number; numberLength: number }, partial: string) {
  if (action === HelperAction.Matched || action === HelperAction.AddressMismatch) {
    return { action, pattern: match.pattern, address: [...match.address], port: match.port, numberOffset: match.numberOffset, numberLength: match.numberLength };
  }
  return action === HelperAction.DroppedPartial ? { action, partial } : { action };
}

describe('shared helper state', () => {
  for (const { seed, conntracks, loose } of [
    { seed: 1, conntracks: 3, loose: false },
    { seed: 2, conntracks: 200, loose: false },
    { seed: 3, conntracks: 150, loose: true },
  ]) {
    it(`${conntracks} interleaved conntracks act as ${conntracks} separate ones (seed ${seed}, loose ${loose})`, () => {
      const shared = new FtpConntrackHelpers(loose, '6.18');
      const alone: FtpConntrackHelper[] = [];
      const slots: number[] = [];
      for (let i = 0; i < conntracks; i++) {
        const pickup = i % 4 === 0;
        slots.push(shared.add(pickup));
        alone.push(new FtpConntrackHelper(loose, '6.18', pickup));
      }
      expect(slots).toEqual(slots.map((_, i) => i));
      const counts = new Map<HelperAction, number>();
      for (const { conntrack, input } of steps(seed, conntracks, 40_000)) {
        const expected = alone[conntrack]!;
        const want = outcome(expected.process(input), expected.match, expected.partialPattern);
        const got = outcome(shared.process(slots[conntrack]!, input), shared.match, shared.partialPattern);
        expect(got).toEqual(want);
        counts.set(want.action, (counts.get(want.action) ?? 0) + 1);
      }
      // Every kind of outcome was exercised.
      for (const action of [HelperAction.NotEstablished, HelperAction.NoPayload, HelperAction.NotAtLineStart, HelperAction.NoMatch, HelperAction.DroppedPartial, HelperAction.Matched]) {
        expect([action, (counts.get(action) ?? 0) > 0]).toEqual([action, true]);
      }
    });
  }
});
