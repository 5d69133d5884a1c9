/**
 * json, ndjson and zeek as the CLI writes them, each session's text made when it settles
 * and kept in the spool (here with a budget of a few bytes or none, so the texts go to
 * the temporary file), are byte for byte the in-memory render of analyze() without
 * onSession: for every capture in fixtures/, for several files (frame references naming
 * the file) and for standard input. Also: the spool's failures, and its file is gone
 * whatever happens to the run.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analysis.js';
import { analyze } from '../../src/analyze.js';
import { quickCommand } from '../../src/cli/args.js';
import { EXIT_FAILURE, main } from '../../src/cli/main.js';
import { renderJson, renderNdjson } from '../../src/report/json.js';
import { renderTable } from '../../src/report/table.js';
import { renderZeek } from '../../src/report/zeek.js';
import { openFilesIn } from '../report/open-files.js';
import { CaptureBuilder } from '../fixture/builder.js';
import { captureFiles } from '../support/captures.js';
import { withLateClock } from '../support/late-clock.js';
import { SHARED } from '../support/shared.js';
import { runCli } from './run-cli.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const FIXTURES = join(ROOT, 'fixtures');
const ORACLE_PCAPS = join(SHARED, 'oracle/pcaps');
const dir = mkdtempSync(join(tmpdir(), 'ftpcap-streamed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const STREAMED_FORMATS = ['json', 'ndjson', 'zeek'] as const;
type StreamedFormat = (typeof STREAMED_FORMATS)[number] | 'table';

/** The report of analyze() without onSession, sessions held in the analysis, with the options the CLI reads from `args`. */
async function inMemoryReport(args: string[], stdin: Uint8Array = new Uint8Array(0)): Promise<{ text: string; analysis: Analysis }> {
  const command = quickCommand(args, '');
  if (command?.kind !== 'analyze') throw new Error(`not a plain analyze: ${args.join(' ')}`);
  const analysis = await analyze(command.job.paths, { ...command.job.options, stdin: Readable.from([Buffer.from(stdin)]) });
  const render = { json: renderJson, ndjson: renderNdjson, zeek: renderZeek, table: renderTable }[command.job.format as StreamedFormat];
  return { text: render(analysis), analysis };
}

