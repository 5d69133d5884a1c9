import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { newFrame } from '../../src/capture/frame.js';
import { setPcapngTimestamp, tsResolution } from '../../src/capture/timestamp.js';
import { tsresolUnits } from '../fixture/capture-writer.js';

/** The obviously right answer: BigInt all the way. */
function reference(high: number, low: number, tsresol: number, offset = 0): { tsSec: number; tsNsec: number } {
  const count = (BigInt(high) << 32n) | BigInt(low);
  const units = tsresolUnits(tsresol);
  return { tsSec: Number(count / units) + offset, tsNsec: Number(((count % units) * 1_000_000_000n) / units) };
}

function convert(high: number, low: number, tsresol: number, offset = 0): { tsSec: number; tsNsec: number } {
  const frame = newFrame();
  setPcapngTimestamp(frame, high, low, tsResolution(tsresol, offset));
  return { tsSec: frame.tsSec, tsNsec: frame.tsNsec };
}

function split(count: bigint): [number, number] {
  return [Number(count >> 32n), Number(count & 0xffffffffn)];
}

const RESOLUTIONS = [
  ...Array.from({ length: 20 }, (_, n) => n), // 10^-0 .. 10^-19
  ...[0, 1, 8, 9, 10, 20, 23, 24, 30, 32, 33, 40, 52, 53, 60, 63].map((n) => 0x80 | n),
];

describe('pcapng timestamp conversion', () => {
  it.each([
    // [label, tsresol, units since epoch, expected sec, expected nsec]
    ['µs', 6, 1_700_000_000_123_456n, 1_700_000_000, 123_456_000],
    ['ns at 2023', 9, 1_700_000_000_123_456_789n, 1_700_000_000, 123_456_789],
    ['ns just below a second', 9, 1_700_000_000_999_999_999n, 1_700_000_000, 999_999_999],
    ['ns in 2100', 9, 4_102_444_800_000_000_001n, 4_102_444_800, 1],
    ['ms', 3, 1_700_000_000_250n, 1_700_000_000, 250_000_000],
    ['2^-20', 0x94, (1_700_000_000n << 20n) + (1n << 19n), 1_700_000_000, 500_000_000],
    ['2^-32', 0xa0, (1_700_000_000n << 32n) + (1n << 30n), 1_700_000_000, 250_000_000],
    ['ps', 12, 1_700_000_000_000_000_000_001n & 0xffffffffffffffffn, -1, -1],
  ])('%s', (_label, tsresol, count, sec, nsec) => {
    const [high, low] = split(count);
    const got = convert(high, low, tsresol);
    if (sec >= 0) expect(got).toEqual({ tsSec: sec, tsNsec: nsec });
    expect(got).toEqual(reference(high, low, tsresol));
  });

  it('adds if_tsoffset seconds', () => {
    const [high, low] = split(1_000_000n);
    expect(convert(high, low, 6, 1_600_000_000)).toEqual({ tsSec: 1_600_000_001, tsNsec: 0 });
  });

  it('matches BigInt arithmetic for any 64-bit count and resolution', () => {
    const word = fc.bigInt({ min: 0n, max: 0xffffffffn }).map(Number);
    fc.assert(
      fc.property(word, word, fc.constantFrom(...RESOLUTIONS), (high, low, tsresol) => {
        const got = convert(high, low, tsresol);
        const want = reference(high, low, tsresol);
        // Seconds beyond 2^53 cannot be exact in a number; compare what a number can hold.
        expect(got.tsNsec).toBe(want.tsNsec);
        expect(got.tsSec).toBe(want.tsSec);
      }),
      { numRuns: 20_000 },
    );
  });

  it('is exact for nanosecond counts at realistic dates', () => {
    const nanos = fc.bigInt({ min: 0n, max: 4_102_444_800_000_000_000n });
    fc.assert(
      fc.property(nanos, (count) => {
        const [high, low] = split(count);
        expect(convert(high, low, 9)).toEqual({ tsSec: Number(count / 1_000_000_000n), tsNsec: Number(count % 1_000_000_000n) });
      }),
      { numRuns: 20_000 },
    );
  });
});
