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

/** The file of a run's last frame, named only in multi-file runs (as `file` names the first's). */
function lastFileField(fileIndex: number, analysis: Analysis): object {
  return analysis.capture.files.length > 1 ? { lastFile: analysis.capture.files[fileIndex]?.path } : {};
}

function fileField(fileIndex: number, analysis: Analysis): object {
  return analysis.capture.files.length > 1 ? { file: analysis.capture.files[fileIndex]?.path } : {};
}

export function connectionJson(connection: ConnectionReport, analysis: Analysis): object {
  return {
    id: connection.id,
    client: connection.client,
    server: connection.server,
    roleEvidence: connection.roleEvidence,
    ...fileField(connection.fileIndex, analysis),
    firstFrame: connection.firstFrame,
    lastFrame: connection.lastFrame,
    ...lastFileField(connection.lastFileIndex, analysis),
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
  return { code: reply.code, text: reply.text, frame: reply.frame, ...fileField(reply.fileIndex, analysis), responseTime: reply.responseTime };
}

function setupJson(setup: SetupReport, analysis: Analysis): object {
  return {
    id: setup.id,
    frame: setup.frame,
    ...fileField(setup.fileIndex, analysis),
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
    ...fileField(transfer.fileIndex, analysis),
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
          ...fileField(transfer.data.fileIndex, analysis),
          ...lastFileField(transfer.data.lastFileIndex, analysis),
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
    ...fileField(session.fileIndex, analysis),
    firstFrame: session.firstFrame,
    lastFrame: session.lastFrame,
    ...lastFileField(session.lastFileIndex, analysis),
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
      ...(command.frames.length > 1 ? { frames: command.frames } : {}),
      ...fileField(command.fileIndex, analysis),
      command: command.command,
      argument: command.argument,
      reply: replyJson(command.reply, analysis),
      preliminary: command.preliminary.map((reply) => replyJson(reply, analysis)),
      ...(command.invalidReply !== null ? { invalidReply: command.invalidReply } : {}),
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
 * The same text as JSON.stringify(document, null, 2), produced a member at a time: a trace
 * with thousands of sessions would otherwise hold the whole document and its text at once.
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
  yield '{\n';
  for (let index = 0; index < members.length; index++) {
    const [name, value, isList] = members[index]!;
    const comma = index < members.length - 1 ? ',' : '';
    if (!isList) {
      yield `  ${JSON.stringify(name)}: ${indent(JSON.stringify(value(), null, 2), '  ')}${comma}\n`;
      continue;
    }
    let first = true;
    for (const element of value() as Iterable<unknown>) {
      yield `${first ? `  ${JSON.stringify(name)}: [\n` : ',\n'}    ${indent(JSON.stringify(element, null, 2), '    ')}`;
      first = false;
    }
    yield first ? `  ${JSON.stringify(name)}: []${comma}\n` : `\n  ]${comma}\n`;
  }
  yield '}\n';
}

function* lazyMap<T, U>(items: readonly T[], map: (item: T) => U): Generator<U> {
  for (const item of items) yield map(item);
}

function indent(text: string, by: string): string {
  return text.includes('\n') ? text.replace(/\n/g, `\n${by}`) : text;
}

/** One JSON object per line, each with a `type`, for jq and log pipelines. */
export function renderNdjson(analysis: Analysis): string {
  const lines: string[] = [JSON.stringify({ type: 'capture', ...captureJson(analysis.capture), decode: analysis.decode })];
  for (const connection of analysis.connections) lines.push(JSON.stringify({ type: 'connection', ...connectionJson(connection, analysis) }));
  const sessionFindings = findingsBySession(analysis);
  for (const session of analysis.sessions) {
    const { transfers: _transfers, ...rest } = sessionJson(session, analysis, sessionFindings) as { transfers: unknown };
    lines.push(JSON.stringify({ type: 'session', ...rest }));
    for (const transfer of session.transfers) lines.push(JSON.stringify({ type: 'transfer', ...transferJson(transfer, analysis) }));
  }
  if (analysis.helper) lines.push(JSON.stringify({ type: 'helper', ...analysis.helper }));
  for (const finding of analysis.findings) lines.push(JSON.stringify({ type: 'finding', ...findingJson(finding, analysis) }));
  for (const error of analysis.errors) lines.push(JSON.stringify({ type: 'error', file: error.file, offset: error.offset, message: error.what }));
  return `${lines.join('\n')}\n`;
}
