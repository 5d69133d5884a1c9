import type { Analysis, CaptureReport, ConnectionReport, ReplyReport, SessionReport, SetupReport, TransferReport } from '../analysis.js';
import type { Finding } from '../findings.js';
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

function replyJson(reply: ReplyReport | null, analysis: Analysis): object | null {
  if (reply === null) return null;
  return { code: reply.code, text: reply.text, frame: reply.frame, file: filePath(reply.fileIndex, analysis), responseTime: reply.responseTime };
}

function setupJson(setup: SetupReport, analysis: Analysis): object {
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

/** `sessionFindings` is findingsBySession(analysis), grouped once by the caller. */
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
    commands: session.commands.map((command) => ({
      frame: command.frame,
      frames: command.frames.length > 1 ? command.frames : undefined,
      file: filePath(command.fileIndex, analysis),
      command: command.command,
      argument: command.argument,
      reply: replyJson(command.reply, analysis),
      preliminary: command.preliminary.map((reply) => replyJson(reply, analysis)),
      invalidReply: command.invalidReply ?? undefined,
    })),
    unsolicited: session.unsolicited.map((reply) => replyJson(reply, analysis)),
    setups: session.setups.map((setup) => setupJson(setup, analysis)),
    transfers: session.transfers.map((transfer) => transferJson(transfer, analysis)),
    findings: sessionFindings.get(session.id)?.map((finding) => findingJson(finding, analysis)) ?? [],
  };
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

export function findingJson(finding: Finding, analysis: Analysis): object {
  const multi = analysis.capture.files.length > 1;
  return {
    code: finding.code,
    severity: finding.severity,
    message: finding.message,
    frames: finding.frames.map((ref) => ref.frame),
    ...(multi ? { files: finding.frames.map((ref) => analysis.capture.files[ref.fileIndex]?.path) } : {}),
    session: finding.session ?? null,
    ...(finding.connection !== undefined ? { connection: finding.connection } : {}),
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
  const members: [string, () => unknown | Iterable<unknown>, boolean][] = [
    ['capture', () => captureJson(analysis.capture), false],
    ['decode', () => analysis.decode, false],
    ['connectionsTotal', () => analysis.connectionsTotal, false],
    ['connections', () => lazyMap(analysis.connections, (connection) => connectionJson(connection, analysis)), true],
    ['sessions', () => {
      const sessionFindings = findingsBySession(analysis);
      return lazyMap(analysis.sessions, (session) => sessionJson(session, analysis, sessionFindings));
    }, true],
    ['helper', () => analysis.helper, false],
    ['findings', () => lazyMap(analysis.findings, (finding) => findingJson(finding, analysis)), true],
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
    for (const element of value() as Iterable<unknown>) {
      yield `${first ? `${lead}[\n` : ',\n'}${JSON.stringify(element)}`;
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
  yield `${JSON.stringify({ type: 'capture', ...captureJson(analysis.capture), decode: analysis.decode })}\n`;
  for (const connection of analysis.connections) yield `${JSON.stringify({ type: 'connection', ...connectionJson(connection, analysis) })}\n`;
  const sessionFindings = findingsBySession(analysis);
  for (const session of analysis.sessions) {
    const { transfers: _transfers, ...rest } = sessionJson(session, analysis, sessionFindings) as { transfers: unknown };
    yield `${JSON.stringify({ type: 'session', ...rest })}\n`;
    for (const transfer of session.transfers) yield `${JSON.stringify({ type: 'transfer', ...transferJson(transfer, analysis) })}\n`;
  }
  if (analysis.helper) yield `${JSON.stringify({ type: 'helper', ...analysis.helper })}\n`;
  for (const finding of analysis.findings) yield `${JSON.stringify({ type: 'finding', ...findingJson(finding, analysis) })}\n`;
  for (const error of analysis.errors) yield `${JSON.stringify({ type: 'error', file: error.file, offset: error.offset, message: error.what })}\n`;
}
