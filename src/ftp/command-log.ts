/**
 * Sessions' listed commands, in the order they were sent.
 *
 * Most commands of any trace are plain: one frame, answered by a one-line final reply in
 * one frame, nothing pointing at them (NOOP/200, USER/331, TYPE I/200, CWD/250). Such a
 * command is folded into typed columns once answered, and its Command and Reply objects
 * go; its strings are shared through the stage's StringPool ("NOOP ok." is one string in
 * the whole trace). Everything else stays an object: commands waiting for a reply, ones a
 * data-channel setup or transfer points at (their reply may still change: ABOR swaps), ones
 * with 1xx or multi-line replies, or split over frames.
 *
 * Why: a trace of many short sessions kept every command and reply as objects until the
 * report, and each survived young-generation collections on the way (a collection costs
 * what survives it). The columns are pages shared by all sessions of a stage (a
 * CommandStore), handed out in blocks: a per-session array that grows as commands come
 * copies itself at each growth, and with thousands of sessions alive at once the copies
 * survived collections too (measured with 2,000 sessions at once: 192 MB promoted with
 * per-session arrays, 117 MB with shared pages).
 */
import type { FrameRef } from '../findings.js';
import { Command, NO_LINES, NO_REPLIES, Reply, spanFrames, type CommandRecord, type FrameSpan, type ReplyRecord } from './model.js';

/** Interns short strings that repeat across sessions (reply texts, arguments), up to a bound. */
export class StringPool {
  private readonly strings = new Map<string, string>();

  constructor(
    private readonly maxStrings = 8192,
    private readonly maxLength = 64,
  ) {}

  /** Strings kept. */
  get size(): number {
    return this.strings.size;
  }

  get(text: string): string {
    const shared = this.strings.get(text);
    if (shared !== undefined) return shared;
    if (this.strings.size < this.maxStrings && text.length <= this.maxLength) this.strings.set(text, text);
    return text;
  }
}

// Per row, 32 bytes of numbers: the command's and the reply's time (two doubles), then in
// 32 bits each the command's frame, the reply's frame, both file indexes (16 bits each) and
// the reply code with the command word's number (see CommandStore.wordId). `cells` holds
// the Command itself while it is one, or once folded its argument, then the reply text.
// Every byte of a row counts: on a trace whose sessions never settle the pages are fresh
// memory, whose first touch costs more than the fold does (measured: a row of 60 bytes, with
// the word in a cell and a 32-bit field per file index, made the small bench trace's pages
// 17.7 MB; 48 bytes make 14.2 MB). The numbers of a row are one buffer seen as doubles and
// as 32-bit integers, so that a fold writes them in one cache line, not two: sessions take
// turns, and a session's row is seldom still cached when its reply comes.
// A command a row cannot hold (a number past its bits, a word beyond MAX_WORDS) stays an object.
const ROW_BYTES = 32;
/** A row's stride and first integer in the integer view, and its stride in the double view. */
const INTEGERS = ROW_BYTES / 4;
const INTEGERS_AT = 4;
const TIMES = ROW_BYTES / 8;
const CELLS = 2;
const MAX_INTEGER = 0xffffffff;
const MAX_FILE_INDEX = 0xffff;
/** Reply codes take the low 10 bits of their field, the word's number the rest. */
const CODE_BITS = 10;
const MAX_CODE = (1 << CODE_BITS) - 1;
/** Distinct command words a store numbers; FTP has about 60, the rest are a broken client's. */
export const MAX_WORDS = 4096;
/** Folded commands kept for reuse: one at a time is what a session's command after command needs. */
const MAX_SPARE_COMMANDS = 16;
/** Rows a session takes at a time: most sessions are short, and a block is never shared. */
export const BLOCK_ROWS = 8;
/**
 * Rows a page holds. Its cells array (PAGE_ROWS * CELLS slots of 8 bytes, and a header) is then
 * larger than V8's largest regular object (128 KiB), so it is made in the large-object space, which the
 * young-generation collector promotes without copying: a page of 4096 rows (96 KiB of cells)
 * was copied twice on its way to the old generation, and a trace of many sessions makes many.
 */
export const PAGE_ROWS = 8192;
const PAGE_BLOCKS = PAGE_ROWS / BLOCK_ROWS;

