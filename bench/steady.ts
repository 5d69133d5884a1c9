/**
 * ftpcap's analysis and JSON report inside one process, timed without Node's start-up
 * and module loading: the steady-state rate, for comparing with the in-process bare walk
 * (see bench/json-report.ts). Prints one JSON line: {"seconds": ..., "frames": ...}.
 *
 *   node --import tsx bench/steady.ts TRACE
 */
import { timeJsonReport } from './json-report.js';

console.log(JSON.stringify(await timeJsonReport(process.argv[2]!)));
