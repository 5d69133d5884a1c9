/**
 * `ftpcap analyze` from the captures to the written report, shared by the CLI and the
 * steady-state benchmark (bench/steady.ts) so that both run the same path.
 *
 * For json, ndjson and zeek, each session's text is made when the session settles, each
 * listed connection's when the TCP table lets it go, and those of the findings and the
 * helper's lists as their parts become final, and kept in spools (src/report/spool.ts),
 * within a memory budget and then on disk, until the rest of the report is known: a trace of
 * millions of short sessions does not hold them all.
 */
import type { Analysis } from '../analysis.js';
import { analyze, type AnalyzeOptions } from '../analyze.js';
import { loadSessionRenderer } from '../report/render.js';
import { SpooledLists } from '../report/list-spool.js';
import { TextSpool, type SpoolOptions } from '../report/spool.js';
import { TextBuilder } from '../report/text-builder.js';
import { discardedLists } from '../trace-lists.js';
import type { AnalyzeJob } from './args.js';
import { writeAll, writesThrough } from './write.js';

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
  /** Lets go of the kept texts and their temporary files, written or not. */
  close(): void;
}

/** Analyses the job's captures. Throws a SpoolError when the texts cannot be kept on disk. */
export async function analyzeForReport(job: AnalyzeJob, options: ReportRunOptions = {}): Promise<AnalyzedReport> {
  const analyzeOptions: AnalyzeOptions = { ...job.options, stdin: options.stdin, onProgress: options.onProgress };
  if (job.format === 'table') {
    // The table is for people to read: it keeps the rows it shows, its lists' first ones (src/report/table-view.ts).
    const { TableCollector } = await import('../report/table-view.js');
    const { renderTableView } = await import('../report/table.js');
    const table = new TableCollector();
    const analysis = await analyze(job.paths, { ...analyzeOptions, onSession: table.session, onConnection: table.connection, lists: table.lists });
    const view = table.view(analysis);
    return { analysis, write: (out, columns) => writeAll(out, [renderTableView(view, columns)]), close: () => {} };
  }
  const renderer = await loadSessionRenderer(job.format);
  // The capture report names each file by the path given (see FilePaths), so these name them as the report will.
  const files = job.paths;
  const sessions = new TextSpool(options.spool);
  const connections = new TextSpool(options.spool);
  // A format without findings and the helper's lists (zeek) keeps nothing of them.
  const lists = renderer.listTexts ? new SpooledLists(renderer.listTexts, files, options.spool) : null;
  const close = (): void => {
    sessions.close();
    connections.close();
    lists?.close();
  };
  try {
    const connectionText = renderer.connectionText;
    const out = new TextBuilder();
    const analysis = await analyze(job.paths, {
      ...analyzeOptions,
      // Each text is written into one reused builder, or straight into the spool's file buffer (see TextSpool.begin).
      onSession: (session, findings) => {
        renderer.sessionText(sessions.begin(out), session, findings, files);
        sessions.keep(session.id, out);
      },
      // A format without a connection list (zeek) keeps nothing of them.
      onConnection: connectionText ? (connection) => {
        connectionText(connections.begin(out), connection, files);
        connections.keep(connection.id, out);
      } : () => {},
      lists: lists ?? discardedLists(),
    });
    return {
      analysis,
      write: (out) => {
        // Read back into the same buffers over and over when the writer is done with each piece before the next.
        const reuse = writesThrough(out);
        const none: Uint8Array[] = [];
        return writeAll(out, renderer.render(analysis, {
          sessions: sessions.runs(reuse),
          connections: connections.runs(reuse),
          findings: lists?.findings.texts(reuse) ?? none,
          helper: lists?.helperTexts(reuse) ?? { expectations: none, rewrites: none, drops: none, ignored: none },
        }));
      },
      close,
    };
  } catch (error) {
    close();
    throw error;
  }
}
