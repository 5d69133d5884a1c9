/**
 * Texts kept by id until the end of a run, then given back in id order: each session's
 * part of the report, made when the session settles (in the order sessions settle), and
 * written once the rest of the report is known. The first texts, up to a byte budget,
 * stay in memory; the rest go to a temporary file, so a trace of millions of short
 * sessions costs disk, not memory. Texts are kept as UTF-8, the bytes the report writes.
 */
import { closeSync, openSync, readSync, unlinkSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TextBuilder } from './text-builder.js';

/**
 * Bytes of text kept in memory before the spool spills to its file: enough that a run of
 * a couple of hundred sessions makes no file. Kept small because fresh memory is the dearer
 * place: on the small bench trace (12,000 sessions, 50 MiB of session JSON) keeping and
 * reading back the texts cost about 0.26 s of CPU with no budget (all in the file, which
 * stays in the page cache), 0.31 s with 4 MiB and 0.36-0.45 s with 16 MiB, the first
 * touch of each new block's pages costing more than writing and reading the file. A run
 * has three spools (sessions, connections, the lists): with 65 MB of texts in two of
 * them, 4 MiB each cost 80 ms more than no budget, 1 MiB 20 ms (measured on a spool alone).
 */
export const DEFAULT_SPOOL_BUDGET_BYTES = 1 << 20;

/** Size of a memory block, of the file's write buffer, and the most a read of the file takes at once. */
const BLOCK_BYTES = 1 << 20;

/** Room begin() leaves in the file's write buffer for a text (a longer one moves to the builder's buffer, and is copied). */
const BEGIN_ROOM_BYTES = 64 << 10;

/** Ids looked ahead, when reading back, for texts that one read of the file can bring along. */
const READ_AHEAD_IDS = 4096;
/** The look-ahead stops after this many ids in a row whose texts lie elsewhere in the file. */
const READ_AHEAD_MISSES = 64;
/** Bytes between a read's texts and the next text's that a read may span to bring it along. */
const READ_GAP_BYTES = 4096;

/** Where an id's text is, besides a memory block's number. */
const IN_FILE = -1;
const ABSENT = -2;

export interface SpoolOptions {
  /** Bytes of text kept in memory (DEFAULT_SPOOL_BUDGET_BYTES when not given). */
  budgetBytes?: number;
  /** Where the temporary file is made (os.tmpdir() when not given). */
  directory?: string;
}

/** The temporary file could not be made, written or read (a full disk): a one-line message naming the directory. */
export class SpoolError extends Error {
  override name = 'SpoolError';
}

/** A range of the file read at once, kept while the texts read next are in it. */
interface ReadWindow {
  bytes: Buffer;
  start: number;
}

export class TextSpool {
  readonly #budget: number;
  readonly #directory: string;
  // The index, by id: a memory block's number (or IN_FILE, ABSENT), the offset in that
  // block or in the file, and the length in bytes. Typed arrays, grown by doubling: one
  // object per text would cost more than many texts do.
  #where = new Int32Array(1024).fill(ABSENT);
  #offset = new Float64Array(1024);
  #length = new Uint32Array(1024);
  #lastId = 0;
  #count = 0;
  // Memory: the blocks, the one being filled, and the bytes of text they hold.
  #blocks: Buffer[] = [];
  #current = -1;
  #currentUsed = 0;
  #memoryBytes = 0;
  // The file: from the first text over the budget on, every text goes there (through a
  // write buffer), made when the buffer is first written.
  #fd: number | null = null;
  #path: string | null = null;
  #pending: Buffer | null = null;
  #pendingUsed = 0;
  #fileBytes = 0;
  #spilled = false;
  #closed = false;

  constructor(options: SpoolOptions = {}) {
    this.#budget = Math.max(0, Math.floor(options.budgetBytes ?? DEFAULT_SPOOL_BUDGET_BYTES));
    this.#directory = options.directory ?? tmpdir();
  }

  /** Bytes of text held in memory. */
  get memoryBytes(): number {
    return this.#memoryBytes;
  }

  /** Bytes of text in the file. */
  get fileBytes(): number {
    return this.#fileBytes + this.#pendingUsed;
  }

