/**
 * ftpcap's analysis and JSON report inside one process, timed without Node's start-up
 * and module loading: the steady-state rate, for comparing with the in-process bare walk.
 * The report takes the CLI's own path (src/cli/report.ts: sessions spooled as they settle,
 * output written in 1 MiB batches), to /dev/null. Prints one JSON line: {"seconds": ..., "frames": ...}.
 *
 *   node --import tsx bench/steady.ts TRACE
 */
import { createWriteStream, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { quickCommand } from '../src/cli/args.js';
import { analyzeForReport } from '../src/cli/report.js';

const path = process.argv[2]!;
// The options `ftpcap analyze -f json TRACE` runs with, read the way the CLI reads them.
const command = quickCommand(['analyze', '-f', 'json', path], '');
if (command?.kind !== 'analyze') throw new Error(`not a plain analyze: ${path}`);
const started = performance.now();
const report = await analyzeForReport(command.job);
// Opened first, so the stream has its descriptor from the start, as process.stdout has.
const out = createWriteStream('/dev/null', { fd: openSync('/dev/null', 'w') });
try {
  await report.write(out);
} finally {
  report.close();
}
await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ seconds, frames: report.analysis.capture.frames }));
