/**
 * Writing output to a stream as the CLI does: in batches of about 1 MiB, waiting for the
 * stream to drain, and stopping quietly when the reader went away.
 */

/** Output is written in pieces of about this size (a new buffer each, unless the stream writes through). */
const WRITE_BUFFER_BYTES = 1 << 20;

/**
 * Writes the pieces in order, in batches, waiting for the stream to drain (a pipe to less, a
 * slow disk). Returns false when the reader closed the pipe (EPIPE): the rest is not written,
 * and that is no error, as for any Unix filter whose reader stopped reading. A piece given as
 * bytes must not change afterwards: a long one is handed to the stream as it is.
 */
export async function writeAll(stream: NodeJS.WritableStream, pieces: Iterable<string | Uint8Array>): Promise<boolean> {
  try {
    await writeBatches(stream, pieces, writesThrough(stream));
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return false;
    throw error;
  }
}

/**
 * Bytes of at least this length are handed to the stream as they are, not copied into a
 * batch: the report's session texts come from the spool in runs of up to 1 MiB.
 */
const DIRECT_WRITE_BYTES = 1 << 16;

/**
 * A stream on a file descriptor (a file, a pipe, a terminal: process.stdout, fs write
 * streams) is done with a piece once its write callback ran, so its buffers can be used
 * again; a stream in memory (a PassThrough) may hold on to them until read.
 */
export function writesThrough(stream: NodeJS.WritableStream): boolean {
  return typeof (stream as { fd?: unknown }).fd === 'number';
}

async function writeBatches(stream: NodeJS.WritableStream, pieces: Iterable<string | Uint8Array>, reuse: boolean): Promise<void> {
  // Pieces are encoded straight into a 1 MiB buffer: joining them into one string first
  // and encoding that cost as much as building the report on traces with many sessions.
  // A buffer is made only when a piece needs one: the first touch of fresh memory costs
  // (page faults), and a run of long pieces written directly needs none.
  let buffer: Buffer | null = null;
  // Written pieces' buffer, filled again when the stream is done with it (see writesThrough).
  let spare: Buffer | null = null;
  let used = 0;
  for (const piece of pieces) {
    const direct = typeof piece !== 'string' && piece.length >= DIRECT_WRITE_BYTES;
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    const room = typeof piece === 'string' ? piece.length * 3 : piece.length;
    if (buffer !== null && used > 0 && (direct || used + room > buffer.length)) {
      await write(stream, buffer.subarray(0, used));
      if (reuse) spare = buffer;
      buffer = null;
      used = 0;
    }
    if (direct || room > WRITE_BUFFER_BYTES) {
      await write(stream, piece);
      continue;
    }
    buffer ??= spare ?? Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
    if (typeof piece === 'string') used += buffer.write(piece, used);
    else {
      buffer.set(piece, used);
      used += piece.length;
    }
  }
  if (buffer !== null && used > 0) await write(stream, buffer.subarray(0, used));
}

/** Streams whose 'error' events are already seen to: the error reaches the write callback as well. */
const watched = new WeakSet<NodeJS.WritableStream>();

function write(stream: NodeJS.WritableStream, text: string | Uint8Array): Promise<void> {
  if (!watched.has(stream)) {
    watched.add(stream);
    // Without a listener, the 'error' event that follows a failed write (EPIPE) would end the
    // process with a stack trace; the failure itself is handled through the callback below.
    stream.on('error', () => {});
  }
  return new Promise((resolve, reject) => {
    stream.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
