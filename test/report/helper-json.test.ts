/**
 * The helper report's list elements written by hand (src/report/helper-json.ts) are what
 * JSON.stringify writes for them, byte for byte: for every item the helper model reports on
 * the fixtures and the oracle's captures (with a NAT mapping, for rewrites), and for
 * hand-made items with what no capture gives (strings to escape, negative and fractional
 * numbers, null sessions).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { DropReport, ExpectationReport, HelperReport, IgnoredReport, RewriteReport } from '../../src/analysis.js';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import { writeDrop, writeExpectation, writeIgnored, writeRewrite } from '../../src/report/helper-json.js';
import { TextBuilder } from '../../src/report/text-builder.js';
import { captureFiles } from '../support/captures.js';
import { SHARED } from '../support/shared.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const ORACLE_PCAPS = join(SHARED, 'oracle/pcaps');

function text<T>(write: (out: TextBuilder, item: T) => void, item: T): string {
  const out = new TextBuilder(8);
  write(out, item);
  return out.toString();
}

/** Each item of the helper report's lists, written by hand, as JSON.stringify writes it; how many items there were. */
function expectItemsMatch(helper: HelperReport): number {
  for (const item of helper.expectations) expect(text(writeExpectation, item)).toBe(JSON.stringify(item));
  for (const item of helper.rewrites) expect(text(writeRewrite, item)).toBe(JSON.stringify(item));
  for (const item of helper.drops) expect(text(writeDrop, item)).toBe(JSON.stringify(item));
  for (const item of helper.ignored) expect(text(writeIgnored, item)).toBe(JSON.stringify(item));
  return helper.expectations.length + helper.rewrites.length + helper.drops.length + helper.ignored.length;
}

describe('helper list items as JSON text', () => {
  it('every item the fixtures give, as JSON.stringify writes it', async () => {
    const options: AnalyzeOptions = { controlPorts: [21], helper: { ports: [21], loose: false, kernel: '6.18' } };
    let items = 0;
    for (const path of captureFiles(join(ROOT, 'fixtures'))) items += expectItemsMatch((await analyze([path], options)).helper!);
    expect(items).toBeGreaterThan(0);
  });

  it.skipIf(!existsSync(ORACLE_PCAPS))('every item of the oracle captures, with and without a NAT mapping, each list met', async () => {
    const seen = { expectations: 0, rewrites: 0, drops: 0, ignored: 0 };
    for (const path of captureFiles(ORACLE_PCAPS)) {
      for (const nat of [undefined, [{ private: '10.77.1.2', public: '10.77.200.1' }]]) {
        const helper = (await analyze([path], { controlPorts: [21], helper: { ports: [21], loose: false, kernel: '6.18', nat } })).helper!;
        expectItemsMatch(helper);
        seen.expectations += helper.expectations.length;
        seen.rewrites += helper.rewrites.length;
        seen.drops += helper.drops.length;
        seen.ignored += helper.ignored.length;
      }
    }
    for (const count of Object.values(seen)) expect(count).toBeGreaterThan(0);
  });

  it('hand-made items: escapes, non-ASCII, negative and fractional numbers, nulls, several retransmissions', () => {
    const expectation: ExpectationReport = {
      fileIndex: 1, frame: 7, session: null, src: '2001:db8::1', dst: '10.0.0.2', dport: 65535, state: 'used', usedBy: null, portRandom: true,
    };
    const rewrite: RewriteReport = {
      fileIndex: 0, frame: 12, session: 3, direction: 'server', original: '227 "quoted" \\ (10,0,0,1,4,1)', rewritten: 'é\u0001',
      delta: -2.5, shiftAfter: -7, portCertain: false,
    };
    const drop: DropReport = {
      fileIndex: 0, frame: 4294967296, session: 2, reason: 'partial-match', message: `partial matching of 'PORT ${'x'.repeat(40)}"'\n`,
      retransmissions: [5, 6, 7], inferred: false,
    };
    const ignored: IgnoredReport = { fileIndex: 0, frame: 1, session: null, reason: 'address-mismatch', message: 'lone \ud800 and 日本 in a longer message text' };
    expect(text(writeExpectation, expectation)).toBe(JSON.stringify(expectation));
    expect(text(writeRewrite, rewrite)).toBe(JSON.stringify(rewrite));
    expect(text(writeDrop, drop)).toBe(JSON.stringify(drop));
    expect(text(writeDrop, { ...drop, retransmissions: [] })).toBe(JSON.stringify({ ...drop, retransmissions: [] }));
    expect(text(writeIgnored, ignored)).toBe(JSON.stringify(ignored));
  });
});