/** The zeek log's #open and #close lines hold the time of writing. */
function withoutOpenClose(log: string): string {
  return log.replace(/^#(open|close)\t.*\n/gm, '');
}

/** The CLI's streamed report equals the in-memory one, with no spool memory and with a few bytes of it. */
async function expectStreamedEqualsInMemory(format: StreamedFormat, paths: string[], stdin?: Uint8Array): Promise<Analysis> {
  const args = ['analyze', '-q', '-f', format, ...paths];
  const { text, analysis } = await inMemoryReport(args, stdin);
  for (const budgetBytes of [0, 1500]) {
    const streamed = await runCli(args, stdin, { spool: { budgetBytes, directory: dir } });
    expect(streamed.code).toBe(analysis.errors.length > 0 ? 3 : 0);
    if (format === 'zeek') {
      expect(withoutOpenClose(streamed.stdout)).toBe(withoutOpenClose(text));
      expect(streamed.stdout.match(/^#(open|close)\t/gm)).toEqual(['#open\t', '#close\t']);
    } else expect(streamed.stdout).toBe(text);
  }
  return analysis;
}

/** A control session from `client` that is greeted, quits and closes at once. */
function quitAtOnce(cap: CaptureBuilder, client: string): void {
  const control = cap.tcp({ client, server: '198.51.100.20:21', autoAck: true });
  control.handshake();
  control.server('220 ready\r\n');
  control.client('QUIT\r\n');
  control.server('221 Bye\r\n');
  control.close('client');
}

/** The CLI's answer when the spool cannot make its file in `directory`. */
function expectSpoolFailure(result: { code: number; stdout: string; stderr: string }, directory: string): void {
  expect(result.code).toBe(EXIT_FAILURE);
  expect(result.stdout).toBe('');
  expect(result.stderr).toMatch(new RegExp(`^ftpcap: cannot make the report's temporary file in ${directory}: ENOENT[^\\n]*\\n$`));
}

const captures = captureFiles(FIXTURES).map((path) => path.slice(ROOT.length));

describe('the streamed report equals the in-memory one', () => {
  it('has fixtures to compare, real captures among them', () => {
    expect(captures.length).toBeGreaterThan(10);
    expect(captures.some((path) => path.startsWith('fixtures/real/'))).toBe(true);
  });

  // The table keeps only the rows it shows, gathered as sessions settle (src/report/table-view.ts).
  describe.each([...STREAMED_FORMATS, 'table' as const])('%s', (format) => {
    it.each(captures)('%s', async (path) => {
      await expectStreamedEqualsInMemory(format, [join(ROOT, path)]);
    });

    it('two files: frame references name their file', async () => {
      const paths = [join(FIXTURES, 'passive.pcap'), join(FIXTURES, 'real/multi-transfer-ftplib-proftpd.pcap')];
      const analysis = await expectStreamedEqualsInMemory(format, paths);
      expect(analysis.capture.files.map((file) => file.path)).toEqual(paths);
      expect(analysis.sessions.length).toBeGreaterThan(1);
    });

    it('standard input, alone and with a file', async () => {
      const passive = new Uint8Array(readFileSync(join(FIXTURES, 'passive.pcap')));
      await expectStreamedEqualsInMemory(format, ['-'], passive);
      const analysis = await expectStreamedEqualsInMemory(format, [join(FIXTURES, 'active.pcap'), '-'], passive);
      expect(analysis.capture.files.map((file) => file.path)).toEqual([join(FIXTURES, 'active.pcap'), '-']);
    });
  });

  // The helper's lists and findings (drops, ignored setups, rewrites, clashes) go through a
  // spool of their own, each part when its session settles: the kernel oracle's captures have them.
  const oracle = existsSync(ORACLE_PCAPS) ? captureFiles(ORACLE_PCAPS) : [];
  it.skipIf(oracle.length === 0)('the kernel oracle\'s captures, all together: the helper\'s lists and findings', async () => {
    for (const format of ['json', 'ndjson'] as const) {
      const analysis = await expectStreamedEqualsInMemory(format, oracle);
      const helper = analysis.helper!;
      for (const list of [helper.expectations, helper.drops, helper.ignored, analysis.findings]) expect(list.length).toBeGreaterThan(3);
      expect(helper.drops.some((drop) => drop.reason === 'partial-match')).toBe(true);
    }
  });

  it.skipIf(!existsSync(join(ORACLE_PCAPS, 'nat_client_side.pcap')))('--nat: the predicted rewrites', async () => {
    const paths = ['nat_client_side.pcap', 'nat_server_side.pcap', 'port_basic.pcap'].map((name) => join(ORACLE_PCAPS, name));
    for (const format of ['json', 'ndjson'] as const) {
      const analysis = await expectStreamedEqualsInMemory(format, ['--nat', '10.77.1.2=10.77.200.1', ...paths]);
      expect(analysis.helper!.rewrites.length).toBeGreaterThan(0);
    }
  });

  it('sessions spooled as they settle and those left at the end of the trace, in id order', async () => {
    // Session 1 lives to the end of the trace; session 2 ends at once and settles while the
    // trace is read (spooled); session 3 starts late and is left at the end: written between.
    const cap = new CaptureBuilder({ startTime: 1_700_000_000 });
    const long = cap.tcp({ client: '192.0.2.10:51000', server: '198.51.100.20:21', autoAck: true });
    long.handshake();
    long.server('220 ready\r\n');
    long.client('USER alice\r\n');
    long.server('331 Password required\r\n');
    quitAtOnce(cap, '192.0.2.11:51001');
    for (let step = 0; step < 5; step++) {
      cap.wait(200);
      long.client('NOOP\r\n');
      long.server('200 NOOP ok\r\n');
    }
    quitAtOnce(cap, '192.0.2.12:51002');
    long.client('QUIT\r\n');
    long.server('221 Bye\r\n');
    long.close('client');
    const path = join(dir, 'settled-between.pcap');
    writeFileSync(path, cap.toPcap());
    for (const format of STREAMED_FORMATS) {
      const analysis = await expectStreamedEqualsInMemory(format, [path]);
      expect(analysis.sessions.map((session) => session.id)).toEqual([1, 2, 3]);
    }
    // Session 2 did settle before the end of the trace (and so went through the spool).
    const order: number[] = [];
    await analyze([path], { controlPorts: [21], helper: null, onSession: (session) => order.push(session.id) });
    expect(order).toEqual([2, 1, 3]);
  });

  it('--no-helper: no helper report, the other findings as before', async () => {
    for (const format of STREAMED_FORMATS) {
      const analysis = await expectStreamedEqualsInMemory(format, ['--no-helper', join(FIXTURES, 'broken-port.pcap'), join(FIXTURES, 'active.pcap')]);
      expect(analysis.helper).toBeNull();
      expect(analysis.findings.length).toBeGreaterThan(0);
    }
  });

  it('a capture cut short: the sessions read, then the fault on stderr, exit 3', async () => {
    const cut = readFileSync(join(FIXTURES, 'passive.pcap')).subarray(0, 3000);
    const analysis = await expectStreamedEqualsInMemory('json', ['-'], cut);
    expect(analysis.errors).toHaveLength(1);
    const streamed = await runCli(['analyze', '-q', '-f', 'json', '-'], cut, { spool: { budgetBytes: 0, directory: dir } });
    expect(streamed.stderr).toBe(`ftpcap: ${analysis.errors[0]!.message}\n`);
  });
});

describe('the spool in the CLI', () => {
  it('a spool that cannot make its file: one line on stderr, no report, exit 1', async () => {
    const missing = join(dir, 'gone');
    // The connections' texts are spooled as the TCP table lets go of them.
    for (const format of ['json', 'ndjson'] as const) {
      expectSpoolFailure(await runCli(['analyze', '-q', '-f', format, join(FIXTURES, 'passive.pcap')], undefined, { spool: { budgetBytes: 0, directory: missing } }), missing);
    }
    // Sessions that settle while the trace is read are spooled too (zeek lists nothing else).
    const late = join(dir, 'late-clock.pcap');
    writeFileSync(late, withLateClock(readFileSync(join(FIXTURES, 'passive.pcap')))!);
    expectSpoolFailure(await runCli(['analyze', '-q', '-f', 'zeek', late], undefined, { spool: { budgetBytes: 0, directory: missing } }), missing);
  });

  it('sessions left at the end of the trace go straight to the output: no file for them', async () => {
    const missing = join(dir, 'gone');
    // zeek keeps no connection or list texts, and passive.pcap's session settles at its end.
    const result = await runCli(['analyze', '-q', '-f', 'zeek', join(FIXTURES, 'passive.pcap')], undefined, { spool: { budgetBytes: 0, directory: missing } });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(withoutOpenClose(result.stdout)).toBe(withoutOpenClose((await inMemoryReport(['analyze', '-f', 'zeek', join(FIXTURES, 'passive.pcap')])).text));
  });

  it('the table keeps sessions in memory: it never makes a spool file', async () => {
    const result = await runCli(['analyze', '-q', '-f', 'table', join(FIXTURES, 'passive.pcap')], undefined, { spool: { budgetBytes: 0, directory: join(dir, 'gone') } });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/FTP control sessions \(1\)/);
  });

  it('leaves no file open or behind, when the run ends well and when writing fails', async () => {
    const directory = mkdtempSync(join(dir, 'left-'));
    const path = join(FIXTURES, 'real/multi-transfer-ftplib-proftpd.pcap');
    expect((await runCli(['analyze', '-q', '-f', 'json', path], undefined, { spool: { budgetBytes: 0, directory } })).code).toBe(0);
    expect(openFilesIn(directory)).toEqual([]);
    let writes = 0;
    const failing = new Writable({
      write(_chunk, _encoding, callback) {
        writes++;
        callback(Object.assign(new Error('write EIO'), { code: 'EIO' }));
      },
    });
    const run = main(['analyze', '-q', '-f', 'ndjson', path], { stdout: failing, stderr: new PassThrough(), stdin: Readable.from([]) }, { spool: { budgetBytes: 0, directory } });
    await expect(run).rejects.toThrow('write EIO');
    expect(writes).toBe(1);
    expect(openFilesIn(directory)).toEqual([]);
    expect(readdirSync(directory)).toEqual([]);
  });
});
