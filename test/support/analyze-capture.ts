import { Readable } from 'node:stream';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import type { Analysis } from '../../src/analysis.js';

/** Analyzes an in-memory capture through the whole pipeline, as `ftpcap analyze -` would. */
export function analyzeBytes(bytes: Uint8Array, options: Partial<AnalyzeOptions> = {}): Promise<Analysis> {
  return analyze(['-'], {
    controlPorts: [21],
    helper: { ports: [21], loose: false, kernel: '6.18' },
    ...options,
    stdin: Readable.from([Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)]),
  });
}
