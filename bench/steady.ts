/**
 * ftpcap's analysis and JSON report inside one process, timed without Node's start-up
 * and module loading: the steady-state rate, for comparing with the in-process bare walk.
 * Prints one JSON line: {"seconds": ..., "frames": ...}.
 *
 *   node --import tsx bench/steady.ts TRACE
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { analyze } from '../src/analyze.js';
import { quickCommand } from '../src/cli/args.js';
import { loadRenderer } from '../src/report/render.js';

const path = process.argv[2]!;
// The options `ftpcap analyze -f json TRACE` runs with, read the way the CLI reads them.
const command = quickCommand(['analyze', '-f', 'json', path], '');
if (command?.kind !== 'analyze') throw new Error(`not a plain analyze: ${path}`);
const started = performance.now();
const analysis = await analyze(command.job.paths, command.job.options);
const out = openSync('/dev/null', 'w');
const render = await loadRenderer('json');
for (const piece of render(analysis)) writeSync(out, piece);
closeSync(out);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ seconds, frames: analysis.capture.frames }));
