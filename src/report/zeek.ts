import type { Analysis, SessionReport, SetupReport, TransferReport } from '../analysis.js';
import { forEachCommand } from '../ftp/summary.js';
import { MASKED } from '../ftp/session.js';
import { sessionTexts } from './session-texts.js';
import { TextBuilder } from './text-builder.js';

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

/**
 * Writes a session's rows, each ended by a line break (nothing for a session with neither
 * greeting nor command): the greeting as <init>, then one per listed command. Written
 * into the builder field by field, not joined from strings: a trace of many short sessions
 * logs hundreds of thousands of commands, and a string per field and per row cost most of
 * the log's time.
 */
export function writeZeekSession(out: TextBuilder, session: SessionReport): void {
  const [origHost, origPort] = hostAndPort(session.client);
  const [respHost, respPort] = hostAndPort(session.server);
  const password = session.password === null ? null : session.password === MASKED ? '<hidden>' : session.password;
  // uid and endpoints, the same in every row of the session.
  const id = [uid(session.connection), origHost, origPort, respHost, respPort].join('\t');
  if (session.greeting) {
    // Zeek logs the greeting as the pseudo-command <init>.
    const greeting = session.greeting;
    out.text([zeekTs(session.start.sec + session.start.nsec / 1e9), id,
      '-', '-', '<init>', '-', '-', '-', String(greeting.code), field(greeting.text), '-', '-', '-', '-', '-'].join('\t'));
    out.ascii('\n');
  }
  // What follows each row's time, up to the command, the same in every row.
  const sessionPart = Buffer.from(`\t${id}\t${field(session.user)}\t${field(password)}\t`);
  const row = (time: number, command: string, argument: string, frame: number, reply: { code: number; text: string; frame: number } | null): void => {
    zeekSeconds(out, time);
    out.bytes(sessionPart);
    const setup = setupOf(session.setups, frame, reply);
    const transfer = transferOf(session.transfers, frame);
    const replaced = command === 'PASS' && password !== null;
    // Most rows have neither setup nor transfer: the rest then depends on the command and reply alone.
    const plain = setup === null && transfer === null && !replaced && reply !== null;
    if (plain && out.piece(PLAIN_ROW_PIECE, command, argument, reply.code, reply.text)) return;
    zeekField(out, command);
    out.ascii('\t');
    if (transfer !== null) zeekField(out, zeekUrl(respHost, transfer.cwd, argument));
    else zeekField(out, (replaced ? password : argument) || null);
    out.ascii('\t-\t');
    zeekField(out, transfer?.expectedSize ?? null);
    out.ascii('\t');
    zeekField(out, reply?.code ?? null);
    out.ascii('\t');
    zeekField(out, reply?.text ?? null);
    if (setup !== null && setup.port !== null) {
      const passive = setup.replyCode !== null;
      out.ascii(passive ? '\tT\t' : '\tF\t');
      zeekField(out, passive ? origHost : respHost);
      out.ascii('\t');
      zeekField(out, setup.address ?? (passive ? respHost : origHost));
      out.ascii('\t');
      zeekField(out, setup.port);
      out.ascii('\t-\n');
    } else out.ascii('\t-\t-\t-\t-\t-\n');
    if (plain) out.endPiece();
  };
  // One command at a time, as a view valid only during the call (see forEachCommand).
  forEachCommand(session, (command) => row(command.time, command.command, command.argument, command.frame, command.reply),
    (command) => row(command.time, command.command, command.argument, command.frame, command.reply));
}

export function zeekSessionText(session: SessionReport): string {
  const out = new TextBuilder(256);
  writeZeekSession(out, session);
  return out.toString();
}

/** The kind of a plain row's pieces in a builder's cache (see TextBuilder.piece; json.ts's are 0). */
const PLAIN_ROW_PIECE = 1;

/** The setup a command made or answered: its frame is the command's, or (announced by the server) the reply's. */
function setupOf(setups: readonly SetupReport[], frame: number, reply: { frame: number } | null): SetupReport | null {
  for (const setup of setups) if (setup.frame === frame || (setup.replyCode !== null && reply !== null && setup.frame === reply.frame)) return setup;
  return null;
}

function transferOf(transfers: readonly TransferReport[], frame: number): TransferReport | null {
  for (const transfer of transfers) if (transfer.frame === frame) return transfer;
  return null;
}

/** field(value), written: plain ASCII text and whole numbers as they are, anything else through field(). */
function zeekField(out: TextBuilder, value: string | number | null): void {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 0xffffffff) {
    out.jsonNumber(value);
    return;
  }
  if (typeof value !== 'string' || value === '' || value === '-') {
    out.ascii(field(value));
    return;
  }
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || code >= 0x7f || code === 0x5c) {
      out.text(field(value));
      return;
    }
  }
  out.ascii(value);
}

/**
 * zeekTs(seconds), written: toFixed(6) rounds the exact value of `seconds` times 1e6, of
 * which the product here is within 0.25 (below 2^32 seconds); when that product lies
 * within 0.2 of a whole number, the exact value is nearer that number than any other.
 */
export function zeekSeconds(out: TextBuilder, seconds: number): void {
  const product = seconds * 1e6;
  const micro = Math.round(product);
  const whole = Math.floor(micro / 1e6);
  const fraction = micro - whole * 1e6;
  if (!(seconds >= 0) || whole > 0xffffffff || Math.abs(product - micro) > 0.2 || fraction < 0 || fraction >= 1e6) {
    out.ascii(zeekTs(seconds));
    return;
  }
  out.jsonNumber(whole);
  out.ascii('.');
  out.digits(fraction, 6);
}

/** Zeek logs transfer arguments as ftp://host/path, joined to the working directory. */
function zeekUrl(host: string, cwd: string | null, argument: string): string {
  const path = argument.startsWith('/') ? argument : `${cwd ?? '.'}/${argument}`;
  return `ftp://${host}${path.startsWith('/') ? '' : '/'}${path}`;
}
