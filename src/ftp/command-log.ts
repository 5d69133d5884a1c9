/**
 * A session's listed commands, in the order they were sent.
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
 * report, and carrying those through each young-generation collection cost more than
 * parsing the lines did.
 */
import { Command, NO_LINES, Reply, type CommandRecord } from './model.js';

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

// Per row, in `numbers`: frame, fileIndex, reply code, reply frame, reply fileIndex, command
// time, reply time; in `strings`: command word, argument, reply text. Plain arrays rather
// than typed ones: a session's log is small, and a typed array per session costs an
// external backing store each, which was slower to make than the objects it replaced.
const NUMBERS = 7;
const STRINGS = 3;

export class CommandLog implements Iterable<CommandRecord> {
  private rows = 0;
  /** The row's Command while it is one; undefined once folded into the columns. */
  private readonly objects: (Command | undefined)[] = [];
  private readonly strings: string[] = [];
  private readonly numbers: number[] = [];

  constructor(private readonly pool: StringPool) {}

  get length(): number {
    return this.rows;
  }

  /** Lists a command; returns its row, for fold(). */
  push(command: Command): number {
    this.objects.push(command);
    this.strings.push('', '', '');
    this.numbers.push(0, 0, 0, 0, 0, 0, 0);
    return this.rows++;
  }

  /**
   * Folds an answered command into the columns when nothing can change or reach it any
   * more (see the file comment); returns whether it did. The session calls it once the
   * final reply was taken in.
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
      command.invalidReply !== null ||
      this.objects[row] !== command
    ) {
      return false;
    }
    const numbers = this.numbers;
    const n = row * NUMBERS;
    numbers[n] = command.frame;
    numbers[n + 1] = command.fileIndex;
    numbers[n + 2] = reply.code;
    numbers[n + 3] = reply.frame;
    numbers[n + 4] = reply.fileIndex;
    numbers[n + 5] = command.time;
    numbers[n + 6] = reply.time;
    const s = row * STRINGS;
    this.strings[s] = command.command;
    this.strings[s + 1] = this.pool.get(command.argument);
    this.strings[s + 2] = this.pool.get(reply.text);
    this.objects[row] = undefined;
    return true;
  }

  /** The command at a row: the object itself, or a new one made from the columns. */
  at(row: number): CommandRecord {
    const object = this.objects[row];
    if (object !== undefined) return object;
    const numbers = this.numbers;
    const n = row * NUMBERS;
    const s = row * STRINGS;
    const reply = new Reply(numbers[n + 2]!, this.strings[s + 2]!, NO_LINES, frameList(numbers[n + 4]!, numbers[n + 3]!), numbers[n + 6]!);
    return new Command(this.strings[s]!, this.strings[s + 1]!, frameList(numbers[n + 1]!, numbers[n]!), numbers[n + 5]!, reply);
  }

  *[Symbol.iterator](): Iterator<CommandRecord> {
    for (let row = 0; row < this.rows; row++) yield this.at(row);
  }

  map<T>(fn: (command: CommandRecord, row: number) => T): T[] {
    const out = new Array<T>(this.rows);
    for (let row = 0; row < this.rows; row++) out[row] = fn(this.at(row), row);
    return out;
  }

  /** Commands without a final reply, in order (never folded, so no columns are read). */
  *unanswered(): Iterable<CommandRecord> {
    for (const command of this.objects) if (command !== undefined && command.reply === null) yield command;
  }
}

function frameList(fileIndex: number, frame: number): { fileIndex: number; frame: number }[] {
  return frame === 0 ? [] : [{ fileIndex, frame }];
}
