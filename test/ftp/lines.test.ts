import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Line, LineSplitter, LineTexts } from '../../src/ftp/lines.js';

/** What a handler reads of a line, copied out of the splitter's reused record. */
type SeenLine = Pick<Line, 'text' | 'frames' | 'bareLf' | 'damaged' | 'telnetCommands' | 'unterminated'>;
const seen = (line: Line): SeenLine => ({
  text: line.text, frames: line.frames, bareLf: line.bareLf, damaged: line.damaged, telnetCommands: line.telnetCommands, unterminated: line.unterminated,
});
import { NOT_A_REPLY, ReplyAssembler } from '../../src/ftp/replies.js';

const bytes = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));

function split(chunks: [string, number][], maxLine?: number): SeenLine[] {
  const lines: SeenLine[] = [];
  const splitter = new LineSplitter((line) => lines.push(seen(line)), maxLine);
  for (const [text, frame] of chunks) splitter.push(bytes(text), 0, frame);
  splitter.end();
  return lines;
}

/**
 * A byte-at-a-time splitter written for clarity, not speed: the reference the fast one
 * (native indexOf runs, bulk copies) must agree with on any input cut anywhere.
 */
function referenceSplit(chunks: { data: number[]; frame: number }[], maxLine: number): SeenLine[] {
  const out: SeenLine[] = [];
  let buf: number[] = [];
  let frames: { fileIndex: number; frame: number }[] = [];
  let skipping = false;
  let damaged: Line['damaged'] = 'none';
  let telnet = 0;
  let commands = 0;
  const emit = (unterminated: boolean): void => {
    const crlf = buf.length > 0 && buf[buf.length - 1] === 0x0d;
    const text = Buffer.from(crlf ? buf.slice(0, -1) : buf).toString('utf8');
    out.push({ text, frames, bareLf: !crlf && !unterminated, damaged, telnetCommands: commands, unterminated });
    buf = [];
    frames = [];
    skipping = false;
    damaged = 'none';
    commands = 0;
    telnet = 0;
  };
  const append = (byte: number): void => {
    if (buf.length < maxLine) buf.push(byte);
    else {
      skipping = true;
      damaged = 'too-long';
    }
  };
  for (const { data, frame } of chunks) {
    let noted = false;
    for (const byte of data) {
      if (!noted && !skipping) {
        const last = frames[frames.length - 1];
        if (!last || last.frame !== frame) frames.push({ fileIndex: 0, frame });
        noted = true;
      }
      if (telnet !== 0 || byte === 0xff) {
        if (telnet === 0) telnet = 1;
        else if (telnet === 1) {
          if (byte === 0xff) {
            telnet = 0;
            append(0xff);
          } else {
            commands++;
            telnet = byte >= 0xfb && byte <= 0xfe ? 2 : byte === 0xfa ? 3 : 0;
          }
        } else if (telnet === 2) telnet = 0;
        else if (telnet === 3) telnet = byte === 0xff ? 4 : 3;
        else telnet = byte === 0xf0 ? 0 : 3;
        continue;
      }
      if (byte === 0x0a) {
        emit(false);
        noted = false;
        continue;
      }
      append(byte);
    }
  }
  if (buf.length > 0 || skipping) emit(true);
  return out;
}

describe('LineSplitter against a byte-at-a-time reference', () => {
  it('gives the same lines for any bytes cut anywhere', () => {
    const alphabet = [0x41, 0x20, 0x30, 0x0d, 0x0a, 0xff, 0xf4, 0xf2, 0xfb, 0xfa, 0xf0, 0xc3, 0xa9];
    const chunk = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 });
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 8 }), fc.integer({ min: 4, max: 200 }), (data, maxLine) => {
        const chunks = data.map((bytes, index) => ({ data: bytes, frame: index + 1 }));
        const lines: SeenLine[] = [];
        const splitter = new LineSplitter((line) => lines.push(seen(line)), maxLine);
        for (const { data: bytes, frame } of chunks) splitter.push(Uint8Array.from(bytes), 0, frame);
        splitter.end();
        expect(lines).toEqual(referenceSplit(chunks, maxLine));
      }),
      { numRuns: 2000 },
    );
  });

  it('reads only its range of a larger buffer (the TCP stage hands over the capture chunk)', () => {
    const alphabet = [0x41, 0x20, 0x0d, 0x0a, 0xff, 0xf4, 0xc3, 0xa9];
    const chunk = fc.array(fc.constantFrom(...alphabet), { maxLength: 40 });
    // Line feeds and IACs around the range must not be taken for the range's own.
    const junk = fc.array(fc.constantFrom(0x0a, 0xff, 0x41, 0x0d), { maxLength: 12 });
    fc.assert(
      fc.property(fc.array(fc.tuple(junk, chunk, junk), { maxLength: 8 }), fc.integer({ min: 4, max: 200 }), (data, maxLine) => {
        const chunks = data.map(([, bytes], index) => ({ data: bytes, frame: index + 1 }));
        const lines: SeenLine[] = [];
        const splitter = new LineSplitter((line) => lines.push(seen(line)), maxLine);
        data.forEach(([before, bytes, after], index) => {
          splitter.pushRange(Uint8Array.from([...before, ...bytes, ...after]), before.length, before.length + bytes.length, 0, index + 1);
        });
        splitter.end();
        expect(lines).toEqual(referenceSplit(chunks, maxLine));
      }),
      { numRuns: 2000 },
    );
  });
});

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
    const lines: SeenLine[] = [];
    const splitter = new LineSplitter((line) => lines.push(seen(line)));
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
    const lines: SeenLine[] = [];
    const splitter = new LineSplitter((line) => lines.push(seen(line)));
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
  const line = (text: string, frame: number): Line => Object.assign(new Line(), { text, fileIndex: 0, frame });

  it('assembles a multi-line reply whose body lines start with digits', () => {
    const assembler = new ReplyAssembler();
    expect(assembler.push(line('211-Features:', 1), 0)).toBeNull();
    expect(assembler.push(line(' MDTM', 1), 0)).toBeNull();
    expect(assembler.push(line('211 End', 1), 0)).toMatchObject({ code: 211, text: 'Features:\n MDTM\nEnd' });
    expect(assembler.push(line('227-Entering', 2), 0)).toBeNull();
    expect(assembler.push(line('200 other code', 2), 0)).toBeNull();
    const event = assembler.push(line('227 Entering Passive Mode (1,2,3,4,5,6)', 3), 0);
    expect(event).toMatchObject({ code: 227, lines: ['227-Entering', '200 other code', '227 Entering Passive Mode (1,2,3,4,5,6)'] });
    expect(event !== null && event !== NOT_A_REPLY && event.frames.map((ref) => ref.frame)).toEqual([2, 3]);
  });

  it('flags a line with no reply code', () => {
    expect(new ReplyAssembler().push(line('hello', 1), 0)).toBe(NOT_A_REPLY);
  });
});

