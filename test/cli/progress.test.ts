/**
 * The progress line: drawn on a terminal's stderr only, for runs longer than a second, a few
 * times a second whatever the caller does, percent and ETA only when the size is known,
 * and erased before the report or an error line.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.js';
import { PROGRESS_FIRST_DRAW_MS, PROGRESS_REDRAW_MS, ProgressLine, progressText } from '../../src/cli/progress.js';

const ERASE = '\r\x1b[K';
const passivePath = join(__dirname, '../../fixtures/passive.pcap');
const passive = readFileSync(passivePath);
const dir = mkdtempSync(join(tmpdir(), 'ftpcap-progress-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

/** A terminal as far as the CLI can tell: isTTY, a width, and a write that records. */
function fakeTerminal(isTTY = true) {
  const writes: string[] = [];
  return { writes, stream: { isTTY, columns: 200, write: (text: string) => (writes.push(text), true) } };
}

/** Each reading of the clock is a second later, so every run looks long. */
function slowClock(): void {
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => (now += 1000));
}

async function runCli(args: string[], stderr: { write(text: string): boolean; isTTY?: boolean }, stdin: Uint8Array = new Uint8Array(0)) {
  const stdout = new PassThrough();
  const out: Buffer[] = [];
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  const io = { stdout, stderr, stdin: Readable.from([Buffer.from(stdin)]) } as unknown as CliIo;
  const code = await main(args, io);
  return { code, stdout: Buffer.concat(out).toString('utf8') };
}

describe('ProgressLine', () => {
  function line(columns?: number) {
    const writes: string[] = [];
    let now = 0;
    const progress = new ProgressLine({ columns, write: (text: string) => writes.push(text) }, () => now);
    return { writes, progress, at: (ms: number) => (now = ms) };
  }

  it('draws nothing in the first second, so short runs never flicker', () => {
    const { writes, progress, at } = line();
    for (let ms = 0; ms < PROGRESS_FIRST_DRAW_MS; ms += 10) {
      at(ms);
      progress.update(ms * 1000, 1e9, ms);
    }
    progress.clear();
    expect(writes).toEqual([]);
  });

  it('redraws a few times a second, not once per chunk', () => {
    const { writes, progress, at } = line();
    // Three seconds of a caller reporting every millisecond.
    for (let ms = 0; ms <= 3000; ms++) {
      at(ms);
      progress.update(ms * 1e5, 1e9, ms);
    }
    const seconds = (3000 - PROGRESS_FIRST_DRAW_MS) / 1000;
    expect(writes.length).toBeLessThanOrEqual(Math.ceil((seconds * 1000) / PROGRESS_REDRAW_MS) + 1);
    expect(writes.length).toBeGreaterThanOrEqual(seconds * 2);
    expect(writes.every((text) => text.startsWith('\r') && text.endsWith('\x1b[K'))).toBe(true);
  });

  it('erases what it drew, once', () => {
    const { writes, progress, at } = line();
    at(2000);
    progress.update(1, null, 1);
    progress.clear();
    progress.clear();
    expect(writes.at(-1)).toBe(ERASE);
    expect(writes.filter((text) => text === ERASE)).toHaveLength(1);
  });

  it('never wraps on a narrow terminal (a wrapped line cannot be erased)', () => {
    const { writes, progress, at } = line(40);
    at(2000);
    progress.update(123456789, 987654321, 123456);
    const text = writes[0]!;
    expect(text.startsWith('\r') && text.endsWith('\x1b[K')).toBe(true);
    expect(text.length - '\r\x1b[K'.length).toBe(39);
  });

  it('percent and ETA only when the size is known', () => {
    expect(progressText(50 * 1048576, 200 * 1048576, 1234567, 2)).toBe(
      'ftpcap: 50.0 MiB of 200.0 MiB (25%, ETA 6 s), 1,234,567 frames, 26 MB/s',
    );
    expect(progressText(50 * 1048576, null, 1234567, 2)).toBe('ftpcap: 50.0 MiB, 1,234,567 frames, 26 MB/s');
  });
});

describe('the progress line in ftpcap analyze', () => {
  it('is drawn on a terminal for a long run and erased before the report', async () => {
    slowClock();
    const terminal = fakeTerminal();
    const result = await runCli(['analyze', '-f', 'json', passivePath], terminal.stream);
    expect(result.code).toBe(0);
    const drawn = terminal.writes.filter((text) => text !== ERASE);
    expect(drawn.length).toBeGreaterThan(0);
    expect(drawn.at(-1)).toMatch(/^\rftpcap: 0\.0 MiB of 0\.0 MiB \(100%, ETA 0 s\), 69 frames, \d+ MB\/s\x1b\[K$/);
    expect(terminal.writes.at(-1)).toBe(ERASE);
  });

  it('has no percent or ETA for standard input, whose size is unknown', async () => {
    slowClock();
    const terminal = fakeTerminal();
    await runCli(['analyze', '-f', 'json', '-'], terminal.stream, passive);
    const drawn = terminal.writes.filter((text) => text !== ERASE);
    expect(drawn.length).toBeGreaterThan(0);
    for (const text of drawn) expect(text).not.toMatch(/%|ETA| of /);
    expect(terminal.writes.at(-1)).toBe(ERASE);
  });

  it('is erased before an input fault is reported', async () => {
    slowClock();
    const terminal = fakeTerminal();
    const cut = join(dir, 'cut.pcap');
    writeFileSync(cut, passive.subarray(0, passive.length >> 1));
    const result = await runCli(['analyze', '-f', 'json', cut], terminal.stream);
    expect(result.code).toBe(3);
    const errorAt = terminal.writes.findIndex((text) => text.startsWith('ftpcap: ') && text.includes('truncated'));
    expect(errorAt).toBeGreaterThan(0);
    expect(terminal.writes[errorAt - 1]).toBe(ERASE);
  });

  it('is not drawn when stderr is not a terminal', async () => {
    slowClock();
    const notTerminal = fakeTerminal(false);
    await runCli(['analyze', '-f', 'json', passivePath], notTerminal.stream);
    expect(notTerminal.writes).toEqual([]);
  });

  it('is not drawn with --quiet', async () => {
    slowClock();
    const terminal = fakeTerminal();
    await runCli(['analyze', '-q', '-f', 'json', passivePath], terminal.stream);
    await runCli(['analyze', '--quiet', '-f', 'json', '-'], terminal.stream, passive);
    expect(terminal.writes).toEqual([]);
  });
});
