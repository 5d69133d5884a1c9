/**
 * The helper model's output: the expectation table as `conntrack -L expect` would have
 * shown it over time, the packets it dropped, the setups it ignored, and a verdict per
 * transfer with findings for every miss.
 */
import type { DropReport, ExpectationReport, HelperReport, HelperVerdictReport, IgnoredReport, RewriteReport } from '../analysis.js';
import type { Finding, FindingSink } from '../findings.js';
import type { SessionRecord, TransferRecord } from '../ftp/model.js';
import { DropSection, type TraceLists } from '../trace-lists.js';
import type { Expectation } from './expectations.js';
import type { NatRewrite } from './nat.js';
import type { ControlTrace, HelperStage } from './stage.js';
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

/**
 * The helper's part of the report. Each session's share (transfer verdicts, the setups the
 * helper ignored, the packets it dropped on the session's control connection, the
 * expectations and rewrites of that connection) is made when the session settles and goes
 * to the trace-wide lists (src/trace-lists.ts), so the session can be let go; what no
 * session took (control connections the FTP stage did not take) goes there at the end.
 * The lists put the parts in the order they always had: drops seen on each control
 * connection by connection, then the inferred silent replies by session, then the inferred
 * merged segments by control connection; ignored setups by session; expectations and
 * rewrites in the order they were made.
 */
export class HelperReporter {
  /** Rewrites taken from the stage and not yet reported, by control connection id, with their number. */
  private readonly rewrites = new Map<number, { index: number; rewrite: NatRewrite }[]>();
  private rewritesTaken = 0;

  constructor(
    private readonly helper: HelperStage,
    private readonly lists: TraceLists,
  ) {}

  /**
   * False while the helper still holds an expectation for the session that may yet be used:
   * its verdicts are final only once the expectation is used, replaced or timed out.
   */
  canSettle(session: SessionRecord, now: number): boolean {
    return !this.helper.expectations.pendingFor(session.connection.id, now);
  }

  /** The session's verdicts per transfer; a finding for each transfer the helper would have failed. */
  settle(session: SessionRecord, now: number, emit: FindingSink): ReadonlyMap<TransferRecord, HelperVerdict | null> {
    const helper = this.helper;
    const lists = this.lists;
    const control = session.connection;
    // What timed out by now is expired, as the end of the trace would find it.
    helper.expectations.expireFor(control.id, now);
    const verdicts = transferVerdicts(helper, session, emit);
    lists.ignored.add(0, session.id, ignoredSetups(helper, session));
    lists.drops.add(DropSection.Silent, session.id, silentReplyDrops(helper, session));
    const trace = helper.control(control.id);
    if (trace !== undefined) this.controlDrops(trace, session.id);
    // The connection's expectations are final: none is pending (canSettle).
    for (const expectation of helper.expectations.take(control.id)) lists.expectations.add(0, expectation.index, [expectationReport(expectation, session.id)]);
    this.takeRewrites();
    this.reportRewrites(control.id, session.id);
    // Nothing asks about the session's control or data connections any more.
    for (const transfer of session.transfers) if (transfer.dataConnection) helper.related.delete(transfer.dataConnection.id);
    for (const setup of session.setups) for (const connection of setup.connections) helper.related.delete(connection.id);
    helper.release(control.id);
    return verdicts;
  }

  /**
   * The end of the trace, once every session has settled: what is left goes to the lists
   * without a session. Returns the helper's settings; its lists are in the TraceLists.
   */
  report(): HelperReport {
    const helper = this.helper;
    const lists = this.lists;
    // Settled sessions' control connections are released: what is left carried no FTP session
    // (a helper port the FTP stage did not take).
    for (const trace of helper.controls.values()) this.controlDrops(trace, null);
    for (const expectation of helper.expectations.takeAll()) lists.expectations.add(0, expectation.index, [expectationReport(expectation, null)]);
    this.takeRewrites();
    for (const id of [...this.rewrites.keys()]) this.reportRewrites(id, null);
    return {
      ports: [...helper.options.ports],
      loose: helper.options.loose,
      kernel: helper.options.kernel,
      expectations: [],
      rewrites: [],
      nat: (helper.options.nat ?? []).map((mapping) => ({ ...mapping })),
      drops: [],
      ignored: [],
    };
  }

