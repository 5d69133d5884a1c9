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

// Per row: `integers` holds frame, fileIndex, reply code, reply frame and reply fileIndex,
// `times` the command's and the reply's time; `cells` holds the Command itself while it is
// one, or once folded the command word, then argument and reply text. The integers take 32
// bits each, not a double: a row is 60 bytes instead of 80, and on a trace whose sessions
// never settle the pages are fresh memory, whose first touch costs more than the fold does.
// A command with a number past 32 bits (a frame beyond the 4 billionth) stays an object.
const INTEGERS = 5;
const TIMES = 2;
const CELLS = 3;
const MAX_INTEGER = 0xffffffff;
/** Folded commands kept for reuse: one at a time is what a session's command after command needs. */
const MAX_SPARE_COMMANDS = 16;
/** Rows a session takes at a time: most sessions are short, and a block is never shared. */
export const BLOCK_ROWS = 8;
/**
 * Rows a page holds. Its cells array (PAGE_ROWS * CELLS slots of 8 bytes) is then larger than
 * V8's largest regular object (128 KiB), so it is made in the large-object space, which the
 * young-generation collector promotes without copying: a page of 4096 rows (96 KiB of cells)
 * was copied twice on its way to the old generation, and a trace of many sessions makes many.
 */
export const PAGE_ROWS = 8192;

/** The pages of rows of one FTP stage; sessions take blocks of rows from it. */
export class CommandStore {
  private readonly integerPages: Uint32Array[] = [];
  private readonly timePages: Float64Array[] = [];
  private readonly cellPages: (string | Command)[][] = [];
  private rows = 0;
  /** Blocks given back by settled sessions, taken again before new rows are. */
  private readonly free: number[] = [];
  /** Commands folded away that nothing points at any more, made anew by command(). */
  private readonly spare: Command[] = [];

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

  /** A new block of BLOCK_ROWS rows; returns its first row. */
  block(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    if (this.rows % PAGE_ROWS === 0) {
      this.integerPages.push(new Uint32Array(PAGE_ROWS * INTEGERS));
      this.timePages.push(new Float64Array(PAGE_ROWS * TIMES));
      this.cellPages.push(new Array<string | Command>(PAGE_ROWS * CELLS).fill(''));
    }
    const first = this.rows;
    this.rows += BLOCK_ROWS;
    return first;
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

  /** Whether a row can hold the command and a reply of this code and place (see the row layout above). */
  fits(command: Command, code: number, frame: number, fileIndex: number): boolean {
    return command.frame <= MAX_INTEGER && command.fileIndex <= MAX_INTEGER && frame <= MAX_INTEGER &&
      fileIndex <= MAX_INTEGER && code <= MAX_INTEGER;
  }

  /** Folds the command and its reply, given as its fields (code, text, first frame, time). */
  fold(row: number, command: Command, code: number, text: string, frame: number, fileIndex: number, time: number): void {
    const page = Math.floor(row / PAGE_ROWS);
    const n = (row % PAGE_ROWS) * INTEGERS;
    const integers = this.integerPages[page]!;
    integers[n] = command.frame;
    integers[n + 1] = command.fileIndex;
    integers[n + 2] = code;
    integers[n + 3] = frame;
    integers[n + 4] = fileIndex;
    const t = (row % PAGE_ROWS) * TIMES;
    const times = this.timePages[page]!;
    times[t] = command.time;
    times[t + 1] = time;
    const cells = this.cellPages[page]!;
    const c = (row % PAGE_ROWS) * CELLS;
    cells[c] = command.command;
    cells[c + 1] = this.strings.get(command.argument);
    cells[c + 2] = this.strings.get(text);
  }

  /** A folded row read into `into` (see FoldedCommand), which is returned. */
  read(row: number, into: FoldedCommand): FoldedCommand {
    const page = Math.floor(row / PAGE_ROWS);
    const n = (row % PAGE_ROWS) * INTEGERS;
    const integers = this.integerPages[page]!;
    const t = (row % PAGE_ROWS) * TIMES;
    const times = this.timePages[page]!;
    const cells = this.cellPages[page]!;
    const c = (row % PAGE_ROWS) * CELLS;
    into.command = cells[c] as string;
    into.argument = cells[c + 1] as string;
    into.frame = integers[n]!;
    into.fileIndex = integers[n + 1]!;
    into.time = times[t]!;
    const reply = into.reply;
    reply.code = integers[n + 2]!;
    reply.text = cells[c + 2] as string;
    reply.frame = integers[n + 3]!;
    reply.fileIndex = integers[n + 4]!;
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

/** One session's commands: rows in blocks taken from the stage's store. */
export class CommandLog implements Iterable<CommandRecord> {
  private count = 0;
  /** First row of each block, in order; null once released. */
  private blocks: number[] | null = [];
  /**
   * First row of the newest block, which a session's pushes and folds nearly always touch:
   * read from here, the list of blocks stays out of the way (with thousands of sessions, out of the cache).
   */
  private newest = -1;

  constructor(private readonly store: CommandStore) {}

  /**
   * The session is reported: its rows go back to the store for later sessions. The log
   * cannot be read any more (a read throws rather than show another session's commands).
   */
  release(): void {
    if (this.blocks === null) return;
    for (const first of this.blocks) this.store.release(first);
    this.blocks = null;
  }

  get length(): number {
    return this.count;
  }

  /** Lists a command; returns its index in this log, for fold(). */
  push(command: Command): number {
    const blocks = this.live();
    const index = this.count++;
    if (index % BLOCK_ROWS === 0) {
      this.newest = this.store.block();
      blocks.push(this.newest);
    }
    this.store.keep(this.newest + (index % BLOCK_ROWS), command);
    return index;
  }

  /**
   * Folds an answered command into the columns when nothing can change or reach it any
   * more (see the file comment); returns whether it did. The session calls it once the
   * final reply was taken in.
   */
  fold(index: number, command: Command): boolean {
    const reply = command.reply;
    if (
      reply === null ||
      !(reply instanceof Reply) ||
      reply.lines !== NO_LINES ||
      !reply.singleFrame ||
      !command.singleFrame ||
      command.pinned ||
      command.preliminary.length > 0 ||
      command.invalidReply !== null ||
      !this.store.fits(command, reply.code, reply.frame, reply.fileIndex)
    ) {
      return false;
    }
    const row = this.rowOf(index);
    if (this.store.kept(row) !== command) return false;
    this.store.fold(row, command, reply.code, reply.text, reply.frame, reply.fileIndex, reply.time);
    return true;
  }

  /**
   * Folds a command with the one-line final reply it just got, given as the reply's fields:
   * the session's way for the usual reply, which then never becomes a Reply object. The
   * session has checked what fold() checks of the command (one frame, not pinned, no 1xx or
   * invalid reply); false when the row cannot hold it (the session then makes the Reply).
   */
  foldAnswered(index: number, command: Command, code: number, text: string, frame: number, fileIndex: number, time: number): boolean {
    if (!this.store.fits(command, code, frame, fileIndex)) return false;
    const row = this.rowOf(index);
    if (this.store.kept(row) !== command) return false;
    this.store.fold(row, command, code, text, frame, fileIndex, time);
    return true;
  }

  /** The command at an index: the object itself, or a new one made from the columns. */
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
    const blocks = this.live();
    const block = Math.floor(index / BLOCK_ROWS);
    return (block === Math.floor((this.count - 1) / BLOCK_ROWS) ? this.newest : blocks[block]!) + (index % BLOCK_ROWS);
  }

  private live(): number[] {
    if (this.blocks === null) throw new Error('command log read after its session was released');
    return this.blocks;
  }
}

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
