import Table from 'cli-table3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TextTable } from '../../src/report/text-table.js';

/** cli-table3 as the table module used to draw them: the oracle for the look. */
function oracle(head: string[], rows: (string | number)[][], colWidths?: number[]): string {
  const table = colWidths
    ? new Table({ head, style: { head: [], border: [] }, colWidths, wordWrap: true, wrapOnWordBoundary: true })
    : new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) table.push(row);
  return table.toString();
}

function ours(head: string[], rows: (string | number)[][], colWidths?: number[]): string {
  const table = new TextTable({ head, ...(colWidths ? { colWidths } : {}) });
  for (const row of rows) table.push(row);
  return table.toString();
}

const text = fc.string({ unit: fc.constantFrom('a', 'B', '7', ' ', '  ', '\n', '…', '–', '→', 'é', '漢', 'xxxxxxxxxxxxxxxxxxxxxxxx', ':'), maxLength: 12 });
const cell = fc.oneof(text, fc.integer({ min: 0, max: 1e9 }));

describe('TextTable draws what cli-table3 draws', () => {
  it('with columns as wide as their content', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(fc.array(cell, { minLength: 5, maxLength: 5 }), { maxLength: 6 }), fc.array(text, { minLength: 5, maxLength: 5 }), (columns, rows, head) => {
        const cut = rows.map((row) => row.slice(0, columns));
        expect(ours(head.slice(0, columns), cut)).toBe(oracle(head.slice(0, columns), cut));
      }),
      { numRuns: 500 },
    );
  });

  it('with fixed widths, word-wrapped, cutting words that do not fit with …', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 3, max: 30 }), { minLength: 1, maxLength: 4 }), fc.array(fc.array(cell, { minLength: 4, maxLength: 4 }), { maxLength: 6 }), (widths, rows) => {
        const head = widths.map((_, index) => `h${index}`);
        const cut = rows.map((row) => row.slice(0, widths.length));
        expect(ours(head, cut, widths)).toBe(oracle(head, cut, widths));
      }),
      { numRuns: 500 },
    );
  });
});
