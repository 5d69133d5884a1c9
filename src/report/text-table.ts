/**
 * Box-drawn text tables, drawn in one linear pass. They look as cli-table3 draws them
 * with no colours (the same box characters, one space of padding, a rule between rows,
 * word wrap in fixed-width columns, '…' where a word does not fit), but cli-table3 lays
 * out every cell through several passes and took two minutes for a trace with 18,000
 * connections; this takes milliseconds.
 */

export type TextCell = string | number;

export interface TextTableOptions {
  head: readonly string[];
  /**
   * Outer column widths, padding included. Given, cells are word-wrapped to fit; without
   * them each column is as wide as its widest line.
   */
  colWidths?: readonly number[];
}

const PADDING = 1;

export class TextTable {
  private readonly rows: string[][][] = [];

  constructor(private readonly options: TextTableOptions) {}

  push(row: readonly TextCell[]): void {
    this.rows.push(row.map((cell, column) => this.lines(String(cell), column)));
  }

  get length(): number {
    return this.rows.length;
  }

  toString(): string {
    const head = this.options.head.map((cell, column) => this.lines(cell, column));
    const all = [head, ...this.rows];
    const columns = this.options.head.length;
    const widths: number[] = [];
    for (let column = 0; column < columns; column++) {
      const fixed = this.options.colWidths?.[column];
      if (fixed !== undefined) {
        widths.push(fixed);
        continue;
      }
      let widest = 0;
      for (const row of all) for (const line of row[column] ?? []) widest = Math.max(widest, displayWidth(line));
      widths.push(widest + 2 * PADDING);
    }
    const rule = (left: string, middle: string, right: string): string =>
      left + widths.map((width) => '─'.repeat(width)).join(middle) + right;
    const out: string[] = [rule('┌', '┬', '┐')];
    all.forEach((row, index) => {
      if (index > 0) out.push(rule('├', '┼', '┤'));
      const height = Math.max(1, ...row.map((lines) => lines.length));
      for (let line = 0; line < height; line++) {
        let text = '│';
        for (let column = 0; column < columns; column++) {
          const inner = widths[column]! - 2 * PADDING;
          const content = fit(row[column]?.[line] ?? '', inner);
          text += ' '.repeat(PADDING) + content + ' '.repeat(inner - displayWidth(content) + PADDING) + '│';
        }
        out.push(text);
      }
    });
    out.push(rule('└', '┴', '┘'));
    return out.join('\n');
  }

  private lines(content: string, column: number): string[] {
    const fixed = this.options.colWidths?.[column];
    if (fixed === undefined) return content.split('\n');
    const width = fixed - 2 * PADDING;
    return content.split('\n').flatMap((line) => wordWrap(line, width));
  }
}

/** Breaks a line at white space so that each piece fits `width`; a word longer than that stays whole (and is cut when drawn). */
export function wordWrap(line: string, width: number): string[] {
  const parts = line.split(/(\s+)/g);
  const lines: string[] = [];
  let current: string[] = [];
  let length = 0;
  let space: string | undefined;
  for (let i = 0; i < parts.length; i += 2) {
    const word = parts[i]!;
    let next = length + displayWidth(word);
    if (length > 0 && space) next += space.length;
    if (next > width) {
      if (length !== 0) lines.push(current.join(''));
      current = [word];
      length = displayWidth(word);
    } else {
      current.push(space ?? '', word);
      length = next;
    }
    space = parts[i + 1];
  }
  if (length) lines.push(current.join(''));
  return lines;
}

/** The text cut to `width` columns, ending in '…' when something was cut. */
function fit(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char.codePointAt(0)!);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

/** Terminal columns a string takes: two for East Asian wide characters, none for combining marks. */
export function displayWidth(text: string): number {
  let width = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x300) {
      width += code >= 0x20 && (code < 0x7f || code >= 0xa0) ? 1 : 0;
      continue;
    }
    const point = text.codePointAt(i)!;
    if (point > 0xffff) i++;
    width += charWidth(point);
  }
  return width;
}

function charWidth(point: number): number {
  if (point < 0x20 || (point >= 0x7f && point < 0xa0)) return 0;
  if ((point >= 0x300 && point <= 0x36f) || (point >= 0x200b && point <= 0x200f) || (point >= 0xfe00 && point <= 0xfe0f)) return 0;
  const wide =
    (point >= 0x1100 && point <= 0x115f) || (point >= 0x2e80 && point <= 0x303e) || (point >= 0x3041 && point <= 0x33ff) ||
    (point >= 0x3400 && point <= 0x4dbf) || (point >= 0x4e00 && point <= 0x9fff) || (point >= 0xa000 && point <= 0xa4cf) ||
    (point >= 0xac00 && point <= 0xd7a3) || (point >= 0xf900 && point <= 0xfaff) || (point >= 0xfe30 && point <= 0xfe4f) ||
    (point >= 0xff00 && point <= 0xff60) || (point >= 0xffe0 && point <= 0xffe6) || (point >= 0x1f300 && point <= 0x1f64f) ||
    (point >= 0x1f900 && point <= 0x1f9ff) || (point >= 0x20000 && point <= 0x3fffd);
  return wide ? 2 : 1;
}
