/**
 * Assembles reply lines into replies (RFC 959 §4.2): "123-text" opens a multi-line
 * reply that runs until a line starting "123 " with the same code; lines in between
 * may start with anything, even other digits.
 */
import type { FrameRef } from '../findings.js';
import type { Line, LineTexts } from './lines.js';
import { NO_LINES, Reply, spanOf, type ReplyRecord } from './model.js';

/** Lines kept per multi-line reply; FEAT and STAT replies can be long, but not unbounded. */
export const MAX_REPLY_LINES = 500;

/**
 * What a line completed: a reply, NOT_A_REPLY for a line that is not one at all (no
 * 3-digit code outside a multi-line reply), or null while a multi-line reply is open.
 */
export type ReplyEvent = ReplyRecord | typeof NOT_A_REPLY | null;
export const NOT_A_REPLY = 'not-a-reply';

export class ReplyAssembler {
  private open: { code: number; lines: string[]; frames: FrameRef[]; dropped: number } | null = null;

  /** `texts`: where the lines came from, for the text after the code of a repeated one. */
  constructor(private readonly texts: LineTexts | null = null) {}

  /** No multi-line reply is open: the next line starts a reply of its own. */
  get idle(): boolean {
    return this.open === null;
  }

  push(line: Line, time: number): ReplyEvent {
    const text = line.text;
    const code = replyCode(text);
    const continues = code > 0 && text.charCodeAt(3) === 0x2d;
    if (this.open !== null) {
      const open = this.open;
      appendFrames(open.frames, line.frames);
      if (open.lines.length < MAX_REPLY_LINES) open.lines.push(line.text);
      else open.dropped++;
      if (code === open.code && !continues) {
        this.open = null;
        return record(open.code, open.lines, open.frames, time);
      }
      return null;
    }
    if (continues) {
      this.open = { code, lines: [line.text], frames: line.frames, dropped: 0 };
      return null;
    }
    return oneLineReply(line, time, this.texts);
  }

  /** End of the stream: a multi-line reply still open is reported as it stands. */
  flush(time: number): ReplyRecord | null {
    const open = this.open;
    this.open = null;
    return open ? record(open.code, open.lines, open.frames, time) : null;
  }
}

/** The line opens a multi-line reply ("123-"): it needs a ReplyAssembler. */
export function opensReply(text: string): boolean {
  return text.charCodeAt(3) === 0x2d && replyCode(text) > 0;
}

/**
 * What a line that opens no multi-line reply is, when none is open: a one-line reply, or
 * NOT_A_REPLY (no 3-digit code). What ReplyAssembler.push() says of it, without one: most
 * sessions never see a multi-line reply, and need no assembler of their own.
 */
export function oneLineReply(line: Line, time: number, texts: LineTexts | null): ReplyRecord | typeof NOT_A_REPLY {
  const text = line.text;
  const code = replyCode(text);
  if (code < 0) return NOT_A_REPLY;
  return new Reply(code, texts !== null ? texts.suffix(text, 4) : text.slice(4), NO_LINES, line, time);
}

/** The code of a reply line ("227 ...", "211-...", "200"), or -1: /^([1-5]\d\d)([ -]|$)/ without a match object. */
export function replyCode(text: string): number {
  const c0 = text.charCodeAt(0) - 0x30;
  const c1 = text.charCodeAt(1) - 0x30;
  const c2 = text.charCodeAt(2) - 0x30;
  if (!(c0 >= 1 && c0 <= 5 && c1 >= 0 && c1 <= 9 && c2 >= 0 && c2 <= 9)) return -1;
  if (text.length > 3) {
    const c3 = text.charCodeAt(3);
    if (c3 !== 0x20 && c3 !== 0x2d) return -1;
  }
  return c0 * 100 + c1 * 10 + c2;
}

function appendFrames(into: FrameRef[], frames: readonly FrameRef[]): void {
  for (const ref of frames) {
    const last = into[into.length - 1];
    if (!last || last.frame !== ref.frame || last.fileIndex !== ref.fileIndex) into.push(ref);
  }
}

/**
 * A reply opened by "123-": its lines are kept (even a lone "227-" cut off by the end of the
 * trace: the helper model looks at it). One-line replies are made in push().
 */
function record(code: number, lines: string[], frames: FrameRef[], time: number): ReplyRecord {
  // The text a user reads: the first line without its code, then the body lines.
  const first = lines[0]!.slice(4);
  const rest = lines.slice(1).map((line, index, all) => (index === all.length - 1 && /^\d{3} /.test(line) ? line.slice(4) : line));
  return new Reply(code, [first, ...rest].filter((part) => part !== '').join('\n'), lines, spanOf(frames), time);
}
