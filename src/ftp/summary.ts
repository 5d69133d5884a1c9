/**
 * Turns the FTP stage's live records into the plain report model, and, at the end of
 * the trace, reports what could not be linked: transfers with no data connection,
 * setups nobody used, and connections that look like data but match no setup.
 */
import type {
  CommandReport,
  DataConnectionReport,
  HelperVerdictReport,
  ReplyReport,
  SessionReport,
  SetupReport,
  Timestamp,
  TransferReport,
} from '../analysis.js';
import type { Finding, FindingSink } from '../findings.js';
import type { Connection, Endpoint } from '../tcp/types.js';
import { FoldedCommand, type CommandLog } from './command-log.js';
import type { CommandRecord, ReplyRecord, SessionRecord, SetupRecord, TransferRecord } from './model.js';
import { announcingReplyCode } from './setup.js';

export function endpointText(endpoint: Endpoint): string {
  return endpoint.ipVersion === 6 ? `[${endpoint.address}]:${endpoint.port}` : `${endpoint.address}:${endpoint.port}`;
}

function addressPort(address: string | null, port: number | null): string | null {
  if (address === null || port === null) return null;
  return address.includes(':') ? `[${address}]:${port}` : `${address}:${port}`;
}

export function timestampOf(seconds: number): Timestamp {
  const sec = Math.floor(seconds);
  let nsec = Math.round((seconds - sec) * 1e6) * 1000;
  if (nsec >= 1e9) nsec = 1e9 - 1000;
  return { sec, nsec };
}

function replyReport(reply: ReplyRecord, since: number | null): ReplyReport {
  return {
    code: reply.code,
    text: reply.text,
    fileIndex: reply.fileIndex,
    frame: reply.frame,
    responseTime: responseTime(reply, since),
  };
}

/** Seconds from `since` (the command's time; null for replies to no command) to the reply. */
export function responseTime(reply: ReplyRecord, since: number | null): number | null {
  return since === null ? null : microseconds(Math.max(0, reply.time - since));
}

/** Shared by every command without a 1xx reply (most of them). */
const NO_REPLY_REPORTS: readonly ReplyReport[] = Object.freeze([]);

function commandReport(command: CommandRecord): CommandReport {
  return {
    fileIndex: command.fileIndex,
    frame: command.frame,
    frames: command.frameNumbers(),
    time: command.time,
    command: command.command,
    argument: command.argument,
    reply: command.reply ? replyReport(command.reply, command.time) : null,
    preliminary: command.preliminary.length === 0 ? NO_REPLY_REPORTS : command.preliminary.map((reply) => replyReport(reply, command.time)),
    invalidReply: command.invalidReply,
  };
}

function setupReport(setup: SetupRecord): SetupReport {
  const frame = setup.frames[0] ?? { fileIndex: 0, frame: 0 };
  const passive = setup.announcedBy === 'server';
  return {
    id: setup.id,
    fileIndex: frame.fileIndex,
    frame: frame.frame,
    command: setup.command.command,
    replyCode: passive ? announcingReplyCode(setup.announcement.kind) : null,
    mode: setup.mode,
    address: setup.announcement.address,
    port: setup.announcement.port,
    target: addressPort(setup.targetAddress, setup.targetPort),
    wellFormed: setup.announcement.problems.length === 0,
    problems: setup.announcement.problems,
    addressMismatch: setup.addressMismatch,
    privateBehindNat: setup.privateBehindNat,
    refused: setup.refused,
    connections: setup.connections.map((connection) => connection.id),
  };
}

function dataReport(transfer: TransferRecord): DataConnectionReport | null {
  const connection = transfer.dataConnection;
  if (connection === null) return null;
  const [a, b] = connection.stats;
  return {
    capturedBytes: a.bytes + b.bytes,
    missingBytes: a.missingBytes + b.missingBytes,
    retransmittedBytes: a.retransmittedBytes + b.retransmittedBytes,
    connection: connection.id,
    client: endpointText(connection.client),
    server: endpointText(connection.server),
    fileIndex: connection.firstFileIndex,
    firstFrame: connection.firstFrame,
    lastFileIndex: connection.lastFileIndex,
    lastFrame: connection.lastFrame,
    end: connection.end,
    match: transfer.match,
  };
}

