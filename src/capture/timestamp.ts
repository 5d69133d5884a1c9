/**
 * pcapng timestamps: a 64-bit count of units since the epoch, split in two 32-bit words,
 * where a unit is 10^-n or 2^-n seconds (if_tsresol). Doubles hold integers exactly only
 * up to 2^53, and nanosecond counts at today's dates are around 2^60, so the conversion
 * picks the cheapest exact method for each case; BigInt only for exotic resolutions.
 */
import type { Frame } from './frame.js';

const TWO_32 = 4294967296;
const TWO_53 = 9007199254740992;
/** Long division in 16-bit digits keeps every intermediate below 2^53 up to this divisor. */
const LONG_DIVISION_MAX_UNITS = 2 ** 36;

export interface TsResolution {
  /** The raw if_tsresol byte, for messages and tests. */
  readonly tsresol: number;
  readonly unitsPerSecond: number;
  readonly unitsPerSecondBig: bigint;
  /** Nanoseconds per unit when that is a whole number (10^-n with n <= 9), else 0. */
  readonly nsecPerUnit: number;
  /** For 10^-n with n > 9: units per nanosecond (a power of ten), else 0. */
  readonly unitsPerNsec: number;
  /** For 2^-n with 9 < n <= 32: nsec = floor(frac * 1953125 / 2^(n-9)); the scale is 2^-(n-9), else 0. */
  readonly binaryScale: number;
  /** if_tsoffset: whole seconds added to every timestamp of the interface. */
  readonly offsetSec: number;
}

/** The pcapng default when an interface has no if_tsresol option: microseconds. */
export const DEFAULT_TSRESOL = 6;

export function tsResolution(tsresol: number, offsetSec = 0): TsResolution {
  const binary = (tsresol & 0x80) !== 0;
  const exponent = tsresol & 0x7f;
  const unitsPerSecondBig = binary ? 1n << BigInt(exponent) : 10n ** BigInt(exponent);
  let nsecPerUnit = 0;
  let unitsPerNsec = 0;
  let binaryScale = 0;
  if (!binary && exponent <= 9) nsecPerUnit = 10 ** (9 - exponent);
  else if (!binary && exponent <= 24) unitsPerNsec = 10 ** (exponent - 9);
  else if (binary && exponent === 0) nsecPerUnit = 1e9;
  // 1e9 = 2^9 * 1953125, so frac * 1e9 / 2^n = frac * 1953125 / 2^(n-9); exact while frac * 1953125 < 2^53.
  else if (binary && exponent <= 32) binaryScale = 2 ** (9 - exponent);
  return {
    tsresol,
    unitsPerSecond: Number(unitsPerSecondBig),
    unitsPerSecondBig,
    nsecPerUnit,
    unitsPerNsec,
    binaryScale,
    offsetSec,
  };
}

/** Writes tsSec/tsNsec of `frame` from a pcapng (high, low) timestamp. Exact for every resolution. */
export function setPcapngTimestamp(frame: Frame, high: number, low: number, res: TsResolution): void {
  const units = res.unitsPerSecond;
  let sec: number;
  let frac: number;
  if (units <= TWO_53 && high < 0x200000) {
    // The whole count is below 2^53 (always true for µs at real dates): plain arithmetic is exact.
    const count = high * TWO_32 + low;
    frac = count % units;
    sec = (count - frac) / units;
  } else if (units <= LONG_DIVISION_MAX_UNITS) {
    // Schoolbook division of high:low16:low16 so no intermediate exceeds 2^52 (ns at real dates).
    const r1 = high % units;
    const q1 = (high - r1) / units;
    const x = r1 * 65536 + (low >>> 16);
    const r2 = x % units;
    const q2 = (x - r2) / units;
    const y = r2 * 65536 + (low & 0xffff);
    frac = y % units;
    sec = q1 * TWO_32 + q2 * 65536 + (y - frac) / units;
  } else {
    setTimestampBig(frame, high, low, res);
    return;
  }
  frame.tsSec = sec + res.offsetSec;
  if (res.nsecPerUnit !== 0) {
    frame.tsNsec = frac * res.nsecPerUnit;
  } else if (res.unitsPerNsec !== 0) {
    frame.tsNsec = (frac - (frac % res.unitsPerNsec)) / res.unitsPerNsec;
  } else if (res.binaryScale !== 0) {
    frame.tsNsec = Math.floor(frac * 1953125 * res.binaryScale);
  } else {
    frame.tsNsec = Number((BigInt(frac) * 1_000_000_000n) / res.unitsPerSecondBig);
  }
}

function setTimestampBig(frame: Frame, high: number, low: number, res: TsResolution): void {
  const count = (BigInt(high) << 32n) | BigInt(low);
  const units = res.unitsPerSecondBig;
  frame.tsSec = Number(count / units) + res.offsetSec;
  frame.tsNsec = Number(((count % units) * 1_000_000_000n) / units);
}
