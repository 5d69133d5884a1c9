/**
 * One FTP control session: turns the lines of both directions into commands, replies,
 * data-channel setups and transfers, and keeps the session state that gives them
 * meaning (user, login, working directory, TYPE, TLS). Linkage to data connections is
 * the linker's job; this class only tells it what was announced and requested.
 */
import type { FindingSink, FrameRef } from '../findings.js';
import type { Connection, Direction } from '../tcp/types.js';
import { LineSplitter, MAX_LINE_BYTES, type Line, type LineHandler, type LineTexts } from './lines.js';
import { CommandLog, type CommandStore } from './command-log.js';
import { Command, NO_REPLIES, spanOf, type FrameSpan, type ReplyRecord, type SessionRecord, type SetupRecord, type TransferMode, type TransferRecord } from './model.js';
import { NOT_A_REPLY, oneLineReply, opensReply, ReplyAssembler, replyCode } from './replies.js';
import { announcementLabel, parse227, parse229, parseEprt, parseLongAddress, parsePort, type Announcement } from './setup.js';
import { isPrivateAddress } from './addresses.js';
import { FTP_COMMANDS } from './detect.js';
import { appended, EMPTY } from './lists.js';

/** Commands awaiting a reply before we call the session confused (Zeek: 20). */
export const MAX_PENDING_COMMANDS = 64;
/** Commands kept per session; beyond, they are counted and parsed but not listed. */
export const MAX_COMMANDS_PER_SESSION = 100_000;

export const TRANSFER_COMMANDS: ReadonlySet<string> = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD']);
const UPLOAD_COMMANDS: ReadonlySet<string> = new Set(['STOR', 'STOU', 'APPE']);

export interface SessionHooks {
  findings: FindingSink;
  showCredentials: boolean;
  /** A setup was announced: the linker starts looking for its data connection. */
  setupAnnounced(session: SessionRecord, setup: SetupRecord): void;
  /** A transfer command was sent: the linker gives it a data connection. */
  transferRequested(session: SessionRecord, transfer: TransferRecord): void;
  /** Whether the trace-wide budget of listed commands takes this one (false: count it, do not list it). */
  listCommand(session: SessionRecord, where: FrameSpan): boolean;
  /** Where listed commands are kept, shared by the stage's sessions. */
  commands: CommandStore;
  /** Texts of repeated lines, shared by the stage's sessions. */
  texts: LineTexts;
  /** The record the stage's line splitters hand lines on in (see LineSplitter). */
  line: Line;
  /** The control connection ended: the record is complete, as far as the parser goes. */
  ended?(session: SessionRecord): void;
}

export const MASKED = '********';

/** Known words share one string: a trace of many sessions keeps every command it saw. */
const COMMAND_WORDS: ReadonlyMap<string, string> = new Map(FTP_COMMANDS.map((word) => [word, word]));
/**
 * The known words by their letters packed into a number (wordCode): a line's word is found
 * without cutting it out of the line as a string of its own first.
 */
const COMMAND_WORD_CODES: ReadonlyMap<number, string> = new Map(FTP_COMMANDS.map((word) => [wordCode(word, 0, word.length), word]));

export class FtpSession {
  readonly record: SessionRecord;
  private readonly pending: Command[] = [];
  /** Made for the first multi-line reply (see oneLineReply): most sessions see none. */
  private replies: ReplyAssembler | null = null;
  // One field per direction rather than a pair: one object fewer to reach on every segment.
  private readonly clientSplitter: LineSplitter<FtpSession>;
  private readonly serverSplitter: LineSplitter<FtpSession>;
  /** True once the control channel is encrypted (record.tls is set): nothing more can be read. */
  encrypted = false;
  private lastSize: { path: string; size: number } | null = null;
  private repliesSeen = 0;
  /** Where the client sent EPSV ALL, if it did. */
  private epsvAll: FrameRef | null = null;
  /** The command that took the latest final reply (for the ABOR reply order). */
  private lastAnswered: Command | null = null;
  /** A gap was seen and replies are paired by meaning until one fits (see realign). */
  private realigning = false;
  /** When bytes were last lost: a command sent before then was most likely answered in them. */
  private gapTime = -Infinity;
  private readonly controlClient: string;
  private readonly controlServer: string;

