/**
 * Settled sessions become reports here, one at a time, while the trace is still being read
 * (see ftp/settle.ts): each gets its linkage findings and helper verdicts, goes to the
 * caller's sink (or is kept, for an in-memory Analysis), and is let go by the stages.
 *
 * Findings go to the trace-wide list (src/trace-lists.ts), which keeps the order it has
 * always had whatever order sessions settle in: the stages' findings as they came, then
 * linkage findings by session, then look-alike data connections by connection, then the
 * helper's verdict findings by session.
 */
import type { SessionReport } from './analysis.js';
import type { Finding } from './findings.js';
import type { SessionRecord } from './ftp/model.js';
import { lookalikeFinding, sessionLinkageFindings, sessionReport } from './ftp/summary.js';
import type { FtpStage } from './ftp/stage.js';
import { verdictReport, type HelperReporter } from './helper/report.js';
import type { Connection } from './tcp/types.js';
import { FindingSection, type TraceLists } from './trace-lists.js';

export type SessionSink = (session: SessionReport, findings: readonly Finding[]) => void;

export class SessionReports {
  /** The stages' findings so far: the next one's key in its section. */
  private stageFindings = 0;
  /** Stage findings of sessions not yet settled, by session id. */
  private readonly liveFindings = new Map<number, Finding[]>();
  /** Reports kept when there is no sink, by session id. */
  private readonly kept: SessionReport[] = [];

  constructor(
    private readonly ftp: FtpStage,
    private readonly helper: HelperReporter | null,
    private readonly sink: SessionSink | null,
    private readonly lists: TraceLists,
  ) {}

  /** The stages' finding sink. */
  readonly finding = (finding: Finding): void => {
    this.lists.findings.add(FindingSection.Stage, this.stageFindings++, [finding]);
    if (finding.session === undefined) return;
    const list = this.liveFindings.get(finding.session);
    if (list) list.push(finding);
    else this.liveFindings.set(finding.session, [finding]);
  };

  /** A settled session at trace time `now`: report it, and let the stages forget it. */
  settle(session: SessionRecord, lookalikes: readonly Connection[], now: number): void {
    let own = this.liveFindings.get(session.id);
    if (own === undefined) own = [];
    else this.liveFindings.delete(session.id);
    const linkage: Finding[] = [];
    sessionLinkageFindings(session, (finding) => linkage.push(finding));
    const unlinked: Finding[] = [];
    for (const connection of lookalikes) {
      if (this.ftp.isControl(connection) || this.ftp.linker.isClaimed(connection)) continue;
      unlinked.push(lookalikeFinding(connection, session));
    }
    const verdictFindings: Finding[] = [];
    const verdicts = this.helper?.settle(session, now, (finding) => verdictFindings.push(finding)) ?? null;
    const findings = this.lists.findings;
    findings.add(FindingSection.Linkage, session.id, linkage);
    for (const finding of unlinked) findings.add(FindingSection.Lookalike, finding.connection!, [finding]);
    findings.add(FindingSection.Verdict, session.id, verdictFindings);
    const report = sessionReport(session, (transfer) => verdictReport(verdicts?.get(transfer) ?? null));
    this.ftp.linker.forgetSession(session);
    if (this.sink === null) {
      this.kept.push(report);
      return;
    }
    // Most sessions have findings of one kind at most: those go as they are, not copied.
    this.sink(report, joined(own, linkage, unlinked, verdictFindings));
    // The sink has read the report: its commands' rows go to later sessions.
    this.ftp.release(session);
  }

  /** The sessions kept (none when a sink took them), by id. */
  sessions(): SessionReport[] {
    return this.kept.sort((a, b) => a.id - b.id);
  }
}

/** The findings of the lists in order, as one list: the one non-empty list itself when there is one. */
export function joined(...lists: readonly Finding[][]): readonly Finding[] {
  let only: readonly Finding[] | null = null;
  for (const list of lists) {
    if (list.length === 0) continue;
    if (only !== null) return lists.flat();
    only = list;
  }
  return only ?? lists[0]!;
}
