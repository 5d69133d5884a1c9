import type { Analysis, CaptureReport, CommandReport, ConnectionReport, HelperReport, ReplyReport, SessionReport, SetupReport, TransferReport } from '../analysis.js';
import type { Finding } from '../findings.js';
import { forEachCommand } from '../ftp/summary.js';
import { epochSeconds, isoTime } from './format.js';
import { analysisTexts, type FilePaths, type HelperTexts, type ListTexts, type ReportTexts } from './session-texts.js';

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
 * A connection's JSON text, as JSON.stringify(connectionJson(connection)) writes it. By
 * hand for the same reason as commandText(): a trace lists up to 100,000 connections, and
 * their five objects each and stringify's walk over them were a tenth of the report's time.
 */
export function connectionText(connection: ConnectionReport, files: FilePaths): string {
  return `{"id":${numberText(connection.id)},"client":${stringText(connection.client)},"server":${stringText(connection.server)}` +
    `,"roleEvidence":${stringText(connection.roleEvidence)}${fileText('file', connection.fileIndex, files)}` +
    `,"firstFrame":${numberText(connection.firstFrame)},"lastFrame":${numberText(connection.lastFrame)}` +
    `${fileText('lastFile', connection.lastFileIndex, files)}` +
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
export function replyJson(reply: ReplyReport | null, files: FilePaths): object | null {
  if (reply === null) return null;
  return { code: reply.code, text: reply.text, frame: reply.frame, file: filePath(reply.fileIndex, files), responseTime: reply.responseTime };
}

/** A setup as an object: the reference for setupText(). */
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
 * A session's JSON text, equal to JSON.stringify(sessionJson(...)); as a 'record', that of
 * its ndjson line's object ({ type: 'session', ...session } without transfers, which get
 * lines of their own). Written by hand, with JSON.stringify only for transfers (few): on
 * traces of many short sessions, making an object per member, command and reply only for
 * stringify to walk them cost more than the rest of the report.
 */
export function sessionText(
  session: SessionReport,
  findings: readonly Finding[],
  files: FilePaths,
  form: 'document' | 'record' = 'document',
): string {
  return `{${form === 'record' ? '"type":"session",' : ''}${sessionHeadText(session, files)}` +
    `,"commands":${commandsText(session, files)},"unsolicited":${repliesText(session.unsolicited, files)}` +
    `,"setups":${listText(session.setups, (setup) => setupText(setup, files))}` +
    `${form === 'document' ? `,"transfers":${listText(session.transfers, (transfer) => JSON.stringify(transferJson(transfer, files)))}` : ''}` +
    `,"findings":${listText(findings, (finding) => findingText(finding, files))}}`;
}

/** A session's members before `commands` (as sessionJson has them), as JSON text without the braces. */
function sessionHeadText(session: SessionReport, files: FilePaths): string {
  const tls = session.tls ? `{"frame":${numberText(session.tls.frame)},"how":${stringText(session.tls.how)}}` : 'false';
  return `"id":${numberText(session.id)},"connection":${numberText(session.connection)}` +
    `,"client":${stringText(session.client)},"server":${stringText(session.server)},"evidence":${stringText(session.evidence)}` +
    `${fileText('file', session.fileIndex, files)},"firstFrame":${numberText(session.firstFrame)},"lastFrame":${numberText(session.lastFrame)}` +
    `${fileText('lastFile', session.lastFileIndex, files)},"start":${nullableText(isoTime(session.start))},"end":${nullableText(isoTime(session.end))}` +
    `,"user":${nullableText(session.user)},"password":${nullableText(session.password)},"login":${nullableText(session.login)}` +
    `,"tls":${tls},"cwd":${nullableText(session.cwd)},"greeting":${replyText(session.greeting, files)}`;
}

/** The session's commands, read one at a time (forEachCommand), as a JSON list. */
function commandsText(session: SessionReport, files: FilePaths): string {
  let commands = '';
  forEachCommand(session, (command) => {
    commands += `${commands === '' ? '' : ','}${commandText(command, files)}`;
  });
  return `[${commands}]`;
}

