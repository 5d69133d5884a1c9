import type { Analysis, SessionReport } from '../analysis.js';
import { forEachCommand } from '../ftp/summary.js';
import { MASKED } from '../ftp/session.js';
import { sessionTexts } from './session-texts.js';
import type { TextBuilder } from './text-builder.js';

/** Zeek's ftp.log columns (scripts/base/protocols/ftp/info.zeek), in Zeek's order. */
export const ZEEK_FTP_FIELDS = [
  'ts', 'uid', 'id.orig_h', 'id.orig_p', 'id.resp_h', 'id.resp_p', 'user', 'password', 'command', 'arg',
  'mime_type', 'file_size', 'reply_code', 'reply_msg', 'data_channel.passive', 'data_channel.orig_h',
  'data_channel.resp_h', 'data_channel.resp_p', 'fuid',
] as const;

const ZEEK_FTP_TYPES = [
  'time', 'string', 'addr', 'port', 'addr', 'port', 'string', 'string', 'string', 'string',
  'string', 'count', 'count', 'string', 'bool', 'addr', 'addr', 'port', 'string',
];

function zeekTime(date: Date): string {
  const iso = date.toISOString();
  return `${iso.slice(0, 10)}-${iso.slice(11, 13)}-${iso.slice(14, 16)}-${iso.slice(17, 19)}`;
}

/** Characters Zeek writes as \xNN. */
const NEEDS_ESCAPE = /[\x00-\x1f\x7f\\]/;

/** Zeek's escaping: tabs, newlines and non-printables as \xNN; empty strings as (empty). */
function field(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  const text = String(value);
  if (text === '') return '(empty)';
  if (text === '-') return '\\x2d';
  // Most values have nothing to escape: testing first spares replace() its work on them.
  if (!NEEDS_ESCAPE.test(text)) return text;
  return text.replace(/[\x00-\x1f\x7f\\]/g, (char) => `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function zeekTs(seconds: number): string {
  return seconds.toFixed(6);
}

function hostAndPort(endpoint: string): [string, string] {
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(endpoint);
  return match ? [match[1]!, match[2]!] : [endpoint, '-'];
}

/** Stable Zeek-style connection uid derived from the connection id (Zeek's are random). */
function uid(connection: number): string {
  return `C${connection.toString(36).padStart(8, '0')}ftpcap`;
}

/**
 * An ftp.log in Zeek's tab-separated format, so zeek-cut and existing Zeek tooling
 * read it: one row per command with its final reply, as Zeek logs when every command
 * is logged. Passwords show as <hidden>, as Zeek hides them, unless the analysis was
 * run with --show-credentials.
 */
export function renderZeek(analysis: Analysis, now: Date = new Date()): string {
  return [...renderZeekPieces(analysis, now)].join('');
}

/**
 * The same log a piece at a time (the header, each session's rows, the close line), for
 * writing as it is made: joined, the log of a trace of many sessions is tens of MB.
 */
export function renderZeekPieces(analysis: Analysis, now: Date = new Date()): Generator<string> {
  return renderZeekLog(sessionTexts(analysis, writeZeekSession), now);
}

/** The log, `sessions` giving the sessions' zeekSessionText() in id order, one or several a piece. */
export function* renderZeekLog<Text extends string | Uint8Array>(sessions: Iterable<Text>, now: Date = new Date()): Generator<string | Text> {
  const header = [
    '#separator \\x09',
    '#set_separator\t,',
    '#empty_field\t(empty)',
    '#unset_field\t-',
    '#path\tftp',
    `#open\t${zeekTime(now)}`,
    `#fields\t${ZEEK_FTP_FIELDS.join('\t')}`,
    `#types\t${ZEEK_FTP_TYPES.join('\t')}`,
  ];
  yield `${header.join('\n')}\n`;
  for (const rows of sessions) if (rows.length > 0) yield rows;
  yield `#close\t${zeekTime(now)}\n`;
}

/** A session's rows, each ended by a line break; empty for a session with neither greeting nor command. */
/** Writes a session's rows (see zeekSessionText). */
export function writeZeekSession(out: TextBuilder, session: SessionReport): void {
  out.text(zeekSessionText(session));
}

export function zeekSessionText(session: SessionReport): string {
  const rows: string[] = [];
  sessionRows(session, rows);
  return rows.length > 0 ? `${rows.join('\n')}\n` : '';
}

/** A session's rows: the greeting as <init>, then one per listed command. */
function sessionRows(session: SessionReport, lines: string[]): void {
  const [origHost, origPort] = hostAndPort(session.client);
  const [respHost, respPort] = hostAndPort(session.server);
  const password = session.password === null ? null : session.password === MASKED ? '<hidden>' : session.password;
  // uid and endpoints, the same in every row of the session.
  const id = [uid(session.connection), origHost, origPort, respHost, respPort].join('\t');
  if (session.greeting) {
    // Zeek logs the greeting as the pseudo-command <init>.
    const greeting = session.greeting;
    lines.push([zeekTs(session.start.sec + session.start.nsec / 1e9), id,
      '-', '-', '<init>', '-', '-', '-', String(greeting.code), field(greeting.text), '-', '-', '-', '-', '-'].join('\t'));
  }
  const credentials = `${field(session.user)}\t${field(password)}`;
  // One command at a time, as a view valid only during the call (see forEachCommand).
  forEachCommand(session, (command) => {
    const setup = session.setups.find((candidate) => candidate.frame === command.frame || (candidate.replyCode !== null && command.reply !== null && candidate.frame === command.reply.frame));
    const transfer = session.transfers.find((candidate) => candidate.frame === command.frame);
    let dataOrig: string | null = null;
    let dataResp: string | null = null;
    let dataPort: number | null = null;
    let passive: boolean | null = null;
    if (setup && setup.port !== null) {
      passive = setup.replyCode !== null;
      dataOrig = passive ? origHost : respHost;
      dataResp = setup.address ?? (passive ? respHost : origHost);
      dataPort = setup.port;
    }
    const argument = command.command === 'PASS' && password !== null ? password : command.argument;
    const reply = command.reply;
    lines.push([
      zeekTs(command.time),
      id,
      credentials,
      field(command.command),
      field(transfer ? zeekUrl(respHost, transfer.cwd, command.argument) : argument || null),
      '-',
      field(transfer?.expectedSize ?? null),
      field(reply?.code ?? null),
      field(reply?.text ?? null),
      field(passive),
      field(dataOrig),
      field(dataResp),
      field(dataPort),
      '-',
    ].join('\t'));
  });
}

/** Zeek logs transfer arguments as ftp://host/path, joined to the working directory. */
function zeekUrl(host: string, cwd: string | null, argument: string): string {
  const path = argument.startsWith('/') ? argument : `${cwd ?? '.'}/${argument}`;
  return `ftp://${host}${path.startsWith('/') ? '' : '/'}${path}`;
}
