/**
 * The formats, and the renderer of each streamed one, loaded on demand: a run imports only
 * the module its format needs (the table's is loaded by src/cli/report.ts).
 */
import type { Analysis } from '../analysis.js';
import type { ConnectionText, ListTexts, ReportTexts, SessionText } from './session-texts.js';

export const FORMATS = ['table', 'json', 'ndjson', 'zeek'] as const;
export type Format = (typeof FORMATS)[number];

/** The formats whose sessions can be written from texts made as each session settles. */
export type SessionFormat = Exclude<Format, 'table'>;

/**
 * A format in two parts: the texts of sessions, connections and the items of the
 * trace-wide lists, made as each becomes final (analyze()'s onSession, onConnection and
 * lists), and the rest of the report around them, written at the end: the texts come back
 * in report order as UTF-8, one or several consecutive texts a piece. Together they write what
 * the format's in-memory renderer (renderJson, renderNdjson, renderZeek) writes for the same run.
 */
export interface SessionRenderer {
  sessionText: SessionText;
  /** A listed connection's text; null for a format that lists no connections (zeek's ftp.log). */
  connectionText: ConnectionText | null;
  /** The trace-wide lists' item texts; null for a format that writes none of them (zeek). */
  listTexts: ListTexts | null;
  render(analysis: Analysis, texts: ReportTexts<Uint8Array>): Iterable<string | Uint8Array>;
}

const SESSION_LOADERS = {
  json: async () => {
    const { renderJsonDocument, writeSessionElement, writeConnectionElement, jsonListTexts } = await import('./json.js');
    return { sessionText: writeSessionElement, connectionText: writeConnectionElement, listTexts: jsonListTexts, render: renderJsonDocument };
  },
  ndjson: async () => {
    const { renderNdjsonRecords, writeNdjsonSession, writeNdjsonConnection, ndjsonListTexts } = await import('./json.js');
    return { sessionText: writeNdjsonSession, connectionText: writeNdjsonConnection, listTexts: ndjsonListTexts, render: renderNdjsonRecords };
  },
  zeek: async () => {
    const { renderZeekLog, writeZeekSession } = await import('./zeek.js');
    return { sessionText: writeZeekSession, connectionText: null, listTexts: null, render: (_analysis, texts) => renderZeekLog(texts.sessions) };
  },
} satisfies Record<SessionFormat, () => Promise<SessionRenderer>>;

export function loadSessionRenderer(format: SessionFormat): Promise<SessionRenderer> {
  return SESSION_LOADERS[format]();
}