/**
 * Payload bytes the transfer moved: what the sending side of the data connection sent,
 * counted in sequence space, so bytes the capture missed (a sliced trace, loss at the
 * capture point) still count as carried.
 */
function transferBytes(transfer: TransferRecord, session: SessionRecord): number | null {
  const connection = transfer.dataConnection;
  if (connection === null) return null;
  const serverHostIsInitiator = connection.client.address === session.connection.server.address &&
    connection.server.address !== session.connection.server.address;
  const senderIsInitiator = transfer.direction === 'download' ? serverHostIsInitiator : !serverHostIsInitiator;
  const [fromInitiator, fromAcceptor] = connection.stats;
  const carried = (stats: typeof fromInitiator): number => stats.bytes + stats.missingBytes;
  const bytes = carried(senderIsInitiator ? fromInitiator : fromAcceptor);
  // Unknown orientation (both NAT'd): the busier side is the one that carried the file.
  return bytes > 0 ? bytes : Math.max(carried(fromInitiator), carried(fromAcceptor));
}

function transferStatus(transfer: TransferRecord, bytes: number | null): { status: string; complete: boolean } {
  const reply = transfer.command.reply;
  if (reply === null) return { status: transfer.dataConnection ? 'no-reply' : 'no-data-connection', complete: false };
  if (reply.code === 425) return { status: transfer.dataConnection ? 'data-connection-failed' : 'no-data-connection', complete: false };
  if (reply.code === 426) return { status: 'aborted', complete: false };
  if (reply.code >= 400) return { status: 'failed', complete: false };
  const connection = transfer.dataConnection;
  const sizeOk = transfer.expectedSize === null || bytes === transfer.expectedSize;
  const closedCleanly = connection !== null && (connection.end === 'fin' || connection.end === 'half-closed');
  const complete = (reply.code === 226 || reply.code === 250) && closedCleanly && sizeOk;
  if (complete) return { status: 'ok', complete };
  if (connection === null) return { status: 'no-data-connection', complete: false };
  return { status: sizeOk ? 'unclean-close' : 'short', complete: false };
}

/** How the report stage learns each transfer's helper verdict (the helper stage comes after this one). */
export type HelperVerdictLookup = (transfer: TransferRecord) => HelperVerdictReport | null;

function transferReport(transfer: TransferRecord, session: SessionRecord, helperOf: HelperVerdictLookup): TransferReport {
  const bytes = transferBytes(transfer, session);
  const connection = transfer.dataConnection;
  const duration = connection ? microseconds(connection.lastTime - connection.firstTime) : null;
  const { status, complete } = transferStatus(transfer, bytes);
  return {
    id: transfer.id,
    session: session.id,
    fileIndex: transfer.command.fileIndex,
    frame: transfer.command.frame,
    command: transfer.command.command,
    argument: transfer.command.argument,
    cwd: transfer.cwd,
    type: transfer.type,
    mode: transfer.setup?.mode ?? null,
    setup: transfer.setup ? setupReport(transfer.setup) : null,
    data: dataReport(transfer),
    bytes,
    expectedSize: transfer.expectedSize,
    duration,
    rate: duration !== null && duration > 0 && bytes !== null ? bytes / duration : null,
    reply: transfer.command.reply ? replyReport(transfer.command.reply, transfer.command.time) : null,
    status,
    complete,
    helper: helperOf(transfer),
  };
}

