/**
 * A format in two parts (render.ts's SessionRenderer): each session's and each connection's
 * text made alone, kept in a spool in whatever order they come, and the rest of the report written
 * around them (one text a piece, or the spool's runs of several), is the report of the
 * whole analysis, byte for byte. Sessions are handed
 * over here in shuffled and reversed orders, as settling early will hand them.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis.js';
import { analyze, type AnalyzeOptions } from '../../src/analyze.js';
import { renderJson, renderNdjson } from '../../src/report/json.js';
import { loadSessionRenderer, type SessionFormat } from '../../src/report/render.js';
import { filePaths, findingsBySession } from '../../src/report/session-texts.js';
import { SpooledLists } from '../../src/report/list-spool.js';
import { TextSpool } from '../../src/report/spool.js';
import { TextBuilder } from '../../src/report/text-builder.js';
import type { ListParts } from '../../src/trace-lists.js';
import { renderZeek } from '../../src/report/zeek.js';
import { captureFiles } from '../support/captures.js';
import { seededRandom } from '../support/random.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OPTIONS: AnalyzeOptions = { controlPorts: [21], helper: { ports: [21], loose: false, kernel: '6.18' } };
const NOW = new Date('2024-05-06T07:08:09Z');
const IN_MEMORY: Record<SessionFormat, (analysis: Analysis) => string> = {
  json: renderJson,
  ndjson: renderNdjson,
  zeek: (analysis) => renderZeek(analysis, NOW),
};
const spools: { close(): void }[] = [];
afterAll(() => spools.forEach((spool) => spool.close()));

/** The report written from session texts spooled in the given order of the analysis' sessions. */
async function fromSpool(format: SessionFormat, analysis: Analysis, order: readonly number[], budgetBytes: number, pieces: 'texts' | 'runs'): Promise<string> {
  const renderer = await loadSessionRenderer(format);
  const spool = new TextSpool({ budgetBytes });
  spools.push(spool);
  const findings = findingsBySession(analysis);
  // One builder for every text, as the CLI has: the spool copies each text as it is added.
  const out = new TextBuilder(16);
  const files = analysis.capture.files.map((file) => file.path);
  for (const index of order) {
    const session = analysis.sessions[index]!;
    renderer.sessionText(out.reset(), session, findings.get(session.id) ?? [], files);
    spool.add(session.id, out.view());
  }
  // Connections come as the TCP table lets them go: here, last first.
  const connections = new TextSpool({ budgetBytes });
  spools.push(connections);
  for (const connection of [...analysis.connections].reverse()) {
    if (renderer.connectionText === null) break;
    renderer.connectionText(out.reset(), connection, files);
    connections.add(connection.id, out.view());
  }
  // The lists' items come one a part, in shuffled order, each keyed by its place in its list.
  const lists = renderer.listTexts ? new SpooledLists(renderer.listTexts, files, { budgetBytes }) : null;
  if (lists) spools.push(lists);
  const feed = <T>(list: ListParts<T> | undefined, items: readonly T[]): void => {
    for (const index of orders(items.length, 5)[2]!) list?.add(0, index, [items[index]!]);
  };
  feed(lists?.findings, analysis.findings);
  feed(lists?.expectations, analysis.helper?.expectations ?? []);
  feed(lists?.rewrites, analysis.helper?.rewrites ?? []);
  feed(lists?.drops, analysis.helper?.drops ?? []);
  feed(lists?.ignored, analysis.helper?.ignored ?? []);
  // As analyze() returns it when given onSession, onConnection and lists: none of those lists of its own.
  const read = (kept: TextSpool) => (pieces === 'texts' ? kept.texts() : kept.runs());
  const none: Uint8Array[] = [];
  const helper = analysis.helper && { ...analysis.helper, expectations: [], rewrites: [], drops: [], ignored: [] };
  const report = renderer.render({ ...analysis, sessions: [], connections: [], findings: [], helper }, {
    sessions: read(spool),
    connections: read(connections),
    findings: lists?.findings.texts() ?? none,
    helper: lists?.helperTexts() ?? { expectations: none, rewrites: none, drops: none, ignored: none },
  });
  const text = Buffer.concat([...report].map((piece) => (typeof piece === 'string' ? Buffer.from(piece) : piece))).toString('utf8');
  return format === 'zeek' ? text.replace(/^#(open|close)\t.*$/gm, `#$1\t2024-05-06-07-08-09`) : text;
}

function orders(count: number, seed: number): number[][] {
  const random = seededRandom(seed);
  const inOrder = Array.from({ length: count }, (_, index) => index);
  const shuffled = [...inOrder];
  for (let index = shuffled.length - 1; index > 0; index--) {
    const other = Math.floor(random() * (index + 1));
    [shuffled[index], shuffled[other]] = [shuffled[other]!, shuffled[index]!];
  }
  return [inOrder, [...inOrder].reverse(), shuffled];
}

const captures = captureFiles(join(ROOT, 'fixtures'));

describe.each(['json', 'ndjson', 'zeek'] as const)('%s from session texts kept as sessions settle', (format) => {
  it.each(captures.map((path) => [path.slice(ROOT.length)]))('%s', async (path) => {
    const analysis = await analyze([join(ROOT, path)], OPTIONS);
    const expected = IN_MEMORY[format](analysis);
    for (const order of orders(analysis.sessions.length, 11)) {
      for (const budgetBytes of [0, 700, 1 << 20]) {
        for (const pieces of ['texts', 'runs'] as const) expect(await fromSpool(format, analysis, order, budgetBytes, pieces)).toBe(expected);
      }
    }
  });

  it('several files, sessions from both', async () => {
    const paths = [join(ROOT, 'fixtures/real/multi-transfer-ftplib-proftpd.pcap'), join(ROOT, 'fixtures/active.pcap'), join(ROOT, 'fixtures/passive.pcap')];
    const analysis = await analyze(paths, OPTIONS);
    expect(filePaths(analysis)).toEqual(paths);
    expect(new Set(analysis.sessions.map((session) => session.fileIndex)).size).toBeGreaterThan(1);
    const expected = IN_MEMORY[format](analysis);
    if (format !== 'zeek') expect(expected).toContain('"file":"');
    for (const order of orders(analysis.sessions.length, 12)) {
      for (const pieces of ['texts', 'runs'] as const) expect(await fromSpool(format, analysis, order, 500, pieces)).toBe(expected);
    }
  });
});
