/**
 * bin/ftpcap, the shell step in front of the CLI: it sets glibc's malloc tunables unless
 * the environment has its own, caps V8's young generation unless NODE_OPTIONS does, finds
 * bin/ftpcap.js through npm's symlink, and hands over arguments, standard input and the
 * exit code unchanged.
 */
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const BIN = join(__dirname, '../../bin');
const LAUNCHER = join(BIN, 'ftpcap');
const FIXTURES = join(__dirname, '../../fixtures');
const dir = mkdtempSync(join(tmpdir(), 'ftpcap-launcher-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A stand-in `node` first on the PATH: prints what the launcher handed it, one item a line.
const fakeBin = join(dir, 'fake-bin');
const fakeNode = join(fakeBin, 'node');
mkdirSync(fakeBin);
writeFileSync(fakeNode, '#!/bin/sh\nprintf "%s\\n" "tunables=${GLIBC_TUNABLES-(unset)}" "$@"\n');
chmodSync(fakeNode, 0o755);

function launch(command: string, args: string[], env: Record<string, string | undefined>, node = fakeBin) {
  const base = { ...process.env };
  delete base.GLIBC_TUNABLES;
  delete base.NODE_OPTIONS;
  const result = spawnSync(command, args, {
    env: { ...base, ...env, PATH: `${node}${delimiter}${process.env.PATH ?? ''}` },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe.skipIf(process.platform === 'win32')('bin/ftpcap (the launcher)', () => {
  it('sets the malloc tunables when the environment has none, and passes the arguments as they are', () => {
    const args = ['analyze', 'a file with spaces.pcap', '', '*', '--format=json'];
    const result = launch(LAUNCHER, args, {});
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe(
      'tunables=glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=33554432:glibc.malloc.top_pad=2097152:glibc.malloc.arena_max=1',
    );
    expect(lines[1]).toBe('--max-semi-space-size=2');
    expect(lines[2]).toBe(join(realpathSync(BIN), 'ftpcap.js'));
    expect(lines.slice(3, 3 + args.length)).toEqual(args);
  });

  it("leaves the user's own GLIBC_TUNABLES alone, an empty one included", () => {
    expect(launch(LAUNCHER, [], { GLIBC_TUNABLES: 'glibc.malloc.arena_max=4' }).stdout).toBe(
      'tunables=glibc.malloc.arena_max=4\n--max-semi-space-size=2\n' + join(realpathSync(BIN), 'ftpcap.js') + '\n',
    );
    expect(launch(LAUNCHER, [], { GLIBC_TUNABLES: '' }).stdout.split('\n')[0]).toBe('tunables=');
  });

  it("leaves the young generation's size to a --max-semi-space-size in NODE_OPTIONS", () => {
    for (const options of ['--max-semi-space-size=16', '--trace-warnings --max-semi-space-size 8']) {
      const lines = launch(LAUNCHER, ['--version'], { NODE_OPTIONS: options }).stdout.split('\n');
      expect(lines.slice(1, 3)).toEqual([join(realpathSync(BIN), 'ftpcap.js'), '--version']);
    }
    // Other Node options do not turn it off.
    expect(launch(LAUNCHER, [], { NODE_OPTIONS: '--trace-warnings' }).stdout.split('\n')[1]).toBe('--max-semi-space-size=2');
  });

  it('finds bin/ftpcap.js through a symlink elsewhere, as npm links the command', () => {
    const link = join(dir, 'links', 'ftpcap');
    mkdirSync(dirname(link));
    symlinkSync(LAUNCHER, link);
    expect(launch(link, ['--version'], {}).stdout.split('\n')[2]).toBe(join(realpathSync(BIN), 'ftpcap.js'));
  });

  it('with the real node: the same report, exit code and error line as node bin/ftpcap.js, standard input included', () => {
    const realNode = dirname(process.execPath);
    const capture = join(FIXTURES, 'passive.pcap');
    const viaLauncher = launch(LAUNCHER, ['analyze', '-f', 'json', capture], {}, realNode);
    const direct = spawnSync(process.execPath, [join(BIN, 'ftpcap.js'), 'analyze', '-f', 'json', capture], { encoding: 'utf8' });
    expect(viaLauncher.code).toBe(0);
    expect(viaLauncher.stdout).toBe(direct.stdout);
    expect(JSON.parse(viaLauncher.stdout).sessions).toHaveLength(1);

    const missing = join(dir, 'missing.pcap');
    const failed = launch(LAUNCHER, ['analyze', missing], {}, realNode);
    expect(failed.code).toBe(3);
    expect(failed.stderr).toBe(`ftpcap: ${missing}: cannot open: no such file at byte offset 0\n`);

    const piped = spawnSync(LAUNCHER, ['analyze', '-f', 'json', '-'], {
      input: readFileSync(capture),
      env: { ...process.env, PATH: `${realNode}${delimiter}${process.env.PATH ?? ''}` },
      encoding: 'utf8',
    });
    expect(piped.status).toBe(0);
    expect(JSON.parse(piped.stdout).sessions).toEqual(JSON.parse(direct.stdout).sessions);
  });
});
