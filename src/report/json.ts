import type { Analysis, CaptureReport, CommandReport, ConnectionReport, HelperReport, ReplyReport, SessionReport, SetupReport, TransferReport } from '../analysis.js';
import type { Finding } from '../findings.js';
import type { FoldedCommand } from '../ftp/command-log.js';
import { forEachCommand, responseTime } from '../ftp/summary.js';
import { epochSeconds, isoTime } from './format.js';
import { writeDrop, writeExpectation, writeIgnored, writeRewrite } from './helper-json.js';
import { analysisTexts, type FilePaths, type HelperTexts, type ListTexts, type ReportTexts } from './session-texts.js';
import { asciiBytes, TextBuilder } from './text-builder.js';

/**
 * Plain objects with stable field names (the JSON contract). A frame is always the
 * Wireshark frame number; when several files were read, `file` names the one it is in.
 */
export function captureJson(capture: CaptureReport): object {
  return {
    files: capture.files.map((file) => ({
      path: file.path,
      format: file.format,
      compression: file.compression,
      linkTypes: file.linkTypes,
      frames: file.frames,
      bytes: file.bytes,
      first: isoTime(file.first),
      last: isoTime(file.last),
      ...(file.comments.length > 0 ? { comments: file.comments } : {}),
      error: file.error,
    })),
    formats: capture.formats,
    linkTypes: capture.linkTypes,
    frames: capture.frames,
    bytes: capture.bytes,
    first: isoTime(capture.first),
    last: isoTime(capture.last),
    firstEpoch: capture.first ? epochSeconds(capture.first) : null,
    lastEpoch: capture.last ? epochSeconds(capture.last) : null,
    durationSeconds: capture.first && capture.last
      ? (capture.last.sec - capture.first.sec) + (capture.last.nsec - capture.first.nsec) / 1e9
      : 0,
  };
}

/**
 * Which file a frame is in, named only in multi-file runs. A field whose value is
 * undefined is left out by JSON.stringify, so the objects below keep one shape (and their
 * member order) without spreading a fresh object per field.
 */
function filePath(fileIndex: number, files: FilePaths): string | undefined {
  return files.length > 1 ? files[fileIndex] : undefined;
}

/** A connection as an object: the reference for connectionText(), which writes the same text. */
export function connectionJson(connection: ConnectionReport, files: FilePaths): object {
  return {
    id: connection.id,
    client: connection.client,
    server: connection.server,
    roleEvidence: connection.roleEvidence,
    file: filePath(connection.fileIndex, files),
    firstFrame: connection.firstFrame,
    lastFrame: connection.lastFrame,
    lastFile: filePath(connection.lastFileIndex, files),
    start: isoTime(connection.first),
    end: isoTime(connection.last),
    handshake: connection.handshake,
    state: connection.end,
    segments: { client: connection.segments[0], server: connection.segments[1] },
    bytes: { client: connection.bytes[0], server: connection.bytes[1] },
    retransmittedBytes: { client: connection.retransmittedBytes[0], server: connection.retransmittedBytes[1] },
    missingBytes: { client: connection.missingBytes[0], server: connection.missingBytes[1] },
    service: connection.service,
    serviceEvidence: connection.serviceEvidence,
  };
}

/**
 * Writes a connection's JSON text, as JSON.stringify(connectionJson(connection)) writes it,
 * `open` in place of the opening brace (an ndjson line's type goes there). By hand for the
 * same reason as writeCommand(): a trace lists up to 100,000 connections, and their five
 * objects each and stringify's walk over them were a tenth of the report's time.
 */
