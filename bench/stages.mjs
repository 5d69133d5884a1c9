/**
 * Where a run's time goes, by pipeline stage: self time from a V8 CPU profile, summed per
 * src/ folder (capture, decode, tcp, ftp, helper, report, cli), with the garbage collector,
 * Node itself and idle time apart. Run the analysis from the TypeScript sources so that
 * every function keeps its file:
 *
 *   node --cpu-prof --cpu-prof-dir=/tmp/prof --import tsx bench/steady.ts TRACE
 *   node bench/stages.mjs /tmp/prof/CPU.*.0.001.cpuprofile
 *
 * (tsx's loader thread writes a second, idle profile; give the main thread's, the larger.)
 */
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2);
if (files.length === 0) {
  console.error('usage: node bench/stages.mjs PROFILE.cpuprofile...');
  process.exit(2);
}

const totals = new Map();
let all = 0;
for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  for (let i = 0; i < profile.samples.length; i++) {
    const node = nodes.get(profile.samples[i]);
    const micros = profile.timeDeltas[i] ?? 0;
    const stage = stageOf(node.callFrame);
    totals.set(stage, (totals.get(stage) ?? 0) + micros);
    all += micros;
  }
}

function stageOf({ url, functionName }) {
  const source = /\/src\/([^/]+)\//.exec(url);
  if (source) return `src/${source[1]}`;
  if (/\/src\/[^/]+\.ts$/.test(url)) return 'src (top level)';
  if (url.includes('/bench/')) return 'bench';
  if (functionName === '(garbage collector)') return 'garbage collector';
  if (functionName === '(idle)') return 'idle (waiting for input)';
  if (functionName === '(program)') return 'V8 (compiling, runtime)';
  if (url.includes('node_modules')) return 'node_modules';
  return 'Node and natives';
}

for (const [stage, micros] of [...totals].sort((a, b) => b[1] - a[1])) {
  console.log(`${(micros / 1000).toFixed(0).padStart(7)} ms ${((100 * micros) / all).toFixed(1).padStart(5)}%  ${stage}`);
}