export function sessionReport(session: SessionRecord, helperOf: HelperVerdictLookup = () => null): SessionReport {
  const connection = session.connection;
  const commands = session.commands;
  const report: SessionReport = {
    id: session.id,
    connection: connection.id,
    client: endpointText(connection.client),
    server: endpointText(connection.server),
    evidence: session.evidence,
    fileIndex: connection.firstFileIndex,
    firstFrame: connection.firstFrame,
    lastFileIndex: connection.lastFileIndex,
    lastFrame: connection.lastFrame,
    start: timestampOf(connection.firstTime),
    end: timestampOf(connection.lastTime),
    user: session.user,
    password: session.password,
    login: session.login,
    tls: session.tls ? { fileIndex: session.tls.frame.fileIndex, frame: session.tls.frame.frame, how: session.tls.how } : null,
    greeting: session.greeting ? replyReport(session.greeting, null) : null,
  } as SessionReport;
  // `commands` is built when read, not kept: a trace of many sessions would otherwise hold
  // every command twice (record and report) until the end; a renderer reads one session's at
  // a time. The getter is one shared descriptor defined on a literal without accessors: a
  // getter written in the literal (or one made per report) put every report in V8's slow
  // dictionary mode, about 28 MB more allocation on the small bench trace and a hash lookup
  // per field read. The fields after it are assigned in order, so they keep theirs.
  Object.defineProperty(report, 'commands', COMMANDS);
  report.commandCount = session.commandCount;
  report.unsolicited = session.unsolicited.map((reply) => replyReport(reply, null));
  report.setups = session.setups.map(setupReport);
  report.transfers = session.transfers.map((transfer) => transferReport(transfer, session, helperOf));
  report.cwd = session.cwd;
  // For forEachCommand() and the getter; not enumerable, so the report's fields stay those analysis.ts lists.
  Object.defineProperty(report, COMMAND_LOG, { value: commands });
  return report;
}

/** The `commands` of every report sessionReport() makes (see there). */
const COMMANDS: PropertyDescriptor = {
  get(this: { [COMMAND_LOG]: CommandLog }): CommandReport[] {
    return this[COMMAND_LOG].map(commandReport);
  },
  enumerable: true,
};

/** The commands of a session, by index (a CommandLog). */
interface CommandList {
  readonly length: number;
  at(index: number, into?: FoldedCommand): CommandRecord;
}

/** Where a report made by sessionReport() keeps its session's command list. */
const COMMAND_LOG = Symbol('command log');

/**
 * Shows a session's listed commands to `visit` one at a time, in order, as the reports
 * `session.commands` would hold, without making them: a renderer of a trace of many short
 * sessions reads hundreds of thousands of commands, and making a CommandReport, a
 * ReplyReport and a frame list for each, only to write them out and drop them, cost about
 * as much as writing the text. The report shown is a view of the command's record, reused
 * for the next command: it is valid only during the call (copy what must be kept).
 *
 * With `visitPlain`, the plain commands (folded rows: one frame, a final reply in one frame,
 * no 1xx reply, no invalid reply; see CommandLog.fold), nearly all of a trace's, go there as
 * the record itself, also reused: a writer reads its fields without the view's getters,
 * and learns that `frames` has one frame at most without making the list.
 */
export function forEachCommand(
  session: SessionReport,
  visit: (command: CommandReport) => void,
  visitPlain?: (command: FoldedCommand) => void,
): void {
  const log = (session as { [COMMAND_LOG]?: CommandList })[COMMAND_LOG];
  if (log === undefined) {
    // A report made elsewhere (a test's): its commands are plain reports already.
    for (const command of session.commands) visit(command);
    return;
  }
  const view = new CommandView();
  const folded = new FoldedCommand();
  for (let index = 0; index < log.length; index++) {
    const record = log.at(index, folded);
    if (record === folded && visitPlain !== undefined) visitPlain(folded);
    else visit(view.show(record));
  }
}

/** A command record read as its CommandReport (what commandReport() would make), field by field. */
class CommandView implements CommandReport {
  private record: CommandRecord | null = null;
  private readonly replyView = new ReplyView();

  show(record: CommandRecord): this {
    this.record = record;
    return this;
  }

  private get shown(): CommandRecord {
    if (this.record === null) throw new Error('CommandView read before show()');
    return this.record;
  }

  get fileIndex(): number {
    return this.shown.fileIndex;
  }

  get frame(): number {
    return this.shown.frame;
  }

  get frames(): number[] {
    return this.shown.frameNumbers();
  }

  get time(): number {
    return this.shown.time;
  }

  get command(): string {
    return this.shown.command;
  }

  get argument(): string {
    return this.shown.argument;
  }

  get reply(): ReplyReport | null {
    const command = this.shown;
    return command.reply === null ? null : this.replyView.show(command.reply, command.time);
  }

  get preliminary(): readonly ReplyReport[] {
    const command = this.shown;
    // 1xx replies are few: those get reports of their own.
    return command.preliminary.length === 0 ? NO_REPLY_REPORTS : command.preliminary.map((reply) => replyReport(reply, command.time));
  }

  get invalidReply(): string | null {
    return this.shown.invalidReply;
  }
}

