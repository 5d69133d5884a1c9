/**
 * The report renderer for one format, loaded on demand: the table's libraries (cli-table3
 * and its colour library) cost more start-up than a JSON run on a small trace spends
 * analysing, so a run imports only the module its format needs.
 */
import type { Analysis } from '../analysis.js';
import type { ConnectionText, ListTexts, ReportTexts, SessionText } from './session-texts.js';

export const FORMATS = ['table', 'json', 'ndjson', 'zeek'] as const;
export type Format = (typeof FORMATS)[number];

/** The report as pieces of text to write in order (JSON, ndjson and zeek come a piece at a time). */
export type Renderer = (analysis: Analysis, width?: number) => Iterable<string>;

const LOADERS = {
  table: async () => {
    const { renderTable } = await import('./table.js');
    return (analysis, width) => [renderTable(analysis, width)];
  },
  json: async () => (await import('./json.js')).renderJsonChunks,
  ndjson: async () => (await import('./json.js')).renderNdjsonLines,
  zeek: async () => {
    const { renderZeekPieces } = await import('./zeek.js');
    return (analysis) => renderZeekPieces(analysis);
  },
} satisfies Record<Format, () => Promise<Renderer>>;

/** The renderer of a whole analysis, sessions included. */
export function loadRenderer(format: Format): Promise<Renderer> {
  return LOADERS[format]();
}

/** The formats whose sessions can be written from texts made as each session settles. */
export type SessionFormat = Exclude<Format, 'table'>;

/**
 * A format in two parts: the texts of sessions, connections and the items of the
 * trace-wide lists, made as each becomes final (analyze()'s onSession, onConnection and
 * lists), and the rest of the report around them, written at the end: the texts come back
 * in report order as UTF-8, one or several consecutive texts a piece. Together they write what
 * the format's Renderer writes for the same run.
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
    const { renderJsonDocument, sessionElementText, connectionElementText, jsonListTexts } = await import('./json.js');
    return { sessionText: sessionElementText, connectionText: connectionElementText, listTexts: jsonListTexts, render: renderJsonDocument };
  },
  ndjson: async () => {
    const { renderNdjsonRecords, ndjsonSessionText, ndjsonConnectionText, ndjsonListTexts } = await import('./json.js');
    return { sessionText: ndjsonSessionText, connectionText: ndjsonConnectionText, listTexts: ndjsonListTexts, render: renderNdjsonRecords };
  },
  zeek: async () => {
    const { renderZeekLog, zeekSessionText } = await import('./zeek.js');
    return { sessionText: zeekSessionText, connectionText: null, listTexts: null, render: (_analysis, texts) => renderZeekLog(texts.sessions) };
  },
} satisfies Record<SessionFormat, () => Promise<SessionRenderer>>;

export function loadSessionRenderer(format: SessionFormat): Promise<SessionRenderer> {
  return SESSION_LOADERS[format]();
}
