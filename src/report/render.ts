import type { Analysis } from '../analysis.js';
import { renderJson, renderNdjson } from './json.js';
import { renderTable } from './table.js';
import { renderZeek } from './zeek.js';

export const FORMATS = ['table', 'json', 'ndjson', 'zeek'] as const;
export type Format = (typeof FORMATS)[number];

export function renderReport(analysis: Analysis, format: Format, width?: number): string {
  switch (format) {
    case 'table':
      return renderTable(analysis, width);
    case 'json':
      return renderJson(analysis);
    case 'ndjson':
      return renderNdjson(analysis);
    case 'zeek':
      return renderZeek(analysis);
  }
}
