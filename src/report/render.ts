/**
 * The report renderer for one format, loaded on demand: the table's libraries (cli-table3
 * and its colour library) cost more start-up than a JSON run on a small trace spends
 * analysing, so a run imports only the module its format needs.
 */
import type { Analysis } from '../analysis.js';

export const FORMATS = ['table', 'json', 'ndjson', 'zeek'] as const;
export type Format = (typeof FORMATS)[number];

/** The report as pieces of text to write in order (JSON, ndjson and zeek come a piece at a time). */
export type Renderer = (analysis: Analysis, width?: number) => Iterable<string>;

const LOADERS = {
  table: async () => {
    const { renderTable } = await import('./table.js');
    return (analysis, width) => [renderTable(analysis, width)];
  },
  json: async () => (await import('./json.js')).renderJsonChunks,
  ndjson: async () => (await import('./json.js')).renderNdjsonLines,
  zeek: async () => {
    const { renderZeekPieces } = await import('./zeek.js');
    return (analysis) => renderZeekPieces(analysis);
  },
} satisfies Record<Format, () => Promise<Renderer>>;

export function loadRenderer(format: Format): Promise<Renderer> {
  return LOADERS[format]();
}
