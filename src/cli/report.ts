/**
 * `ftpcap analyze` from the captures to the written report, shared by the CLI and the
 * steady-state benchmark (bench/steady.ts) so that both run the same path.
 *
 * For json, ndjson and zeek, each session's text is made when the session settles and kept
 * in a spool (src/report/spool.ts), within a memory budget and then on disk, until the rest
 * of the report is known: a trace of millions of short sessions does not hold them all.
 */
import type { Analysis } from '../analysis.js';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { loadRenderer, loadSessionRenderer } from '../report/render.js';
import { TextSpool, type SpoolOptions } from '../report/spool.js';
import type { AnalyzeJob } from './args.js';
import { writeAll } from './write.js';

export interface ReportRunOptions {
  stdin?: NodeJS.ReadableStream;
  onProgress?: AnalyzeOptions['onProgress'];
  spool?: SpoolOptions;
}

/** An analysis whose report is ready to write. */
export interface AnalyzedReport {
  readonly analysis: Analysis;
  /** Writes the report; false when the reader closed the pipe (see writeAll). */
  write(out: NodeJS.WritableStream, columns?: number): Promise<boolean>;
  /** Lets go of the kept session texts and their temporary file, written or not. */
  close(): void;
}

/** Analyses the job's captures. Throws a SpoolError when the session texts cannot be kept on disk. */
export async function analyzeForReport(job: AnalyzeJob, options: ReportRunOptions = {}): Promise<AnalyzedReport> {
  const analyzeOptions: AnalyzeOptions = { ...job.options, stdin: options.stdin, onProgress: options.onProgress };
  if (job.format === 'table') {
    // The table is for people to read, not for millions of sessions: it keeps them all in memory.
    const analysis = await analyze(job.paths, analyzeOptions);
    const render = await loadRenderer('table');
    return { analysis, write: (out, columns) => writeAll(out, render(analysis, columns)), close: () => {} };
  }
  const renderer = await loadSessionRenderer(job.format);
  const spool = new TextSpool(options.spool);
  try {
    // The capture report names each file by the path given (see FilePaths), so these name them as the report will.
    const files = job.paths;
    const analysis = await analyze(job.paths, {
      ...analyzeOptions,
      onSession: (session, findings) => spool.add(session.id, renderer.sessionText(session, findings, files)),
    });
    return { analysis, write: (out) => writeAll(out, renderer.render(analysis, spool.runs())), close: () => spool.close() };
  } catch (error) {
    spool.close();
    throw error;
  }
}