export function writeConnection(out: TextBuilder, connection: ConnectionReport, files: FilePaths, open = '{'): void {
  out.ascii(open);
  out.bytes(CONNECTION.id);
  out.jsonNumber(connection.id);
  out.bytes(CONNECTION.client);
  out.jsonString(connection.client);
  out.bytes(CONNECTION.server);
  out.jsonString(connection.server);
  out.bytes(CONNECTION.roleEvidence);
  out.jsonString(connection.roleEvidence);
  writeFile(out, 'file', connection.fileIndex, files);
  out.bytes(CONNECTION.firstFrame);
  out.jsonNumber(connection.firstFrame);
  out.bytes(CONNECTION.lastFrame);
  out.jsonNumber(connection.lastFrame);
  writeFile(out, 'lastFile', connection.lastFileIndex, files);
  out.bytes(CONNECTION.start);
  out.jsonIsoTime(connection.first);
  out.bytes(CONNECTION.end);
  out.jsonIsoTime(connection.last);
  out.bytes(CONNECTION.handshake);
  out.jsonBoolean(connection.handshake);
  out.bytes(CONNECTION.state);
  out.jsonString(connection.end);
  writeSides(out, CONNECTION.segments, connection.segments);
  writeSides(out, CONNECTION.bytes, connection.bytes);
  writeSides(out, CONNECTION.retransmittedBytes, connection.retransmittedBytes);
  writeSides(out, CONNECTION.missingBytes, connection.missingBytes);
  out.bytes(CONNECTION.service);
  out.jsonNullableString(connection.service);
  out.bytes(CONNECTION.serviceEvidence);
  out.jsonNullableString(connection.serviceEvidence);
  out.ascii('}');
}

/**
 * The fixed pieces of a connection's text, encoded once: a trace lists up to 100,000
 * connections, and bytes() copies these faster than ascii() reads a string's characters.
 */
const CONNECTION = {
  id: asciiBytes('"id":'),
  client: asciiBytes(',"client":'),
  server: asciiBytes(',"server":'),
  roleEvidence: asciiBytes(',"roleEvidence":'),
  firstFrame: asciiBytes(',"firstFrame":'),
  lastFrame: asciiBytes(',"lastFrame":'),
  start: asciiBytes(',"start":'),
  end: asciiBytes(',"end":'),
  handshake: asciiBytes(',"handshake":'),
  state: asciiBytes(',"state":'),
  /** A [client, server] pair's member, up to the client's number; after the first, closing the pair before it. */
  segments: asciiBytes(',"segments":{"client":'),
  bytes: asciiBytes('},"bytes":{"client":'),
  retransmittedBytes: asciiBytes('},"retransmittedBytes":{"client":'),
  missingBytes: asciiBytes('},"missingBytes":{"client":'),
  /** Between a pair's client and server numbers. */
  sideServer: asciiBytes(',"server":'),
  service: asciiBytes('},"service":'),
  serviceEvidence: asciiBytes(',"serviceEvidence":'),
};

export function connectionText(connection: ConnectionReport, files: FilePaths): string {
  return textOf((out) => writeConnection(out, connection, files));
}

/**
 * A [client, server] pair as a member `{ client, server }`, `lead` being its name and what
 * goes before the client's number (one of CONNECTION's pair pieces). The closing brace
 * goes with what follows: the next pair's lead, or CONNECTION.service, begin with it.
 */
function writeSides(out: TextBuilder, lead: Uint8Array, sides: readonly [number, number]): void {
  out.bytes(lead);
  out.jsonNumber(sides[0]);
  out.bytes(CONNECTION.sideServer);
  out.jsonNumber(sides[1]);
}

/** A text made by `write`, as a string (for callers that want one; the reports write into a reused builder). */
function textOf(write: (out: TextBuilder) => void): string {
  const out = new TextBuilder(256);
  write(out);
  return out.toString();
}

export function replyJson(reply: ReplyReport | null, files: FilePaths): object | null {
  if (reply === null) return null;
  return { code: reply.code, text: reply.text, frame: reply.frame, file: filePath(reply.fileIndex, files), responseTime: reply.responseTime };
}

/** A setup as an object: the reference for writeSetup(), which writes the same text. */
export function setupJson(setup: SetupReport, files: FilePaths): object {
  return {
    id: setup.id,
    frame: setup.frame,
    file: filePath(setup.fileIndex, files),
    command: setup.command,
    replyCode: setup.replyCode,
    mode: setup.mode,
    address: setup.address,
    port: setup.port,
    target: setup.target,
    wellFormed: setup.wellFormed,
    problems: setup.problems,
    addressMismatch: setup.addressMismatch,
    privateBehindNat: setup.privateBehindNat,
    refused: setup.refused,
    connections: setup.connections,
  };
}

