/**
 * An input fault: the capture cannot be read past `offset`. Frames before it were
 * delivered; the CLI reports what it analysed and exits with code 3.
 */
export class CaptureError extends Error {
  constructor(
    readonly file: string,
    /** Byte offset in the (decompressed) file where the fault was found. */
    readonly offset: number,
    /** What was wrong, in a few words ("truncated record", "bad magic 0x12345678"). */
    readonly what: string,
  ) {
    super(`${file}: ${what} at byte offset ${offset}`);
    this.name = 'CaptureError';
  }
}
