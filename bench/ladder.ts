/**
 * Where the time goes, stage by stage: the same trace run up a ladder of ever fuller
 * pipelines, each timed inside its own process without Node's start-up, so that the step
 * from one rung to the next is what that stage costs.
 *
 *   npm run bench:ladder                  # the small-packet trace (1M frames)
 *   npm run bench:ladder -- TRACE [ROUNDS]
 *
 * Rungs: the bare record walk; + capture reader and link/IP/TCP decode; + the TCP table
 * (control connections' bytes scanned for line ends, as the FTP stage would); + the FTP
 * stage, linkage and session reports, with the helper model off and the report's sinks
 * empty; + the helper model; + the JSON report written to /dev/null (the CLI's path,
 * bench/steady.ts). Each round runs every rung once, in order, in a fresh child process;
 * the table keeps each rung's best round, since the machine's speed drifts within minutes
 * and alternating the rungs spreads the drift over all of them.
 *
 * Each rung also reports its whole process's peak RSS and minor page faults (Node's start-up
 * included, the same for every rung): on a virtual machine where first touching a page is
 * dear, the memory a stage holds costs time as well as bytes. Those come from the round
 * with the best time.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { analyze } from '../src/analyze.js';
import { readCaptures } from '../src/capture/index.js';
import { decodeFrame } from '../src/decode/decode.js';
import { DecodeResult, newDecodedPacket } from '../src/decode/packet.js';
import { newDecodeStats } from '../src/decode/stats.js';
import { ConnectionTable } from '../src/tcp/table.js';
import type { Connection, ConnectionObserver, Direction } from '../src/tcp/types.js';
import { discardedLists } from '../src/trace-lists.js';
import { timeJsonReport } from './json-report.js';
import { ensureTrace } from './traces.js';
import { walk } from './walk.mjs';
import { childEnv, nodeFlags } from './child-env.js';

const RUNGS = ['walk', 'decode', 'tcp', 'ftp', 'helper', 'json'] as const;
type Rung = (typeof RUNGS)[number];
interface RungResult {
  seconds: number;
  maxRssKb: number;
  minorFaults: number;
}

const LABELS: Record<Rung, string> = {
  walk: 'bare record walk',
  decode: '+ reader, decode',
  tcp: '+ TCP table',
  ftp: '+ FTP stage, linkage, session reports',
  helper: '+ helper model',
  json: '+ JSON report (bench/steady.ts)',
};

/** One rung, timed in this process; returns seconds and the frames read. */
async function runRung(rung: Rung, path: string): Promise<{ seconds: number; frames: number }> {
  const started = performance.now();
  let frames = 0;
  if (rung === 'walk') {
    frames = walk(path);
  } else if (rung === 'decode' || rung === 'tcp') {
    const packet = newDecodedPacket();
    const stats = newDecodeStats();
    let lines = 0;
    // What the FTP stage at least does with a control connection's bytes: look at each one.
    const control: ConnectionObserver = {
      stream(_conn: Connection, _direction: Direction, buffer: Uint8Array, start: number, end: number): void {
        for (let i = start; i < end; i++) if (buffer[i] === 0x0a) lines++;
      },
    };
    const table = rung === 'tcp' ? new ConnectionTable((conn) => (conn.server.port === 21 ? control : null)) : null;
    const summary = await readCaptures([path], (frame) => {
      if (decodeFrame(frame, packet, stats) === DecodeResult.Tcp) table?.add(frame, packet);
    });
    table?.finish();
    frames = summary.frames;
    if (rung === 'tcp' && lines === 0) throw new Error('no control lines seen: not an FTP trace?');
  } else if (rung === 'ftp' || rung === 'helper') {
    const analysis = await analyze([path], {
      controlPorts: [21],
      helper: rung === 'helper' ? { ports: [21], loose: false, kernel: '6.18' } : null,
      lists: discardedLists(),
      onSession: () => {},
      onConnection: () => {},
    });
    frames = analysis.capture.frames;
  } else {
    return timeJsonReport(path);
  }
  return { seconds: (performance.now() - started) / 1000, frames };
}

const args = process.argv.slice(2);
if (args[0] === '--rung') {
  const result = await runRung(args[1] as Rung, args[2]!);
  const usage = process.resourceUsage();
  console.log(JSON.stringify({ ...result, maxRssKb: usage.maxRSS, minorFaults: usage.minorPageFault }));
} else {
  const path = args[0] ?? ensureTrace('small', 1);
  const rounds = Number(args[1] ?? 3);
  const self = fileURLToPath(import.meta.url);
  const best = new Map<Rung, RungResult>();
  let frames = 0;
  for (let round = 0; round < rounds; round++) {
    for (const rung of RUNGS) {
      const child = spawnSync(process.execPath, [...nodeFlags(), '--import', 'tsx', self, '--rung', rung, path], {
        cwd: join(self, '../..'),
        // With the malloc settings and V8 flags bin/ftpcap gives the CLI, so that the last rung is the CLI's path.
        env: childEnv(),
        encoding: 'utf8',
      });
      if (child.status !== 0) throw new Error(`rung ${rung} failed: ${child.stderr.slice(-400)}`);
      const result = JSON.parse(child.stdout.trim().split('\n').pop()!) as RungResult & { frames: number };
      frames = result.frames;
      if (result.seconds < (best.get(rung)?.seconds ?? Infinity)) best.set(rung, result);
    }
  }
  const total = best.get('json')!.seconds;
  let previous = 0;
  const rows = RUNGS.map((rung) => {
    const { seconds, maxRssKb, minorFaults } = best.get(rung)!;
    const step = seconds - previous;
    previous = seconds;
    return {
      rung: LABELS[rung],
      seconds: seconds.toFixed(3),
      'frames/s': Math.round(frames / seconds).toLocaleString('en-US'),
      'step s': step.toFixed(3),
      'step share': `${((step / total) * 100).toFixed(0)}%`,
      'peak RSS MB': (maxRssKb / 1024).toFixed(0),
      'minor faults': minorFaults.toLocaleString('en-US'),
    };
  });
  console.log(`${path}: ${frames.toLocaleString('en-US')} frames, best of ${rounds} rounds, Node ${process.version}`);
  console.table(rows);
}