export function transferJson(transfer: TransferReport, files: FilePaths): object {
  return {
    id: transfer.id,
    session: transfer.session,
    helper: transfer.helper,
    frame: transfer.frame,
    file: filePath(transfer.fileIndex, files),
    command: transfer.command,
    argument: transfer.argument,
    cwd: transfer.cwd,
    dataType: transfer.type,
    mode: transfer.mode,
    setup: transfer.setup ? setupJson(transfer.setup, files) : null,
    announced: transfer.setup?.target ?? null,
    data: transfer.data
      ? {
          connection: transfer.data.connection,
          client: transfer.data.client,
          server: transfer.data.server,
          firstFrame: transfer.data.firstFrame,
          lastFrame: transfer.data.lastFrame,
          file: filePath(transfer.data.fileIndex, files),
          lastFile: filePath(transfer.data.lastFileIndex, files),
          end: transfer.data.end,
          match: transfer.data.match,
          capturedBytes: transfer.data.capturedBytes,
          missingBytes: transfer.data.missingBytes,
          retransmittedBytes: transfer.data.retransmittedBytes,
        }
      : null,
    bytes: transfer.bytes,
    expectedSize: transfer.expectedSize,
    duration: transfer.duration,
    rate: transfer.rate,
    reply: replyJson(transfer.reply, files),
    status: transfer.status,
    complete: transfer.complete,
  };
}

/** A listed command as an object: the reference for commandText(), which writes the same text. */
export function commandJson(command: CommandReport, files: FilePaths): object {
  return {
    frame: command.frame,
    frames: command.frames.length > 1 ? command.frames : undefined,
    file: filePath(command.fileIndex, files),
    command: command.command,
    argument: command.argument,
    reply: replyJson(command.reply, files),
    preliminary: command.preliminary.map((reply) => replyJson(reply, files)),
    invalidReply: command.invalidReply ?? undefined,
  };
}

/**
 * A session as an object: the reference for sessionText(), which writes the same text (the
 * JSON renderers use that). `findings` are the session's own, in Analysis.findings order.
 */
export function sessionJson(session: SessionReport, findings: readonly Finding[], files: FilePaths): object {
  return {
    id: session.id,
    connection: session.connection,
    client: session.client,
    server: session.server,
    evidence: session.evidence,
    file: filePath(session.fileIndex, files),
    firstFrame: session.firstFrame,
    lastFrame: session.lastFrame,
    lastFile: filePath(session.lastFileIndex, files),
    start: isoTime(session.start),
    end: isoTime(session.end),
    user: session.user,
    password: session.password,
    login: session.login,
    tls: session.tls ? { frame: session.tls.frame, how: session.tls.how } : false,
    cwd: session.cwd,
    greeting: replyJson(session.greeting, files),
    commands: session.commands.map((command) => commandJson(command, files)),
    unsolicited: session.unsolicited.map((reply) => replyJson(reply, files)),
    setups: session.setups.map((setup) => setupJson(setup, files)),
    transfers: session.transfers.map((transfer) => transferJson(transfer, files)),
    findings: findings.map((finding) => findingJson(finding, files)),
  };
}

/**
 * Writes a session's JSON text, equal to JSON.stringify(sessionJson(...)); as a 'record',
 * that of its ndjson line's object ({ type: 'session', ...session } without transfers, which
 * get lines of their own). Written by hand, with JSON.stringify only for transfers (few): on
 * traces of many short sessions, making an object per member, command and reply only for
 * stringify to walk them cost more than the rest of the report.
 */
export function writeSession(
  out: TextBuilder,
  session: SessionReport,
  findings: readonly Finding[],
  files: FilePaths,
  form: 'document' | 'record' = 'document',
): void {
  out.ascii(form === 'record' ? '{"type":"session",' : '{');
  writeSessionHead(out, session, files);
  out.ascii(',"commands":[');
  let first = true;
  forEachCommand(session, (command) => {
    if (!first) out.ascii(',');
    writeCommand(out, command, files);
    first = false;
  }, (command) => {
    if (!first) out.ascii(',');
    writePlainCommand(out, command, files);
    first = false;
  });
  out.ascii('],"unsolicited":');
  writeReplies(out, session.unsolicited, files);
  out.ascii(',"setups":[');
  for (let index = 0; index < session.setups.length; index++) {
    if (index > 0) out.ascii(',');
    writeSetup(out, session.setups[index]!, files);
  }
  out.ascii(']');
  if (form === 'document') {
    out.ascii(',"transfers":[');
    for (let index = 0; index < session.transfers.length; index++) {
      if (index > 0) out.ascii(',');
      out.text(JSON.stringify(transferJson(session.transfers[index]!, files)));
    }
    out.ascii(']');
  }
  out.ascii(',"findings":[');
  for (let index = 0; index < findings.length; index++) {
    if (index > 0) out.ascii(',');
    writeFinding(out, findings[index]!, files);
  }
  out.ascii(']}');
}

