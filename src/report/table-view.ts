/**
 * What the table report shows, gathered as the analysis goes: the table is for people to
 * read, so each of its lists shows its first rows (MAX_TABLE_ROWS, in report order) and
 * counts the rest, and only those rows are kept. A trace of millions of short sessions then
 * costs the table what a trace of a thousand does (it kept every session until the end, and
 * printed them all: 1.5 GB and 111 MB of text for 48,000 sessions), and the rows left out
 * are in --format json.
 *
 * One path for both ways of running: TableCollector takes analyze()'s sinks (sessions as they
 * settle, connections as the TCP table lets them go, the trace-wide lists in parts), and
 * tableViewOf() feeds it an in-memory Analysis.
 */
import type { CaptureError } from '../capture/errors.js';
import type {
  Analysis,
  CaptureReport,
  ConnectionReport,
  DecodeReport,
  DropReport,
  ExpectationReport,
  HelperReport,
  IgnoredReport,
  RewriteReport,
  SessionReport,
  TransferReport,
} from '../analysis.js';
import type { Finding } from '../findings.js';
import { DropSection, FindingSection, type ListParts, type TraceLists } from '../trace-lists.js';
import { findingsBySession } from './session-texts.js';

/** Rows shown per list (sessions, transfers, helper misses and drops, connections, findings). */
export const MAX_TABLE_ROWS = 1000;

/** Beyond this many listed connections the table shows the FTP ones (those with a service) only. */
export const MAX_TABLE_CONNECTIONS = 200;

/** A list's first rows, in report order, and how many there were. */
export interface Rows<T> {
  readonly items: readonly T[];
  readonly total: number;
}

/** A session's row: what the sessions table shows of it. */
export interface SessionRow {
  id: number;
  client: string;
  server: string;
  fileIndex: number;
  firstFrame: number;
  lastFrame: number;
  user: string | null;
  login: string | null;
  tls: boolean;
  commandCount: number;
  transfers: number;
  bytes: number;
  /** The session's findings other than info. */
  problems: number;
}

export interface TableView {
  capture: CaptureReport;
  decode: DecodeReport;
  sessions: Rows<SessionRow>;
  transfers: Rows<TransferReport>;
  helper: {
    ports: number[];
    loose: boolean;
    kernel: string;
    expectations: number;
    drops: Rows<DropReport>;
    /** Transfers whose verdict is not 'expected'. */
    misses: Rows<TransferReport>;
    /** Of all misses, those a RELATED-only firewall would have rejected. */
    rejected: number;
  } | null;
  connectionsTotal: number;
  /** Every listed connection when there are at most MAX_TABLE_CONNECTIONS, else the FTP ones. */
  connections: Rows<ConnectionReport>;
  /** Findings other than the helper's misses (those have their own section). */
  findings: Rows<Finding>;
  helperFindings: number;
  errors: CaptureError[];
}

/**
 * The `limit` smallest items by `compare`, and how many were offered. Items come roughly
 * in order (sessions settle about in id order): once full, most are larger than the
 * largest kept and cost one comparison.
 */
class Smallest<T> {
  private readonly items: T[] = [];
  private sorted = true;
  total = 0;

  constructor(
    private readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  add(item: T): void {
    this.total++;
    const items = this.items;
    if (items.length < this.limit) {
      if (items.length > 0 && this.compare(items[items.length - 1]!, item) > 0) this.sorted = false;
      items.push(item);
      return;
    }
    this.sort();
    if (this.limit === 0 || this.compare(item, items[items.length - 1]!) >= 0) return;
    items.pop();
    let low = 0;
    let high = items.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.compare(items[middle]!, item) <= 0) low = middle + 1;
      else high = middle;
    }
    items.splice(low, 0, item);
  }

  rows(): Rows<T> {
    this.sort();
    return { items: this.items, total: this.total };
  }

  private sort(): void {
    if (this.sorted) return;
    this.items.sort(this.compare);
    this.sorted = true;
  }
}

/** A list item with its place in report order: section, key, then the order it came in. */
interface Placed<T> {
  section: number;
  key: number;
  order: number;
  item: T;
}

function byId<T extends { id: number }>(a: T, b: T): number {
  return a.id - b.id;
}

function byPlace<T>(a: Placed<T>, b: Placed<T>): number {
  return a.section - b.section || a.key - b.key || a.order - b.order;
}

/** Transfers in report order: by session, then as the session has them. */
function byTransfer(a: TransferReport, b: TransferReport): number {
  return a.session - b.session || a.id - b.id;
}

/** Counts a list's items and keeps the first rows in report order. */
class PlacedRows<T> implements ListParts<T> {
  private readonly smallest: Smallest<Placed<T>>;
  private order = 0;

  constructor(limit: number, private readonly shown: (item: T) => boolean = () => true) {
    this.smallest = new Smallest(limit, byPlace);
  }

  /** Items the list had that are not shown (shown() said no). */
  hidden = 0;