/** A reply record read as its ReplyReport (what replyReport() would make). */
class ReplyView implements ReplyReport {
  private reply: ReplyRecord | null = null;
  private since: number | null = null;

  show(reply: ReplyRecord, since: number | null): this {
    this.reply = reply;
    this.since = since;
    return this;
  }

  private get shown(): ReplyRecord {
    if (this.reply === null) throw new Error('ReplyView read before show()');
    return this.reply;
  }

  get code(): number {
    return this.shown.code;
  }

  get text(): string {
    return this.shown.text;
  }

  get fileIndex(): number {
    return this.shown.fileIndex;
  }

  get frame(): number {
    return this.shown.frame;
  }

  get responseTime(): number | null {
    return responseTime(this.shown, this.since);
  }
}

/**
 * A settled session's findings about linkage: transfers that got no data connection, and
 * setups nothing used.
 */
export function sessionLinkageFindings(session: SessionRecord, emit: FindingSink): void {
  for (const transfer of session.transfers) {
    if (transfer.dataConnection !== null) continue;
    const reply = transfer.command.reply;
    const why = transfer.setup === null
      ? 'no PORT/PASV/EPRT/EPSV came before it'
      : transfer.setup.announcement.port === null
        ? 'its setup announced no readable port'
        : `nothing connected to ${addressPort(transfer.setup.targetAddress, transfer.setup.targetPort)}`;
    const frames = [...transfer.command.frames, ...(reply ? reply.frames.slice(0, 1) : [])];
    emit(finding(session, 'ftp.transfer.no-data-connection', reply && reply.code >= 400 ? 'error' : 'warning',
      `${transfer.command.command} ${transfer.command.argument}: no data connection in the trace (${why})` +
        (reply ? `; the server replied ${reply.code} ${reply.text}` : ''), frames));
  }
  for (const setup of session.setups) {
    if (setup.connections.length > 0 || setup.refused || setup.transfers.length > 0) continue;
    emit(finding(session, 'ftp.setup.unused', 'info',
      `${setup.command.command} announced ${addressPort(setup.targetAddress, setup.targetPort) ?? 'nothing readable'}, and no transfer or connection used it`, setup.frames));
  }
}

/**
 * A connection between the session's hosts, opened while it lived, that no setup claimed
 * and that is no control connection (see SessionSettler.opened): likely data the trace
 * cannot tie to a command.
 */
export function lookalikeFinding(connection: Connection, session: SessionRecord): Finding {
  return finding(session, 'ftp.data.unlinked', 'warning',
    `connection ${endpointText(connection.client)} → ${endpointText(connection.server)} looks like FTP data but matches no setup: ${nearestCandidate(connection, session)}`,
    [{ fileIndex: connection.firstFileIndex, frame: connection.firstFrame }], connection.id);
}

function nearestCandidate(connection: Connection, session: SessionRecord): string {
  const setups = session.setups.filter((setup) => setup.time <= connection.firstTime && setup.targetPort !== null);
  if (setups.length === 0) return 'the session announced no data endpoint before it opened';
  const nearest = setups.reduce((best, setup) =>
    Math.abs(setup.targetPort! - connection.server.port) < Math.abs(best.targetPort! - connection.server.port) ? setup : best);
  const target = addressPort(nearest.targetAddress, nearest.targetPort);
  const frame = nearest.frames[0]?.frame ?? 0;
  if (nearest.refused) return `the nearest setup (${nearest.command.command} in frame ${frame}, ${target}) was refused by the server`;
  if (nearest.targetPort !== connection.server.port) {
    return `the nearest setup (${nearest.command.command} in frame ${frame}) announced ${target}, the connection went to port ${connection.server.port}`;
  }
  return `the nearest setup (${nearest.command.command} in frame ${frame}) announced ${target}, the connection went to ${endpointText(connection.server)} from ${endpointText(connection.client)}`;
}

function finding(session: SessionRecord, code: string, severity: Finding['severity'], message: string, frames: Finding['frames'], connection?: number): Finding {
  return { code, severity, message, frames, session: session.id, ...(connection !== undefined ? { connection } : {}) };
}

/** Seconds rounded to the microsecond: float sums of epoch times carry noise below that. */
function microseconds(seconds: number): number {
  return Math.round(seconds * 1e6) / 1e6;
}