export function sessionText(session: SessionReport, findings: readonly Finding[], files: FilePaths, form: 'document' | 'record' = 'document'): string {
  return textOf((out) => writeSession(out, session, findings, files, form));
}

/** A session's members before `commands` (as sessionJson has them), without the braces. */
function writeSessionHead(out: TextBuilder, session: SessionReport, files: FilePaths): void {
  out.bytes(SESSION.id);
  out.jsonNumber(session.id);
  out.bytes(SESSION.connection);
  out.jsonNumber(session.connection);
  out.bytes(SESSION.client);
  out.jsonString(session.client);
  out.bytes(SESSION.server);
  out.jsonString(session.server);
  out.bytes(SESSION.evidence);
  out.jsonString(session.evidence);
  writeFile(out, 'file', session.fileIndex, files);
  out.bytes(SESSION.firstFrame);
  out.jsonNumber(session.firstFrame);
  out.bytes(SESSION.lastFrame);
  out.jsonNumber(session.lastFrame);
  writeFile(out, 'lastFile', session.lastFileIndex, files);
  out.bytes(SESSION.start);
  out.jsonIsoTime(session.start);
  out.bytes(SESSION.end);
  out.jsonIsoTime(session.end);
  out.bytes(SESSION.user);
  out.jsonNullableString(session.user);
  out.bytes(SESSION.password);
  out.jsonNullableString(session.password);
  out.bytes(SESSION.login);
  out.jsonNullableString(session.login);
  out.bytes(SESSION.tls);
  if (session.tls) {
    out.bytes(SESSION.frame);
    out.jsonNumber(session.tls.frame);
    out.bytes(SESSION.how);
    out.jsonString(session.tls.how);
    out.ascii('}');
  } else out.ascii('false');
  out.bytes(SESSION.cwd);
  out.jsonNullableString(session.cwd);
  out.bytes(SESSION.greeting);
  writeReply(out, session.greeting, files);
}

/** The fixed pieces of a session's members before `commands` (see writeSessionHead). */
const SESSION = {
  id: asciiBytes('"id":'),
  connection: asciiBytes(',"connection":'),
  client: asciiBytes(',"client":'),
  server: asciiBytes(',"server":'),
  evidence: asciiBytes(',"evidence":'),
  firstFrame: asciiBytes(',"firstFrame":'),
  lastFrame: asciiBytes(',"lastFrame":'),
  start: asciiBytes(',"start":'),
  end: asciiBytes(',"end":'),
  user: asciiBytes(',"user":'),
  password: asciiBytes(',"password":'),
  login: asciiBytes(',"login":'),
  tls: asciiBytes(',"tls":'),
  frame: asciiBytes('{"frame":'),
  how: asciiBytes(',"how":'),
  cwd: asciiBytes(',"cwd":'),
  greeting: asciiBytes(',"greeting":'),
};

/** JSON.stringify(setupJson(setup)), written by hand. */
function writeSetup(out: TextBuilder, setup: SetupReport, files: FilePaths): void {
  out.bytes(SETUP.id);
  out.jsonNumber(setup.id);
  out.bytes(SETUP.frame);
  out.jsonNumber(setup.frame);
  writeFile(out, 'file', setup.fileIndex, files);
  out.bytes(SETUP.command);
  out.jsonString(setup.command);
  out.bytes(SETUP.replyCode);
  out.jsonNumber(setup.replyCode);
  out.bytes(SETUP.mode);
  out.jsonString(setup.mode);
  out.bytes(SETUP.address);
  out.jsonNullableString(setup.address);
  out.bytes(SETUP.port);
  out.jsonNumber(setup.port);
  out.bytes(SETUP.target);
  out.jsonNullableString(setup.target);
  out.bytes(SETUP.wellFormed);
  out.jsonBoolean(setup.wellFormed);
  out.bytes(SETUP.problems);
  for (let index = 0; index < setup.problems.length; index++) {
    if (index > 0) out.ascii(',');
    out.jsonString(setup.problems[index]!);
  }
  out.bytes(SETUP.addressMismatch);
  out.jsonBoolean(setup.addressMismatch);
  out.bytes(SETUP.privateBehindNat);
  out.jsonBoolean(setup.privateBehindNat);
  out.bytes(SETUP.refused);
  out.jsonBoolean(setup.refused);
  out.bytes(SETUP.connections);
  writeNumbers(out, setup.connections);
  out.ascii('}');
}