  add(section: number, key: number, items: readonly T[]): void {
    for (const item of items) {
      if (this.shown(item)) this.smallest.add({ section, key, order: this.order++, item });
      else this.hidden++;
    }
  }

  rows(): Rows<T> {
    const rows = this.smallest.rows();
    return { items: rows.items.map((placed) => placed.item), total: rows.total };
  }
}

class Counted<T> implements ListParts<T> {
  total = 0;

  add(_section: number, _key: number, items: readonly T[]): void {
    this.total += items.length;
  }
}

/** The end of the analysis, for the view: what the table shows that the sinks did not bring. */
export type AnalysisEnd = Pick<Analysis, 'capture' | 'decode' | 'connectionsTotal' | 'helper' | 'errors'>;

/** analyze()'s sinks for the table: keeps the rows it will show, counts the rest. */
export class TableCollector {
  private readonly sessions: Smallest<SessionRow>;
  private readonly transfers: Smallest<TransferReport>;
  private readonly misses: Smallest<TransferReport>;
  private rejected = 0;
  /** Every listed connection while there are at most MAX_TABLE_CONNECTIONS; null past that. */
  private allConnections: ConnectionReport[] | null = [];
  private readonly ftpConnections: Smallest<ConnectionReport>;
  private readonly findingRows: PlacedRows<Finding>;
  private readonly dropRows: PlacedRows<DropReport>;
  private readonly expectationCount = new Counted<ExpectationReport>();
  readonly lists: TraceLists;

  constructor(limit: number = MAX_TABLE_ROWS) {
    this.sessions = new Smallest(limit, byId);
    this.transfers = new Smallest(limit, byTransfer);
    this.misses = new Smallest(limit, byTransfer);
    this.ftpConnections = new Smallest(limit, byId);
    this.findingRows = new PlacedRows(limit, (finding) => !finding.code.startsWith('helper.'));
    this.dropRows = new PlacedRows(limit);
    this.lists = {
      findings: this.findingRows,
      expectations: this.expectationCount,
      rewrites: new Counted<RewriteReport>(),
      drops: this.dropRows,
      ignored: new Counted<IgnoredReport>(),
    };
  }

  /** analyze()'s onSession: `findings` are the session's own. */
  readonly session = (session: SessionReport, findings: readonly Finding[]): void => {
    let bytes = 0;
    for (const transfer of session.transfers) {
      bytes += transfer.bytes ?? 0;
      this.transfers.add(transfer);
      const verdict = transfer.helper;
      if (verdict === null || verdict.verdict === 'expected') continue;
      this.misses.add(transfer);
      if (verdict.rejected) this.rejected++;
    }
    let problems = 0;
    for (const finding of findings) if (finding.severity !== 'info') problems++;
    this.sessions.add({
      id: session.id,
      client: session.client,
      server: session.server,
      fileIndex: session.fileIndex,
      firstFrame: session.firstFrame,
      lastFrame: session.lastFrame,
      user: session.user,
      login: session.login,
      tls: session.tls !== null,
      commandCount: session.commandCount,
      transfers: session.transfers.length,
      bytes,
      problems,
    });
  };

  /** analyze()'s onConnection. */
  readonly connection = (connection: ConnectionReport): void => {
    if (connection.service !== null) this.ftpConnections.add(connection);
    if (this.allConnections === null) return;
    if (this.allConnections.length < MAX_TABLE_CONNECTIONS) this.allConnections.push(connection);
    else this.allConnections = null;
  };

  view(end: AnalysisEnd): TableView {
    const helper: HelperReport | null = end.helper;
    return {
      capture: end.capture,
      decode: end.decode,
      sessions: this.sessions.rows(),
      transfers: this.transfers.rows(),
      helper: helper && {
        ports: helper.ports,
        loose: helper.loose,
        kernel: helper.kernel,
        expectations: this.expectationCount.total,
        drops: this.dropRows.rows(),
        misses: this.misses.rows(),
        rejected: this.rejected,
      },
      connectionsTotal: end.connectionsTotal,
      connections: this.allConnections ? { items: this.allConnections.sort(byId), total: this.allConnections.length } : this.ftpConnections.rows(),
      findings: this.findingRows.rows(),
      helperFindings: this.findingRows.hidden,
      errors: end.errors,
    };
  }
}

/** The table's view of an analysis that holds its lists. */
export function tableViewOf(analysis: Analysis, limit: number = MAX_TABLE_ROWS): TableView {
  const collector = new TableCollector(limit);
  const own = findingsBySession(analysis);
  for (const session of analysis.sessions) collector.session(session, own.get(session.id) ?? []);
  for (const connection of analysis.connections) collector.connection(connection);
  // Each list in the order it has: one section, items keyed by their place.
  const lists = collector.lists;
  analysis.findings.forEach((finding, index) => lists.findings.add(FindingSection.Trace, index, [finding]));
  const helper = analysis.helper;
  if (helper !== null) {
    lists.expectations.add(0, 0, helper.expectations);
    helper.drops.forEach((drop, index) => lists.drops.add(DropSection.Seen, index, [drop]));
  }
  return collector.view(analysis);
}
