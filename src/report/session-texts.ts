/**
 * A session's part of a report, made from the session alone: what the JSON, ndjson and
 * zeek renderers need to write sessions either from an analysis that holds them all or
 * from texts made as each session settled (src/report/spool.ts keeps those).
 */
import type { Analysis, ConnectionReport, DropReport, ExpectationReport, IgnoredReport, RewriteReport, SessionReport } from '../analysis.js';
import type { Finding } from '../findings.js';
import { TextBuilder } from './text-builder.js';

/**
 * The paths of the files a run read, in the order given to analyze(): all that a
 * session's text needs of the run, to name a frame's file in multi-file runs. The capture
 * report names each file by the path it was given ('-' for standard input), so these
 * are known before the capture is read, when sessions settle.
 */
export type FilePaths = readonly string[];

/** Writes a session's text in one format: `findings` are the session's own, in Analysis.findings order. */
export type SessionText = (out: TextBuilder, session: SessionReport, findings: readonly Finding[], files: FilePaths) => void;

/** Writes a listed connection's text in one format. */
export type ConnectionText = (out: TextBuilder, connection: ConnectionReport, files: FilePaths) => void;

/**
 * The texts of the items of the trace-wide lists in one format (src/trace-lists.ts), each
 * with what goes before it in its list, so that texts made apart read back as one piece.
 */
export interface ListTexts {
  finding(out: TextBuilder, finding: Finding, files: FilePaths): void;
  /** Elements of the helper report's lists, one writer a list. */
  expectation(out: TextBuilder, item: ExpectationReport): void;
  rewrite(out: TextBuilder, item: RewriteReport): void;
  drop(out: TextBuilder, item: DropReport): void;
  ignored(out: TextBuilder, item: IgnoredReport): void;
}

/** The texts of the helper report's lists, each in report order (see ListTexts). */
export interface HelperTexts<Text extends string | Uint8Array> {
  expectations: Iterable<Text>;
  rewrites: Iterable<Text>;
  drops: Iterable<Text>;
  ignored: Iterable<Text>;
}

/**
 * The texts a renderer puts around the rest of the report, each list in report order (by
 * id for sessions and connections), one or several consecutive texts a piece: made from an
 * analysis that holds its lists, or kept since each part became final (a session settled,
 * the TCP table let a connection go; see src/report/list-spool.ts for the findings and
 * the helper's lists).
 */
export interface ReportTexts<Text extends string | Uint8Array> {
  sessions: Iterable<Text>;
  connections: Iterable<Text>;
  findings: Iterable<Text>;
  /** Read only when the analysis has a helper report. */
  helper: HelperTexts<Text>;
}

export function filePaths(analysis: Analysis): FilePaths {
  return analysis.capture.files.map((file) => file.path);
}

/** Findings per session, grouped in one pass (a trace can hold thousands of sessions). */
export function findingsBySession(analysis: Analysis): Map<number, Finding[]> {
  const groups = new Map<number, Finding[]>();
  for (const finding of analysis.findings) {
    if (finding.session === undefined) continue;
    const list = groups.get(finding.session);
    if (list) list.push(finding);
    else groups.set(finding.session, [finding]);
  }
  return groups;
}

/** The texts of the sessions an analysis holds, in its order (by id), made one at a time as they are read. */
export function sessionTexts(analysis: Analysis, text: SessionText): Generator<string> {
  const files = filePaths(analysis);
  const findings = findingsBySession(analysis);
  return writtenTexts(analysis.sessions, (out, session) => text(out, session, findings.get(session.id) ?? [], files));
}

/** The texts of the lists an analysis holds, made one at a time as they are read. */
export function analysisTexts(analysis: Analysis, sessionText: SessionText, connectionText: ConnectionText, listTexts: ListTexts): ReportTexts<string> {
  const files = filePaths(analysis);
  const helper = analysis.helper;
  return {
    sessions: sessionTexts(analysis, sessionText),
    connections: writtenTexts(analysis.connections, (out, connection) => connectionText(out, connection, files)),
    findings: writtenTexts(analysis.findings, (out, finding) => listTexts.finding(out, finding, files)),
    helper: {
      expectations: writtenTexts(helper?.expectations ?? [], listTexts.expectation),
      rewrites: writtenTexts(helper?.rewrites ?? [], listTexts.rewrite),
      drops: writtenTexts(helper?.drops ?? [], listTexts.drop),
      ignored: writtenTexts(helper?.ignored ?? [], listTexts.ignored),
    },
  };
}

/** The items' texts, each written when it is read, in one builder reused from item to item. */
function* writtenTexts<T>(items: readonly T[], write: (out: TextBuilder, item: T) => void): Generator<string> {
  const out = new TextBuilder();
  for (const item of items) {
    write(out.reset(), item);
    yield out.toString();
  }
}
