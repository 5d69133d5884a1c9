/**
 * The FTP session model: what the dissector learned about each control session. Plain
 * records, filled in as lines arrive; the report stage turns them into output.
 */
import type { FrameRef } from '../findings.js';
import type { Connection } from '../tcp/types.js';
import type { CommandLog } from './command-log.js';
import type { Announcement } from './setup.js';

export interface ReplyRecord {
  code: number;
  /** The reply text: the first line after the code, then each further line of a multi-line reply. */
  text: string;
  /** Every line of a multi-line reply as received; NO_LINES (shared) for a one-line reply, whose text says it all. */
  lines: readonly string[];
  /** Every frame that carried a byte of it (a fresh list on each read: see Command). */
  readonly frames: FrameRef[];
  /** The first of them (0 when none), without making the list. */
  readonly frame: number;
  readonly fileIndex: number;
  /** Seconds since the epoch of the last frame of the reply. */
  time: number;
}

export const NO_LINES: readonly string[] = Object.freeze([]);

/** The empty preliminary list every command starts with: most get no 1xx reply, so they share one. */
export const NO_REPLIES: readonly ReplyRecord[] = Object.freeze([]);

export interface CommandRecord {
  /** Upper-cased command word, e.g. "RETR". */
  command: string;
  /** The rest of the line (masked for PASS unless credentials are shown). */
  argument: string;
  /** Every frame that carried a byte of it (a fresh list on each read: see Command). */
  readonly frames: FrameRef[];
  /** The first of them (0 when none), without making the list. */
  readonly frame: number;
  readonly fileIndex: number;
  /** The frame numbers alone. */
  frameNumbers(): number[];
  time: number;
  /** 1xx replies, in order; NO_REPLIES (shared, never pushed to) until the first. */
  preliminary: readonly ReplyRecord[];
  reply: ReplyRecord | null;
  /** A line without a reply code that answered this command in its place (a broken server). */
  invalidReply: string | null;
}

/**
 * Where a line, command or reply was: its first frame as two numbers (frame 0: none), the
 * rest (rare: a line split over segments) in a list. A trace keeps every command and reply
 * it saw, nearly all in one frame, and a list plus a FrameRef each would be more objects
 * per line for the garbage collector to carry; measured, carrying them cost more than
 * parsing the line did. Lists are made only when a report or finding asks (`frames`).
 */
export interface FrameSpan {
  readonly fileIndex: number;
  readonly frame: number;
  readonly more: readonly FrameRef[] | null;
}

/** The span of a frame list (the list's tail is kept, not copied). */
export function spanOf(frames: readonly FrameRef[]): FrameSpan {
  if (frames.length === 0) return { fileIndex: 0, frame: 0, more: null };
  return { fileIndex: frames[0]!.fileIndex, frame: frames[0]!.frame, more: frames.length > 1 ? frames.slice(1) : null };
}

/** A span as a list of its own. */
export function spanFrames(span: FrameSpan): FrameRef[] {
  if (span.frame === 0) return [];
  const first = { fileIndex: span.fileIndex, frame: span.frame };
  return span.more === null ? [first] : [first, ...span.more];
}

export class Reply implements ReplyRecord, FrameSpan {
  code: number;
  text: string;
  lines: readonly string[];
  time: number;
  readonly fileIndex: number;
  /** 0 when the reply came in no frame at all. */
  readonly frame: number;
  readonly more: readonly FrameRef[] | null;

  constructor(code: number, text: string, lines: readonly string[], span: FrameSpan, time: number) {
    this.code = code;
    this.text = text;
    this.lines = lines;
    this.time = time;
    this.fileIndex = span.fileIndex;
    this.frame = span.frame;
    this.more = span.more;
  }

  get frames(): FrameRef[] {
    return spanFrames(this);
  }

  /** In one frame (or none). */
  get singleFrame(): boolean {
    return this.more === null;
  }
}

export class Command implements CommandRecord, FrameSpan {
  // Set by reset(), which the constructor calls too.
  command!: string;
  argument!: string;
  time!: number;
  preliminary!: readonly ReplyRecord[];
  reply!: ReplyRecord | null;
  invalidReply!: string | null;
  /** A setup or transfer points at it: it stays an object (see CommandLog). */
  pinned!: boolean;
  /** Its row in the stage's CommandStore, as its CommandLog's push() gave it; -1 when not listed (caps, or made for a passive reply). */
  row!: number;
  // Not readonly only for reset(): nothing outside the command store changes them.
  fileIndex!: number;
  /** 0 when the command came in no frame at all. */
  frame!: number;
  more!: readonly FrameRef[] | null;

