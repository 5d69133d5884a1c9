/**
 * A one-line progress display on a terminal's stderr: bytes, percent and ETA when the
 * size is known, frames, MB/s. It throttles itself rather than trusting its caller (the
 * capture reader rate-limits its callback too, but that is the reader's own economy), stays
 * silent during the first second so a short run never flickers a line, and is erased at the
 * end so it never mixes with the report or an error line.
 */

/** Nothing is drawn before this much time has passed: only long runs need a progress line. */
export const PROGRESS_FIRST_DRAW_MS = 1000;
/** At most this often: a few redraws a second read well and cost nothing. */
export const PROGRESS_REDRAW_MS = 250;

export interface ProgressStream {
  write(text: string): unknown;
  /** Terminal width, when the stream is a terminal; a longer line would wrap and could not be erased. */
  columns?: number;
}

export class ProgressLine {
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(
    private readonly stream: ProgressStream,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.started = now();
  }

  update(bytesRead: number, totalBytes: number | null, frames: number): void {
    const now = this.now();
    if (now - this.started < PROGRESS_FIRST_DRAW_MS || now - this.lastDraw < PROGRESS_REDRAW_MS) return;
    this.lastDraw = now;
    let text = progressText(bytesRead, totalBytes, frames, (now - this.started) / 1000);
    const columns = this.stream.columns;
    if (columns !== undefined && columns > 1 && text.length >= columns) text = text.slice(0, columns - 1);
    this.stream.write(`\r${text}\x1b[K`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

/** The line's text; percent and ETA only when the total size is known (not for standard input). */
export function progressText(bytesRead: number, totalBytes: number | null, frames: number, seconds: number): string {
  const rate = bytesRead / Math.max(seconds, 1e-3);
  let text = `ftpcap: ${mib(bytesRead)}`;
  if (totalBytes !== null && totalBytes > 0) {
    const fraction = Math.min(bytesRead / totalBytes, 1);
    const eta = rate > 0 ? Math.max(totalBytes - bytesRead, 0) / rate : 0;
    text += ` of ${mib(totalBytes)} (${(fraction * 100).toFixed(0)}%, ETA ${eta.toFixed(0)} s)`;
  }
  return `${text}, ${frames.toLocaleString('en-US')} frames, ${(rate / 1e6).toFixed(0)} MB/s`;
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
