/**
 * The report's trace-wide lists (src/trace-lists.ts) kept as text: each part's text is made
 * when the part is, and kept in one spool that all the lists share (src/report/spool.ts:
 * a memory budget, then a temporary file); each part's section and key stay in memory, in
 * typed arrays, to read the parts back in report order. A part costs 12 bytes here and the
 * spool's 16 bytes of index, instead of its objects: on a trace of millions of short
 * sessions with a finding each, the findings would otherwise be most of what is kept.
 */
import type { DropReport, ExpectationReport, IgnoredReport, RewriteReport } from '../analysis.js';
import type { Finding } from '../findings.js';
import type { ListParts, TraceLists } from '../trace-lists.js';
import type { FilePaths, HelperTexts, ListTexts } from './session-texts.js';
import { TextSpool, type SpoolOptions } from './spool.js';
import { TextBuilder } from './text-builder.js';

/** One section's parts: their spool ids and keys, in the order they were added. */
class SectionIndex {
  ids = new Uint32Array(64);
  keys = new Float64Array(64);
  count = 0;
  /** The keys came in order (the common case: then the ids are the order). */
  sorted = true;

  push(id: number, key: number): void {
    if (this.count === this.ids.length) {
      const ids = new Uint32Array(this.count * 2);
      ids.set(this.ids);
      this.ids = ids;
      const keys = new Float64Array(this.count * 2);
      keys.set(this.keys);
      this.keys = keys;
    }
    if (this.count > 0 && key < this.keys[this.count - 1]!) this.sorted = false;
    this.ids[this.count] = id;
    this.keys[this.count] = key;
    this.count++;
  }

  /** The ids by key; parts of one key in the order they were added. */
  order(): Uint32Array {
    const ids = this.ids.subarray(0, this.count);
    if (this.sorted) return ids;
    const keys = this.keys;
    const positions = new Uint32Array(this.count);
    for (let i = 0; i < positions.length; i++) positions[i] = i;
    positions.sort((a, b) => keys[a]! - keys[b]! || a - b);
    return positions.map((position) => ids[position]!);
  }
}

/** A list whose parts are kept as text: each item's text, its separator included, one after the other. */
export class SpooledList<T> implements ListParts<T> {
  readonly #sections: (SectionIndex | undefined)[] = [];
  readonly #out = new TextBuilder();

  constructor(
    private readonly spool: TextSpool,
    private readonly write: (out: TextBuilder, item: T) => void,
  ) {}

  add(section: number, key: number, items: readonly T[]): void {
    if (items.length === 0) return;
    // Written straight into the spool's file buffer once it has one (see TextSpool.begin).
    const out = this.spool.begin(this.#out);
    for (const item of items) this.write(out, item);
    let index = this.#sections[section];
    if (index === undefined) index = this.#sections[section] = new SectionIndex();
    index.push(this.spool.keepNext(out), key);
  }

  /** The items' texts in report order, those next to each other joined (see TextSpool.runs). */
  *texts(reuse = false): Generator<Uint8Array> {
    for (const index of this.#sections) if (index !== undefined) yield* this.spool.runsOf(index.order(), reuse);
  }
}

/** The trace-wide lists of one run, as one format's texts, in one spool. */
export class SpooledLists implements TraceLists {
  readonly #spool: TextSpool;
  readonly findings: SpooledList<Finding>;
  readonly expectations: SpooledList<ExpectationReport>;
  readonly rewrites: SpooledList<RewriteReport>;
  readonly drops: SpooledList<DropReport>;
  readonly ignored: SpooledList<IgnoredReport>;

  constructor(texts: ListTexts, files: FilePaths, options?: SpoolOptions) {
    const spool = this.#spool = new TextSpool(options);
    this.findings = new SpooledList(spool, (out, finding) => texts.finding(out, finding, files));
    this.expectations = new SpooledList(spool, texts.expectation);
    this.rewrites = new SpooledList(spool, texts.rewrite);
    this.drops = new SpooledList(spool, texts.drop);
    this.ignored = new SpooledList(spool, texts.ignored);
  }

  /** The helper's lists' texts, in report order. */
  helperTexts(reuse = false): HelperTexts<Uint8Array> {
    return {
      expectations: this.expectations.texts(reuse),
      rewrites: this.rewrites.texts(reuse),
      drops: this.drops.texts(reuse),
      ignored: this.ignored.texts(reuse),
    };
  }

  /** Lets go of the texts and their temporary file. */
  close(): void {
    this.#spool.close();
  }
}
