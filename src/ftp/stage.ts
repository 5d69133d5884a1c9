/**
 * The FTP stage as the TCP table sees it: one observer per new connection. A connection
 * is a data connection (claimed by the linker, count-only from its first packet), a
 * control session (by port, or by content after a short sniff), or neither (count-only
 * as soon as that is clear, so its payload is never looked at again).
 */
import type { FindingSink } from '../findings.js';
import type { Connection, ConnectionObserver, Direction, Segment } from '../tcp/types.js';
import { CommandStore } from './command-log.js';
import { classifyFirstLines, isReplyLine, type FtpEvidence } from './detect.js';
import { Line, LineTexts } from './lines.js';
import { DataChannelLinker } from './linkage.js';
import { spanFrames, type FrameSpan, type SessionRecord } from './model.js';
import { FtpSession, type SessionHooks } from './session.js';
import type { SessionLifecycle } from './settle.js';

/** Bytes of each direction looked at before deciding a connection is not FTP. */
export const SNIFF_BYTES = 512;

export interface FtpStageOptions {
  /** Server ports treated as FTP control whatever the content. */
  controlPorts: readonly number[];
  showCredentials: boolean;
  findings: FindingSink;
  /** Commands listed in the sessions held at once; beyond, they are counted, not listed (default MAX_LISTED_COMMANDS). */
  maxListedCommands?: number;
  /** Hears of each session as it starts, gets its data connections and ends. */
  lifecycle: SessionLifecycle;
}

/**
 * Commands listed in the sessions held at once. A listed command is kept until its session
 * is reported (settled during the trace when a sink takes the sessions, else at the end),
 * so sessions that stay open, or a report kept whole in memory, would otherwise grow
 * without bound; sessions, setups, transfers and verdicts are still complete beyond it.
 */
export const MAX_LISTED_COMMANDS = 1_000_000;

interface SniffChunk {
  direction: Direction;
  bytes: Uint8Array | null;
  gap: number;
  fileIndex: number;
  frame: number;
}

export class FtpStage {
  readonly linker: DataChannelLinker;
  /** Sessions started so far (ids are 1-based, in order of appearance). */
  private started = 0;
  /** Connections that are FTP control sessions, and why; weak, as settled sessions are let go. */
  private readonly controls = new WeakMap<Connection, FtpEvidence>();
  private readonly controlPorts: ReadonlySet<number>;
  /** Listed commands in sessions not yet released. */
  private heldCommands = 0;
  private capNoted = false;
  private readonly maxListedCommands: number;
  /** One set of hooks for all sessions: a trace can hold many thousands of them at once. */
  private readonly hooks: SessionHooks;

  constructor(private readonly options: FtpStageOptions) {
    this.controlPorts = new Set(options.controlPorts);
    this.maxListedCommands = options.maxListedCommands ?? MAX_LISTED_COMMANDS;
    const lifecycle = options.lifecycle;
    const linker = (this.linker = new DataChannelLinker(options.findings, (session, connection) => lifecycle.claimed(session, connection)));
    this.hooks = {
      findings: options.findings,
      showCredentials: options.showCredentials,
      setupAnnounced: (record, setup) => linker.setupAnnounced(record, setup),
      transferRequested: (record, transfer) => linker.transferRequested(record, transfer),
      listCommand: (record, where) => this.listCommand(record, where),
      commands: new CommandStore(),
      texts: new LineTexts(),
      line: new Line(),
      ended: (record) => lifecycle.ended(record),
    };
  }

  /** The connection carries an FTP control session. */
  isControl(connection: Connection): boolean {
    return this.controls.has(connection);
  }

  /**
   * What the connection is to FTP, as the connection list says it: 'ftp-control:' and the
   * evidence, 'ftp-data:setup' for a claimed data connection, or null.
   */
  serviceOf(connection: Connection): string | null {
    const evidence = this.controls.get(connection);
    if (evidence !== undefined) return `ftp-control:${evidence}`;
    return this.linker.isClaimed(connection) ? 'ftp-data:setup' : null;
  }

  /**
   * The session is reported and nothing reads its records any more: its listed commands'
   * rows go back to the store, for sessions to come.
   */
  release(session: SessionRecord): void {
    this.heldCommands -= session.commands.length;
    session.commands.release();
  }

  private listCommand(session: SessionRecord, where: FrameSpan): boolean {
    if (this.heldCommands < this.maxListedCommands) {
      this.heldCommands++;
      return true;
    }
    if (!this.capNoted) {
      this.capNoted = true;
      this.options.findings({
        code: 'ftp.capture.commands-not-listed',
        severity: 'note',
        message: `more than ${this.maxListedCommands} listed commands held at once, in sessions not reported yet: later ones are analyzed (replies, setups, transfers, helper verdicts) but not listed in their sessions' commands`,
        frames: spanFrames(where),
        session: session.id,
        connection: session.connection.id,
      });
    }
    return false;
  }

  /** The observer for a new connection; `fallback` is what count-only connections keep. */
  observe(connection: Connection, fallback: ConnectionObserver | null): ConnectionObserver | null {
    if (this.linker.claim(connection)) return fallback;
    if (this.controlPorts.has(connection.server.port) || connection.server.port === 990) {
      return this.startSession(connection, 'port', fallback);
    }
    return this.sniff(connection, fallback);
  }