/** The fixed pieces of a setup's text (one a session, or more, on a trace of many short sessions). */
const SETUP = {
  id: asciiBytes('{"id":'),
  frame: asciiBytes(',"frame":'),
  command: asciiBytes(',"command":'),
  replyCode: asciiBytes(',"replyCode":'),
  mode: asciiBytes(',"mode":'),
  address: asciiBytes(',"address":'),
  port: asciiBytes(',"port":'),
  target: asciiBytes(',"target":'),
  wellFormed: asciiBytes(',"wellFormed":'),
  problems: asciiBytes(',"problems":['),
  /** Closing the problems. */
  addressMismatch: asciiBytes('],"addressMismatch":'),
  privateBehindNat: asciiBytes(',"privateBehindNat":'),
  refused: asciiBytes(',"refused":'),
  connections: asciiBytes(',"connections":'),
};


/** JSON.stringify(findingJson(finding)), written by hand; `open` in place of the opening brace. */
function writeFinding(out: TextBuilder, finding: Finding, files: FilePaths, open = '{'): void {
  out.ascii(open);
  out.bytes(FINDING.code);
  out.jsonString(finding.code);
  out.bytes(FINDING.severity);
  out.jsonString(finding.severity);
  out.bytes(FINDING.message);
  out.jsonString(finding.message);
  out.bytes(FINDING.frames);
  const frames = finding.frames;
  for (let index = 0; index < frames.length; index++) {
    if (index > 0) out.ascii(',');
    out.jsonNumber(frames[index]!.frame);
  }
  // As in findingJson: files only in multi-file runs, an unknown file as null, connection only when set.
  if (files.length > 1) {
    out.bytes(FINDING.files);
    for (let index = 0; index < frames.length; index++) {
      if (index > 0) out.ascii(',');
      out.jsonNullableString(files[frames[index]!.fileIndex] ?? null);
    }
  }
  out.bytes(FINDING.session);
  out.jsonNumber(finding.session ?? null);
  if (finding.connection !== undefined) {
    out.bytes(FINDING.connection);
    out.jsonNumber(finding.connection);
  }
  out.ascii('}');
}

/** The fixed pieces of a finding's text (24,000 findings on the small bench trace, each written twice). */
const FINDING = {
  code: asciiBytes('"code":'),
  severity: asciiBytes(',"severity":'),
  message: asciiBytes(',"message":'),
  frames: asciiBytes(',"frames":['),
  /** Closing the frames before the file list. */
  files: asciiBytes('],"files":['),
  /** Closing the frames (or the files). */
  session: asciiBytes('],"session":'),
  connection: asciiBytes(',"connection":'),
};

export function findingText(finding: Finding, files: FilePaths): string {
  return textOf((out) => writeFinding(out, finding, files));
}

/** A JSON list of numbers. */
function writeNumbers(out: TextBuilder, numbers: readonly number[]): void {
  out.ascii('[');
  for (let index = 0; index < numbers.length; index++) {
    if (index > 0) out.ascii(',');
    out.jsonNumber(numbers[index]!);
  }
  out.ascii(']');
}

/**
 * Writes a listed command's JSON text, as JSON.stringify(commandJson(command)) writes it:
 * the same members in the same order, those commandJson leaves undefined left out.
 */
function writeCommand(out: TextBuilder, command: CommandReport, files: FilePaths): void {
  out.bytes(COMMAND.frame);
  out.jsonNumber(command.frame);
  const frames = command.frames;
  if (frames.length > 1) {
    out.ascii(',"frames":');
    writeNumbers(out, frames);
  }
  writeFile(out, 'file', command.fileIndex, files);
  out.bytes(COMMAND.command);
  out.jsonString(command.command);
  out.bytes(COMMAND.argument);
  out.jsonString(command.argument);
  out.bytes(COMMAND.reply);
  writeReply(out, command.reply, files);
  out.bytes(COMMAND.preliminary);
  writeReplies(out, command.preliminary, files);
  const invalid = command.invalidReply;
  if (invalid !== null && invalid !== undefined) {
    out.ascii(',"invalidReply":');
    out.jsonString(invalid);
  }
  out.ascii('}');
}

/** The kinds of writePlainCommand()'s pieces in a builder's cache (see TextBuilder.piece). */
const PLAIN_COMMAND_PIECE = 0;
const PLAIN_COMMAND_END_PIECE = 1;

