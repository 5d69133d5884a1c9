/**
 * The command as a user meets it: exit codes, one-line errors naming file and offset,
 * partial results before a fault, every output format, standard input and gzip.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable, Writable } from 'node:stream';
import { spawn } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { runCli } from './run-cli.js';

const FIXTURES = join(__dirname, '../../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'ftpcap-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const passive = new Uint8Array(readFileSync(join(FIXTURES, 'passive.pcap')));

describe('ftpcap analyze', () => {
  it('prints the session, the transfer and its data connection as a table', async () => {
    const result = await runCli(['analyze', join(FIXTURES, 'passive.pcap')]);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/FTP control sessions \(1\)/);
    expect(result.stdout).toMatch(/RETR .*pub\/data\.bin.*passive/);
  });

  it('json has the capture section and the session contract', async () => {
    const result = await runCli(['analyze', '--format', 'json', join(FIXTURES, 'passive.pcap')]);
    expect(result.code).toBe(0);
    const document = JSON.parse(result.stdout);
    expect(document.capture).toMatchObject({ formats: ['pcap'], linkTypes: [{ value: 1, name: 'Ethernet' }], bytes: passive.length });
    expect(document.capture.frames).toBeGreaterThan(10);
    expect(document.capture.first).toMatch(/^2023-11-14T22:13:20\.\d{9}Z$/);
    const session = document.sessions[0];
    expect(session).toMatchObject({ id: 1, client: '192.0.2.10:51000', server: '198.51.100.20:21', user: 'anonymous', login: 'success', tls: false });
    expect(session.password).toBe('********');
    expect(session.commands[0]).toMatchObject({ command: 'USER', argument: 'anonymous', reply: { code: 331 } });
    expect(session.transfers[0]).toMatchObject({ command: 'RETR', mode: 'passive', setup: { command: 'PASV', port: 50000 }, complete: true });
  });

  it('masks the password everywhere unless asked', async () => {
    for (const format of ['table', 'json', 'ndjson', 'zeek']) {
      const masked = await runCli(['analyze', '-f', format, join(FIXTURES, 'passive.pcap')]);
      expect(masked.stdout).not.toContain('guest@example.com');
    }
    const shown = await runCli(['analyze', '-f', 'json', '--show-credentials', join(FIXTURES, 'passive.pcap')]);
    expect(JSON.parse(shown.stdout).sessions[0].password).toBe('guest@example.com');
  });

  it('ndjson: one typed object per line', async () => {
    const result = await runCli(['analyze', '-f', 'ndjson', join(FIXTURES, 'active.pcap')]);
    const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines[0].type).toBe('capture');
    expect(lines.filter((line) => line.type === 'transfer').map((line) => line.command)).toEqual(['LIST', 'STOR']);
  });

  it('zeek: an ftp.log with the #fields header and one row per command', async () => {
    const result = await runCli(['analyze', '-f', 'zeek', join(FIXTURES, 'passive.pcap')]);
    const lines = result.stdout.trim().split('\n');
    expect(lines.find((line) => line.startsWith('#fields'))).toBe(
      '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tuser\tpassword\tcommand\targ\tmime_type\tfile_size\treply_code\treply_msg\tdata_channel.passive\tdata_channel.orig_h\tdata_channel.resp_h\tdata_channel.resp_p\tfuid',
    );
    const rows = lines.filter((line) => !line.startsWith('#')).map((line) => line.split('\t'));
    expect(rows.every((row) => row.length === 19)).toBe(true);
    const pasv = rows.find((row) => row[8] === 'PASV')!;
    expect(pasv.slice(12, 18)).toEqual(['227', 'Entering Passive Mode (198,51,100,20,195,80).', 'T', '192.0.2.10', '198.51.100.20', '50000']);
  });

  it('reads standard input, gzip, and pcapng', async () => {
    const fromStdin = await runCli(['analyze', '-f', 'json', '-'], gzipSync(passive));
    expect(fromStdin.code).toBe(0);
    expect(JSON.parse(fromStdin.stdout).capture.files[0]).toMatchObject({ path: '-', compression: 'gzip' });
    const pcapng = await runCli(['analyze', '-f', 'json', join(FIXTURES, 'passive.pcapng')]);
    expect(JSON.parse(pcapng.stdout).capture).toMatchObject({ formats: ['pcapng'], linkTypes: [{ value: 276 }] });
    expect(JSON.parse(pcapng.stdout).sessions[0].transfers[0].bytes).toBe(20480);
  });

  it('merges several files by time and names the file in frame references', async () => {
    const result = await runCli(['analyze', '-f', 'json', join(FIXTURES, 'passive.pcap'), join(FIXTURES, 'active.pcap')]);
    const document = JSON.parse(result.stdout);
    expect(document.capture.files.map((f: { path: string }) => f.path)).toHaveLength(2);
    expect(document.sessions.map((s: { file: string }) => s.file.endsWith('.pcap'))).toEqual([true, true]);
  });
});

describe('usage errors exit 2 with one line', () => {
  it.each([
    [['analyze'], /Not enough non-option arguments/],
    [['analyze', '-f', 'xml', 'x.pcap'], /Invalid values/],
    [['frobnicate'], /Unknown argument/],
    [['analyze', '--helper-ports', '99999', 'x.pcap'], /not a TCP port/],
  ])('%j', async (args, message) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
  });

  it('--help and --version exit 0', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    const version = await runCli(['--version']);
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')).version);
  });
});

describe('input faults exit 3, name file and offset, and keep what was read', () => {
  const half = passive.length >> 1;
  it.each([
    ['empty', new Uint8Array(0), /: empty file at byte offset 0$/],
    ['random', Uint8Array.from({ length: 4096 }, (_, i) => (i * 131 + 7) & 255), /: not a pcap or pcapng file \(magic 0x[0-9a-f]{8}\) at byte offset 0$/],
    ['cut in a record', passive.subarray(0, half), /: truncated record: .* at byte offset \d+$/],
    ['gzip ends early', gzipSync(passive).subarray(0, 3000), /gzip.* at byte offset \d+/],
  ])('%s', async (name, bytes, message) => {
    const path = file(`${name.replace(/ /g, '-')}.pcap`, bytes);
    const result = await runCli(['analyze', '-f', 'json', path]);
    expect(result.code).toBe(3);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(path);
    expect(lines[0]).toMatch(message);
    expect(lines[0]).not.toMatch(/\bat .*\.(ts|js):\d+/); // no stack trace
    const document = JSON.parse(result.stdout);
    expect(document.errors).toHaveLength(1);
  });

  it('a record length over the cap', async () => {
    const bytes = passive.slice();
    // First record's captured length (offset 24 + 8) claims 1 GiB.
    new DataView(bytes.buffer).setUint32(24 + 8, 1 << 30, true);
    const result = await runCli(['analyze', file('huge.pcap', bytes)]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/record length 1073741824 exceeds .* at byte offset 24\n$/);
  });

  it('the session before a cut is still reported', async () => {
    const cut = file('cut.pcap', passive.subarray(0, Math.floor(passive.length * 0.9)));
    const result = await runCli(['analyze', '-f', 'json', cut]);
    expect(result.code).toBe(3);
    expect(JSON.parse(result.stdout).sessions[0].user).toBe('anonymous');
  });

  it('a missing file', async () => {
    const result = await runCli(['analyze', join(dir, 'nope.pcap')]);
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/nope\.pcap: cannot open: no such file at byte offset 0\n$/);
  });
});

describe('a reader that stops reading', () => {
  it('ends quietly with the normal exit code when the pipe closes (EPIPE), in process', async () => {
    const stdout = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const stderr = new PassThrough();
    const err: Buffer[] = [];
    stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await main(['analyze', '-f', 'json', join(FIXTURES, 'passive.pcap')], { stdout, stderr, stdin: Readable.from([]) });
    expect(code).toBe(0);
    expect(Buffer.concat(err).toString('utf8')).toBe('');
  });

  it('the real command, its reader gone before it writes: exit 0 and nothing on stderr', async () => {
    // Through the launcher (bin/ftpcap, a shell step) where there is a shell, as users run it.
    const bin = join(__dirname, '../../bin', process.platform === 'win32' ? 'ftpcap.js' : 'ftpcap');
    const child = process.platform === 'win32'
      ? spawn(process.execPath, [bin, 'analyze', '-f', 'json', join(FIXTURES, 'passive.pcap')], { stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(bin, ['analyze', '-f', 'json', join(FIXTURES, 'passive.pcap')], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Closing our end of the pipe makes every write of the child fail with EPIPE (`| true`).
    child.stdout.destroy();
    const err: Buffer[] = [];
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(Buffer.concat(err).toString('utf8')).toBe('');
    expect(code).toBe(0);
  });
});