  constructor(
    id: number,
    readonly connection: Connection,
    evidence: string,
    private readonly hooks: SessionHooks,
  ) {
    this.record = {
      id,
      connection,
      evidence,
      user: null,
      password: null,
      login: null,
      tls: null,
      greeting: null,
      commands: new CommandLog(hooks.commands),
      commandCount: 0,
      unsolicited: EMPTY,
      setups: EMPTY,
      transfers: EMPTY,
      cwd: null,
      type: null,
    };
    this.controlClient = connection.client.address;
    this.controlServer = connection.server.address;
    this.clientSplitter = new LineSplitter<FtpSession>(FtpSession.onClientLine, MAX_LINE_BYTES, startsLikeCommand, hooks.texts, hooks.line, this);
    this.serverSplitter = new LineSplitter<FtpSession>(FtpSession.onServerLine, MAX_LINE_BYTES, startsLikeReply, hooks.texts, hooks.line, this);
    if (connection.server.port === 990) {
      this.startTls({ fileIndex: connection.firstFileIndex, frame: connection.firstFrame }, 'implicit');
    }
  }

  /** The splitters' line handlers, one function each for all sessions (called on the session). */
  private static readonly onClientLine: LineHandler<FtpSession> = function (this: FtpSession, line: Line): void {
    this.clientLine(line);
  };
  private static readonly onServerLine: LineHandler<FtpSession> = function (this: FtpSession, line: Line): void {
    this.serverLine(line);
  };

  /** Stream bytes buffer[start, end) of one direction, from one frame. */
  data(direction: Direction, buffer: Uint8Array, start: number, end: number, fileIndex: number, frame: number): void {
    if (!this.encrypted) (direction === 0 ? this.clientSplitter : this.serverSplitter).pushRange(buffer, start, end, fileIndex, frame);
  }

  gap(direction: Direction, length: number): void {
    (direction === 0 ? this.clientSplitter : this.serverSplitter).gap(length);
    // Lost bytes may hold a command or a reply: pair by meaning until the two sides agree again.
    this.realigning = true;
    this.gapTime = this.now();
    this.finding('ftp.control.gap', 'warning', `${length} bytes of the ${direction === 0 ? 'client' : 'server'} side were not captured; parsing resumed at the next line`,
      [{ fileIndex: this.connection.lastFileIndex, frame: this.connection.lastFrame }]);
  }

  end(): void {
    if (!this.encrypted) {
      this.clientSplitter.end();
      this.serverSplitter.end();
    }
    const open = this.replies?.flush(this.now()) ?? null;
    if (open) this.reply(open);
    this.hooks.ended?.(this.record);
  }

  private now(): number {
    return this.connection.lastTime;
  }

  private finding(code: string, severity: 'info' | 'note' | 'warning' | 'error', message: string, frames: FrameRef[]): void {
    this.hooks.findings({ code, severity, message, frames, session: this.record.id, connection: this.connection.id });
  }