/** The pages of rows of one FTP stage; sessions take blocks of rows from it. */
export class CommandStore {
  /** Two views of each page's numbers (see the row layout above). */
  private readonly integerPages: Uint32Array[] = [];
  private readonly timePages: Float64Array[] = [];
  private readonly cellPages: (string | Command)[][] = [];
  /**
   * Per block, the first row of the block that follows it in its log, plus one (0: none).
   * A log is a chain of blocks, not a list of them: a list per session, pushed to a few
   * times, was an array of 17 slots for each of thousands of live sessions.
   */
  private readonly linkPages: Uint32Array[] = [];
  private rows = 0;
  /** Blocks given back by settled sessions, taken again before new rows are. */
  private readonly free: number[] = [];
  /** Commands folded away that nothing points at any more, made anew by command(). */
  private readonly spare: Command[] = [];
  /** Command words by their number in rows, and the numbers by word. */
  private readonly words: string[] = [];
  private readonly wordIds = new Map<string, number>();

  constructor(private readonly strings: StringPool = new StringPool()) {}

  /**
   * A new command: one given back by recycle() when there is one. Nearly every command of a
   * trace is folded as soon as its reply comes, and then nothing points at its object: made
   * anew, the next command costs no allocation (a trace of short sessions made one per line).
   */
  command(word: string, argument: string, span: FrameSpan, time: number): Command {
    const spare = this.spare.pop();
    return spare === undefined ? new Command(word, argument, span, time) : spare.reset(word, argument, span, time);
  }

  /**
   * The command was folded and its owner holds it nowhere any more (not pending, not the
   * latest answered, not pointed at by a setup or transfer): command() may give it out again.
   */
  recycle(command: Command): void {
    if (this.spare.length < MAX_SPARE_COMMANDS) this.spare.push(command);
  }

  /** Rows in pages: what the store holds, used or free. */
  get capacity(): number {
    return this.integerPages.length * PAGE_ROWS;
  }

  /** A new block of BLOCK_ROWS rows, last of its log so far; returns its first row. */
  block(): number {
    const reused = this.free.pop();
    if (reused !== undefined) {
      this.link(reused, -1);
      return reused;
    }
    if (this.rows % PAGE_ROWS === 0) {
      const numbers = new ArrayBuffer(PAGE_ROWS * ROW_BYTES);
      this.integerPages.push(new Uint32Array(numbers));
      this.timePages.push(new Float64Array(numbers));
      this.cellPages.push(new Array<string | Command>(PAGE_ROWS * CELLS).fill(''));
      this.linkPages.push(new Uint32Array(PAGE_BLOCKS));
    }
    const first = this.rows;
    this.rows += BLOCK_ROWS;
    return first;
  }

  /** The block at `first` is followed by the one at `next` (-1: by none). */
  link(first: number, next: number): void {
    this.linkPages[Math.floor(first / PAGE_ROWS)]![(first % PAGE_ROWS) / BLOCK_ROWS] = next + 1;
  }

  /** The first row of the block after the one at `first` in its log, or -1. */
  next(first: number): number {
    return this.linkPages[Math.floor(first / PAGE_ROWS)]![(first % PAGE_ROWS) / BLOCK_ROWS]! - 1;
  }

  /** A block is free again: its cells let go of what they held. */
  release(first: number): void {
    const cells = this.cellPages[Math.floor(first / PAGE_ROWS)]!;
    const c = (first % PAGE_ROWS) * CELLS;
    cells.fill('', c, c + BLOCK_ROWS * CELLS);
    this.free.push(first);
  }

  keep(row: number, command: Command): void {
    this.cellPages[Math.floor(row / PAGE_ROWS)]![(row % PAGE_ROWS) * CELLS] = command;
  }

  /** The Command kept at a row, or null once folded. */
  kept(row: number): Command | null {
    const cell = this.cellPages[Math.floor(row / PAGE_ROWS)]![(row % PAGE_ROWS) * CELLS]!;
    return typeof cell === 'string' ? null : cell;
  }

  /** The number rows give the word (a new one for a word not seen yet), or -1 when MAX_WORDS are taken. */
  private wordId(word: string): number {
    const id = this.wordIds.get(word);
    if (id !== undefined) return id;
    if (this.words.length >= MAX_WORDS) return -1;
    this.wordIds.set(word, this.words.length);
    this.words.push(word);
    return this.words.length - 1;
  }