  /** The packets the helper dropped on one control connection, seen and inferred. */
  private controlDrops(trace: ControlTrace, session: number | null): void {
    const dropped: DropReport[] = [];
    // Each group is one dropped packet and the retransmissions the helper dropped again.
    for (const group of trace.log.droppedGroups()) {
      const record = group[0]!;
      dropped.push({
        fileIndex: record.fileIndex,
        frame: record.frame,
        session,
        reason: record.clash ? 'expectation-clash' : 'partial-match',
        message: record.clash ? 'cannot add expectation (clash with another control connection)' : `partial matching of '${record.pattern}'`,
        retransmissions: group.slice(1).map((copy) => copy.frame),
        inferred: false,
      });
    }
    this.lists.drops.add(DropSection.Seen, trace.connection.id, dropped);
    this.lists.drops.add(DropSection.Merged, trace.connection.id, mergedDrops(trace, session));
  }

  /** The stage's new rewrites, held by control connection until its session settles. */
  private takeRewrites(): void {
    const taken = this.helper.rewrites;
    for (const rewrite of taken) {
      const held = this.rewrites.get(rewrite.connection);
      const entry = { index: this.rewritesTaken++, rewrite };
      if (held) held.push(entry);
      else this.rewrites.set(rewrite.connection, [entry]);
    }
    taken.length = 0;
  }

  private reportRewrites(control: number, session: number | null): void {
    const held = this.rewrites.get(control);
    if (held === undefined) return;
    this.rewrites.delete(control);
    for (const { index, rewrite } of held) this.lists.rewrites.add(0, index, [rewriteReport(rewrite, session)]);
  }
}

function expectationReport(expectation: Expectation, session: number | null): ExpectationReport {
  return {
    fileIndex: expectation.fileIndex,
    frame: expectation.frame,
    session,
    src: expectation.src,
    dst: expectation.dst,
    dport: expectation.dport,
    state: expectation.state,
    usedBy: expectation.usedBy,
    portRandom: expectation.portRandom,
  };
}

function rewriteReport(rewrite: NatRewrite, session: number | null): RewriteReport {
  return {
    fileIndex: rewrite.fileIndex,
    frame: rewrite.frame,
    session,
    direction: rewrite.direction === 0 ? 'client' : 'server',
    original: rewrite.original,
    rewritten: rewrite.rewritten,
    delta: rewrite.delta,
    shiftAfter: rewrite.shiftAfter,
    portCertain: rewrite.portCertain,
  };
}

function ignoredSetups(helper: HelperStage, session: SessionRecord): IgnoredReport[] {
  const ignored: IgnoredReport[] = [];
  for (const setup of session.setups) {
    const verdict = setupVerdict(session, setup, null, helper);
    if (verdict && verdict.verdict === 'ignored') {
      const frame = verdict.frames[verdict.frames.length - 1] ?? setup.frames[0]!;
      ignored.push({ fileIndex: frame.fileIndex, frame: frame.frame, session: session.id, reason: verdict.reason, message: verdict.message });
    }
  }
  return ignored;
}

/** The verdicts of a session without transfers: shared, and read only. */
const NO_VERDICTS: ReadonlyMap<TransferRecord, HelperVerdict | null> = new Map();

/** Verdicts per transfer of one session, and a finding for each transfer the helper would have failed. */
function transferVerdicts(helper: HelperStage, session: SessionRecord, emit: FindingSink): ReadonlyMap<TransferRecord, HelperVerdict | null> {
  // A session without transfers (most, on a trace of many short sessions) needs no map of its own.
  if (session.transfers.length === 0) return NO_VERDICTS;
  const verdicts = new Map<TransferRecord, HelperVerdict | null>();
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
function silentReplyDrops(helper: HelperStage, session: SessionRecord): DropReport[] {
  const drops: DropReport[] = [];
  const trace = helper.control(session.connection.id);
  if (!trace || session.tls !== null) return drops;
  // A command qualifies only if sent at or after the last reply and 0.5 s before the end, so
  // the last reply came at least 0.5 s before the end (subtraction rounds monotonically, so
  // this holds in floating point too): most sessions end with a reply and need no command read.
  if (session.connection.lastTime - trace.log.lastReplyTime < SILENT_REPLY_SECONDS) return drops;
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
  return drops;
}

/** Drops inferred from a skipped IPv4 ID before a merged PORT/EPRT/227/229 (see HelperSegmentRecord.mergedAfterDrop). */
function mergedDrops(trace: ControlTrace, session: number | null): DropReport[] {
  const drops: DropReport[] = [];
  for (const record of trace.log.mergedRecords()) {
    drops.push({
      fileIndex: record.fileIndex,
      frame: record.frame,
      session,
      reason: 'merged-after-drop',
      message: `the ${record.direction === 0 ? 'client' : 'server'}'s IP ID skips one or more just before this '${record.pattern}' segment: ` +
        'a first part was dropped as a partial match by a helper on the sender\'s host and merged into this one (inferred)',
      retransmissions: [],
      inferred: true,
    });
  }
  return drops;
}
