/**
 * The report's trace-wide lists (findings; the helper's expectations, rewrites, drops and
 * ignored setups) are made in parts while the trace is read, each part when what it is about
 * is final (mostly: when its session settles), and read in one fixed order at the end:
 * section by section, each section's parts by key, each key's items in the order added.
 *
 * The parts go to a ListParts: kept in memory as objects for an in-memory Analysis
 * (MemoryList), or handed to the caller (the CLI keeps them as text in a spool), so a trace
 * of millions of short sessions does not keep a finding and an expectation per session.
 */
import type { DropReport, ExpectationReport, IgnoredReport, RewriteReport } from './analysis.js';
import type { Finding } from './findings.js';

export interface ListParts<T> {
  /** Items of one part. A key may be given more than once in a section: its items then follow the earlier ones. */
  add(section: number, key: number, items: readonly T[]): void;
}

/** Sections of the findings list, in report order. */
export const FindingSection = {
  /** Decode and TCP table findings, known at the end of the trace, by the order they have there. */
  Trace: 0,
  /** The stages' findings as they came (key: their number). */
  Stage: 1,
  /** Linkage findings, by session id. */
  Linkage: 2,
  /** Data connections no command explains, by connection id. */
  Lookalike: 3,
  /** The helper's verdict findings, by session id. */
  Verdict: 4,
} as const;

/** Sections of the helper's drops list, in report order. */
export const DropSection = {
  /** Drops seen on a control connection, by its connection id. */
  Seen: 0,
  /** Inferred silent replies, by session id. */
  Silent: 1,
  /** Inferred merged segments, by control connection id. */
  Merged: 2,
} as const;

/** Where the trace-wide lists go. Expectations and rewrites have one section, keyed by the order they were made. */
export interface TraceLists {
  findings: ListParts<Finding>;
  expectations: ListParts<ExpectationReport>;
  rewrites: ListParts<RewriteReport>;
  drops: ListParts<DropReport>;
  /** One section, by session id. */
  ignored: ListParts<IgnoredReport>;
}

/** A list kept in memory as objects. */
export class MemoryList<T> implements ListParts<T> {
  private readonly sections: Map<number, T[]>[] = [];

  add(section: number, key: number, items: readonly T[]): void {
    if (items.length === 0) return;
    while (this.sections.length <= section) this.sections.push(new Map());
    const parts = this.sections[section]!;
    const part = parts.get(key);
    if (part) part.push(...items);
    else parts.set(key, [...items]);
  }

  /** The items in report order. */
  items(): T[] {
    const all: T[] = [];
    for (const parts of this.sections) {
      for (const key of [...parts.keys()].sort((a, b) => a - b)) for (const item of parts.get(key)!) all.push(item);
    }
    return all;
  }
}

/** The lists of an in-memory Analysis. */
export class MemoryLists implements TraceLists {
  readonly findings = new MemoryList<Finding>();
  readonly expectations = new MemoryList<ExpectationReport>();
  readonly rewrites = new MemoryList<RewriteReport>();
  readonly drops = new MemoryList<DropReport>();
  readonly ignored = new MemoryList<IgnoredReport>();
}

/** Lists for a report that writes none of them (zeek's ftp.log): parts are dropped as they come. */
export function discardedLists(): TraceLists {
  const none = { add: () => {} };
  return { findings: none, expectations: none, rewrites: none, drops: none, ignored: none };
}