  private clientLine(line: Line): void {
    if (this.encrypted) return;
    if (line.damaged === 'too-long') {
      this.finding('ftp.command.too-long', 'warning', `command line longer than the cap; the rest was skipped`, line.frames);
    }
    const text = line.text;
    const split = splitCommandLine(text, this.hooks.texts);
    if (split === null) return;
    const command = split.command;
    const argument = split.argument;
    if (!split.known && !/^[A-Z]{3,4}$/.test(command)) {
      this.finding('ftp.command.invalid', 'note', `"${truncate(text, 40)}" is not an FTP command`, line.frames);
    }
    const record = this.hooks.commands.command(command, command === 'PASS' && !this.hooks.showCredentials ? MASKED : argument, line, this.now());
    this.record.commandCount++;
    if (this.record.commands.length < MAX_COMMANDS_PER_SESSION) {
      if (this.hooks.listCommand(this.record, line)) record.row = this.record.commands.push(record);
    } else if (this.record.commandCount === MAX_COMMANDS_PER_SESSION + 1) {
      this.finding('ftp.session.too-many-commands', 'note', `more than ${MAX_COMMANDS_PER_SESSION} commands: later ones are analyzed but not listed`, line.frames);
    }
    if (this.pending.length >= MAX_PENDING_COMMANDS) {
      const dropped = this.pending.shift()!;
      this.finding('ftp.reply.missing', 'warning', `${dropped.command} got no reply before ${MAX_PENDING_COMMANDS} more commands were sent`, dropped.frames);
    }
    this.pending.push(record);

    // RFC 2428 §4: after EPSV ALL the client promises to use EPSV only; servers refuse the rest.
    if (this.epsvAll !== null && (command === 'PORT' || command === 'PASV' || command === 'EPRT' || command === 'LPRT' || command === 'LPSV')) {
      this.finding('ftp.epsv-all.violated', 'note',
        `${command} after EPSV ALL (frame ${this.epsvAll.frame}): RFC 2428 lets the server refuse it`, line.frames);
    }
    switch (command) {
      case 'EPSV':
        if (/^\s*ALL\s*$/i.test(argument)) this.epsvAll = line.frames[0] ?? null;
        break;
      case 'USER':
        this.record.user = argument;
        break;
      case 'PASS':
        this.record.password = this.hooks.showCredentials ? argument : MASKED;
        break;
      case 'PORT':
        this.announce(record, parsePort(argument), 'client', record.frames);
        break;
      case 'EPRT':
        this.announce(record, parseEprt(argument), 'client', record.frames);
        break;
      case 'LPRT':
        this.announce(record, parseLongAddress('LPRT', argument), 'client', record.frames);
        break;
      default:
        if (TRANSFER_COMMANDS.has(command)) this.requestTransfer(record);
    }
  }

  private serverLine(line: Line): void {
    if (this.encrypted) return;
    if (this.answerPlainly(line)) return;
    const event = this.replies === null && !opensReply(line.text)
      ? oneLineReply(line, this.now(), this.hooks.texts)
      : (this.replies ??= new ReplyAssembler(this.hooks.texts)).push(line, this.now());
    if (event === null) return;
    if (event === NOT_A_REPLY) {
      if (line.text.trim() === '') return;
      // It still answers the oldest command: pairing the next real reply with it would shift every later pair.
      const answered = this.pending.shift();
      if (answered) answered.invalidReply = line.text;
      this.finding('ftp.reply.invalid', 'warning',
        `"${truncate(line.text, 40)}" is not a reply (no 3-digit code)${answered ? `; taken as the answer to ${answered.command}` : ''}`, line.frames);
      return;
    }
    this.reply(event);
  }

  private reply(reply: ReplyRecord): void {
    this.repliesSeen++;
    // The greeting answers no command, even when a client pipelined commands before it.
    if (this.repliesSeen === 1 && (reply.code === 220 || reply.code === 120)) {
      if (reply.code === 220) this.record.greeting = reply;
      else this.record.unsolicited = appended(this.record.unsolicited, reply);
      return;
    }
    if (this.realigning && this.realign(reply)) return;
    const command = this.pending[0];
    if (command === undefined) {
      this.record.unsolicited = appended(this.record.unsolicited, reply);
      this.passiveAnnouncement(null, reply);
      return;
    }
    if (reply.code < 200) {
      command.preliminary = command.preliminary === NO_REPLIES ? [reply] : [...command.preliminary, reply];
      this.preliminary(command, reply);
      return;
    }
    this.pending.shift();
    if (this.swapAbortReplies(command, reply)) return;
    command.reply = reply;
    this.final(command, reply);
    this.lastAnswered = command;
    if (command.row >= 0) this.record.commands.fold(command.row, command);
  }

