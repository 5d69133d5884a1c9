import Table from 'cli-table3';
import type { Analysis } from '../analysis.js';
import { bytesLabel, frameLabel, isoTime } from './format.js';

/** Beyond this many connections the table shows the FTP ones and a count of the rest. */
const MAX_TABLE_CONNECTIONS = 200;

function plainTable(head: string[]): Table.Table {
  // No colours: the output goes to tickets and terminals alike.
  return new Table({ head, style: { head: [], border: [] } });
}

export function renderTable(analysis: Analysis): string {
  const out: string[] = [];
  const files = analysis.capture.files;
  const capture = analysis.capture;

  out.push('Capture');
  const captureTable = plainTable(['file', 'format', 'link type', 'frames', 'bytes', 'first', 'last']);
  for (const file of files) {
    captureTable.push([
      file.path,
      `${file.format ?? '?'}${file.compression === 'gzip' ? ' (gzip)' : ''}`,
      file.linkTypes.map((link) => link.name).join(', ') || '-',
      file.frames,
      bytesLabel(file.bytes),
      isoTime(file.first) ?? '-',
      isoTime(file.last) ?? '-',
    ]);
  }
  out.push(captureTable.toString());
  const decode = analysis.decode;
  out.push(
    `${capture.frames} frames: ${decode.tcpSegments} TCP segments, ${decode.notTcp} other, ` +
      `${decode.fragments} IP fragments, ${decode.truncated} truncated, ${decode.malformed} malformed, ` +
      `${decode.unsupportedLink} unsupported link type`,
  );

  out.push('', `FTP control sessions (${analysis.sessions.length})`);
  if (analysis.sessions.length === 0) {
    out.push('none found (a control connection on a port other than 21 with no readable greeting? try --control-ports)');
  } else {
    const problemsBySession = new Map<number, number>();
    for (const finding of analysis.findings) {
      if (finding.session !== undefined && finding.severity !== 'info') {
        problemsBySession.set(finding.session, (problemsBySession.get(finding.session) ?? 0) + 1);
      }
    }
    const sessions = plainTable(['session', 'client', 'server', 'frames', 'user', 'login', 'commands', 'transfers', 'bytes', 'problems']);
    for (const session of analysis.sessions) {
      const bytes = session.transfers.reduce((sum, transfer) => sum + (transfer.bytes ?? 0), 0);
      sessions.push([
        session.id,
        session.client,
        session.server,
        `${frameLabel(session.fileIndex, session.firstFrame, files)}–${session.lastFrame}`,
        session.user ?? '-',
        session.tls ? `${session.login ?? '?'} (TLS)` : session.login ?? '-',
        session.commands.length,
        session.transfers.length,
        bytesLabel(bytes),
        problemsBySession.get(session.id) ?? 0,
      ]);
    }
    out.push(sessions.toString());
  }

  const transfers = analysis.sessions.flatMap((session) => session.transfers);
  if (transfers.length > 0) {
    out.push('', `Transfers (${transfers.length})`);
    const table = plainTable(['session', 'frame', 'command', 'file', 'mode', 'setup', 'data connection', 'bytes', 'rate', 'reply', 'status']);
    for (const transfer of transfers) {
      table.push([
        transfer.session,
        frameLabel(transfer.fileIndex, transfer.frame, files),
        transfer.command,
        truncate(transfer.argument, 40),
        transfer.mode ?? '-',
        transfer.setup ? `${frameLabel(transfer.setup.fileIndex, transfer.setup.frame, files)} ${transfer.setup.target ?? '?'}` : '-',
        transfer.data
          ? `#${transfer.data.connection} ${frameLabel(transfer.data.fileIndex, transfer.data.firstFrame, files)}–${transfer.data.lastFrame}${transfer.data.match === 'port-only' ? ' (port only)' : ''}`
          : 'none',
        transfer.bytes === null ? '-' : transfer.expectedSize !== null && transfer.expectedSize !== transfer.bytes
          ? `${transfer.bytes} of ${transfer.expectedSize}` : String(transfer.bytes),
        transfer.rate === null ? '-' : `${bytesLabel(transfer.rate)}/s`,
        transfer.reply ? String(transfer.reply.code) : '-',
        transfer.status,
      ]);
    }
    out.push(table.toString());
  }

  const listed = analysis.connections.length <= MAX_TABLE_CONNECTIONS
    ? analysis.connections
    : analysis.connections.filter((connection) => connection.service !== null);
  out.push('', `TCP connections (${analysis.connectionsTotal})`);
  if (listed.length > 0) {
    const connections = plainTable(['id', 'client', 'server', 'frames', 'bytes c→s', 'bytes s→c', 'end', 'service']);
    for (const connection of listed) {
      connections.push([
        connection.id,
        connection.client,
        connection.server,
        `${frameLabel(connection.fileIndex, connection.firstFrame, files)}–${frameLabel(connection.lastFileIndex, connection.lastFrame, files)}`,
        connection.bytes[0],
        connection.bytes[1],
        connection.handshake ? connection.end : `${connection.end} (no SYN)`,
        connection.service ?? '',
      ]);
    }
    out.push(connections.toString());
  }
  if (listed.length < analysis.connectionsTotal) {
    out.push(`(${analysis.connectionsTotal - listed.length} more connections not listed; use --format json for all)`);
  }

  if (analysis.findings.length > 0) {
    out.push('', `Findings (${analysis.findings.length})`);
    const findings = plainTable(['severity', 'code', 'frames', 'message']);
    for (const finding of analysis.findings) {
      const frames = finding.frames.slice(0, 8).map((ref) => frameLabel(ref.fileIndex, ref.frame, files));
      if (finding.frames.length > 8) frames.push(`+${finding.frames.length - 8}`);
      findings.push([finding.severity, finding.code, frames.join(' '), finding.message]);
    }
    out.push(findings.toString());
  }
  if (analysis.errors.length > 0) {
    out.push('', 'Input faults (results above cover everything before them)');
    for (const error of analysis.errors) out.push(`  ${error.message}`);
  }
  return `${out.join('\n')}\n`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}
