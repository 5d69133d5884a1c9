/**
 * `ftpcap analyze` from the captures to the written report, shared by the CLI and the
 * steady-state benchmark (bench/steady.ts) so that both run the same path.
 *
 * For json, ndjson and zeek, each session's text is made when the session settles, each
 * listed connection's when the TCP table lets it go, and those of the findings and the
 * helper's lists as their parts become final, and kept in spools (src/report/spool.ts),
 * within a memory budget and then on disk, until the rest of the report is known: a trace of
 * millions of short sessions does not hold them all. The sessions still live at the end of
 * the trace (all of them, on a trace shorter than the settle delay) settle only as the
 * report writes them, by id, between the spooled ones: their texts go straight out.
 */
import type { Analysis } from '../analysis.js';
import { analyze, readTrace, type AnalyzeOptions } from '../analyze.js';
import { loadSessionRenderer } from '../report/render.js';
import { SpooledLists } from '../report/list-spool.js';
import { TextSpool, type SpoolOptions } from '../report/spool.js';
import { TextBuilder } from '../report/text-builder.js';
import { discardedLists } from '../trace-lists.js';
import type { AnalyzeJob } from './args.js';
import { writeAll, writesThrough } from './write.js';

/** Bytes of session text written at once from the sessions settled at the end of the trace (as a spool's runs come). */
const TAIL_BATCH_BYTES = 1 << 20;

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
    // While the report writes the sessions left at the end of the trace, the builder their
    // texts go to, straight to the output (see sessionTexts below); otherwise null.
    let direct: TextBuilder | null = null;
    const read = await readTrace(job.paths, {
      ...analyzeOptions,
      // Each text is written into one reused builder, or straight into the spool's file buffer (see TextSpool.begin).
      onSession: (session, findings) => {
        if (direct !== null) {
          renderer.sessionText(direct, session, findings, files);
          return;
        }
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
    /**
     * The sessions' texts in id order: those spooled as they settled while the trace was
     * read, and between them those left at its end, settled one by one as the output takes
     * them and written in batches of about TAIL_BATCH_BYTES without going through the
     * spool. On a trace shorter than the settle delay that is every session: on the small
     * bench trace 53 of the 68 MiB the temporary file got (writing them took 23-25 ms of
     * system time in most runs, 206 ms in one). Then the analysis is finished.
     */
    function* sessionTexts(reuse: boolean): Generator<Uint8Array> {
      const newBatch = (): TextBuilder => new TextBuilder(TAIL_BATCH_BYTES + (64 << 10));
      let batch = newBatch();
      let from = 1;
      try {
        for (let next = read.nextSession(); next !== 0; next = read.nextSession()) {
          const spooledBefore = sessions.holdsBetween(from, next);
          if (batch.length > 0 && (spooledBefore || batch.length >= TAIL_BATCH_BYTES)) {
            yield batch.view();
            // With `reuse` the writer is done with a piece before it asks for the next.
            batch = reuse ? batch.reset() : newBatch();
          }
          if (spooledBefore) yield* sessions.runsBetween(from, next, reuse);
          direct = batch;
          read.settleNext();
          direct = null;
          from = next + 1;
        }
        if (batch.length > 0) yield batch.view();
      } finally {
        // Also when the output stops early (a closed pipe): what is left then settles into the spool.
        direct = null;
      }
      read.finish();
      yield* sessions.runsBetween(from, Infinity, reuse);
    }
    // What the report reads of the analysis before the sessions is known now, and the
    // captures' faults; the rest once the sessions are written (or when first asked for:
    // then every session left settles).
    const analysis: Analysis = {
      capture: read.capture,
      decode: read.decode,
      connectionsTotal: read.connectionsTotal,
      get connections() {
        return read.finish().connections;
      },
      get sessions() {
        return read.finish().sessions;
      },
      get helper() {
        return read.finish().helper;
      },
      get findings() {
        return read.finish().findings;
      },
      // Read by the CLI after writing, also when the reader went away before the sessions were all written.
      errors: read.errors,
    };
    return {
      analysis,
      write: (out) => {
        // Read back into the same buffers over and over when the writer is done with each piece before the next.
        const reuse = writesThrough(out);
        const none: Uint8Array[] = [];
        return writeAll(out, renderer.render(analysis, {
          sessions: sessionTexts(reuse),
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
