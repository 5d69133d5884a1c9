import { describe, expect, it } from 'vitest';
import { LineSplitter, type Line } from '../../src/ftp/lines.js';
import { ReplyAssembler } from '../../src/ftp/replies.js';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

function split(chunks: [string, number][], maxLine?: number): Line[] {
  const lines: Line[] = [];
  const splitter = new LineSplitter((line) => lines.push({ ...line, frames: [...line.frames] }), maxLine);
  for (const [text, frame] of chunks) splitter.push(bytes(text), 0, frame);
  splitter.end();
  return lines;
}

describe('LineSplitter', () => {
  it('splits pipelined commands in one segment, each naming the frame', () => {
    const lines = split([['TYPE I\r\nPORT 1,2,3,4,5,6\r\n', 7]]);
    expect(lines.map((line) => [line.text, line.frames.map((ref) => ref.frame)])).toEqual([
      ['TYPE I', [7]],
      ['PORT 1,2,3,4,5,6', [7]],
    ]);
  });

  it('joins a command split over two segments and names both frames', () => {
    const lines = split([['PORT 192,0,2,', 4], ['10,156,66\r\n', 6]]);
    expect(lines).toHaveLength(1);
    expect(lines[0]!.text).toBe('PORT 192,0,2,10,156,66');
    expect(lines[0]!.frames.map((ref) => ref.frame)).toEqual([4, 6]);
  });

  it('accepts bare LF and says so', () => {
    const [line] = split([['USER x\n', 1]]);
    expect(line).toMatchObject({ text: 'USER x', bareLf: true });
  });

  it('removes Telnet IP/DM before ABOR and keeps an escaped 0xFF', () => {
    const lines: Line[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push(Uint8Array.from([0xff, 0xf4, 0xff, 0xf2, ...bytes('ABOR\r\n')]), 0, 1);
    splitter.push(Uint8Array.from([...bytes('RETR a'), 0xff, 0xff, ...bytes('\r\n')]), 0, 2);
    expect(lines[0]).toMatchObject({ text: 'ABOR', telnetCommands: 2 });
    // IAC IAC is a data byte 0xFF; alone it is not UTF-8, so it shows as U+FFFD.
    expect(lines[1]!.text).toBe('RETR a\uFFFD');
  });

  it('cuts an overlong line instead of buffering it, and goes on with the next', () => {
    const lines = split([[`${'A'.repeat(100)}\r\nNOOP\r\n`, 1]], 16);
    expect(lines[0]).toMatchObject({ damaged: 'too-long' });
    expect(lines[0]!.text.length).toBeLessThanOrEqual(16);
    expect(lines[1]).toMatchObject({ text: 'NOOP', damaged: 'none' });
  });

  it('drops the partial line at a gap and resynchronises at the next line feed', () => {
    const lines: Line[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push(bytes('RETR fi'), 0, 1);
    splitter.gap(10);
    splitter.push(bytes('le\r\nNOOP\r\n'), 0, 3);
    expect(lines.map((line) => [line.text, line.damaged])).toEqual([['NOOP', 'after-gap']]);
  });

  it('reports an unterminated last line at the end', () => {
    const lines = split([['QUIT', 9]]);
    expect(lines[0]).toMatchObject({ text: 'QUIT', unterminated: true });
  });
});

describe('ReplyAssembler', () => {
  const line = (text: string, frame: number): Line => ({
    text, frames: [{ fileIndex: 0, frame }], bareLf: false, damaged: 'none', telnetCommands: 0, unterminated: false,
  });

  it('assembles a multi-line reply whose body lines start with digits', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push(line('211-Features:', 1), 0)).toBeNull();
    expect(assembler.push(line(' MDTM', 1), 0)).toBeNull();
    expect(assembler.push(line('211 End', 1), 0)).toMatchObject({ kind: 'reply', reply: { code: 211, text: 'Features:\n MDTM\nEnd' } });
    expect(assembler.push(line('227-Entering', 2), 0)).toBeNull();
    expect(assembler.push(line('200 other code', 2), 0)).toBeNull();
    const event = assembler.push(line('227 Entering Passive Mode (1,2,3,4,5,6)', 3), 0);
    expect(event).toMatchObject({ kind: 'reply', reply: { code: 227, lines: ['227-Entering', '200 other code', '227 Entering Passive Mode (1,2,3,4,5,6)'] } });
    if (event?.kind === 'reply') expect(event.reply.frames.map((ref) => ref.frame)).toEqual([2, 3]);
  });

  it('flags a line with no reply code', () => {
    expect(new ReplyAssembler().push(line('hello', 1), 0)).toMatchObject({ kind: 'invalid' });
  });
});
