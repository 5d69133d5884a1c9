/**
 * Byte sources the readers pull from: a file on disk, a stream (standard input), or a
 * gunzip stream over either. All copy into the reader's own chunk buffer, so the parsers
 * see one kind of input whatever the origin.
 */
import { closeSync, fstatSync, openSync, read, readSync } from 'node:fs';
import { pipeline } from 'node:stream';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { GZIP_INPUT_CHUNK, GZIP_OUTPUT_CHUNK, STREAM_QUEUE_HIGH } from './limits.js';

const readAsync = (fd: number, into: Uint8Array, offset: number, length: number, position: null) =>
  promisify(read)(fd, into, offset, length, position).then((r) => r.bytesRead);

export interface ByteSource {
  /** Copies up to `length` bytes into `into` at `offset`; resolves 0 at the end of the data. */
  read(into: Uint8Array, offset: number, length: number): Promise<number>;
  close(): Promise<void>;
  /** Bytes taken from the file or stream itself so far (compressed bytes for gzip), for progress. */
  readonly rawBytesRead: number;
}

/** An I/O failure that is not the data's fault, with the errno code when there is one. */
export class SourceError extends Error {
  constructor(
    readonly what: string,
    readonly code: string | undefined,
  ) {
    super(what);
  }
}

const OPEN_MESSAGES: Record<string, string> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a path component is not a directory',
  ELOOP: 'too many symbolic links',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files',
};

export function describeOsError(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  if (code && OPEN_MESSAGES[code]) return OPEN_MESSAGES[code];
  return code ?? (err instanceof Error ? err.message : String(err));
}

export class FileSource implements ByteSource {
  rawBytesRead = 0;
  private closed = false;
  private constructor(
    private readonly fd: number,
    /** Size of a regular file, null for pipes and devices. */
    readonly sizeOnDisk: number | null,
    /** False for a descriptor the process was given (standard input): never closed here. */
    private readonly owned = true,
  ) {}

  /**
   * Standard input when it is a regular file (`ftpcap analyze - < trace.pcap`): read like
   * any file, in large synchronous reads, instead of through the 64 KiB chunks of
   * process.stdin. Null for anything else (a pipe, a terminal), which keeps the stream.
   */
  static ofRegularFile(fd: number): FileSource | null {
    try {
      const stat = fstatSync(fd);
      return stat.isFile() ? new FileSource(fd, stat.size, false) : null;
    } catch {
      return null;
    }
  }

  /**
   * Opens synchronously, like every other step on a regular file: an async open, stat and
   * close are three thread-pool round trips, a few milliseconds per file on a busy machine.
   */
  static async open(path: string): Promise<FileSource> {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new SourceError(`cannot open: ${describeOsError(err)}`, (err as NodeJS.ErrnoException).code);
    }
    try {
      const stat = fstatSync(fd);
      // Linux lets a directory be opened for reading; the read would fail with EISDIR later.
      if (stat.isDirectory()) throw new SourceError('cannot open: is a directory', 'EISDIR');
      return new FileSource(fd, stat.isFile() ? stat.size : null);
    } catch (err) {
      closeSync(fd);
      if (err instanceof SourceError) throw err;
      throw new SourceError(`cannot open: ${describeOsError(err)}`, (err as NodeJS.ErrnoException).code);
    }
  }

  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    // A closed descriptor number may already belong to another file.
    if (this.closed) return 0;
    try {
      // A regular file is read synchronously: a chunk-sized read from the page cache takes a
      // couple of milliseconds, while the thread-pool round trip of an async read costs
      // about as much again on a busy machine. Pipes and devices may block for long: async.
      // Position null reads at the current position, which also works for FIFOs.
      const bytesRead =
        this.sizeOnDisk !== null
          ? readSync(this.fd, into, offset, length, null)
          : await readAsync(this.fd, into, offset, length, null);
      this.rawBytesRead += bytesRead;
      return bytesRead;
    } catch (err) {
      throw new SourceError(`read error: ${describeOsError(err)}`, (err as NodeJS.ErrnoException).code);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (!this.owned) return;
    try {
      closeSync(this.fd);
    } catch {
      // Nothing useful to do about a failed close of a file we only read.
    }
  }
}

/**
 * Adapts any readable stream (standard input, gunzip output) to ByteSource. Flowing mode
 * with our own queue rather than the async iterator: the iterator throws as soon as the
 * stream errors and drops what was decompressed just before, whereas 'data' events hand
 * over every byte before the 'error' event.
 */
