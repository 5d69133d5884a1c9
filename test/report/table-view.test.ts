/**
 * The table shows each list's first rows and counts the rest (src/report/table-view.ts):
 * the rows are the first in report order whatever order sessions, connections and list
 * parts come in, the counts are the whole trace's, and under the cap the table is the
 * one it always was.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Analysis, ConnectionReport } from '../../src/analysis.js';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import { renderTableView } from '../../src/report/table.js';
import { findingsBySession } from '../../src/report/session-texts.js';
import { MAX_TABLE_CONNECTIONS, TableCollector, tableViewOf, type TableView } from '../../src/report/table-view.js';
import { FindingSection } from '../../src/trace-lists.js';
import { captureFiles } from '../support/captures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPTIONS: AnalyzeOptions = { controlPorts: [21], helper: { ports: [21], loose: false, kernel: '6.18' } };
// Every fixture in one run: dozens of sessions, transfers, helper misses and findings.
const ALL = captureFiles(join(ROOT, 'fixtures'));

/** The view made by feeding a collector the analysis backwards: sessions, connections and findings last first. */
function viewBackwards(analysis: Analysis, limit: number): TableView {
  const collector = new TableCollector(limit);
  const own = findingsBySession(analysis);
  for (const session of [...analysis.sessions].reverse()) collector.session(session, own.get(session.id) ?? []);
  for (const connection of [...analysis.connections].reverse()) collector.connection(connection);
  for (let index = analysis.findings.length - 1; index >= 0; index--) collector.lists.findings.add(FindingSection.Trace, index, [analysis.findings[index]!]);
  const helper = analysis.helper!;
  collector.lists.expectations.add(0, 0, helper.expectations);
  for (let index = helper.drops.length - 1; index >= 0; index--) collector.lists.drops.add(0, index, [helper.drops[index]!]);
  return collector.view(analysis);
}

describe('the table view', () => {
  it('shows the first rows of each list in report order, and counts them all', async () => {
    const analysis = await analyze(ALL, OPTIONS);
    const transfers = analysis.sessions.flatMap((session) => session.transfers);
    const misses = transfers.filter((transfer) => transfer.helper !== null && transfer.helper.verdict !== 'expected');
    const shownFindings = analysis.findings.filter((finding) => !finding.code.startsWith('helper.'));
    expect(analysis.sessions.length).toBeGreaterThan(10);
    expect(misses.length).toBeGreaterThan(3);
    const limit = 3;
    for (const view of [tableViewOf(analysis, limit), viewBackwards(analysis, limit)]) {
      expect(view.sessions.total).toBe(analysis.sessions.length);
      expect(view.sessions.items.map((row) => row.id)).toEqual(analysis.sessions.slice(0, limit).map((session) => session.id));
      expect(view.transfers.total).toBe(transfers.length);
      expect(view.transfers.items).toEqual(transfers.slice(0, limit));
      expect(view.helper!.misses.total).toBe(misses.length);
      expect(view.helper!.misses.items).toEqual(misses.slice(0, limit));
      expect(view.helper!.rejected).toBe(misses.filter((transfer) => transfer.helper!.rejected).length);
      expect(view.helper!.expectations).toBe(analysis.helper!.expectations.length);
      expect(view.helper!.drops.total).toBe(analysis.helper!.drops.length);
      expect(view.findings.total).toBe(shownFindings.length);
      expect(view.findings.items).toEqual(shownFindings.slice(0, limit));
      expect(view.helperFindings).toBe(analysis.findings.length - shownFindings.length);
      // Up to MAX_TABLE_CONNECTIONS, every connection is listed (past it, the FTP ones, capped).
      expect(analysis.connections.length).toBeLessThanOrEqual(MAX_TABLE_CONNECTIONS);
      expect(view.connections.items).toEqual(analysis.connections);
    }
    const text = renderTableView(tableViewOf(analysis, limit));
    expect(text).toContain(`FTP control sessions (${analysis.sessions.length})`);
    expect(text).toContain(`(${analysis.sessions.length - limit} more sessions not listed; use --format json for all)`);
    expect(text).toContain(`(${transfers.length - limit} more transfers not listed; use --format json for all)`);
    expect(text).toContain(`(${misses.length - limit} more helper misses not listed; use --format json for all)`);
    expect(text).toContain(`(${shownFindings.length - limit} more findings not listed; use --format json for all)`);
    expect(text).toContain(`${misses.length} transfers missed by the helper`);
  });

  it('under the cap, every row, and no "not listed" line but the connections\' own', async () => {
    const analysis = await analyze(ALL, OPTIONS);
    const view = tableViewOf(analysis);
    expect(view.sessions.items).toHaveLength(analysis.sessions.length);
    expect(viewBackwards(analysis, 1000)).toEqual(view);
    expect(renderTableView(view)).not.toMatch(/more (sessions|transfers|helper misses|dropped packets|findings) not listed/);
  });

  it('past MAX_TABLE_CONNECTIONS listed connections, the FTP ones only, whatever order they come in', () => {
    const connection = (id: number): ConnectionReport => ({
      id, client: `10.0.0.1:${1000 + id}`, server: '10.0.0.2:21', roleEvidence: 'syn', fileIndex: 0, firstFrame: id, lastFileIndex: 0, lastFrame: id,
      first: { sec: id, nsec: 0 }, last: { sec: id, nsec: 0 }, handshake: true, end: 'fin', segments: [1, 1], bytes: [0, 0],
      retransmittedBytes: [0, 0], missingBytes: [0, 0], service: id % 10 === 0 ? 'ftp' : null, serviceEvidence: id % 10 === 0 ? 'port 21' : null,
    });
    const ids = Array.from({ length: MAX_TABLE_CONNECTIONS + 50 }, (_, index) => index + 1);
    for (const order of [ids, [...ids].reverse()]) {
      const collector = new TableCollector(7);
      for (const id of order) collector.connection(connection(id));
      const rows = collector.view({ ...END, connectionsTotal: ids.length }).connections;
      expect(rows.items.map((row) => row.id)).toEqual([10, 20, 30, 40, 50, 60, 70]);
      expect(rows.total).toBe(ids.length / 10);
    }
    const collector = new TableCollector();
    for (const id of ids.slice(0, MAX_TABLE_CONNECTIONS)) collector.connection(connection(id));
    expect(collector.view({ ...END, connectionsTotal: MAX_TABLE_CONNECTIONS }).connections.items).toHaveLength(MAX_TABLE_CONNECTIONS);
  });
});

const END = {
  capture: { files: [], formats: [], linkTypes: [], frames: 0, bytes: 0, first: null, last: null },
  decode: { tcpSegments: 0, notTcp: 0, fragments: 0, truncated: 0, malformed: 0, unsupportedLink: 0 },
  connectionsTotal: 0,
  helper: null,
  errors: [],
};
