import { describe, expect, it } from 'vitest';
import { Line, LineTexts } from '../../src/ftp/lines.js';
import { NOT_A_REPLY, oneLineReply, opensReply, ReplyAssembler } from '../../src/ftp/replies.js';

function lineOf(text: string, frame: number): Line {
  const line = new Line();
  line.text = text;
  line.frame = frame;
  line.fileIndex = 1;
  return line;
}

const plain = (event: unknown) =>
  event === null || event === NOT_A_REPLY ? event : (({ code, text, lines, frames, time }) => ({ code, text, lines: [...lines], frames, time }))(event as never);

describe('oneLineReply', () => {
  const lines = ['200 NOOP ok.', '220', '227 Entering Passive Mode (10,0,0,1,4,1)', '2000 x', '20', 'hello', '', '600 no', '199-x', '150-', '211-Features:', '421 bye'];

  it('is what an idle assembler makes of a line that opens no multi-line reply', () => {
    for (const text of lines) {
      if (opensReply(text)) continue;
      const texts = new LineTexts();
      expect(plain(oneLineReply(lineOf(text, 7), 9.5, texts))).toEqual(plain(new ReplyAssembler(texts).push(lineOf(text, 7), 9.5)));
    }
  });

  it('leaves to an assembler the lines that open a multi-line reply, and only those', () => {
    expect(lines.filter(opensReply)).toEqual(['199-x', '150-', '211-Features:']);
    for (const text of lines.filter(opensReply)) {
      const assembler = new ReplyAssembler();
      expect(assembler.push(lineOf(text, 1), 1)).toBeNull();
      expect(assembler.idle).toBe(false);
    }
  });
});