  /** Keeps the text of `id` (1, 2, 3...: each once, in any order). */
  /** Keeps the text of `id`: a string, or UTF-8 bytes (copied: the caller may reuse them at once). */
  add(id: number, text: string | Uint8Array): void {
    if (this.#closed) throw new Error('the spool is closed');
    if (!Number.isInteger(id) || id < 1) throw new RangeError(`not a spool id: ${id}`);
    this.#grow(id);
    if (this.#where[id] !== ABSENT) throw new Error(`text ${id} spooled twice`);
    this.#count++;
    if (typeof text !== 'string') {
      if (!this.#spilled && this.#addBytesToMemory(id, text)) return;
      this.#spilled = true;
      this.#addBytesToFile(id, text);
      return;
    }
    if (!this.#spilled && this.#addToMemory(id, text)) return;
    this.#spilled = true;
    this.#addToFile(id, text);
  }

  /**
   * The texts in id order, 1 to the highest id added, as UTF-8 bytes. Each is a view that
   * stays valid (nothing is written over it), so a stream may keep it, unless `reuse`: then
   * the file is read into two buffers in turn, and a view read from the file is valid only
   * until the second read after it (for a writer that is done with each piece before it
   * asks for the next; fresh memory for every read cost more than the read itself: 3.4 ms
   * per MiB here, against 0.1 ms into a buffer already touched). Throws when an id below
   * the highest was never added: the report would silently lack that session.
   */
  *texts(reuse = false): Generator<Uint8Array> {
    if (this.#count !== this.#lastId) throw new Error(`${this.#lastId - this.#count} of ${this.#lastId} texts never reached the spool`);
    yield* this.#textsIn(null, reuse);
  }

  /**
   * The texts of `ids`, in that order, as texts() gives them (views valid as there): for
   * texts whose order is known only at the end. Throws when an id was never added.
   */
  *textsOf(ids: Uint32Array, reuse = false): Generator<Uint8Array> {
    for (const id of ids) if (id < 1 || id > this.#lastId || this.#where[id] === ABSENT) throw new Error(`text ${id} never reached the spool`);
    yield* this.#textsIn(ids, reuse);
  }

  /**
   * Readies `out` for the next text: once the texts go to the file, written straight into
   * the file's write buffer (see TextBuilder.writeInto), where keep() then takes it as it
   * lies. Copying every text from the builder into that buffer cost about as much as
   * writing the file did (65 MB on the small bench trace).
   */
  begin(out: TextBuilder): TextBuilder {
    if (!this.#spilled || this.#closed) return out.reset();
    if (this.#pending === null || this.#pending.length - this.#pendingUsed < BEGIN_ROOM_BYTES) {
      this.#flush();
      this.#pending ??= Buffer.allocUnsafe(BLOCK_BYTES);
    }
    return out.writeInto(this.#pending, this.#pendingUsed);
  }

  /** Keeps the text `out` holds as that of `id`, as add(id, out.view()) does: without a copy when begin() readied `out`. */
  keep(id: number, out: TextBuilder): void {
    const pending = this.#pending;
    // Asked without a view of the text: a view per text, made only to be compared, was garbage for each one.
    if (pending === null || !out.isWrittenInto(pending, this.#pendingUsed) || this.#closed) {
      this.add(id, out.view());
      return;
    }
    const length = out.length;
    if (!Number.isInteger(id) || id < 1) throw new RangeError(`not a spool id: ${id}`);
    this.#grow(id);
    if (this.#where[id] !== ABSENT) throw new Error(`text ${id} spooled twice`);
    this.#count++;
    this.#where[id] = IN_FILE;
    this.#offset[id] = this.#fileBytes + this.#pendingUsed;
    this.#length[id] = length;
    this.#pendingUsed += length;
  }

  /** Keeps the text `out` holds, readied by begin(), as keep() does, under the id append() would give it; returns that id. */
  keepNext(out: TextBuilder): number {
    const id = this.#lastId + 1;
    this.keep(id, out);
    return id;
  }

  /** Adds a text under the next id after the highest so far, and returns that id. */
  append(text: string | Uint8Array): number {
    const id = this.#lastId + 1;
    this.add(id, text);
    return id;
  }

  /** The texts of `ids` in that order, or of every id from 1 when null. */
  *#textsIn(ids: Uint32Array | null, reuse: boolean): Generator<Uint8Array> {
    this.#flush();
    let window: ReadWindow | null = null;
    const buffers: [Buffer | null, Buffer | null] = [null, null];
    let turn = 0;
    const count = ids === null ? this.#lastId : ids.length;
    for (let position = 0; position < count; position++) {
      const id = ids === null ? position + 1 : ids[position]!;
      const where = this.#where[id]!;
      const offset = this.#offset[id]!;
      const length = this.#length[id]!;
      if (where >= 0) yield this.#blocks[where]!.subarray(offset, offset + length);
      else if (length === 0) yield new Uint8Array(0);
      else {
        if (window === null || offset < window.start || offset + length > window.start + window.bytes.length) {
          window = this.#read(ids, position, reuse ? buffers : null, turn);
          turn ^= 1;
        }
        yield window.bytes.subarray(offset - window.start, offset - window.start + length);
      }
    }
  }

  /**
   * The texts of `ids` in that order (of every id from 1 when null), those that lie next
   * to each other in a memory block or in one read of the file joined: read from the index
   * alone, with a view made per run, not per text (a view per text, then one per joining,
   * cost more than reading the file back, on a trace of many short sessions).
   */
  *#runsIn(ids: Uint32Array | null, reuse: boolean, firstId = 1, endId = Infinity): Generator<Uint8Array> {
    this.#flush();
    let window: ReadWindow | null = null;
    const buffers: [Buffer | null, Buffer | null] = [null, null];
    let turn = 0;
    // The run so far: where its bytes are (a memory block, or a read of the file), and its range there.
    let source: Uint8Array | null = null;
    let runStart = 0;
    let runEnd = 0;
    // Without `ids`, the ids from firstId up to endId (or the last): position + 1 is the id.
    const count = ids === null ? Math.min(this.#lastId, endId - 1) : ids.length;
    for (let position = ids === null ? Math.max(firstId, 1) - 1 : 0; position < count; position++) {
      const id = ids === null ? position + 1 : ids[position]!;
      const length = this.#length[id]!;
      if (length === 0) continue;
      const where = this.#where[id]!;
      const offset = this.#offset[id]!;
      let bytes: Uint8Array;
      let start: number;
      if (where >= 0) {
        bytes = this.#blocks[where]!;
        start = offset;
      } else {
        if (window === null || offset < window.start || offset + length > window.start + window.bytes.length) {
          // Given out before the read: with `reuse`, the read after next writes over it.
          if (source !== null) yield source.subarray(runStart, runEnd);
          source = null;
          window = this.#read(ids, position, reuse ? buffers : null, turn);
          turn ^= 1;
        }
        bytes = window.bytes;
        start = offset - window.start;
      }
      if (bytes === source && start === runEnd) {
        runEnd += length;
        continue;
      }
      if (source !== null) yield source.subarray(runStart, runEnd);
      source = bytes;
      runStart = start;
      runEnd = start + length;
    }
    if (source !== null) yield source.subarray(runStart, runEnd);
  }

  /**
   * The texts in id order as texts() gives them, but those that lie next to each other
   * (in a memory block, or in one read of the file) joined into one view: texts that
   * settled in id order come in pieces of up to a block, to be written without a copy.
   * Empty texts add nothing. With `reuse`, as texts(true): a run is valid until the next
   * one is asked for.
   */
  *runs(reuse = false): Generator<Uint8Array> {
    if (this.#count !== this.#lastId) throw new Error(`${this.#lastId - this.#count} of ${this.#lastId} texts never reached the spool`);
    yield* this.#runsIn(null, reuse);
  }

  /** Whether the spool holds a text (not empty) of an id from `firstId` up to `endId` (not included). */
  holdsBetween(firstId: number, endId: number): boolean {
    const end = Math.min(endId, this.#lastId + 1);
    for (let id = Math.max(firstId, 1); id < end; id++) if (this.#length[id]! > 0) return true;
    return false;
  }

  /**
   * The texts of the ids from `firstId` up to `endId` (not included) that the spool holds,
   * in id order, joined as runs() joins them; ids it never got are passed over (a report
   * that writes the sessions settled at the end of the trace itself, between these).
   */
  *runsBetween(firstId: number, endId: number, reuse = false): Generator<Uint8Array> {
    yield* this.#runsIn(null, reuse, firstId, endId);
  }

  /** The texts of `ids` in that order (see textsOf), joined as runs() joins them. */
  *runsOf(ids: Uint32Array, reuse = false): Generator<Uint8Array> {
    for (const id of ids) if (id < 1 || id > this.#lastId || this.#where[id] === ABSENT) throw new Error(`text ${id} never reached the spool`);
    yield* this.#runsIn(ids, reuse);
  }

  /** Lets go of the texts and closes (and so removes) the file. Safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#blocks = [];
    this.#pending = null;
    if (this.#fd !== null) closeSync(this.#fd);
    this.#fd = null;
    if (this.#path !== null) {
      try {
        unlinkSync(this.#path);
      } catch {
        // Gone already: nothing to remove.
      }
    }
  }

  #grow(id: number): void {
    if (id > this.#lastId) this.#lastId = id;
    if (id < this.#where.length) return;
    let size = this.#where.length * 2;
    while (size <= id) size *= 2;
    const where = new Int32Array(size).fill(ABSENT);
    where.set(this.#where);
    const offset = new Float64Array(size);
    offset.set(this.#offset);
    const length = new Uint32Array(size);
    length.set(this.#length);
    this.#where = where;
    this.#offset = offset;
    this.#length = length;
  }

  /**
   * Keeps the text in memory if it fits the budget. False when it cannot (nothing kept);
   * when only its encoding shows that it does not fit, it goes to the file from there.
   */
  #addToMemory(id: number, text: string): boolean {
    // A text has at least as many UTF-8 bytes as UTF-16 units.
    if (this.#memoryBytes + text.length > this.#budget) return false;
    // UTF-8 takes at most 3 bytes per UTF-16 unit: room for that is room enough to encode into.
    const room = text.length * 3;
    const blockBytes = Math.min(BLOCK_BYTES, Math.max(this.#budget, 1));
    let bytes: Uint8Array;
    let block: number;
    if (room > blockBytes) {
      // Too long for a block: a buffer of its own, of its exact size.
      bytes = Buffer.from(text);
      block = this.#blocks.length;
      if (this.#memoryBytes + bytes.length <= this.#budget) this.#blocks.push(bytes as Buffer);
    } else {
      if (this.#current < 0 || this.#currentUsed + room > this.#blocks[this.#current]!.length) {
        this.#blocks.push(Buffer.allocUnsafe(blockBytes));
        this.#current = this.#blocks.length - 1;
        this.#currentUsed = 0;
      }
      block = this.#current;
      const at = this.#currentUsed;
      bytes = this.#blocks[block]!.subarray(at, at + this.#blocks[block]!.write(text, at));
    }
    if (this.#memoryBytes + bytes.length > this.#budget) {
      this.#spilled = true;
      this.#addBytesToFile(id, bytes);
      return true;
    }
    this.#where[id] = block;
    this.#offset[id] = bytes.byteOffset - this.#blocks[block]!.byteOffset;
    this.#length[id] = bytes.length;
    this.#memoryBytes += bytes.length;
    if (block === this.#current) this.#currentUsed += bytes.length;
    return true;
  }

  /** Keeps a copy of the bytes in memory if they fit the budget; false when they do not (nothing kept). */
  #addBytesToMemory(id: number, bytes: Uint8Array): boolean {
    if (this.#memoryBytes + bytes.length > this.#budget) return false;
    const blockBytes = Math.min(BLOCK_BYTES, Math.max(this.#budget, 1));
    let block: number;
    let at = 0;
    if (bytes.length > blockBytes) {
      // Too long for a block: a buffer of its own, of its exact size.
      block = this.#blocks.length;
      this.#blocks.push(Buffer.from(bytes));
    } else {
      if (this.#current < 0 || this.#currentUsed + bytes.length > this.#blocks[this.#current]!.length) {
        this.#blocks.push(Buffer.allocUnsafe(blockBytes));
        this.#current = this.#blocks.length - 1;
        this.#currentUsed = 0;
      }
      block = this.#current;
      at = this.#currentUsed;
      this.#blocks[block]!.set(bytes, at);
      this.#currentUsed += bytes.length;
    }
    this.#where[id] = block;
    this.#offset[id] = at;
    this.#length[id] = bytes.length;
    this.#memoryBytes += bytes.length;
    return true;
  }

  #addToFile(id: number, text: string): void {
    const room = text.length * 3;
    if (room > BLOCK_BYTES) {
      this.#addBytesToFile(id, Buffer.from(text));
      return;
    }
    if (this.#pending === null || this.#pendingUsed + room > this.#pending.length) {
      this.#flush();
      this.#pending ??= Buffer.allocUnsafe(BLOCK_BYTES);
    }
    const bytes = this.#pending.write(text, this.#pendingUsed);
    this.#where[id] = IN_FILE;
    this.#offset[id] = this.#fileBytes + this.#pendingUsed;
    this.#length[id] = bytes;
    this.#pendingUsed += bytes;
  }

  /** Appends encoded text: through the write buffer if it fits there, else written at once. */
  #addBytesToFile(id: number, bytes: Uint8Array): void {
    if (this.#pending === null || this.#pendingUsed + bytes.length > this.#pending.length) {
      this.#flush();
      this.#pending ??= Buffer.allocUnsafe(BLOCK_BYTES);
    }
    this.#where[id] = IN_FILE;
    this.#length[id] = bytes.length;
    if (bytes.length > this.#pending.length) {
      this.#offset[id] = this.#fileBytes;
      this.#open();
      this.#writeAll(bytes);
      return;
    }
    this.#offset[id] = this.#fileBytes + this.#pendingUsed;
    this.#pending.set(bytes, this.#pendingUsed);
    this.#pendingUsed += bytes.length;
  }

  #open(): void {
    if (this.#fd !== null) return;
    let path = '';
    // A name no other file has: made only if it does not exist ('wx'), else another is tried.
    for (let attempt = 0; this.#fd === null; attempt++) {
      path = join(this.#directory, `ftpcap-spool-${process.pid}-${Math.random().toString(36).slice(2, 10)}`);
      try {
        this.#fd = openSync(path, 'wx+', 0o600);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 10) throw this.#failure('make', error);
      }
    }
    try {
      // Removed at once: the open descriptor keeps it readable, and nothing is left behind
      // however the run ends. Where an open file cannot be removed (Windows), close() does it.
      unlinkSync(path);
    } catch {
      this.#path = path;
    }
  }

  #flush(): void {
    if (this.#pendingUsed === 0) return;
    this.#open();
    this.#writeAll(this.#pending!.subarray(0, this.#pendingUsed));
    this.#pendingUsed = 0;
  }

  #writeAll(bytes: Uint8Array): void {
    let written = 0;
    try {
      while (written < bytes.length) written += writeSync(this.#fd!, bytes, written, bytes.length - written, this.#fileBytes + written);
    } catch (error) {
      throw this.#failure('write', error);
    }
    this.#fileBytes += bytes.length;
  }

  /**
   * Reads the text at `position` of `ids` (of every id from 1 when null) and, in the same
   * read, the texts of the ids after it that lie near it in the file (up to BLOCK_BYTES in
   * all): sessions settle roughly in id order, so reading back is mostly sequential, while
   * a session that settled late costs one read of its own rather than a block.
   */
  #read(ids: Uint32Array | null, position: number, buffers: [Buffer | null, Buffer | null] | null, turn: number): ReadWindow {
    const id = ids === null ? position + 1 : ids[position]!;
    let start = this.#offset[id]!;
    let end = start + this.#length[id]!;
    const last = Math.min(ids === null ? this.#lastId - 1 : ids.length - 1, position + READ_AHEAD_IDS);
    let misses = 0;
    for (let ahead = position + 1; ahead <= last && misses < READ_AHEAD_MISSES; ahead++) {
      const next = ids === null ? ahead + 1 : ids[ahead]!;
      if (this.#where[next] !== IN_FILE || this.#length[next] === 0) continue;
      const nextStart = this.#offset[next]!;
      const nextEnd = nextStart + this.#length[next]!;
      // Only texts next to what the read holds already: texts that settled far apart in time
      // lie far apart in the file, and a read stretched over the bytes between them (other
      // sessions' texts, read again later) would cost a MiB per late session.
      const gap = nextStart >= end ? nextStart - end : nextEnd <= start ? start - nextEnd : 0;
      if (gap > READ_GAP_BYTES) {
        misses++;
        continue;
      }
      const wider = Math.max(end, nextEnd) - Math.min(start, nextStart);
      if (wider > BLOCK_BYTES) break;
      misses = 0;
      start = Math.min(start, nextStart);
      end = Math.max(end, nextEnd);
    }
    // A fresh buffer each time, unless the caller reads each view before asking for more:
    // the texts already given out are views of the last one.
    let bytes: Buffer;
    if (buffers === null) bytes = Buffer.allocUnsafe(end - start);
    else {
      let buffer = buffers[turn];
      if (buffer === null || buffer.length < end - start) buffer = buffers[turn] = Buffer.allocUnsafe(Math.max(end - start, BLOCK_BYTES));
      bytes = buffer.subarray(0, end - start);
    }
    let filled = 0;
    try {
      while (filled < bytes.length) {
        const read = readSync(this.#fd!, bytes, filled, bytes.length - filled, start + filled);
        if (read === 0) throw new Error(`ends at byte ${start + filled}, before the spooled texts`);
        filled += read;
      }
    } catch (error) {
      throw this.#failure('read', error);
    }
    return { bytes, start };
  }

  #failure(what: 'make' | 'write' | 'read', error: unknown): SpoolError {
    const reason = (error as Error).message.replace(/\s*\n\s*/g, '; ');
    return new SpoolError(`cannot ${what} the report's temporary file in ${this.#directory}: ${reason}`);
  }
}
