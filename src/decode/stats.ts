import { DecodeResult } from './packet.js';

/** Names of the DecodeResult values, indexed by value (a const enum cannot be iterated). */
export const DECODE_RESULT_NAMES = ['tcp', 'notTcp', 'fragment', 'truncated', 'unsupportedLink', 'malformed'] as const;

export type DecodeResultName = (typeof DECODE_RESULT_NAMES)[number];

/**
 * Counters kept by decodeFrame(). One per analysis run, owned by the caller; plain data so a
 * report can print or serialise it as it is.
 */
export interface DecodeStats {
  frames: number;
  /** Frames per DecodeResult, indexed by its value (see DECODE_RESULT_NAMES). */
  results: number[];
  /** Frames per LINKTYPE_* value seen. */
  linkTypes: Record<number, number>;
  /** IP packets that were fragments (any fragment, first or not). */
  ipv4Fragments: number;
  ipv6Fragments: number;
  /** Frame number of the first fragment seen, 0 when none: where a user should look first. */
  firstFragmentFrame: number;
  /** The capture file it is in (numbers restart in each file of a rotation). */
  firstFragmentFileIndex: number;
}

export function newDecodeStats(): DecodeStats {
  return {
    frames: 0,
    results: DECODE_RESULT_NAMES.map(() => 0),
    linkTypes: {},
    ipv4Fragments: 0,
    ipv6Fragments: 0,
    firstFragmentFrame: 0,
    firstFragmentFileIndex: 0,
  };
}

/** The per-result counters under their names, for reports. */
export function decodeResultCounts(stats: DecodeStats): Record<DecodeResultName, number> {
  const counts = {} as Record<DecodeResultName, number>;
  DECODE_RESULT_NAMES.forEach((name, i) => {
    counts[name] = stats.results[i] ?? 0;
  });
  return counts;
}

export function decodeResultName(result: DecodeResult): DecodeResultName {
  return DECODE_RESULT_NAMES[result] ?? 'malformed';
}