  /**
   * Folds the command and its reply, given as its fields (code, text, first frame, time),
   * when the row can hold them (see the row layout above); returns whether it did.
   */
  fold(row: number, command: Command, code: number, text: string, frame: number, fileIndex: number, time: number): boolean {
    if (command.frame > MAX_INTEGER || frame > MAX_INTEGER || command.fileIndex > MAX_FILE_INDEX || fileIndex > MAX_FILE_INDEX ||
      code < 0 || code > MAX_CODE) {
      return false;
    }
    const word = this.wordId(command.command);
    if (word < 0) return false;
    const page = Math.floor(row / PAGE_ROWS);
    const n = (row % PAGE_ROWS) * INTEGERS + INTEGERS_AT;
    const integers = this.integerPages[page]!;
    integers[n] = command.frame;
    integers[n + 1] = frame;
    integers[n + 2] = command.fileIndex | (fileIndex << 16);
    integers[n + 3] = code | (word << CODE_BITS);
    const t = (row % PAGE_ROWS) * TIMES;
    const times = this.timePages[page]!;
    times[t] = command.time;
    times[t + 1] = time;
    const cells = this.cellPages[page]!;
    const c = (row % PAGE_ROWS) * CELLS;
    cells[c] = this.strings.get(command.argument);
    cells[c + 1] = this.strings.get(text);
    return true;
  }

  /** A folded row read into `into` (see FoldedCommand), which is returned. */
  read(row: number, into: FoldedCommand): FoldedCommand {
    const page = Math.floor(row / PAGE_ROWS);
    const n = (row % PAGE_ROWS) * INTEGERS + INTEGERS_AT;
    const integers = this.integerPages[page]!;
    const t = (row % PAGE_ROWS) * TIMES;
    const times = this.timePages[page]!;
    const cells = this.cellPages[page]!;
    const c = (row % PAGE_ROWS) * CELLS;
    const files = integers[n + 2]!;
    const codeWord = integers[n + 3]!;
    into.command = this.words[codeWord >>> CODE_BITS]!;
    into.argument = cells[c] as string;
    into.frame = integers[n]!;
    into.fileIndex = files & MAX_FILE_INDEX;
    into.time = times[t]!;
    const reply = into.reply;
    reply.code = codeWord & MAX_CODE;
    reply.text = cells[c + 1] as string;
    reply.frame = integers[n + 1]!;
    reply.fileIndex = files >>> 16;
    reply.time = times[t + 1]!;
    return into;
  }

  /** A folded row, made into objects again. */
  unfold(row: number): CommandRecord {
    const read = this.read(row, new FoldedCommand());
    const answer = read.reply;
    const reply = new Reply(answer.code, answer.text, NO_LINES, { fileIndex: answer.fileIndex, frame: answer.frame, more: null }, answer.time);
    return new Command(read.command, read.argument, { fileIndex: read.fileIndex, frame: read.frame, more: null }, read.time, reply);
  }

}

/** One session's commands: a chain of blocks of rows taken from the stage's store. */
export class CommandLog implements Iterable<CommandRecord> {
  private count = 0;
  /** First row of the first block; RELEASED once released (-1: no block yet). */
  private first = -1;
  /** First row of the newest block, which a session's pushes nearly always touch. */
  private newest = -1;
  /**
   * Where the last read of an older block was, by block number and first row: reads go in
   * order (a report, a command after command), so each goes one link further at most.
   */
  private cursorBlock = 0;
  private cursorRow = -1;

  constructor(private readonly store: CommandStore) {}

  /**
   * The session is reported: its rows go back to the store for later sessions. The log
   * cannot be read any more (a read throws rather than show another session's commands).
   */
  release(): void {
    if (this.first === RELEASED) return;
    for (let block = this.first; block >= 0;) {
      const next = this.store.next(block);
      this.store.release(block);
      block = next;
    }
    this.first = RELEASED;
  }

  get length(): number {
    return this.count;
  }

  /**
   * Lists a command; returns its row in the store, for fold() (a session keeps it as
   * Command.row). The command's index in this log is the number of commands before it.
   */
  push(command: Command): number {
    this.live();
    const index = this.count++;
    if (index % BLOCK_ROWS === 0) {
      const block = this.store.block();
      if (this.newest < 0) this.first = this.cursorRow = block;
      else this.store.link(this.newest, block);
      this.newest = block;
    }
    const row = this.newest + (index % BLOCK_ROWS);
    this.store.keep(row, command);
    return row;
  }

