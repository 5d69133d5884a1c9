import { describe, expect, it } from 'vitest';
import { BLOCK_ROWS, CommandLog, CommandStore, FoldedCommand, MAX_WORDS, PAGE_ROWS, StringPool } from '../../src/ftp/command-log.js';
import { Command, NO_LINES, Reply, spanOf, type CommandRecord } from '../../src/ftp/model.js';

const at = (frame: number, fileIndex = 0) => [{ fileIndex, frame }];
const span = (frames: { fileIndex: number; frame: number }[]) => spanOf(frames);

/** Everything a report reads of a command, as plain data. */
function view(command: CommandRecord) {
  const reply = command.reply;
  return {
    command: command.command,
    argument: command.argument,
    frames: command.frames,
    frameNumbers: command.frameNumbers(),
    time: command.time,
    preliminary: command.preliminary.map((r) => ({ code: r.code, text: r.text, frames: r.frames, time: r.time })),
    invalidReply: command.invalidReply,
    reply: reply && { code: reply.code, text: reply.text, lines: [...reply.lines], frames: reply.frames, frame: reply.frame, fileIndex: reply.fileIndex, time: reply.time },
  };
}

function answered(word: string, argument: string, frame: number, code: number, text: string, fileIndex = 0): Command {
  const command = new Command(word, argument, span(at(frame, fileIndex)), 1_700_000_000.25 + frame / 1e4);
  command.reply = new Reply(code, text, NO_LINES, span(at(frame + 1, fileIndex)), 1_700_000_000.5 + frame / 1e4);
  return command;
}

describe('CommandLog', () => {
  it('folds a plain answered command into columns and gives back the same facts', () => {
    const log = new CommandLog(new CommandStore());
    const commands = [answered('NOOP', '', 10, 200, 'NOOP ok.'), answered('CWD', '/pub/ünïcode dir', 4_000_000_000, 250, 'Directory changed.', 3)];
    const before = commands.map(view);
    for (const command of commands) command.row = log.push(command);
    expect(commands.map((command) => log.fold(command.row, command))).toEqual([true, true]);
    expect(log.length).toBe(2);
    expect([...log].map(view)).toEqual(before);
    expect(log.map((command, row) => `${row}:${command.command}`)).toEqual(['0:NOOP', '1:CWD']);
    // Made anew on each read: nobody can change a folded row through a copy.
    expect(log.at(0)).not.toBe(log.at(0));
    // Or read into one record, refilled row after row, with the same facts.
    const folded = new FoldedCommand();
    for (let row = 0; row < commands.length; row++) {
      expect(log.at(row, folded)).toBe(folded);
      expect(view(folded)).toEqual(before[row]);
    }
  });

  it('keeps as objects what something may still point at or change', () => {
    const log = new CommandLog(new CommandStore());
    const pinned = answered('PORT', '10,0,0,1,4,1', 1, 200, 'PORT ok');
    pinned.pinned = true;
    const unanswered = new Command('PASV', '', span(at(3)), 3);
    const preliminary = answered('RETR', 'f', 5, 226, 'done');
    preliminary.preliminary = [new Reply(150, 'opening', NO_LINES, span(at(6)), 6)];
    const split = new Command('STAT', '', span([...at(7), ...at(8)]), 8);
    split.reply = new Reply(211, 'ok', NO_LINES, span(at(9)), 9);
    const splitReply = answered('SYST', '', 10, 215, 'UNIX');
    splitReply.reply = new Reply(215, 'UNIX', NO_LINES, span([...at(11), ...at(12)]), 12);
    const multiLine = answered('FEAT', '', 13, 211, 'Features: MDTM End');
    multiLine.reply = new Reply(211, 'Features: MDTM End', ['211-Features:', ' MDTM', '211 End'], span(at(14)), 14);
    const invalid = answered('HELP', '', 15, 214, 'help');
    invalid.invalidReply = 'garbage';
    // Rows hold frame numbers in 32 bits.
    const farFrame = answered('NOOP', '', 5_000_000_000, 200, 'ok');
    const kept = [pinned, unanswered, preliminary, split, splitReply, multiLine, invalid, farFrame];
    for (const command of kept) command.row = log.push(command);
    expect(kept.map((command) => log.fold(command.row, command))).toEqual(kept.map(() => false));
    expect(view(log.at(kept.length - 1))).toEqual(view(farFrame));
    expect([...log]).toEqual(kept);
    for (const [row, command] of kept.entries()) expect(log.at(row)).toBe(command);
    // A command still an object is given as it is, not read into the reused record.
    for (const [row, command] of kept.entries()) expect(log.at(row, new FoldedCommand())).toBe(command);
    expect([...log.unanswered()]).toEqual([unanswered]);
  });

  it('leaves rows in the order sent whatever order they fold in', () => {
    const log = new CommandLog(new CommandStore());
    const first = answered('USER', 'anonymous', 1, 331, 'Password?');
    const second = answered('PASS', '********', 3, 230, 'Logged in.');
    first.row = log.push(first);
    second.row = log.push(second);
    log.fold(second.row, second);
    expect([...log].map((command) => command.command)).toEqual(['USER', 'PASS']);
    log.fold(first.row, first);
    expect([...log].map(view)).toEqual([view(first), view(second)]);
  });
});

