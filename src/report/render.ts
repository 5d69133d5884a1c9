import type { Analysis } from '../analysis.js';
import { renderJsonChunks, renderNdjson } from './json.js';
import { renderTable } from './table.js';
import { renderZeek } from './zeek.js';

export const FORMATS = ['table', 'json', 'ndjson', 'zeek'] as const;
export type Format = (typeof FORMATS)[number];

/** The report as pieces of text to write in order (JSON comes a member at a time). */
export function renderReport(analysis: Analysis, format: Format, width?: number): Iterable<string> {
  switch (format) {
    case 'table':
      return [renderTable(analysis, width)];
    case 'json':
      return renderJsonChunks(analysis);
    case 'ndjson':
      return [renderNdjson(analysis)];
    case 'zeek':
      return [renderZeek(analysis)];
  }
}