  /**
   * The usual reply: one line, final, in one frame, answering the oldest pending command,
   * itself listed and plain (what CommandLog.fold asks). It is folded into the command's row
   * at once and never made a Reply object: most lines of a trace are such replies. Anything
   * else (and a reply the row cannot hold) takes the general way, reply(), and returns false
   * with nothing changed. Both ways leave the same state.
   */
  private answerPlainly(line: Line): boolean {
    const command = this.pending[0];
    if (
      command === undefined || command.row < 0 || command.pinned || command.more !== null ||
      command.preliminary !== NO_REPLIES || command.invalidReply !== null ||
      line.more !== null || this.repliesSeen === 0 || this.realigning || (this.replies !== null && !this.replies.idle)
    ) {
      return false;
    }
    const text = line.text;
    const code = replyCode(text);
    // 1xx is preliminary, "123-" opens a multi-line reply, 227/228/229 announce a setup (and pin the command).
    if (code < 200 || text.charCodeAt(3) === 0x2d || code === 227 || code === 228 || code === 229) return false;
    // AUTH may start TLS at the reply's frame; an ABOR's reply may change places with a transfer's.
    if (command.command === 'AUTH' || command.command === 'ABOR') return false;
    const replyText = this.hooks.texts.suffix(text, 4);
    if (!this.record.commands.foldAnswered(command.row, command, code, replyText, line.frame, line.fileIndex, this.now())) return false;
    this.repliesSeen++;
    this.pending.shift();
    this.answered(command, code, replyText);
    // The latest answered command matters only when it is a transfer (swapAbortReplies), and
    // transfers are pinned, never folded: no command is the same. The object is free again.
    this.lastAnswered = null;
    this.hooks.commands.recycle(command);
    return true;
  }

  /**
   * After a gap, a reply that cannot answer the oldest pending command (a 227 for TYPE)
   * shows that a command or reply was lost. If a later pending command can take it, the
   * ones before lost their replies; if none can, it answers a command we never saw.
   * Returns true when the reply was taken as such an answer (nothing left to pair).
   */
  private realign(reply: ReplyRecord): boolean {
    const fits = this.pending.findIndex((command) => replyFits(command.command, reply.code));
    if (fits >= 0) {
      this.pending.splice(0, fits);
      this.realigning = false;
      return false;
    }
    if (expectedOnlyFor(reply.code) === null || this.pending.length === 0) return false;
    // This reply answers a command the capture lost. Replies come in order, so commands
    // sent before the loss most likely had their replies lost with it.
    const kept = this.pending.filter((command) => command.time >= this.gapTime);
    this.pending.splice(0, this.pending.length, ...kept);
    this.record.unsolicited = appended(this.record.unsolicited, reply);
    this.passiveAnnouncement(null, reply);
    this.realigning = false;
    return true;
  }

  /**
   * RFC 959 §4.1.3: ABOR during a transfer gets a 426 for the transfer, then a 226 for
   * the ABOR. Some servers (proftpd) send the 226 first; by order alone the transfer would
   * take the 226 and the ABOR the 426. When a 426/451 arrives for an ABOR right after a
   * transfer command took a 2xx, the two replies change places.
   */
  private swapAbortReplies(command: Command, reply: ReplyRecord): boolean {
    const transfer = this.lastAnswered;
    if (command.command !== 'ABOR' || (reply.code !== 426 && reply.code !== 451) || transfer === null) return false;
    if (!TRANSFER_COMMANDS.has(transfer.command) || transfer.reply === null || transfer.reply.code >= 300) return false;
    command.reply = transfer.reply;
    transfer.reply = reply;
    this.lastAnswered = command;
    return true;
  }

  private preliminary(command: Command, reply: ReplyRecord): void {
    if (reply.code === 150 || reply.code === 125) {
      const size = /\((\d+) bytes?\)/i.exec(reply.text);
      const transfer = this.transferOf(command);
      if (size && transfer) transfer.expectedSize = Number(size[1]);
    }
  }

  private final(command: Command, reply: ReplyRecord): void {
    if (command.command === 'AUTH') {
      if (reply.code === 234 && /^(TLS|SSL|TLS-C|TLS-P)\b/i.test(command.argument)) this.startTls(reply.frames[reply.frames.length - 1]!, 'auth-tls');
    } else {
      this.answered(command, reply.code, reply.text);
    }
    this.passiveAnnouncement(command, reply);
  }

