/**
 * A one-line progress display on a terminal's stderr: bytes, percent and ETA when the
 * size is known, frames, MB/s. Redrawn at most a few times a second (the reader already
 * throttles its callback) and erased at the end so it never mixes with the report.
 */
export class ProgressLine {
  private readonly started = Date.now();
  private drawn = false;

  constructor(private readonly stream: NodeJS.WritableStream) {}

  update(bytesRead: number, totalBytes: number | null, frames: number): void {
    const seconds = Math.max((Date.now() - this.started) / 1000, 1e-3);
    const rate = bytesRead / seconds;
    let text = `ftpcap: ${mib(bytesRead)}`;
    if (totalBytes !== null && totalBytes > 0) {
      const fraction = Math.min(bytesRead / totalBytes, 1);
      const eta = rate > 0 ? (totalBytes - bytesRead) / rate : 0;
      text += ` of ${mib(totalBytes)} (${(fraction * 100).toFixed(0)}%, ETA ${eta.toFixed(0)} s)`;
    }
    text += `, ${frames.toLocaleString('en-US')} frames, ${(rate / 1e6).toFixed(0)} MB/s`;
    this.stream.write(`\r${text}\x1b[K`);
    this.drawn = true;
  }

  clear(): void {
    if (this.drawn) this.stream.write('\r\x1b[K');
    this.drawn = false;
  }
}

function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
