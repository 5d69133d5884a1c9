/**
 * TCP stage throughput and memory: capture reader → decodeFrame → ConnectionTable on
 * generated FTP traces, with the stream and segment views on the control connections
 * (port 21) and count-only data connections, as the analyzer runs them.
 *
 *   node --import tsx bench/tcp.ts            # bulk 200 and 400 MB, small-packet 1M and 2M frames
 *   node --import tsx bench/tcp.ts bulk 200   # one trace, in this process (add --expose-gc for the live heap)
 *
 * Each trace runs in its own child process so peak RSS (process.resourceUsage().maxRSS)
 * belongs to that trace alone; doubling a trace must leave it flat. A "decode only" pass
 * (no table) is the baseline the table's cost is measured against. Traces are generated
 * once into os.tmpdir() and reused.
 */
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { readCaptures } from '../src/capture/index.js';
import type { Frame } from '../src/capture/frame.js';
import { decodeFrame } from '../src/decode/decode.js';
import { DecodeResult, newDecodedPacket } from '../src/decode/packet.js';
import { newDecodeStats } from '../src/decode/stats.js';
import { ConnectionTable } from '../src/tcp/table.js';
import type { Connection, ConnectionObserver, Direction, Segment } from '../src/tcp/types.js';
import { ensureTrace, type Kind } from './traces.js';

const RUNS = 7;

// ---------------------------------------------------------------- measurement

/** What the FTP stage does on a control connection, reduced to its cost: look at every byte and segment. */
function controlObserver(counters: { lines: number; segments: number; gaps: number }): ConnectionObserver {
  return {
    segment(_conn: Connection, segment: Segment): void {
      if (segment.payloadLength > 0) counters.segments++;
    },
    stream(_conn: Connection, _direction: Direction, buffer: Uint8Array, start: number, end: number): void {
      for (let i = start; i < end; i++) if (buffer[i] === 0x0a) counters.lines++;
    },
    gap(): void {
      counters.gaps++;
    },
  };
}

interface Result {
  kind: Kind;
  size: number;
  fileBytes: number;
  frames: number;
  segments: number;
  decodeOnlyMs: number;
  fullMs: number;
  maxRssMb: number;
  /** Largest heap left after a full GC, sampled every LIVE_SAMPLE_FRAMES (needs --expose-gc). */
  liveHeapMb: number;
  connections: number;
  peakLive: number;
  peakBufferedBytes: number;
  lines: number;
  gaps: number;
}

async function measure(kind: Kind, size: number): Promise<Result> {
  const path = ensureTrace(kind, size);
  const fileBytes = statSync(path).size;
  let frames = 0;
  let segments = 0;
  let decodeOnlyMs = Infinity;
  let fullMs = Infinity;
  let table: ConnectionTable | null = null;
  const counters = { lines: 0, segments: 0, gaps: 0 };
  for (let run = 0; run < RUNS; run++) {
    for (const withTable of [false, true]) {
      const pkt = newDecodedPacket();
      const stats = newDecodeStats();
      counters.lines = counters.segments = counters.gaps = 0;
      const current = withTable
        ? new ConnectionTable((conn) => (conn.server.port === 21 ? controlObserver(counters) : null))
        : null;
      const onFrame = current
        ? (frame: Frame): void => {
            if (decodeFrame(frame, pkt, stats) === DecodeResult.Tcp) current.add(frame, pkt);
          }
        : (frame: Frame): void => {
            decodeFrame(frame, pkt, stats);
          };
      const started = performance.now();
      const summary = await readCaptures([path], onFrame);
      current?.finish();
      const elapsed = performance.now() - started;
      frames = summary.frames;
      if (current) {
        fullMs = Math.min(fullMs, elapsed);
        table = current;
        segments = current.stats.segments;
      } else {
        decodeOnlyMs = Math.min(decodeOnlyMs, elapsed);
      }
    }
  }
  return {
    kind,
    size,
    fileBytes,
    frames,
    segments,
    decodeOnlyMs,
    fullMs,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
    liveHeapMb: await liveHeap(path),
    connections: table!.stats.connectionsCreated,
    peakLive: table!.stats.peakLive,
    peakBufferedBytes: table!.stats.peakBufferedBytes,
    lines: counters.lines,
    gaps: counters.gaps,
  };
}

const LIVE_SAMPLE_FRAMES = 100_000;

/**
 * What the table really holds, as opposed to peak RSS (which also counts garbage not yet
 * collected): one more pass, with a full GC every LIVE_SAMPLE_FRAMES frames.
 */
async function liveHeap(path: string): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return NaN;
  const pkt = newDecodedPacket();
  const stats = newDecodeStats();
  const counters = { lines: 0, segments: 0, gaps: 0 };
  const table = new ConnectionTable((conn) => (conn.server.port === 21 ? controlObserver(counters) : null));
  let peak = 0;
  let frames = 0;
  await readCaptures([path], (frame) => {
    if (decodeFrame(frame, pkt, stats) === DecodeResult.Tcp) table.add(frame, pkt);
    if (++frames % LIVE_SAMPLE_FRAMES === 0) {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
  });
  table.finish();
  return peak / 2 ** 20;
}

function report(results: Result[]): void {
  const rows = results.map((r) => ({
    trace: `${r.kind} ${r.size}${r.kind === 'bulk' ? ' MB' : 'M frames'}`,
    'file MB': (r.fileBytes / 1e6).toFixed(0),
    frames: r.frames,
    'decode only s': (r.decodeOnlyMs / 1e3).toFixed(2),
    'with table s': (r.fullMs / 1e3).toFixed(2),
    'segments/s (M)': (r.segments / (r.fullMs / 1e3) / 1e6).toFixed(2),
    'MB/s': (r.fileBytes / 1e6 / (r.fullMs / 1e3)).toFixed(0),
    'table share %': (((r.fullMs - r.decodeOnlyMs) / r.fullMs) * 100).toFixed(0),
    'peak RSS MB': r.maxRssMb.toFixed(0),
    'live heap MB': r.liveHeapMb.toFixed(0),
    connections: r.connections,
    'peak live': r.peakLive,
    'peak buffered KB': (r.peakBufferedBytes / 1024).toFixed(0),
    'control lines': r.lines,
    'control gaps': r.gaps,
  }));
  console.table(rows);
}

const [kindArg, sizeArg] = process.argv.slice(2);
if (kindArg === 'bulk' || kindArg === 'small') {
  const result = await measure(kindArg, Number(sizeArg ?? (kindArg === 'bulk' ? 200 : 1)));
  if (process.env.FTPCAP_BENCH_JSON) console.log(JSON.stringify(result));
  else report([result]);
} else {
  const self = fileURLToPath(import.meta.url);
  const plan: Array<[Kind, number]> = [
    ['bulk', 200],
    ['bulk', 400],
    ['small', 1],
    ['small', 2],
  ];
  const results: Result[] = [];
  for (const [kind, size] of plan) {
    const out = execFileSync(process.execPath, ['--expose-gc', '--import', 'tsx', self, kind, String(size)], {
      env: { ...process.env, FTPCAP_BENCH_JSON: '1' },
      encoding: 'utf8',
      maxBuffer: 1 << 20,
    });
    results.push(JSON.parse(out.trim().split('\n').at(-1)!) as Result);
  }
  report(results);
}