describe('CommandStore', () => {
  it('keeps the sessions of one stage apart while they interleave, across blocks and pages', () => {
    const store = new CommandStore();
    const logs = [new CommandLog(store), new CommandLog(store), new CommandLog(store)];
    const sent: Command[][] = [[], [], []];
    const later: [number, Command][] = [];
    // Uneven rates, so blocks of the three sessions alternate irregularly; more rows than a page holds.
    for (let i = 0; i < PAGE_ROWS * 1.5; i++) {
      const which = i % 7 === 0 ? 0 : i % 3 === 0 ? 1 : 2;
      const command = answered(i % 5 === 0 ? 'PORT' : 'NOOP', `arg ${i}`, 10 * i + 1, 200, `ok ${i % 11}`);
      command.pinned = command.command === 'PORT';
      command.row = logs[which]!.push(command);
      sent[which]!.push(command);
      // Fold most right away, a few later (a reply that came after other sessions' commands).
      if (i % 13 !== 0) logs[which]!.fold(command.row, command);
      else later.push([which, command]);
    }
    for (const [which, command] of later) logs[which]!.fold(command.row, command);
    for (const [which, log] of logs.entries()) {
      expect(log.length).toBe(sent[which]!.length);
      expect([...log].map(view)).toEqual(sent[which]!.map(view));
      expect([...log].filter((command, index) => command === sent[which]![index]).every((command) => command.command === 'PORT')).toBe(true);
    }
    expect(sent.every((list) => list.length > 2 * BLOCK_ROWS)).toBe(true);
    expect(store.capacity).toBe(2 * PAGE_ROWS);
  });
});

describe('CommandLog.release', () => {
  it('gives its rows back: sessions that come and go reuse the same pages, and a released log cannot be read', () => {
    const store = new CommandStore();
    for (let round = 0; round < 50; round++) {
      // 300 sessions of 20 commands alive at once, then reported and released.
      const logs = Array.from({ length: 300 }, () => new CommandLog(store));
      for (let i = 0; i < 20; i++) {
        for (const [which, log] of logs.entries()) {
          const command = answered('NOOP', '', 100 * i + which + 1, 200, 'ok');
          log.fold(log.push(command), command);
        }
      }
      expect([...logs[7]!].map((command) => command.frame)).toEqual(Array.from({ length: 20 }, (_, i) => 100 * i + 8));
      for (const log of logs) log.release();
      expect(() => logs[0]!.at(0)).toThrow(/released/);
    }
    // 300 × 24 rows (blocks of 8) fit in one page, however many rounds came.
    expect(300 * 24).toBeLessThanOrEqual(PAGE_ROWS);
    expect(store.capacity).toBe(PAGE_ROWS);
  });
});

describe('CommandLog blocks', () => {
  it('reads a log in any order across blocks reused in any order, the first block of the store among them', () => {
    const store = new CommandStore();
    const earlier = new CommandLog(store);
    for (let i = 0; i < BLOCK_ROWS * 3; i++) {
      const command = answered('NOOP', '', i + 1, 200, 'ok');
      earlier.fold(earlier.push(command), command);
    }
    earlier.release();
    // Free blocks come back last released first: row 0, the store's first block, becomes a later block of a log.
    const logs = [new CommandLog(store), new CommandLog(store)];
    const sent: Command[][] = [[], []];
    for (let i = 0; i < BLOCK_ROWS * 5; i++) {
      const which = i % 3 === 0 ? 1 : 0;
      const command = answered(i % 4 === 0 ? 'CWD' : 'NOOP', `d${i}`, 1000 + i, 250, `ok ${i}`);
      const row = logs[which]!.push(command);
      if (i % 5 !== 0) expect(logs[which]!.fold(row, command)).toBe(true);
      sent[which]!.push(command);
    }
    expect(store.capacity).toBe(PAGE_ROWS);
    for (const [which, log] of logs.entries()) {
      expect([...log].map(view)).toEqual(sent[which]!.map(view));
      // Backwards, and jumping about: each read finds its row, not the one a cursor last saw.
      const order = [...sent[which]!.keys()].reverse().concat([3, 20, 0, 17, 9].filter((index) => index < log.length));
      for (const index of order) expect(view(log.at(index))).toEqual(view(sent[which]![index]!));
    }
    expect(() => logs[0]!.at(logs[0]!.length)).toThrow(RangeError);
  });

  it('reuses a long log\'s blocks whole: none is lost or given to two logs', () => {
    const store = new CommandStore();
    for (let round = 0; round < 4; round++) {
      const logs = Array.from({ length: 3 }, () => new CommandLog(store));
      const sizes = [BLOCK_ROWS * 40 + 3, 5, BLOCK_ROWS * 7];
      for (const [which, log] of logs.entries()) {
        for (let i = 0; i < sizes[which]!; i++) {
          const command = answered('NOOP', '', 10_000 * which + i + 1, 200, 'ok');
          log.fold(log.push(command), command);
        }
      }
      for (const [which, log] of logs.entries()) {
        expect(log.map((command) => command.frame)).toEqual(Array.from({ length: sizes[which]! }, (_, i) => 10_000 * which + i + 1));
      }
      for (const log of logs) log.release();
    }
    expect(store.capacity).toBe(PAGE_ROWS);
  });
});

