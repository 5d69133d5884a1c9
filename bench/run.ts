/**
 * The whole-analysis benchmark (`npm run bench`): ftpcap, a bare record walk and tshark
 * on the same generated traces in one run, with MB/s, frames/s, peak RSS and the ratios
 * the speed targets are stated in. Traces are made once in os.tmpdir() (bench/traces.ts).
 *
 *   npm run bench              # bulk 200 MB, 1M small-packet frames, mixed 200 MB, 1M long frames
 *   npm run bench -- --big     # also a 2 GB bulk trace, 4M and 16M long frames (memory must stay flat)
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, openSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { childEnv, LAUNCHER, nodeFlags } from './child-env.js';
import { ensureTrace, type Kind } from './traces.js';
import { walk } from './walk.mjs';

const ROOT = join(fileURLToPath(import.meta.url), '../..');
const CLI = LAUNCHER;
const RUNS = 3;
const WALK_PROGRAM = join(ROOT, 'bench/walk.mjs');
const STEADY_PROGRAM = join(ROOT, 'bench/steady.ts');
const GUNZIP_PROGRAM = join(ROOT, 'bench/gunzip.mjs');

// Every program runs as bin/ftpcap runs the CLI (bench/child-env.ts); ftpcap through the launcher itself, as users run it.
const CHILD_ENV = childEnv();
const NODE_FLAGS = nodeFlags();

interface Measure {
  seconds: number;
  peakRssMb: number | null;
}

/** The bare walk in this process (bench/walk.mjs), timed. */
function bareWalk(path: string): { seconds: number; frames: number } {
  const started = performance.now();
  const frames = walk(path);
  return { seconds: (performance.now() - started) / 1000, frames };
}

const timeBinary = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;