/** The fixed pieces of a command's and a reply's text. */
const COMMAND = {
  frame: asciiBytes('{"frame":'),
  command: asciiBytes(',"command":'),
  argument: asciiBytes(',"argument":'),
  reply: asciiBytes(',"reply":'),
  preliminary: asciiBytes(',"preliminary":'),
  /** A plain command's reply, up to its code. */
  replyCode: asciiBytes(',"reply":{"code":'),
  /** After a plain command's reply: no 1xx replies, no invalid reply. */
  end: asciiBytes('},"preliminary":[]}'),
};
const REPLY = {
  code: asciiBytes('{"code":'),
  text: asciiBytes(',"text":'),
  frame: asciiBytes(',"frame":'),
  responseTime: asciiBytes(',"responseTime":'),
};

/**
 * writeCommand() of a plain command (see forEachCommand), read from its record: nearly
 * every command of a trace, so the fixed pieces between its fields are written as few
 * pieces as they can, and nothing is made to learn what the report would hold (a frame
 * list, a reply report).
 */
function writePlainCommand(out: TextBuilder, command: FoldedCommand, files: FilePaths): void {
  // One frame at most: no `frames` member.
  out.bytes(COMMAND.frame);
  out.jsonNumber(command.frame);
  writeFile(out, 'file', command.fileIndex, files);
  const reply = command.reply;
  // From the command word to the reply's frame, the text depends on four fields alone.
  if (!out.piece(PLAIN_COMMAND_PIECE, command.command, command.argument, reply.code, reply.text)) {
    out.bytes(COMMAND.command);
    out.jsonString(command.command);
    out.bytes(COMMAND.argument);
    out.jsonString(command.argument);
    out.bytes(COMMAND.replyCode);
    out.jsonNumber(reply.code);
    out.bytes(REPLY.text);
    out.jsonString(reply.text);
    out.bytes(REPLY.frame);
    out.endPiece();
  }
  out.jsonNumber(reply.frame);
  writeFile(out, 'file', reply.fileIndex, files);
  // From there to the end, the text depends on the response time alone: a few values recur
  // (a server answers NOOP in about the same time), and the piece saves writing its digits.
  const time = responseTime(reply, command.time);
  const cached = time !== null && out.piece(PLAIN_COMMAND_END_PIECE, '', '', time, '');
  if (cached) return;
  out.bytes(REPLY.responseTime);
  out.jsonNumber(time);
  out.bytes(COMMAND.end);
  if (time !== null) out.endPiece();
}

export function commandText(command: CommandReport, files: FilePaths): string {
  return textOf((out) => writeCommand(out, command, files));
}

/** JSON.stringify(replyJson(reply)), written by hand. */
function writeReply(out: TextBuilder, reply: ReplyReport | null, files: FilePaths): void {
  if (reply === null) {
    out.ascii('null');
    return;
  }
  out.bytes(REPLY.code);
  out.jsonNumber(reply.code);
  out.bytes(REPLY.text);
  out.jsonString(reply.text);
  out.bytes(REPLY.frame);
  out.jsonNumber(reply.frame);
  writeFile(out, 'file', reply.fileIndex, files);
  out.bytes(REPLY.responseTime);
  out.jsonNumber(reply.responseTime);
  out.ascii('}');
}


function writeReplies(out: TextBuilder, replies: readonly ReplyReport[], files: FilePaths): void {
  out.ascii('[');
  for (let index = 0; index < replies.length; index++) {
    if (index > 0) out.ascii(',');
    writeReply(out, replies[index]!, files);
  }
  out.ascii(']');
}

/** A `file` (or `lastFile`) member, after a comma, for multi-file runs, or nothing, as filePath() leaves it out. */
function writeFile(out: TextBuilder, name: 'file' | 'lastFile', fileIndex: number, files: FilePaths): void {
  const path = filePath(fileIndex, files);
  if (path === undefined) return;
  out.ascii(name === 'file' ? ',"file":' : ',"lastFile":');
  out.jsonString(path);
}

/** A finding as an object: the reference for findingText(). */
export function findingJson(finding: Finding, files: FilePaths): object {
  const multi = files.length > 1;
  return {
    code: finding.code,
    severity: finding.severity,
    message: finding.message,
    frames: finding.frames.map((ref) => ref.frame),
    // Members left undefined are left out (see filePath).
    files: multi ? finding.frames.map((ref) => files[ref.fileIndex]) : undefined,
    session: finding.session ?? null,
    connection: finding.connection,
  };
}

