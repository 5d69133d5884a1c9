/**
 * ftpcap's analysis and JSON report of one trace inside this process, timed without Node's
 * start-up and module loading. The report takes the CLI's own path (src/cli/report.ts:
 * sessions spooled as they settle, output written in 1 MiB batches), to /dev/null. Used by
 * bench/steady.ts and by the last rung of bench/ladder.ts.
 */
import { createWriteStream, openSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { quickCommand } from '../src/cli/args.js';
import { analyzeForReport } from '../src/cli/report.js';

export async function timeJsonReport(path: string): Promise<{ seconds: number; frames: number }> {
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
  return { seconds: (performance.now() - started) / 1000, frames: report.analysis.capture.frames };
}