  private startSession(connection: Connection, evidence: FtpEvidence, fallback: ConnectionObserver | null): ConnectionObserver {
    const session = new FtpSession(++this.started, connection, evidence, this.hooks);
    this.controls.set(connection, evidence);
    this.options.lifecycle.started(session.record);
    return new SessionObserver(session, fallback);
  }

  private sniff(connection: Connection, fallback: ConnectionObserver | null): ConnectionObserver {
    const chunks: SniffChunk[] = [];
    const seen: [number, number] = [0, 0];
    const text: [string, string] = ['', ''];
    // Decide once: FTP (replay what was seen into a new session) or count-only.
    const settle = (conn: Connection, atEnd: boolean, current: SniffChunk | null): boolean => {
      const client = firstLine(text[0], atEnd);
      const server = firstLine(text[1], atEnd);
      const serverSpeaksOther = server !== null && !isReplyLine(server);
      const clientGaveUp = client === null && seen[0] >= SNIFF_BYTES;
      // A side that sent a full sniff window without a line feed is not speaking FTP.
      const serverGaveUp = server === null && seen[1] >= SNIFF_BYTES;
      const evidence = serverSpeaksOther ? null : classifyFirstLines(client, server);
      if (evidence !== null) {
        const observer = this.startSession(conn, evidence, fallback);
        conn.observer = observer;
        for (const chunk of chunks) {
          if (chunk.bytes) observer.stream!(conn, chunk.direction, chunk.bytes, 0, chunk.bytes.length, chunk.fileIndex, chunk.frame);
          else observer.gap!(conn, chunk.direction, chunk.gap);
        }
        if (current?.bytes) observer.stream!(conn, current.direction, current.bytes, 0, current.bytes.length, current.fileIndex, current.frame);
        if (atEnd) observer.end!(conn);
        return true;
      }
      if (!atEnd && client === null && !clientGaveUp && !serverSpeaksOther && !serverGaveUp) return false;
      conn.observer = fallback;
      if (atEnd) fallback?.end?.(conn);
      return true;
    };
    return {
      segment: forwardSegment(fallback),
      stream(conn: Connection, direction: Direction, buffer: Uint8Array, start: number, end: number, fileIndex: number, frame: number): void {
        // A view here is cheap enough: only a connection's first bytes are sniffed.
        const bytes = buffer.subarray(start, end);
        const take = Math.min(SNIFF_BYTES - seen[direction], bytes.length);
        seen[direction] += bytes.length;
        if (take > 0) text[direction] += latin1(bytes, take);
        if (settle(conn, false, { direction, bytes, gap: 0, fileIndex, frame })) return;
        // Copied: the view is valid only during this call, and a session may need it replayed.
        chunks.push({ direction, bytes: bytes.slice(), gap: 0, fileIndex, frame });
      },
      gap(_conn: Connection, direction: Direction, length: number): void {
        chunks.push({ direction, bytes: null, gap: length, fileIndex: 0, frame: 0 });
      },
      end(conn: Connection): void {
        settle(conn, true, null);
      },
    };
  }
}

/**
 * A session's view of its control connection. A class with the work in its methods, not
 * an object of closures: one is alive per open session, and thousands can be open at once.
 */
class SessionObserver implements ConnectionObserver {
  /** The segment view belongs to whoever else watches the connection (the helper model). */
  readonly segment: ConnectionObserver['segment'];

  constructor(
    private readonly session: FtpSession,
    readonly fallback: ConnectionObserver | null,
  ) {
    this.segment = fallback?.segment !== undefined ? forwardToFallback : undefined;
  }

  stream(conn: Connection, direction: Direction, buffer: Uint8Array, start: number, end: number, fileIndex: number, frame: number): void {
    this.session.data(direction, buffer, start, end, fileIndex, frame);
    // Encrypted from here on: stop paying for reassembly of bytes nobody can read.
    if (this.session.encrypted) conn.observer = endOnly(this.session, this.fallback);
  }

  gap(_conn: Connection, direction: Direction, length: number): void {
    this.session.gap(direction, length);
  }

  end(conn: Connection): void {
    this.session.end();
    this.fallback?.end?.(conn);
  }
}

/** SessionObserver's segment(): one function for all of them, reading the fallback through `this`. */
function forwardToFallback(this: SessionObserver, conn: Connection, segment: Segment): void {
  this.fallback!.segment!(conn, segment);
}

/** The segment view belongs to whoever else watches the connection (the helper model): pass it on. */
function forwardSegment(fallback: ConnectionObserver | null): ConnectionObserver['segment'] {
  const segment = fallback?.segment;
  return segment ? (conn, seg) => segment.call(fallback, conn, seg) : undefined;
}

function endOnly(session: FtpSession, fallback: ConnectionObserver | null): ConnectionObserver {
  return {
    segment: forwardSegment(fallback),
    end(conn: Connection): void {
      session.end();
      fallback?.end?.(conn);
    },
  };
}

/** The first line a side sent; at the end of the connection, whatever it sent. */
function firstLine(text: string, atEnd: boolean): string | null {
  const newline = text.indexOf('\n');
  if (newline >= 0) return text.slice(0, newline + 1);
  return atEnd && text.length > 0 ? text : null;
}

function latin1(bytes: Uint8Array, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += String.fromCharCode(bytes[i]!);
  return out;
}
