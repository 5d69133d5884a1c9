/**
 * find_pattern() compares byte 0 first, so a segment whose first byte starts no pattern of
 * its direction is NoMatch without the rest being read; every other first byte goes on to
 * the full comparison. Each of the 256 first bytes in front of each pattern's remaining text.
 */
import { describe, expect, it } from 'vitest';
import { FtpConntrackHelper, HelperAction, ORIGINAL, REPLY } from '../../src/helper/conntrack-ftp.js';

const SOURCE = Uint8Array.of(10, 0, 0, 1);
const LINES = [
  { direction: ORIGINAL, text: 'PORT 10,0,0,1,4,1\r\n', first: 'p' },
  { direction: ORIGINAL, text: 'EPRT |1|10.0.0.1|1025|\r\n', first: 'e' },
  { direction: REPLY, text: '227 Entering Passive Mode (10,0,0,1,4,1).\r\n', first: '2' },
  { direction: REPLY, text: '229 Entering Extended Passive Mode (|||1025|)\r\n', first: '2' },
];

function run(direction: number, bytes: Uint8Array): HelperAction {
  const helper = new FtpConntrackHelper(false, '6.18', true);
  return helper.process({ direction, seenReply: true, seq: 1, buffer: bytes, payloadOffset: 0, payloadLength: bytes.length, source: SOURCE, ipVersion: 4 });
}

describe('the first byte decides whether a pattern can match', () => {
  for (const line of LINES) {
    it(`${JSON.stringify(line.text.slice(0, 4))}: only '${line.first}' (either case) matches`, () => {
      const rest = Uint8Array.from(line.text, (char) => char.charCodeAt(0));
      for (let byte = 0; byte < 256; byte++) {
        const bytes = rest.slice();
        bytes[0] = byte;
        const starts = String.fromCharCode(byte).toLowerCase() === line.first;
        expect([byte, run(line.direction, bytes)]).toEqual([byte, starts ? HelperAction.Matched : HelperAction.NoMatch]);
      }
    });
  }

  it('a one-byte segment that starts a pattern is a partial match; any other is not', () => {
    expect(run(ORIGINAL, Uint8Array.of(0x50))).toBe(HelperAction.DroppedPartial);
    expect(run(ORIGINAL, Uint8Array.of(0x65))).toBe(HelperAction.DroppedPartial);
    expect(run(ORIGINAL, Uint8Array.of(0x32))).toBe(HelperAction.NoMatch);
    expect(run(REPLY, Uint8Array.of(0x32))).toBe(HelperAction.DroppedPartial);
    expect(run(REPLY, Uint8Array.of(0x50))).toBe(HelperAction.NoMatch);
  });
});