export class StreamSource implements ByteSource {
  rawBytesRead = 0;
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  /** Read position in queue[0]. */
  private headAt = 0;
  private ended = false;
  private failure: unknown = null;
  private paused = false;
  private wake: (() => void) | null = null;

  constructor(
    private readonly stream: NodeJS.ReadableStream,
    /** Standard input belongs to the process: we stop reading it but never destroy it. */
    private readonly owned: boolean,
    private readonly mapError: (err: unknown) => Error = (err) =>
      new SourceError(`read error: ${describeOsError(err)}`, (err as NodeJS.ErrnoException).code),
  ) {
    // A stream that already ended will not say so again; waiting for it would hang.
    if ((stream as NodeJS.ReadableStream & { readableEnded?: boolean }).readableEnded) this.ended = true;
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    // Destroyed without 'end' (e.g. the other side of a pipe went away): what came is all there is.
    stream.on('close', this.onEnd);
    stream.on('error', this.onError);
  }

  private readonly onData = (chunk: unknown): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : (chunk as Uint8Array);
    if (bytes.length === 0) return;
    this.queue.push(bytes);
    this.queuedBytes += bytes.length;
    this.rawBytesRead += bytes.length;
    if (this.queuedBytes >= STREAM_QUEUE_HIGH && !this.paused) {
      this.paused = true;
      this.stream.pause();
    }
    this.notify();
  };

  private readonly onEnd = (): void => {
    this.ended = true;
    this.notify();
  };

  private readonly onError = (err: unknown): void => {
    if (this.failure === null) this.failure = err;
    this.notify();
  };

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  async read(into: Uint8Array, offset: number, length: number): Promise<number> {
    while (this.queue.length === 0) {
      if (this.failure !== null) throw this.mapError(this.failure);
      if (this.ended) return 0;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    let copied = 0;
    while (copied < length && this.queue.length > 0) {
      const head = this.queue[0]!;
      const n = Math.min(length - copied, head.length - this.headAt);
      into.set(head.subarray(this.headAt, this.headAt + n), offset + copied);
      copied += n;
      this.headAt += n;
      if (this.headAt === head.length) {
        this.queue.shift();
        this.headAt = 0;
      }
    }
    this.queuedBytes -= copied;
    if (this.paused && this.queuedBytes < STREAM_QUEUE_HIGH / 2) {
      this.paused = false;
      this.stream.resume();
    }
    return copied;
  }

  async close(): Promise<void> {
    this.stream.removeListener('data', this.onData);
    this.stream.removeListener('end', this.onEnd);
    this.stream.removeListener('close', this.onEnd);
    // Keep an error listener: a stream erroring after we stopped must not crash the process.
    if (this.owned) (this.stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
    else this.stream.pause();
  }
}

/** zlib's error for input that stops before the gzip trailer. */
function isTruncatedGzip(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | null;
  return e?.code === 'Z_BUF_ERROR' || /unexpected end/i.test(e?.message ?? '');
}

export function gzipErrorMessage(err: unknown): string {
  if (err instanceof SourceError) return err.what;
  if (isTruncatedGzip(err)) return 'gzip: unexpected end of data';
  return `gzip: corrupt data (${err instanceof Error ? err.message : String(err)})`;
}

/**
 * Decompresses `inner` as a stream. `prefix` holds the bytes already taken from `inner` to
 * sniff the magic, so they are fed first.
 */
export class GunzipSource implements ByteSource {
  private readonly output: StreamSource;
  private readonly gunzip = createGunzip({ chunkSize: GZIP_OUTPUT_CHUNK });

  constructor(
    private readonly inner: ByteSource,
    prefix: Uint8Array,
  ) {
    async function* compressed(): AsyncGenerator<Uint8Array> {
      yield prefix;
      for (;;) {
        // A fresh buffer each time: gunzip may still hold the previous one when we read again.
        const chunk = Buffer.allocUnsafe(GZIP_INPUT_CHUNK);
        const n = await inner.read(chunk, 0, chunk.length);
        if (n === 0) return;
        yield chunk.subarray(0, n);
      }
    }
    // Errors surface through the gunzip stream's iterator; the callback only keeps them from being unhandled.
    pipeline(compressed(), this.gunzip, () => {});
    this.output = new StreamSource(this.gunzip, true, (err) => new SourceError(gzipErrorMessage(err), undefined));
  }

  get rawBytesRead(): number {
    return this.inner.rawBytesRead;
  }

  read(into: Uint8Array, offset: number, length: number): Promise<number> {
    return this.output.read(into, offset, length);
  }

  async close(): Promise<void> {
    this.gunzip.destroy();
    await this.inner.close();
  }
}