  /** What a final reply (its code and text after the code) tells of the session, for any command but AUTH. */
  private answered(command: Command, code: number, text: string): void {
    const ok = code >= 200 && code < 300;
    switch (command.command) {
      case 'USER':
      case 'PASS':
        if (code === 230) this.record.login = 'success';
        else if (code === 530 || (command.command === 'PASS' && code >= 400)) this.record.login = 'failure';
        break;
      case 'CWD':
      case 'XCWD':
        if (ok) this.record.cwd = resolvePath(this.record.cwd, command.argument);
        break;
      case 'CDUP':
      case 'XCUP':
        if (ok) this.record.cwd = resolvePath(this.record.cwd, '..');
        break;
      case 'PWD':
      case 'XPWD': {
        const quoted = /"((?:[^"]|"")*)"/.exec(text);
        if (code === 257 && quoted) this.record.cwd = quoted[1]!.replace(/""/g, '"');
        break;
      }
      case 'TYPE':
        if (ok) this.record.type = command.argument.trim().charAt(0).toUpperCase() || null;
        break;
      case 'SIZE': {
        const size = /^\s*(\d+)\s*$/.exec(text);
        if (code === 213 && size) this.lastSize = { path: command.argument, size: Number(size[1]) };
        break;
      }
      case 'PORT':
      case 'EPRT':
      case 'LPRT':
        if (code >= 400) this.refused(command);
        break;
    }
  }

  /**
   * The server refused an active setup: nobody will connect to it. A method of its own, as
   * a closure over `command` in answered() would make V8 give every call of it (one per
   * reply) a context to hold the command in, whatever the command (measured: 27 MB of the
   * small bench trace's allocation).
   */
  private refused(command: Command): void {
    const setups = this.record.setups;
    for (let i = setups.length - 1; i >= 0; i--) {
      if (setups[i]!.command === command) {
        setups[i]!.refused = true;
        return;
      }
    }
  }

  /** 227, 229 and 228 announce where the client should connect, whatever command they answer. */
  private passiveAnnouncement(command: Command | null, reply: ReplyRecord): void {
    let announcement: Announcement | null = null;
    if (reply.code === 227) announcement = parse227(reply.text);
    else if (reply.code === 229) announcement = parse229(reply.text);
    else if (reply.code === 228) announcement = parseLongAddress('LPSV', reply.text);
    if (announcement === null) return;
    const asked = command ?? new Command(announcement.kind, '', spanOf(reply.frames), reply.time, reply);
    if (command === null) {
      this.finding('ftp.reply.unsolicited-passive', 'note', `${reply.code} reply with no ${announcement.kind} command waiting for it`, reply.frames);
    }
    this.announce(asked, announcement, 'server', reply.frames);
  }

  private announce(command: Command, announcement: Announcement, by: 'client' | 'server', frames: FrameRef[]): void {
    command.pinned = true;
    const sender = by === 'client' ? this.controlClient : this.controlServer;
    const targetAddress = announcement.kind === 'EPSV' ? this.controlServer : announcement.address;
    const addressMismatch = announcement.address !== null && announcement.address !== sender;
    const setup: SetupRecord = {
      id: this.record.setups.length + 1,
      command,
      announcedBy: by,
      frames,
      time: this.now(),
      announcement,
      mode: modeOf(announcement.kind),
      targetAddress,
      targetPort: announcement.port,
      addressMismatch,
      privateBehindNat: addressMismatch && announcement.address !== null && isPrivateAddress(announcement.address) && !isPrivateAddress(sender),
      refused: false,
      connections: EMPTY,
      transfers: EMPTY,
    };
    this.record.setups = appended(this.record.setups, setup);
    const what = announcementLabel(announcement.kind);
    if (announcement.problems.length > 0) {
      this.finding(`ftp.setup.malformed`, 'warning', `${what} is malformed: ${announcement.problems.join('; ')}`, frames);
    }
    // The messages are joined, not templates: a template makes a tree of a string per piece,
    // and a finding lives as long as its session (every session of a NATed trace has one).
    if (setup.privateBehindNat) {
      this.finding('ftp.setup.private-address', 'warning', [
        what, ' announces the private address ', announcement.address, ' while the ', by, ' is ', sender,
        ': it sits behind NAT and nothing rewrote the text',
      ].join(''), frames);
    } else if (addressMismatch) {
      this.finding('ftp.setup.address-mismatch', 'note', [
        what, ' announces ', announcement.address, ', not the ', by, "'s own address ", sender,
        ' (NAT, a third party, or a bounce attempt)',
      ].join(''), frames);
    }
    this.hooks.setupAnnounced(this.record, setup);
  }

  private requestTransfer(command: Command): void {
    command.pinned = true;
    const setup = this.record.setups[this.record.setups.length - 1] ?? null;
    const transfer: TransferRecord = {
      id: this.record.transfers.length + 1,
      command,
      cwd: this.record.cwd,
      type: this.record.type,
      setup,
      dataConnection: null,
      match: null,
      expectedSize: this.lastSize !== null && this.lastSize.path === command.argument ? this.lastSize.size : null,
      direction: UPLOAD_COMMANDS.has(command.command) ? 'upload' : 'download',
    };
    this.record.transfers = appended(this.record.transfers, transfer);
    if (setup) setup.transfers = appended(setup.transfers, transfer);
    this.hooks.transferRequested(this.record, transfer);
  }

  private transferOf(command: Command): TransferRecord | undefined {
    return this.record.transfers.findLast((transfer) => transfer.command === command);
  }

  private startTls(frame: FrameRef, how: 'auth-tls' | 'implicit'): void {
    this.record.tls = { frame, how };
    this.encrypted = true;
    this.finding('ftp.tls', 'note',
      how === 'implicit'
        ? 'implicit FTPS (port 990): the control channel is encrypted, so neither ftpcap nor the kernel helper can read it'
        : 'AUTH TLS accepted: from here on the control channel is encrypted, so neither ftpcap nor the kernel helper can read PORT/PASV',
      [frame]);
  }
}