/** JSON.stringify(setupJson(setup)), written by hand. */
export function setupText(setup: SetupReport, files: FilePaths): string {
  return `{"id":${numberText(setup.id)},"frame":${numberText(setup.frame)}${fileText('file', setup.fileIndex, files)}` +
    `,"command":${stringText(setup.command)},"replyCode":${numberText(setup.replyCode)},"mode":${stringText(setup.mode)}` +
    `,"address":${nullableText(setup.address)},"port":${numberText(setup.port)},"target":${nullableText(setup.target)}` +
    `,"wellFormed":${String(setup.wellFormed)},"problems":${listText(setup.problems, stringText)}` +
    `,"addressMismatch":${String(setup.addressMismatch)},"privateBehindNat":${String(setup.privateBehindNat)}` +
    `,"refused":${String(setup.refused)},"connections":${listText(setup.connections, numberText)}}`;
}

/** JSON.stringify(findingJson(finding)), written by hand. */
export function findingText(finding: Finding, files: FilePaths): string {
  // As in findingJson: files only in multi-file runs, an unknown file as null, connection only when set.
  const fileList = files.length > 1 ? `,"files":${listText(finding.frames, (ref) => nullableText(files[ref.fileIndex] ?? null))}` : '';
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
export function commandText(command: CommandReport, files: FilePaths): string {
  const frames = command.frames;
  const invalid = command.invalidReply;
  return `{"frame":${numberText(command.frame)}${frames.length > 1 ? `,"frames":${listText(frames, numberText)}` : ''}` +
    `${fileText('file', command.fileIndex, files)},"command":${stringText(command.command)},"argument":${stringText(command.argument)}` +
    `,"reply":${replyText(command.reply, files)},"preliminary":${repliesText(command.preliminary, files)}` +
    `${invalid === null || invalid === undefined ? '' : `,"invalidReply":${stringText(invalid)}`}}`;
}

/** JSON.stringify(replyJson(reply)), written by hand. */
export function replyText(reply: ReplyReport | null, files: FilePaths): string {
  if (reply === null) return 'null';
  return `{"code":${numberText(reply.code)},"text":${stringText(reply.text)},"frame":${numberText(reply.frame)}` +
    `${fileText('file', reply.fileIndex, files)},"responseTime":${numberText(reply.responseTime)}}`;
}

function repliesText(replies: readonly ReplyReport[], files: FilePaths): string {
  return listText(replies, (reply) => replyText(reply, files));
}

/** A `file` (or `lastFile`) member, after a comma, for multi-file runs, or nothing, as filePath() leaves it out. */
function fileText(name: 'file' | 'lastFile', fileIndex: number, files: FilePaths): string {
  const path = filePath(fileIndex, files);
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
  return renderJsonDocument(analysis, analysisTexts(analysis, sessionElementText, connectionElementText, jsonListTexts));
}

/** A connection's element of the document's `connections` list, led by its separator (see sessionElementText). */
export function connectionElementText(connection: ConnectionReport, files: FilePaths): string {
  return `${ELEMENT_SEPARATOR}${connectionText(connection, files)}`;
}

/** What goes before each element of a top-level list. */
const ELEMENT_SEPARATOR = ',\n';

/**
 * A session's element of the document's `sessions` list, its sessionText() led by the
 * separator that goes before each element (renderJsonDocument drops the first one): kept
 * as bytes in the order of their ids, consecutive sessions are then one piece to write.
 */
export function sessionElementText(session: SessionReport, findings: readonly Finding[], files: FilePaths): string {
  return `${ELEMENT_SEPARATOR}${sessionText(session, findings, files)}`;
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
  finding: (finding, files) => `${ELEMENT_SEPARATOR}${findingText(finding, files)}`,
  helperItem: (item) => `${HELPER_ITEM_SEPARATOR}${JSON.stringify(item)}`,
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
  return renderNdjsonRecords(analysis, analysisTexts(analysis, ndjsonSessionText, ndjsonConnectionText, ndjsonListTexts));
}

/** A connection's ndjson line. */
export function ndjsonConnectionText(connection: ConnectionReport, files: FilePaths): string {
  return typedLine('connection', connectionText(connection, files));
}

/** The ndjson format's texts of the trace-wide lists' items: a finding as its line. */
export const ndjsonListTexts: ListTexts = {
  finding: (finding, files) => typedLine('finding', findingText(finding, files)),
  helperItem: jsonListTexts.helperItem,
};

/** A session's ndjson lines: its record, then a line per transfer. */
export function ndjsonSessionText(session: SessionReport, findings: readonly Finding[], files: FilePaths): string {
  let text = `${sessionText(session, findings, files, 'record')}\n`;
  for (const transfer of session.transfers) text += typedLine('transfer', JSON.stringify(transferJson(transfer, files)));
  return text;
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
  return `{"type":${stringText(type)}${members === '}' ? '' : ','}${members}\n`;
}