  constructor(command: string, argument: string, span: FrameSpan, time: number, reply: ReplyRecord | null = null) {
    this.reset(command, argument, span, time);
    this.reply = reply;
  }

  /** Made anew, as the constructor makes it with no reply: a command store reuses the object (see CommandStore.command). */
  reset(command: string, argument: string, span: FrameSpan, time: number): this {
    this.command = command;
    this.argument = argument;
    this.time = time;
    this.preliminary = NO_REPLIES;
    this.reply = null;
    this.invalidReply = null;
    this.pinned = false;
    this.row = -1;
    this.fileIndex = span.fileIndex;
    this.frame = span.frame;
    this.more = span.more;
    return this;
  }

  get frames(): FrameRef[] {
    return spanFrames(this);
  }

  frameNumbers(): number[] {
    if (this.frame === 0) return [];
    return this.more === null ? [this.frame] : [this.frame, ...this.more.map((ref) => ref.frame)];
  }

  /** In one frame (or none). */
  get singleFrame(): boolean {
    return this.more === null;
  }
}

export type TransferMode = 'active' | 'passive' | 'extended-active' | 'extended-passive' | 'long-active' | 'long-passive';

export interface SetupRecord {
  /** Per session, from 1. */
  id: number;
  /** The command that asked for the data connection (PORT, PASV, ...). */
  command: CommandRecord;
  /** For passive modes: the reply that announced the address (227, 229, 228). */
  announcedBy: 'client' | 'server';
  /** Frames of the announcing text: the command's (active) or the reply's (passive). */
  frames: FrameRef[];
  time: number;
  announcement: Announcement;
  mode: TransferMode;
  /** Address and port the data connection should go to (EPSV: the control server's address). */
  targetAddress: string | null;
  targetPort: number | null;
  /** The address other than the sender's own (NAT, a third party, or a spoofing attempt). */
  addressMismatch: boolean;
  /** The announced address is private (RFC 1918 / ULA) while the sender's is not. */
  privateBehindNat: boolean;
  /** The server refused the setup (PORT answered 5xx): nobody will connect. */
  refused: boolean;
  /** Data connections matched to this setup, in order of appearance (see lists.ts: replaced, not pushed to, while empty). */
  connections: readonly Connection[];
  /** Transfers that used it. */
  transfers: readonly TransferRecord[];
}

export interface TransferRecord {
  /** Per session, from 1. */
  id: number;
  command: CommandRecord;
  cwd: string | null;
  type: string | null;
  setup: SetupRecord | null;
  dataConnection: Connection | null;
  /**
   * How the data connection was matched: the exact announced endpoint, the port only (NAT
   * rewrote or the client ignored the address), or only the two hosts (the setup named no
   * usable endpoint; the first new connection between them while the transfer waited).
   */
  match: 'exact' | 'port-only' | 'hosts-only' | null;
  /** Expected size from "150 ... (N bytes)" or an earlier 213 SIZE reply. */
  expectedSize: number | null;
  /** Direction of the payload: download (server → client) or upload. */
  direction: 'download' | 'upload';
}

export interface SessionRecord {
  id: number;
  connection: Connection;
  evidence: string;
  user: string | null;
  /** Masked unless credentials are shown. */
  password: string | null;
  /** 'success' (230), 'failure' (530...), or null when no login was seen. */
  login: 'success' | 'failure' | null;
  /** The control channel went TLS (AUTH TLS/SSL + 234, or implicit FTPS on 990) at this frame. */
  tls: { frame: FrameRef; how: 'auth-tls' | 'implicit' } | null;
  greeting: ReplyRecord | null;
  /** Listed commands, in order sent (most folded into columns once answered). */
  commands: CommandLog;
  /** Every command the session sent, listed in `commands` or not (caps). */
  commandCount: number;
  /** Replies that answered no command (greeting, unsolicited 421, extra replies). Lists here start empty and shared (see lists.ts). */
  unsolicited: readonly ReplyRecord[];
  setups: readonly SetupRecord[];
  transfers: readonly TransferRecord[];
  cwd: string | null;
  type: string | null;
}