  /**
   * Folds an answered command into the columns when nothing can change or reach it any
   * more (see the file comment); returns whether it did. `row` is what push() returned.
   * The session calls it once the final reply was taken in.
   */
  fold(row: number, command: Command): boolean {
    const reply = command.reply;
    if (
      reply === null ||
      !(reply instanceof Reply) ||
      reply.lines !== NO_LINES ||
      !reply.singleFrame ||
      !command.singleFrame ||
      command.pinned ||
      command.preliminary.length > 0 ||
      command.invalidReply !== null
    ) {
      return false;
    }
    this.live();
    return this.store.kept(row) === command && this.store.fold(row, command, reply.code, reply.text, reply.frame, reply.fileIndex, reply.time);
  }

  /**
   * Folds a command with the one-line final reply it just got, given as the reply's fields:
   * the session's way for the usual reply, which then never becomes a Reply object. The
   * session has checked what fold() checks of the command (one frame, not pinned, no 1xx or
   * invalid reply); false when the row cannot hold it (the session then makes the Reply).
   */
  foldAnswered(row: number, command: Command, code: number, text: string, frame: number, fileIndex: number, time: number): boolean {
    this.live();
    return this.store.kept(row) === command && this.store.fold(row, command, code, text, frame, fileIndex, time);
  }

  /**
   * The command at `index`: its object while it is one; once folded, a new one, or `into`
   * refilled when given (for a reader done with each command before it asks for the next).
   */
  at(index: number, into?: FoldedCommand): CommandRecord {
    const row = this.rowOf(index);
    return this.store.kept(row) ?? (into === undefined ? this.store.unfold(row) : this.store.read(row, into));
  }

  *[Symbol.iterator](): Iterator<CommandRecord> {
    for (let index = 0; index < this.count; index++) yield this.at(index);
  }

  map<T>(fn: (command: CommandRecord, index: number) => T): T[] {
    const out = new Array<T>(this.count);
    for (let index = 0; index < this.count; index++) out[index] = fn(this.at(index), index);
    return out;
  }

  /** Commands without a final reply, in order (never folded, so no columns are made into objects). */
  *unanswered(): Iterable<CommandRecord> {
    for (let index = 0; index < this.count; index++) {
      const command = this.store.kept(this.rowOf(index));
      if (command !== null && command.reply === null) yield command;
    }
  }

  private rowOf(index: number): number {
    this.live();
    if (index < 0 || index >= this.count) throw new RangeError(`command ${index} of ${this.count}`);
    const block = Math.floor(index / BLOCK_ROWS);
    if (block === Math.floor((this.count - 1) / BLOCK_ROWS)) return this.newest + (index % BLOCK_ROWS);
    if (block < this.cursorBlock) {
      this.cursorBlock = 0;
      this.cursorRow = this.first;
    }
    while (this.cursorBlock < block) {
      this.cursorRow = this.store.next(this.cursorRow);
      this.cursorBlock++;
    }
    return this.cursorRow + (index % BLOCK_ROWS);
  }

  private live(): void {
    if (this.first === RELEASED) throw new Error('command log read after its session was released');
  }
}

/** CommandLog.first of a released log. */
const RELEASED = -2;

/** A folded row's reply, read in place (see FoldedCommand). */
class FoldedReply implements ReplyRecord {
  code = 0;
  text = '';
  readonly lines = NO_LINES;
  time = 0;
  fileIndex = 0;
  frame = 0;
  readonly more = null;

  get frames(): FrameRef[] {
    return spanFrames(this);
  }
}

/**
 * A folded row read as a command record, refilled row after row: what unfold() makes,
 * without making four objects per row. A report reads every listed command once, and on a
 * trace of many short sessions unfolding them was 88 MB of short-lived objects (9% of what
 * the small bench trace allocated). A folded row has one frame, a final reply and nothing
 * else (see CommandLog.fold).
 */
export class FoldedCommand implements CommandRecord {
  command = '';
  argument = '';
  time = 0;
  fileIndex = 0;
  frame = 0;
  readonly more = null;
  readonly preliminary = NO_REPLIES;
  readonly invalidReply = null;
  readonly reply = new FoldedReply();

  get frames(): FrameRef[] {
    return spanFrames(this);
  }

  frameNumbers(): number[] {
    return this.frame === 0 ? [] : [this.frame];
  }
}
