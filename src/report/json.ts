import type { Analysis, CaptureReport, CommandReport, ConnectionReport, ReplyReport, SessionReport, SetupReport, TransferReport } from '../analysis.js';
import type { Finding } from '../findings.js';
import { forEachCommand } from '../ftp/summary.js';
import { epochSeconds, isoTime } from './format.js';

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
function filePath(fileIndex: number, analysis: Analysis): string | undefined {
  const files = analysis.capture.files;
  return files.length > 1 ? files[fileIndex]?.path : undefined;
}

/** A connection as an object: the reference for connectionText(), which writes the same text. */
export function connectionJson(connection: ConnectionReport, analysis: Analysis): object {
  return {
    id: connection.id,
    client: connection.client,
    server: connection.server,
    roleEvidence: connection.roleEvidence,
    file: filePath(connection.fileIndex, analysis),
    firstFrame: connection.firstFrame,
    lastFrame: connection.lastFrame,
    lastFile: filePath(connection.lastFileIndex, analysis),
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
 * A connection's JSON text, as JSON.stringify(connectionJson(connection)) writes it. By
 * hand for the same reason as commandText(): a trace lists up to 100,000 connections, and
 * their five objects each and stringify's walk over them were a tenth of the report's time.
 */
export function connectionText(connection: ConnectionReport, analysis: Analysis): string {
  return `{"id":${numberText(connection.id)},"client":${stringText(connection.client)},"server":${stringText(connection.server)}` +
    `,"roleEvidence":${stringText(connection.roleEvidence)}${fileText('file', connection.fileIndex, analysis)}` +
    `,"firstFrame":${numberText(connection.firstFrame)},"lastFrame":${numberText(connection.lastFrame)}` +
    `${fileText('lastFile', connection.lastFileIndex, analysis)}` +
    `,"start":${nullableText(isoTime(connection.first))},"end":${nullableText(isoTime(connection.last))}` +
    `,"handshake":${String(connection.handshake)},"state":${stringText(connection.end)}` +
    `,"segments":${sidesText(connection.segments)},"bytes":${sidesText(connection.bytes)}` +
    `,"retransmittedBytes":${sidesText(connection.retransmittedBytes)},"missingBytes":${sidesText(connection.missingBytes)}` +
    `,"service":${nullableText(connection.service)},"serviceEvidence":${nullableText(connection.serviceEvidence)}}`;
}

/** A [client, server] pair as { client, server }. */
function sidesText([client, server]: readonly [number, number]): string {
  return `{"client":${numberText(client)},"server":${numberText(server)}}`;
}

/** A reply as an object: the reference for replyText(). */
export function replyJson(reply: ReplyReport | null, analysis: Analysis): object | null {
  if (reply === null) return null;
  return { code: reply.code, text: reply.text, frame: reply.frame, file: filePath(reply.fileIndex, analysis), responseTime: reply.responseTime };
}

/** A setup as an object: the reference for setupText(). */
export function setupJson(setup: SetupReport, analysis: Analysis): object {
  return {
    id: setup.id,
    frame: setup.frame,
    file: filePath(setup.fileIndex, analysis),
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

export function transferJson(transfer: TransferReport, analysis: Analysis): object {
  return {
    id: transfer.id,
    session: transfer.session,
    helper: transfer.helper,
    frame: transfer.frame,
    file: filePath(transfer.fileIndex, analysis),
    command: transfer.command,
    argument: transfer.argument,
    cwd: transfer.cwd,
    dataType: transfer.type,
    mode: transfer.mode,
    setup: transfer.setup ? setupJson(transfer.setup, analysis) : null,
    announced: transfer.setup?.target ?? null,
    data: transfer.data
      ? {
          connection: transfer.data.connection,
          client: transfer.data.client,
          server: transfer.data.server,
          firstFrame: transfer.data.firstFrame,
          lastFrame: transfer.data.lastFrame,
          file: filePath(transfer.data.fileIndex, analysis),
          lastFile: filePath(transfer.data.lastFileIndex, analysis),
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
    reply: replyJson(transfer.reply, analysis),
    status: transfer.status,
    complete: transfer.complete,
  };
}

/** A listed command as an object: the reference for commandText(), which writes the same text. */
export function commandJson(command: CommandReport, analysis: Analysis): object {
  return {
    frame: command.frame,
    frames: command.frames.length > 1 ? command.frames : undefined,
    file: filePath(command.fileIndex, analysis),
    command: command.command,
    argument: command.argument,
    reply: replyJson(command.reply, analysis),
    preliminary: command.preliminary.map((reply) => replyJson(reply, analysis)),
    invalidReply: command.invalidReply ?? undefined,
  };
}

/**
 * A session as an object: the reference for sessionText(), which writes the same text (the
 * JSON renderers use that). `sessionFindings` is findingsBySession(analysis), grouped once
 * by the caller.
 */
export function sessionJson(session: SessionReport, analysis: Analysis, sessionFindings: ReadonlyMap<number, Finding[]>): object {
  return {
    id: session.id,
    connection: session.connection,
    client: session.client,
    server: session.server,
    evidence: session.evidence,
    file: filePath(session.fileIndex, analysis),
    firstFrame: session.firstFrame,
    lastFrame: session.lastFrame,
    lastFile: filePath(session.lastFileIndex, analysis),
    start: isoTime(session.start),
    end: isoTime(session.end),
    user: session.user,
    password: session.password,
    login: session.login,
    tls: session.tls ? { frame: session.tls.frame, how: session.tls.how } : false,
    cwd: session.cwd,
    greeting: replyJson(session.greeting, analysis),
    commands: session.commands.map((command) => commandJson(command, analysis)),
    unsolicited: session.unsolicited.map((reply) => replyJson(reply, analysis)),
    setups: session.setups.map((setup) => setupJson(setup, analysis)),
    transfers: session.transfers.map((transfer) => transferJson(transfer, analysis)),
    findings: sessionFindings.get(session.id)?.map((finding) => findingJson(finding, analysis)) ?? [],
  };
}

/**
 * A session's JSON text, equal to JSON.stringify(sessionJson(...)); as a 'record', that of
 * its ndjson line's object ({ type: 'session', ...session } without transfers, which get
 * lines of their own). Written by hand, with JSON.stringify only for transfers (few): on
 * traces of many short sessions, making an object per member, command and reply only for
 * stringify to walk them cost more than the rest of the report.
 */
export function sessionText(
  session: SessionReport,
  analysis: Analysis,
  sessionFindings: ReadonlyMap<number, Finding[]>,
  form: 'document' | 'record' = 'document',
): string {
  const findings = sessionFindings.get(session.id) ?? [];
  return `{${form === 'record' ? '"type":"session",' : ''}${sessionHeadText(session, analysis)}` +
    `,"commands":${commandsText(session, analysis)},"unsolicited":${repliesText(session.unsolicited, analysis)}` +
    `,"setups":${listText(session.setups, (setup) => setupText(setup, analysis))}` +
    `${form === 'document' ? `,"transfers":${listText(session.transfers, (transfer) => JSON.stringify(transferJson(transfer, analysis)))}` : ''}` +
    `,"findings":${listText(findings, (finding) => findingText(finding, analysis))}}`;
}

/** A session's members before `commands` (as sessionJson has them), as JSON text without the braces. */
function sessionHeadText(session: SessionReport, analysis: Analysis): string {
  const tls = session.tls ? `{"frame":${numberText(session.tls.frame)},"how":${stringText(session.tls.how)}}` : 'false';
  return `"id":${numberText(session.id)},"connection":${numberText(session.connection)}` +
    `,"client":${stringText(session.client)},"server":${stringText(session.server)},"evidence":${stringText(session.evidence)}` +
    `${fileText('file', session.fileIndex, analysis)},"firstFrame":${numberText(session.firstFrame)},"lastFrame":${numberText(session.lastFrame)}` +
    `${fileText('lastFile', session.lastFileIndex, analysis)},"start":${nullableText(isoTime(session.start))},"end":${nullableText(isoTime(session.end))}` +
    `,"user":${nullableText(session.user)},"password":${nullableText(session.password)},"login":${nullableText(session.login)}` +
    `,"tls":${tls},"cwd":${nullableText(session.cwd)},"greeting":${replyText(session.greeting, analysis)}`;
}

/** The session's commands, read one at a time (forEachCommand), as a JSON list. */
function commandsText(session: SessionReport, analysis: Analysis): string {
  let commands = '';
  forEachCommand(session, (command) => {
    commands += `${commands === '' ? '' : ','}${commandText(command, analysis)}`;
  });
  return `[${commands}]`;
}

/** JSON.stringify(setupJson(setup)), written by hand. */
export function setupText(setup: SetupReport, analysis: Analysis): string {
  return `{"id":${numberText(setup.id)},"frame":${numberText(setup.frame)}${fileText('file', setup.fileIndex, analysis)}` +
    `,"command":${stringText(setup.command)},"replyCode":${numberText(setup.replyCode)},"mode":${stringText(setup.mode)}` +
    `,"address":${nullableText(setup.address)},"port":${numberText(setup.port)},"target":${nullableText(setup.target)}` +
    `,"wellFormed":${String(setup.wellFormed)},"problems":${listText(setup.problems, stringText)}` +
    `,"addressMismatch":${String(setup.addressMismatch)},"privateBehindNat":${String(setup.privateBehindNat)}` +
    `,"refused":${String(setup.refused)},"connections":${listText(setup.connections, numberText)}}`;
}

/** JSON.stringify(findingJson(finding)), written by hand. */
export function findingText(finding: Finding, analysis: Analysis): string {
  const files = analysis.capture.files;
  // As in findingJson: files only in multi-file runs, an unknown file as null, connection only when set.
  const fileList = files.length > 1 ? `,"files":${listText(finding.frames, (ref) => nullableText(files[ref.fileIndex]?.path ?? null))}` : '';
  return `{"code":${stringText(finding.code)},"severity":${stringText(finding.severity)},"message":${stringText(finding.message)}` +
    `,"frames":${listText(finding.frames, (ref) => numberText(ref.frame))}${fileList}` +
    `,"session":${numberText(finding.session ?? null)}${finding.connection === undefined ? '' : `,"connection":${numberText(finding.connection)}`}}`;
}

/** A JSON list of the elements' texts. */
function listText<T>(items: readonly T[], text: (item: T) => string): string {
  if (items.length === 0) return '[]';
  let list = text(items[0]!);
  for (let index = 1; index < items.length; index++) list += `,${text(items[index]!)}`;
  return `[${list}]`;
}

/**
 * A listed command's JSON text, as JSON.stringify(commandJson(command)) writes it: the
 * same members in the same order, those commandJson leaves undefined left out.
 */
export function commandText(command: CommandReport, analysis: Analysis): string {
  const frames = command.frames;
  const invalid = command.invalidReply;
  return `{"frame":${numberText(command.frame)}${frames.length > 1 ? `,"frames":${listText(frames, numberText)}` : ''}` +
    `${fileText('file', command.fileIndex, analysis)},"command":${stringText(command.command)},"argument":${stringText(command.argument)}` +
    `,"reply":${replyText(command.reply, analysis)},"preliminary":${repliesText(command.preliminary, analysis)}` +
    `${invalid === null || invalid === undefined ? '' : `,"invalidReply":${stringText(invalid)}`}}`;
}

/** JSON.stringify(replyJson(reply)), written by hand. */
export function replyText(reply: ReplyReport | null, analysis: Analysis): string {
  if (reply === null) return 'null';
  return `{"code":${numberText(reply.code)},"text":${stringText(reply.text)},"frame":${numberText(reply.frame)}` +
    `${fileText('file', reply.fileIndex, analysis)},"responseTime":${numberText(reply.responseTime)}}`;
}

function repliesText(replies: readonly ReplyReport[], analysis: Analysis): string {
  return listText(replies, (reply) => replyText(reply, analysis));
}

/** A `file` (or `lastFile`) member, after a comma, for multi-file runs, or nothing, as filePath() leaves it out. */
function fileText(name: 'file' | 'lastFile', fileIndex: number, analysis: Analysis): string {
  const path = filePath(fileIndex, analysis);
  return path === undefined ? '' : `,"${name}":${stringText(path)}`;
}

/**
 * Characters JSON.stringify writes escaped: quote, backslash, control characters, and
 * (lone) surrogates. Strings without any, nearly all of an FTP trace's, are quoted as they
 * are: testing for them costs about half of what JSON.stringify does for a short string.
 */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A string as JSON.stringify writes it. */
function stringText(value: string): string {
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function nullableText(value: string | null): string {
  return value === null ? 'null' : stringText(value);
}

/** A number as JSON.stringify writes it: NaN and the infinities are null. */
function numberText(value: number | null): string {
  return value !== null && Number.isFinite(value) ? String(value) : 'null';
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

/** A finding as an object: the reference for findingText(). */
export function findingJson(finding: Finding, analysis: Analysis): object {
  const multi = analysis.capture.files.length > 1;
  return {
    code: finding.code,
    severity: finding.severity,
    message: finding.message,
    frames: finding.frames.map((ref) => ref.frame),
    // Members left undefined are left out (see filePath).
    files: multi ? finding.frames.map((ref) => analysis.capture.files[ref.fileIndex]?.path) : undefined,
    session: finding.session ?? null,
    connection: finding.connection,
  };
}

export function renderJson(analysis: Analysis): string {
  return [...renderJsonChunks(analysis)].join('');
}

/**
 * One JSON document, produced a member at a time: a trace with thousands of sessions
 * would otherwise hold the whole document and its text at once. Compact, with a line
 * break before each top-level member and each element of a top-level list, so the text
 * stays greppable and a session is one line (pipe to `jq .` to read it indented).
 */
export function* renderJsonChunks(analysis: Analysis): Generator<string> {
  // A list member gives the JSON text of its elements, one at a time.
  const members: [string, () => unknown | Iterable<string>, boolean][] = [
    ['capture', () => captureJson(analysis.capture), false],
    ['decode', () => analysis.decode, false],
    ['connectionsTotal', () => analysis.connectionsTotal, false],
    ['connections', () => lazyMap(analysis.connections, (connection) => connectionText(connection, analysis)), true],
    ['sessions', () => {
      const sessionFindings = findingsBySession(analysis);
      return lazyMap(analysis.sessions, (session) => sessionText(session, analysis, sessionFindings));
    }, true],
    ['helper', () => analysis.helper, false],
    ['findings', () => lazyMap(analysis.findings, (finding) => findingText(finding, analysis)), true],
    ['errors', () => analysis.errors.map((error) => ({ file: error.file, offset: error.offset, message: error.what })), false],
  ];
  for (let index = 0; index < members.length; index++) {
    const [name, value, isList] = members[index]!;
    const lead = `${index === 0 ? '{' : ',\n'}${JSON.stringify(name)}:`;
    if (!isList) {
      yield `${lead}${JSON.stringify(value())}`;
      continue;
    }
    let first = true;
    for (const element of value() as Iterable<string>) {
      yield `${first ? `${lead}[\n` : ',\n'}${element}`;
      first = false;
    }
    yield first ? `${lead}[]` : '\n]';
  }
  yield '}\n';
}

function* lazyMap<T, U>(items: readonly T[], map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

/** One JSON object per line, each with a `type`, for jq and log pipelines; produced a line at a time. */
export function renderNdjson(analysis: Analysis): string {
  return [...renderNdjsonLines(analysis)].join('');
}

export function* renderNdjsonLines(analysis: Analysis): Generator<string> {
  yield typedLine('capture', JSON.stringify({ ...captureJson(analysis.capture), decode: analysis.decode }));
  for (const connection of analysis.connections) yield typedLine('connection', connectionText(connection, analysis));
  const sessionFindings = findingsBySession(analysis);
  for (const session of analysis.sessions) {
    yield `${sessionText(session, analysis, sessionFindings, 'record')}\n`;
    for (const transfer of session.transfers) yield typedLine('transfer', JSON.stringify(transferJson(transfer, analysis)));
  }
  if (analysis.helper) yield typedLine('helper', JSON.stringify(analysis.helper));
  for (const finding of analysis.findings) yield typedLine('finding', findingText(finding, analysis));
  for (const error of analysis.errors) yield typedLine('error', JSON.stringify({ file: error.file, offset: error.offset, message: error.what }));
}

/**
 * An ndjson line: the text of JSON.stringify({ type, ...value }) from that of `value`,
 * without copying each object to put `type` first.
 */
function typedLine(type: string, objectText: string): string {
  const members = objectText.slice(1);
  return `{"type":${stringText(type)}${members === '}' ? '' : ','}${members}\n`;
}