/** Runs a command with stdout discarded; wall time, and peak RSS from GNU time when installed. */
function run(command: string, args: string[], input?: string): Measure {
  const argv = timeBinary ? ['-f', '%M', command, ...args] : args;
  const started = performance.now();
  const result = spawnSync(timeBinary ?? command, argv, {
    stdio: [input ? openSync(input, 'r') : 'ignore', 'ignore', 'pipe'],
    env: CHILD_ENV,
    maxBuffer: 1 << 24,
  });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr.toString().slice(-300)}`);
  const rss = timeBinary ? Number(result.stderr.toString().trim().split('\n').pop()) / 1024 : null;
  return { seconds, peakRssMb: rss };
}

function best(measures: Measure[]): Measure {
  return measures.reduce((a, b) => (b.seconds < a.seconds ? b : a));
}

function hasTshark(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** ftpcap's own timing of analysis + JSON report, without start-up (bench/steady.ts). */
function steady(path: string): number {
  const result = spawnSync(process.execPath, [...NODE_FLAGS, '--import', 'tsx', STEADY_PROGRAM, path], { cwd: ROOT, env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
  if (result.status !== 0) throw new Error(`steady ${path} failed: ${result.stderr.toString().slice(-300)}`);
  return (JSON.parse(result.stdout.toString()) as { seconds: number }).seconds;
}

interface Row {
  trace: string;
  mb: number;
  frames: number;
  walk: number;
  walkProcess: number;
  steady: number;
  ftpcap: Measure;
  stdin: Measure | null;
  /** The trace gzipped (-1): ftpcap on the .gz, and the decompressor alone. */
  gzip: { ftpcap: Measure; gunzip: Measure } | null;
  tshark: Measure | null;
}

/** The trace compressed with gzip -1 next to it, made once. */
function gzipped(path: string): string {
  const gz = `${path}.gz`;
  if (!existsSync(gz)) execFileSync('sh', ['-c', `gzip -1 -c '${path}' > '${gz}.partial' && mv '${gz}.partial' '${gz}'`]);
  return gz;
}

function benchTrace(kind: Kind, size: number, withTshark: boolean): Row {
  const path = ensureTrace(kind, size);
  const mb = statSync(path).size / 1e6;
  const walks = Array.from({ length: RUNS }, () => bareWalk(path));
  const walk = Math.min(...walks.map((w) => w.seconds));
  const walkProcess = best(Array.from({ length: RUNS }, () => run(process.execPath, [...NODE_FLAGS, WALK_PROGRAM, path]))).seconds;
  const steadySeconds = Math.min(...Array.from({ length: RUNS }, () => steady(path)));
  const ftpcap = best(Array.from({ length: RUNS }, () => run(CLI, ['analyze', '-q', '-f', 'json', path])));
  const stdin = kind === 'bulk' ? run(CLI, ['analyze', '-q', '-f', 'json', '-'], path) : null;
  let gzip: Row['gzip'] = null;
  if (kind === 'bulk' && size <= 200) {
    const gz = gzipped(path);
    gzip = {
      ftpcap: best(Array.from({ length: RUNS }, () => run(CLI, ['analyze', '-q', '-f', 'json', gz]))),
      gunzip: best(Array.from({ length: RUNS }, () => run(process.execPath, [...NODE_FLAGS, GUNZIP_PROGRAM, gz]))),
    };
  }
  const tshark = withTshark
    ? run('tshark', ['-r', path, '-Y', 'ftp', '-T', 'fields', '-e', 'ftp.request.command', '-e', 'ftp.passive.port'])
    : null;
  return { trace: `${kind} ${size}${kind === 'small' || kind === 'long' ? 'M frames' : ' MB'}`, mb, frames: walks[0]!.frames, walk, walkProcess, steady: steadySeconds, ftpcap, stdin, gzip, tshark };
}

function main(): void {
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const big = process.argv.includes('--big');
  const tshark = hasTshark();
  // long: the small trace's sessions spread over 17 minutes (4M frames: 67 minutes, 16M: 4.4 hours), so that they end and settle as it goes.
  const rows = [benchTrace('bulk', 200, tshark), benchTrace('small', 1, tshark), benchTrace('mixed', 200, tshark), benchTrace('long', 1, false)];
  if (big) rows.push(benchTrace('bulk', 2000, false), benchTrace('long', 4, false), benchTrace('long', 16, false));
  console.log(`Node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; best of ${RUNS}`);
  console.log('| trace | MB | frames | ftpcap MB/s | ftpcap frames/s | ftpcap peak RSS | walk MB/s (process) | ftpcap / walk (process) | steady MB/s | walk MB/s (in-process) | steady / walk | stdin MB/s | .gz MB/s | gunzip alone MB/s | .gz / gunzip | tshark MB/s | ftpcap / tshark |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const row of rows) {
    const rate = (seconds: number) => row.mb / seconds;
    const percent = (fast: number, slow: number) => `${((100 * fast) / slow).toFixed(0)}%`;
    console.log([
      '', row.trace, row.mb.toFixed(0), row.frames,
      rate(row.ftpcap.seconds).toFixed(0),
      (row.frames / row.ftpcap.seconds).toFixed(0),
      row.ftpcap.peakRssMb === null ? '-' : `${row.ftpcap.peakRssMb.toFixed(0)} MB`,
      rate(row.walkProcess).toFixed(0),
      percent(row.walkProcess, row.ftpcap.seconds),
      rate(row.steady).toFixed(0),
      rate(row.walk).toFixed(0),
      percent(row.walk, row.steady),
      row.stdin ? rate(row.stdin.seconds).toFixed(0) : '-',
      row.gzip ? rate(row.gzip.ftpcap.seconds).toFixed(0) : '-',
      row.gzip ? rate(row.gzip.gunzip.seconds).toFixed(0) : '-',
      row.gzip ? percent(row.gzip.gunzip.seconds, row.gzip.ftpcap.seconds) : '-',
      row.tshark ? rate(row.tshark.seconds).toFixed(0) : '-',
      row.tshark ? `${(row.tshark.seconds / row.ftpcap.seconds).toFixed(1)}×` : '-',
      '',
    ].join(' | ').trim());
  }
  console.log('ftpcap and walk (process): wall time of the whole program, Node start-up included; ftpcap writes its JSON report to /dev/null.');
  console.log('.gz and gunzip alone: MB of the uncompressed trace per second, both as programs (gzip -1).');
  console.log('steady: analysis + JSON report timed inside the process (bench/steady.ts); walk (in-process): the same loop as bench/walk.mjs, in this process.');
  console.log(`ftpcap through bin/ftpcap; walk, steady and gunzip with the same GLIBC_TUNABLES=${CHILD_ENV.GLIBC_TUNABLES} and Node flags [${NODE_FLAGS.join(' ')}] (walk in-process: without).`);
}

main();