function modeOf(kind: Announcement['kind']): TransferMode {
  switch (kind) {
    case 'PORT': return 'active';
    case 'PASV': return 'passive';
    case 'EPRT': return 'extended-active';
    case 'EPSV': return 'extended-passive';
    case 'LPRT': return 'long-active';
    case 'LPSV': return 'long-passive';
  }
}

/** The working directory after a CWD, as far as the text tells (servers may resolve links differently). */
export function resolvePath(cwd: string | null, argument: string): string | null {
  const target = argument.trim();
  if (target.startsWith('/')) return normalize(target);
  if (cwd === null) return null;
  return normalize(`${cwd.endsWith('/') ? cwd : `${cwd}/`}${target}`);
}

function normalize(path: string): string {
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') parts.pop();
    else parts.push(part);
  }
  return `/${parts.join('/')}`;
}

/** One record, refilled per line: the caller keeps its fields, never the record. */
const splitLine: SplitCommand = { command: '', argument: '', known: false };

/** A command line cut in two (see splitCommandLine). */
export interface SplitCommand {
  command: string;
  argument: string;
  /** The word is a known FTP command (FTP_COMMANDS), and `command` the shared string for it. */
  known: boolean;
}

/**
 * A command line's upper-cased word (known words shared) and its argument, or null for a
 * blank line. The same as /^\s*(\S+)(?: (.*))?$/ (no match: the whole line is the word),
 * read without a regular expression for the usual line of printable ASCII and spaces.
 * `texts`, when the line came from it, gives the argument of a repeated line as made before.
 */