describe('CommandStore rows', () => {
  it('keeps as objects the commands whose numbers or word a row cannot hold', () => {
    const store = new CommandStore();
    const log = new CommandLog(store);
    // File indexes take 16 bits, the reply code 10.
    const farFile = answered('NOOP', '', 1, 200, 'ok', 0x10000);
    const farReplyFile = answered('NOOP', '', 2, 200, 'ok');
    farReplyFile.reply = new Reply(200, 'ok', NO_LINES, span(at(3, 0x10000)), 4);
    const plain = answered('NOOP', '', 5, 200, 'ok', 0xffff);
    const commands = [farFile, farReplyFile, plain];
    for (const command of commands) command.row = log.push(command);
    expect(commands.map((command) => log.fold(command.row, command))).toEqual([false, false, true]);
    expect(log.foldAnswered(farFile.row, farFile, 1024, 'odd', 2, 0, 3)).toBe(false);
    expect([...log].map(view)).toEqual(commands.map(view));
  });

  it('numbers MAX_WORDS words; a command with a word past them stays an object', () => {
    const store = new CommandStore();
    const log = new CommandLog(store);
    const commands: Command[] = [];
    for (let i = 0; i <= MAX_WORDS; i++) {
      const command = answered(`W${i}`, `${i}`, i + 1, 500, 'unknown command');
      command.row = log.push(command);
      expect(log.fold(command.row, command)).toBe(i < MAX_WORDS);
      commands.push(command);
    }
    // A word numbered already still folds.
    const again = answered('W7', 'x', 1_000_000, 200, 'ok');
    again.row = log.push(again);
    expect(log.fold(again.row, again)).toBe(true);
    commands.push(again);
    expect(log.at(MAX_WORDS)).toBe(commands[MAX_WORDS]);
    expect([...log].map(view)).toEqual(commands.map(view));
  });
});

describe('StringPool', () => {
  // Which string object comes back cannot be seen from JavaScript (equal strings are ===),
  // so what is checked is what the pool keeps: bounded in count and length.
  it('keeps each short text once, and stops growing at its bounds', () => {
    const pool = new StringPool(3, 8);
    for (let i = 0; i < 100; i++) expect(pool.get(['NOOP', 'ok.'].join(' '))).toBe('NOOP ok.');
    expect(pool.size).toBe(1);
    expect(pool.get('x'.repeat(9))).toBe('x'.repeat(9));
    expect(pool.size).toBe(1);
    for (const text of ['a', 'b', 'c', 'd']) expect(pool.get(text)).toBe(text);
    expect(pool.size).toBe(3);
  });
});

describe('CommandStore.foldAnswered and reused commands', () => {
  it('folds a command with its reply given as fields, the same as with a Reply', () => {
    const store = new CommandStore();
    const log = new CommandLog(store);
    const viaReply = answered('NOOP', '', 10, 200, 'NOOP ok');
    const viaFields = answered('NOOP', '', 10, 200, 'NOOP ok');
    const reply = viaFields.reply!;
    viaFields.reply = null;
    viaReply.row = log.push(viaReply);
    viaFields.row = log.push(viaFields);
    expect(log.fold(viaReply.row, viaReply)).toBe(true);
    expect(log.foldAnswered(viaFields.row, viaFields, reply.code, reply.text, reply.frame, reply.fileIndex, reply.time)).toBe(true);
    expect(view(log.at(1))).toEqual(view(log.at(0)));
    // Not the command its row holds: nothing folded.
    expect(log.foldAnswered(viaFields.row, answered('NOOP', '', 10, 200, 'x'), 200, 'x', 11, 0, 1)).toBe(false);
  });

  it('gives a recycled command out again made anew, and makes new ones when none is spare', () => {
    const store = new CommandStore();
    const first = store.command('NOOP', '', span(at(3)), 5);
    first.pinned = true;
    first.row = 7;
    first.reply = new Reply(200, 'ok', NO_LINES, span(at(4)), 6);
    store.recycle(first);
    const again = store.command('CWD', '/a', span([{ fileIndex: 1, frame: 8 }, { fileIndex: 1, frame: 9 }]), 9);
    expect(again).toBe(first);
    expect(again).toEqual(new Command('CWD', '/a', span([{ fileIndex: 1, frame: 8 }, { fileIndex: 1, frame: 9 }]), 9));
    expect(store.command('NOOP', '', span(at(10)), 10)).not.toBe(first);
  });
});