describe('LineTexts', () => {
  const texts = (): LineTexts => new LineTexts();
  const read = (cache: LineTexts, text: string, pad = 0): string => {
    const data = new Uint8Array(pad + Buffer.byteLength(text) + 2);
    Buffer.from(text).copy(data, pad);
    return cache.text(data, pad, pad + Buffer.byteLength(text));
  };

  it('gives a repeated line the string it made the first time, wherever its bytes are', () => {
    const cache = texts();
    const first = read(cache, '200 NOOP ok.');
    expect(first).toBe('200 NOOP ok.');
    expect(read(cache, '200 NOOP ok.', 7)).toBe(first);
    expect(read(cache, '200 NOOP ok!')).toBe('200 NOOP ok!');
    expect(read(cache, '')).toBe('');
  });

  it('decodes UTF-8 and long lines as they are', () => {
    const cache = texts();
    expect(read(cache, 'CWD /pub/ünïcode')).toBe('CWD /pub/ünïcode');
    const long = `STOR ${'x'.repeat(300)}`;
    expect(read(cache, long)).toBe(long);
  });

  it('gives the suffix of the text it returned last, and slices any other text', () => {
    const cache = texts();
    const text = read(cache, 'USER anonymous');
    expect(cache.suffix(text, 5)).toBe('anonymous');
    expect(cache.suffix(text, 5)).toBe('anonymous');
    expect(cache.suffix(text, 4)).toBe(' anonymous');
    expect(cache.suffix('PASS secret', 5)).toBe('secret');
    read(cache, 'USER anonymous');
    expect(cache.suffix(text, 5)).toBe('anonymous');
  });

  it('splits lines the same with a cache as without, over many lines that share slots', () => {
    const words = ['NOOP', 'USER a', 'PASS b', '200 ok', '331 more', 'RETR file.txt', 'TYPE I', 'CWD /ä'];
    const chunks: [string, number][] = [];
    for (let i = 0; i < 20000; i++) chunks.push([`${words[i % words.length]!}${i % 3 === 0 ? '' : ` ${i % 5000}`}\r\n`, i + 1]);
    const plain: string[] = [];
    const cached: string[] = [];
    const cache = texts();
    const a = new LineSplitter((line) => plain.push(line.text));
    const b = new LineSplitter((line) => cached.push(line.text), undefined, undefined, cache);
    for (const [text, frame] of chunks) {
      a.push(Buffer.from(text), 0, frame);
      b.push(Buffer.from(text), 0, frame);
    }
    expect(cached).toEqual(plain);
  });
});

describe('LineSplitter record', () => {
  it('hands lines on the same when splitters share one record', () => {
    const shared = new Line();
    const seenA: SeenLine[] = [];
    const seenB: SeenLine[] = [];
    const a = new LineSplitter((line) => seenA.push(seen(line)), undefined, undefined, null, shared);
    const b = new LineSplitter((line) => seenB.push(seen(line)), undefined, undefined, null, shared);
    a.push(bytes('USER x\r\nPA'), 0, 1);
    b.push(bytes('331 more\r\n'), 0, 2);
    a.push(bytes('SS y\r\n'), 0, 3);
    b.push(bytes('230 ok\n'), 0, 4);
    expect(seenA.map((line) => [line.text, line.frames.map((ref) => ref.frame)])).toEqual([['USER x', [1]], ['PASS y', [1, 3]]]);
    expect(seenB.map((line) => [line.text, line.bareLf])).toEqual([['331 more', false], ['230 ok', true]]);
  });

  it('calls one handler on the target of each splitter', () => {
    class Owner {
      readonly texts: string[] = [];
    }
    const handler = function (this: Owner, line: Line): void {
      this.texts.push(line.text);
    };
    const first = new Owner();
    const second = new Owner();
    const a = new LineSplitter<Owner>(handler, undefined, undefined, null, undefined, first);
    const b = new LineSplitter<Owner>(handler, undefined, undefined, null, undefined, second);
    a.push(bytes('NOOP\r\nQUIT\r\n'), 0, 1);
    b.push(bytes('200 ok\r\n'), 0, 2);
    expect(first.texts).toEqual(['NOOP', 'QUIT']);
    expect(second.texts).toEqual(['200 ok']);
  });
});