export function renderJson(analysis: Analysis): string {
  return [...renderJsonChunks(analysis)].join('');
}

/** The JSON document of an analysis that holds its sessions (see renderJsonDocument). */
export function renderJsonChunks(analysis: Analysis): Generator<string> {
  return renderJsonDocument(analysis, analysisTexts(analysis, writeSessionElement, writeConnectionElement, jsonListTexts));
}

/** A connection's element of the document's `connections` list, led by its separator (see writeSessionElement). */
export function writeConnectionElement(out: TextBuilder, connection: ConnectionReport, files: FilePaths): void {
  out.ascii(ELEMENT_SEPARATOR);
  writeConnection(out, connection, files);
}

/** What goes before each element of a top-level list. */
const ELEMENT_SEPARATOR = ',\n';

/**
 * A session's element of the document's `sessions` list, its sessionText() led by the
 * separator that goes before each element (renderJsonDocument drops the first one): kept
 * as bytes in the order of their ids, consecutive sessions are then one piece to write.
 */
export function writeSessionElement(out: TextBuilder, session: SessionReport, findings: readonly Finding[], files: FilePaths): void {
  out.ascii(ELEMENT_SEPARATOR);
  writeSession(out, session, findings, files);
}

/**
 * One JSON document, produced a member at a time: a trace with thousands of sessions
 * would otherwise hold the whole document and its text at once. Compact, with a line
 * break before each top-level member and each element of a top-level list, so the text
 * stays greppable and a session is one line (pipe to `jq .` to read it indented).
 * `texts` gives the sessions' sessionElementText() and the connections'
 * connectionElementText() in id order, one or several consecutive ones a piece: made from
 * the analysis, or kept (as UTF-8) since they settled or the TCP table let them go.
 */
export function* renderJsonDocument<Text extends string | Uint8Array>(analysis: Analysis, texts: ReportTexts<Text>): Generator<string | Text> {
  // An 'elements' member gives its elements' texts, each led by ELEMENT_SEPARATOR, one or several a piece.
  const members: [string, () => unknown | Iterable<string | Text>, 'value' | 'elements' | 'helper'][] = [
    ['capture', () => captureJson(analysis.capture), 'value'],
    ['decode', () => analysis.decode, 'value'],
    ['connectionsTotal', () => analysis.connectionsTotal, 'value'],
    ['connections', () => texts.connections, 'elements'],
    ['sessions', () => texts.sessions, 'elements'],
    ['helper', () => analysis.helper, 'helper'],
    ['findings', () => texts.findings, 'elements'],
    ['errors', () => analysis.errors.map((error) => ({ file: error.file, offset: error.offset, message: error.what })), 'value'],
  ];
  for (let index = 0; index < members.length; index++) {
    const [name, value, kind] = members[index]!;
    const lead = `${index === 0 ? '{' : ',\n'}${JSON.stringify(name)}:`;
    if (kind === 'helper' && analysis.helper !== null) {
      yield lead;
      yield* helperPieces(analysis.helper, texts.helper, '{');
      continue;
    }
    if (kind !== 'elements') {
      yield `${lead}${JSON.stringify(value())}`;
      continue;
    }
    let first = true;
    for (const piece of elements(value() as Iterable<string | Text>, ELEMENT_SEPARATOR.length)) {
      // The first element goes after the list's opening instead of a separator.
      if (first) yield `${lead}[\n`;
      yield piece;
      first = false;
    }
    yield first ? `${lead}[]` : '\n]';
  }
  yield '}\n';
}

/** What goes before each element of one of the helper report's lists. */
const HELPER_ITEM_SEPARATOR = ',';

/** The json format's texts of the trace-wide lists' items: a finding as an element of the document's `findings`. */
export const jsonListTexts: ListTexts = {
  finding: (out, finding, files) => {
    out.ascii(ELEMENT_SEPARATOR);
    writeFinding(out, finding, files);
  },
  expectation: (out, item) => {
    out.ascii(HELPER_ITEM_SEPARATOR);
    writeExpectation(out, item);
  },
  rewrite: (out, item) => {
    out.ascii(HELPER_ITEM_SEPARATOR);
    writeRewrite(out, item);
  },
  drop: (out, item) => {
    out.ascii(HELPER_ITEM_SEPARATOR);
    writeDrop(out, item);
  },
  ignored: (out, item) => {
    out.ascii(HELPER_ITEM_SEPARATOR);
    writeIgnored(out, item);
  },
};