export function splitCommandLine(text: string, texts: LineTexts | null = null): SplitCommand | null {
  const length = text.length;
  let start = 0;
  while (start < length && text.charCodeAt(start) === 0x20) start++;
  let end = start;
  let lower = false;
  while (end < length) {
    const code = text.charCodeAt(end);
    if (code <= 0x20 || code >= 0x7f) break;
    if (code >= 0x61 && code <= 0x7a) lower = true;
    end++;
  }
  let argumentAt = -1;
  if (end === length) argumentAt = length;
  else if (text.charCodeAt(end) === 0x20 && end > start) {
    argumentAt = end + 1;
    for (let i = argumentAt; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code >= 0x7f) {
        argumentAt = -1;
        break;
      }
    }
  }
  if (argumentAt < 0) return splitOther(text);
  if (end === start) return null;
  const known = end - start <= 4 ? COMMAND_WORD_CODES.get(wordCode(text, start, end)) : undefined;
  if (known !== undefined) {
    splitLine.command = known;
    splitLine.known = true;
  } else {
    const word = start === 0 && end === length ? text : text.slice(start, end);
    const upper = lower ? word.toUpperCase() : word;
    const shared = COMMAND_WORDS.get(upper);
    splitLine.command = shared ?? upper;
    splitLine.known = shared !== undefined;
  }
  splitLine.argument = argumentAt >= length ? '' : texts !== null ? texts.suffix(text, argumentAt) : text.slice(argumentAt);
  return splitLine;
}

/**
 * text[start, end) (printable ASCII, at most 4 characters) upper-cased and packed 7 bits a
 * character: the same number for "noop", "Noop" and "NOOP", and a small integer.
 */
function wordCode(text: string, start: number, end: number): number {
  let code = 0;
  for (let i = start; i < end; i++) {
    const char = text.charCodeAt(i);
    code = (code << 7) | (char >= 0x61 && char <= 0x7a ? char - 0x20 : char);
  }
  return code;
}

/** Lines with tabs, control characters or non-ASCII text: the regular expression itself. */
function splitOther(text: string): SplitCommand | null {
  if (text.trim() === '') return null;
  const match = /^\s*(\S+)(?: (.*))?$/.exec(text);
  const upper = (match?.[1] ?? text).toUpperCase();
  const shared = COMMAND_WORDS.get(upper);
  splitLine.command = shared ?? upper;
  splitLine.known = shared !== undefined;
  splitLine.argument = match?.[2] ?? '';
  return splitLine;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length)}…`;
}

/** bytes[start, end) starts with 3–4 letters then a space or line end: how every FTP command line starts. */
function startsLikeCommand(bytes: Uint8Array, start: number, end: number): boolean {
  let letters = 0;
  while (start + letters < end && letters < 5 && isLetter(bytes[start + letters]!)) letters++;
  const next = start + letters < end ? bytes[start + letters] : undefined;
  return letters >= 3 && letters <= 4 && (next === 0x20 || next === 0x0d || next === 0x0a);
}

/** bytes[start, end) starts with three digits then a space or hyphen: how every reply line starts. */
function startsLikeReply(bytes: Uint8Array, start: number, end: number): boolean {
  return end - start >= 4 && isDigit(bytes[start]!) && isDigit(bytes[start + 1]!) && isDigit(bytes[start + 2]!) &&
    (bytes[start + 3] === 0x20 || bytes[start + 3] === 0x2d);
}

function isLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a);
}

function isDigit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}

/** Reply codes that answer one kind of command only (RFC 959 §4.2, RFC 2428, RFC 1639). */
function expectedOnlyFor(code: number): readonly string[] | null {
  switch (code) {
    case 227: return ['PASV'];
    case 229: return ['EPSV'];
    case 228: return ['LPSV'];
    case 257: return ['PWD', 'XPWD', 'MKD', 'XMKD'];
    case 331: case 332: return ['USER', 'PASS'];
    case 215: return ['SYST'];
    case 213: return ['SIZE', 'MDTM', 'STAT'];
    case 150: case 125: case 226: case 426: case 425: return ['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD', 'ABOR'];
    case 234: case 334: return ['AUTH'];
    case 350: return ['RNFR', 'REST'];
    default: return null;
  }
}

function replyFits(command: string, code: number): boolean {
  const only = expectedOnlyFor(code);
  return only === null || only.includes(command);
}
