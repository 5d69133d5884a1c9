import type { Analysis, TransferReport } from '../analysis.js';
import { bytesLabel, frameLabel, isoTime } from './format.js';
import { tableViewOf, type Rows, type TableView } from './table-view.js';
import { TextTable } from './text-table.js';

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
function helperSection(view: TableView, width: number): string[] {
  const helper = view.helper!;
  const files = view.capture.files;
  const out = ['', `Conntrack helper (nf_conntrack_ftp on ports ${helper.ports.join(',')}, loose=${helper.loose ? 1 : 0}, kernel ${helper.kernel})`];
  const misses = helper.misses;
  const rejected = helper.rejected;
  out.push(`${helper.expectations} expectations registered, ${helper.drops.total} control packets dropped, ` +
    `${misses.total} transfers missed by the helper${rejected > 0 ? `, ${rejected} data connections a RELATED-only firewall would have rejected` : ''}`);
  if (misses.items.length > 0) {
    const table = wrappedTable(['session', 'transfer', 'verdict', 'frames', 'why, and the fix'], [9, 22, 24, 14], width);
    for (const transfer of misses.items) {
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
    out.push(...notListed(misses, 'helper misses'));
  }
  for (const drop of helper.drops.items) {
    out.push(`  dropped frame ${frameLabel(drop.fileIndex, drop.frame, files)}${drop.retransmissions.length > 0 ? ` and its retransmissions ${drop.retransmissions.join(', ')}` : ''}: ${drop.message}`);
  }
  out.push(...notListed(helper.drops, 'dropped packets'));
  return out;
}

/** The line under a list that shows only its first rows. */
function notListed(rows: Rows<unknown>, what: string): string[] {
  const more = rows.total - rows.items.length;
  return more > 0 ? [`(${more} more ${what} not listed; use --format json for all)`] : [];
}

/** Columns a table may use: the terminal's width, or a readable default when piped. */
export const DEFAULT_WIDTH = 160;

export function renderTable(analysis: Analysis, width: number = DEFAULT_WIDTH): string {
  return renderTableView(tableViewOf(analysis), width);
}

/** The table of what an analysis showed (see table-view.ts: each list's first rows, and counts). */
export function renderTableView(view: TableView, width: number = DEFAULT_WIDTH): string {
  const out: string[] = [];
  const files = view.capture.files;
  const capture = view.capture;

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
  const decode = view.decode;
  out.push(
    `${capture.frames} frames: ${decode.tcpSegments} TCP segments, ${decode.notTcp} other, ` +
      `${decode.fragments} IP fragments, ${decode.truncated} truncated, ${decode.malformed} malformed, ` +
      `${decode.unsupportedLink} unsupported link type`,
  );

  out.push('', `FTP control sessions (${view.sessions.total})`);
  if (view.sessions.total === 0) {
    out.push('none found (a control connection on a port other than 21 with no readable greeting? try --control-ports)');
  } else {
    const sessions = plainTable(['session', 'client', 'server', 'frames', 'user', 'login', 'commands', 'transfers', 'bytes', 'problems']);
    for (const session of view.sessions.items) {
      sessions.push([
        session.id,
        session.client,
        session.server,
        `${frameLabel(session.fileIndex, session.firstFrame, files)}–${session.lastFrame}`,
        session.user ?? '-',
        session.tls ? `${session.login ?? '?'} (TLS)` : session.login ?? '-',
        session.commandCount,
        session.transfers,
        bytesLabel(session.bytes),
        session.problems,
      ]);
    }
    out.push(sessions.toString());
    out.push(...notListed(view.sessions, 'sessions'));
  }

  const transfers = view.transfers;
  if (transfers.total > 0) {
    out.push('', `Transfers (${transfers.total})`);
    const withHelper = view.helper !== null;
    const table = plainTable(['session', 'frame', 'command', 'file', 'mode', 'setup', 'data connection', 'bytes', 'rate', 'reply', 'status',
      ...(withHelper ? ['helper'] : [])]);
    for (const transfer of transfers.items) {
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
    out.push(...notListed(transfers, 'transfers'));
  }

  if (view.helper !== null) out.push(...helperSection(view, width));

  const listed = view.connections.items;
  out.push('', `TCP connections (${view.connectionsTotal})`);
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
  if (listed.length < view.connectionsTotal) {
    out.push(`(${view.connectionsTotal - listed.length} more connections not listed; use --format json for all)`);
  }

  // Helper misses have their own section above; the findings list keeps the rest.
  const findingsShown = view.findings;
  if (findingsShown.total > 0) {
    out.push('', `Findings (${findingsShown.total}${view.helperFindings > 0 ? `, plus ${view.helperFindings} helper misses above` : ''})`);
    const findings = wrappedTable(['severity', 'code', 'frames', 'message'], [10, 30, 16], width);
    for (const finding of findingsShown.items) {
      const frames = finding.frames.slice(0, 8).map((ref) => frameLabel(ref.fileIndex, ref.frame, files));
      if (finding.frames.length > 8) frames.push(`+${finding.frames.length - 8}`);
      findings.push([finding.severity, finding.code, frames.join(' '), finding.message]);
    }
    out.push(findings.toString());
    out.push(...notListed(findingsShown, 'findings'));
  }
  if (view.errors.length > 0) {
    out.push('', 'Input faults (results above cover everything before them)');
    for (const error of view.errors) out.push(`  ${error.message}`);
  }
  return `${out.join('\n')}\n`;
}

function truncate(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, length - 1)}…`;
}

/** Bytes carried, against the announced size, and how much of it the capture actually holds. */
function bytesCell(transfer: TransferReport): string {
  if (transfer.bytes === null) return '-';
  let text = transfer.expectedSize !== null && transfer.expectedSize !== transfer.bytes ? `${transfer.bytes} of ${transfer.expectedSize}` : String(transfer.bytes);
  if (transfer.data && transfer.data.missingBytes > 0) text += `\n(${transfer.data.capturedBytes} captured)`;
  return text;
}