/**
 * The helper report's JSON text, that of JSON.stringify(helper) with the lists from
 * `texts`, a piece at a time; `open` goes first in place of the opening brace.
 */
function* helperPieces<Text extends string | Uint8Array>(helper: HelperReport, texts: HelperTexts<Text>, open: string): Generator<string | Text> {
  const separator = HELPER_ITEM_SEPARATOR.length;
  yield `${open}"ports":${JSON.stringify(helper.ports)},"loose":${JSON.stringify(helper.loose)},"kernel":${JSON.stringify(helper.kernel)},"expectations":[`;
  yield* elements(texts.expectations, separator);
  yield '],"rewrites":[';
  yield* elements(texts.rewrites, separator);
  yield `],"nat":${JSON.stringify(helper.nat)},"drops":[`;
  yield* elements(texts.drops, separator);
  yield '],"ignored":[';
  yield* elements(texts.ignored, separator);
  yield ']}';
}

/** A list's element texts, each led by a separator of `separatorLength`, less the first one's separator; empty pieces skipped. */
function* elements<Text extends string | Uint8Array>(pieces: Iterable<Text>, separatorLength: number): Generator<Text> {
  let first = true;
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    if (!first) yield piece;
    else yield (typeof piece === 'string' ? piece.slice(separatorLength) : piece.subarray(separatorLength)) as Text;
    first = false;
  }
}

/** One JSON object per line, each with a `type`, for jq and log pipelines; produced a line at a time. */
export function renderNdjson(analysis: Analysis): string {
  return [...renderNdjsonLines(analysis)].join('');
}

/** The ndjson lines of an analysis that holds its sessions (see renderNdjsonRecords). */
export function renderNdjsonLines(analysis: Analysis): Generator<string> {
  return renderNdjsonRecords(analysis, analysisTexts(analysis, writeNdjsonSession, writeNdjsonConnection, ndjsonListTexts));
}

/** A connection's ndjson line. */
export function writeNdjsonConnection(out: TextBuilder, connection: ConnectionReport, files: FilePaths): void {
  writeConnection(out, connection, files, '{"type":"connection",');
  out.ascii('\n');
}

/** The ndjson format's texts of the trace-wide lists' items: a finding as its line. */
export const ndjsonListTexts: ListTexts = {
  finding: (out, finding, files) => {
    writeFinding(out, finding, files, '{"type":"finding",');
    out.ascii('\n');
  },
  expectation: jsonListTexts.expectation,
  rewrite: jsonListTexts.rewrite,
  drop: jsonListTexts.drop,
  ignored: jsonListTexts.ignored,
};

/** A session's ndjson lines: its record, then a line per transfer. */
export function writeNdjsonSession(out: TextBuilder, session: SessionReport, findings: readonly Finding[], files: FilePaths): void {
  writeSession(out, session, findings, files, 'record');
  out.ascii('\n');
  for (const transfer of session.transfers) out.text(typedLine('transfer', JSON.stringify(transferJson(transfer, files))));
}

/**
 * The ndjson lines, `texts` giving the sessions' ndjsonSessionText() in id order, one or
 * several a piece, and the lists' texts as ndjsonListTexts makes them.
 */
export function* renderNdjsonRecords<Text extends string | Uint8Array>(analysis: Analysis, texts: ReportTexts<Text>): Generator<string | Text> {
  yield typedLine('capture', JSON.stringify({ ...captureJson(analysis.capture), decode: analysis.decode }));
  yield* texts.connections;
  yield* texts.sessions;
  if (analysis.helper) {
    yield* helperPieces(analysis.helper, texts.helper, '{"type":"helper",');
    yield '\n';
  }
  yield* texts.findings;
  for (const error of analysis.errors) yield typedLine('error', JSON.stringify({ file: error.file, offset: error.offset, message: error.what }));
}

/**
 * An ndjson line: the text of JSON.stringify({ type, ...value }) from that of `value`,
 * without copying each object to put `type` first.
 */
function typedLine(type: string, objectText: string): string {
  const members = objectText.slice(1);
  return `{"type":${JSON.stringify(type)}${members === '}' ? '' : ','}${members}\n`;
}
