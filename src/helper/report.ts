/**
 * The helper model's output: the expectation table as `conntrack -L expect` would have
 * shown it over time, the packets it dropped, the setups it ignored, and a verdict per
 * transfer with findings for every miss.
 */
import type { HelperReport, HelperVerdictReport } from '../analysis.js';
import type { Finding, FindingSink } from '../findings.js';
import type { SessionRecord, TransferRecord } from '../ftp/model.js';
import type { HelperStage } from './stage.js';
import { setupVerdict, transferVerdict, type HelperVerdict } from './verdict.js';

export function verdictReport(verdict: HelperVerdict | null): HelperVerdictReport | null {
  if (verdict === null) return null;
  return {
    verdict: verdict.verdict,
    reason: verdict.reason,
    message: verdict.message,
    frames: verdict.frames,
    fix: verdict.fix,
    related: verdict.related,
    rejected: verdict.rejected,
  };
}

export function helperReport(helper: HelperStage, sessions: readonly SessionRecord[]): HelperReport {
  const sessionOf = new Map<number, number>();
  for (const session of sessions) sessionOf.set(session.connection.id, session.id);
  const drops: HelperReport['drops'] = [];
  for (const trace of helper.controls.values()) {
    // Each group is one dropped packet and the retransmissions the helper dropped again.
    for (const group of trace.log.droppedGroups()) {
      const record = group[0]!;
      drops.push({
        fileIndex: record.fileIndex,
        frame: record.frame,
        session: sessionOf.get(trace.connection.id) ?? null,
        reason: record.clash ? 'expectation-clash' : 'partial-match',
        message: record.clash ? 'cannot add expectation (clash with another control connection)' : `partial matching of '${record.pattern}'`,
        retransmissions: group.slice(1).map((copy) => copy.frame),
        inferred: false,
      });
    }
  }
  drops.push(...silentReplyDrops(helper, sessions), ...mergedDrops(helper, sessionOf));
  const ignored: HelperReport['ignored'] = [];
  for (const session of sessions) {
    for (const setup of session.setups) {
      const verdict = setupVerdict(session, setup, null, helper);
      if (verdict && verdict.verdict === 'ignored') {
        const frame = verdict.frames[verdict.frames.length - 1] ?? setup.frames[0]!;
        ignored.push({ fileIndex: frame.fileIndex, frame: frame.frame, session: session.id, reason: verdict.reason, message: verdict.message });
      }
    }
  }
  return {
    ports: [...helper.options.ports],
    loose: helper.options.loose,
    kernel: helper.options.kernel,
    expectations: helper.expectations.all.map((expectation) => ({
      fileIndex: expectation.fileIndex,
      frame: expectation.frame,
      session: sessionOf.get(expectation.master) ?? null,
      src: expectation.src,
      dst: expectation.dst,
      dport: expectation.dport,
      state: expectation.state,
      usedBy: expectation.usedBy,
      portRandom: expectation.portRandom,
    })),
    rewrites: helper.rewrites.map((rewrite) => ({
      fileIndex: rewrite.fileIndex,
      frame: rewrite.frame,
      session: sessionOf.get(rewrite.connection) ?? null,
      direction: rewrite.direction === 0 ? 'client' as const : 'server' as const,
      original: rewrite.original,
      rewritten: rewrite.rewritten,
      delta: rewrite.delta,
      shiftAfter: rewrite.shiftAfter,
      portCertain: rewrite.portCertain,
    })),
    nat: (helper.options.nat ?? []).map((mapping) => ({ ...mapping })),
    drops,
    ignored,
  };
}

/** Verdicts per transfer, and a finding for each transfer the helper would have failed. */
export function transferVerdicts(
  helper: HelperStage,
  sessions: readonly SessionRecord[],
  emit: FindingSink,
): Map<TransferRecord, HelperVerdict | null> {
  const verdicts = new Map<TransferRecord, HelperVerdict | null>();
  for (const session of sessions) {
    for (const transfer of session.transfers) {
      const verdict = transferVerdict(session, transfer, helper);
      verdicts.set(transfer, verdict);
      if (verdict === null || verdict.verdict === 'expected') continue;
      const finding: Finding = {
        code: `helper.${verdict.verdict}`,
        severity: verdict.rejected ? 'error' : 'warning',
        message: `${[transfer.command.command, transfer.command.argument].filter(Boolean).join(' ')}: ${verdict.message}${verdict.fix ? `. Fix: ${verdict.fix}` : ''}`,
        frames: verdict.frames,
        session: session.id,
      };
      emit(finding);
    }
  }
  return verdicts;
}

/** How long the trace must go on after a PASV/EPSV with no reply before we call the reply dropped. */
export const SILENT_REPLY_SECONDS = 0.5;

/**
 * A helper on the server's own host drops a partial 227/229 inside the server's output
 * path, so it never reaches the wire and the session hangs (kernel-ftp-helper.md §6).
 * The capture then shows a PASV/EPSV that the server acknowledged and never answered,
 * while the trace went on: an inferred drop, marked as such.
 */
function silentReplyDrops(helper: HelperStage, sessions: readonly SessionRecord[]): HelperReport['drops'] {
  const drops: HelperReport['drops'] = [];
  for (const session of sessions) {
    const trace = helper.controls.get(session.connection.id);
    if (!trace || session.tls !== null) continue;
    // A command qualifies only if sent at or after the last reply and 0.5 s before the end, so
    // the last reply came at least 0.5 s before the end (subtraction rounds monotonically, so
    // this holds in floating point too): most sessions end with a reply and need no command read.
    if (session.connection.lastTime - trace.log.lastReplyTime < SILENT_REPLY_SECONDS) continue;
    for (const command of session.commands.unanswered()) {
      if (command.preliminary.length > 0) continue;
      if (command.command !== 'PASV' && command.command !== 'EPSV') continue;
      const sentAt = command.time;
      if (trace.log.repliedAfter(sentAt) || session.connection.lastTime - sentAt < SILENT_REPLY_SECONDS) continue;
      const frame = command.frames[command.frames.length - 1]!;
      drops.push({
        fileIndex: frame.fileIndex,
        frame: frame.frame,
        session: session.id,
        reason: 'silent-reply',
        message: `${command.command} was never answered: a helper on the server's host drops a malformed ${command.command === 'PASV' ? '227' : '229'} reply before it reaches the wire (inferred)`,
        retransmissions: [],
        inferred: true,
      });
    }
  }
  return drops;
}

/** Drops inferred from a skipped IPv4 ID before a merged PORT/EPRT/227/229 (see HelperSegmentRecord.mergedAfterDrop). */
function mergedDrops(helper: HelperStage, sessionOf: ReadonlyMap<number, number>): HelperReport['drops'] {
  const drops: HelperReport['drops'] = [];
  for (const trace of helper.controls.values()) {
    for (const record of trace.log.mergedRecords()) {
      drops.push({
        fileIndex: record.fileIndex,
        frame: record.frame,
        session: sessionOf.get(trace.connection.id) ?? null,
        reason: 'merged-after-drop',
        message: `the ${record.direction === 0 ? 'client' : 'server'}'s IP ID skips one or more just before this '${record.pattern}' segment: ` +
          'a first part was dropped as a partial match by a helper on the sender\'s host and merged into this one (inferred)',
        retransmissions: [],
        inferred: true,
      });
    }
  }
  return drops;
}
