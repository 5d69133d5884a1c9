import type { Analysis } from '../analysis.js';
import { bytesLabel, frameLabel, isoTime } from './format.js';
import { TextTable } from './text-table.js';

/** Beyond this many connections the table shows the FTP ones and a count of the rest. */
const MAX_TABLE_CONNECTIONS = 200;

function plainTable(head: string[]): TextTable {
  // No colours: the output goes to tickets and terminals alike.
  return new TextTable({ head });
}

/** A table whose last column takes the width left and wraps, so long messages stay on screen. */
function wrappedTable(head: string[], fixed: number[], width: number): TextTable {
  const borders = head.length + 1;
  const used = fixed.reduce((sum, column) => sum + column, 0) + borders;
  const last = Math.max(30, width - used);
  return new TextTable({ head, colWidths: [...fixed, last] });
}

/** What the conntrack helper would have done, and for each miss why and how to fix it. */
function helperSection(analysis: Analysis, width: number): string[] {
  const helper = analysis.helper!;
  const files = analysis.capture.files;
  const out = ['', `Conntrack helper (nf_conntrack_ftp on ports ${helper.ports.join(',')}, loose=${helper.loose ? 1 : 0}, kernel ${helper.kernel})`];
  const transfers = analysis.sessions.flatMap((session) => session.transfers);
  const misses = transfers.filter((transfer) => transfer.helper !== null && transfer.helper.verdict !== 'expected');
  const rejected = misses.filter((transfer) => transfer.helper!.rejected).length;
  out.push(`${helper.expectations.length} expectations registered, ${helper.drops.length} control packets dropped, ` +
    `${misses.length} transfers missed by the helper${rejected > 0 ? `, ${rejected} data connections a RELATED-only firewall would have rejected` : ''}`);
  if (misses.length > 0) {
    const table = wrappedTable(['session', 'transfer', 'verdict', 'frames', 'why, and the fix'], [9, 22, 24, 14], width);
    for (const transfer of misses) {
      const verdict = transfer.helper!;
      table.push([
        transfer.session,
        truncate(`${transfer.command} ${transfer.argument}`.trim(), 22),
        `${verdict.verdict}${verdict.rejected ? '\nREJECTED' : ''}\n(${verdict.reason})`,
        verdict.frames.map((ref) => frameLabel(ref.fileIndex, ref.frame, files)).join(' '),
        verdict.fix ? `${verdict.message}.\nFix: ${verdict.fix}` : verdict.message,
      ]);
    }
    out.push(table.toString());
  }
  for (const drop of helper.drops) {
    out.push(`  dropped frame ${frameLabel(drop.fileIndex, drop.frame, files)}${drop.retransmissions.length > 0 ? ` and its retransmissions ${drop.retransmissions.join(', ')}` : ''}: ${drop.message}`);
  }
  return out;
}

/** Columns a table may use: the terminal's width, or a readable default when piped. */
export const DEFAULT_WIDTH = 160;

export function renderTable(analysis: Analysis, width: number = DEFAULT_WIDTH): string {
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
        session.commandCount,
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
    const withHelper = analysis.helper !== null;
    const table = plainTable(['session', 'frame', 'command', 'file', 'mode', 'setup', 'data connection', 'bytes', 'rate', 'reply', 'status',
      ...(withHelper ? ['helper'] : [])]);
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
        bytesCell(transfer),
        transfer.rate === null ? '-' : `${bytesLabel(transfer.rate)}/s`,
        transfer.reply ? String(transfer.reply.code) : '-',
        transfer.status,
        ...(withHelper ? [transfer.helper ? `${transfer.helper.verdict}${transfer.helper.rejected ? ' (REJECTED)' : ''}` : '-'] : []),
      ]);
    }
    out.push(table.toString());
  }

  if (analysis.helper !== null) out.push(...helperSection(analysis, width));

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

  // Helper misses have their own section above; the findings list keeps the rest.
  const findingsShown = analysis.findings.filter((finding) => !finding.code.startsWith('helper.'));
  if (findingsShown.length > 0) {
    out.push('', `Findings (${findingsShown.length}${findingsShown.length < analysis.findings.length ? `, plus ${analysis.findings.length - findingsShown.length} helper misses above` : ''})`);
    const findings = wrappedTable(['severity', 'code', 'frames', 'message'], [10, 30, 16], width);
    for (const finding of findingsShown) {
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

/** Bytes carried, against the announced size, and how much of it the capture actually holds. */
function bytesCell(transfer: Analysis['sessions'][number]['transfers'][number]): string {
  if (transfer.bytes === null) return '-';
  let text = transfer.expectedSize !== null && transfer.expectedSize !== transfer.bytes ? `${transfer.bytes} of ${transfer.expectedSize}` : String(transfer.bytes);
  if (transfer.data && transfer.data.missingBytes > 0) text += `\n(${transfer.data.capturedBytes} captured)`;
  return text;
}
