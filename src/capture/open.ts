/**
 * Opening one input: the source (file or standard input), gzip by its magic whatever the
 * name says, then the format by the first bytes of the (decompressed) data.
 */
import { CaptureError } from './errors.js';
import { PcapReader, pcapMagic } from './pcap.js';
import { BLOCK_SHB, PcapngReader } from './pcapng.js';
import type { RecordReader } from './reader.js';
import { FileSource, GunzipSource, SourceError, StreamSource, type ByteSource } from './source.js';
import type { CaptureFileInfo } from './types.js';

export const STDIN_PATH = '-';
const MAGIC_LENGTH = 4;

export function newFileInfo(path: string): CaptureFileInfo {
  return {
    path,
    format: null,
    compression: 'none',
    linkTypes: [],
    frames: 0,
    bytes: 0,
    sizeOnDisk: null,
    firstTsSec: null,
    firstTsNsec: null,
    lastTsSec: null,
    lastTsNsec: null,
    comments: [],
    error: null,
  };
}

export interface OpenOptions {
  fileIndex: number;
  /** Buffer size to start with, and the size it may grow to once the file is read. */
  initialBuffer: number;
  chunkSize: number;
  /** Only called for the path '-', so process.stdin is not touched otherwise. */
  stdin: () => NodeJS.ReadableStream;
  onChunk: () => void;
}

/** Reads into buf from `filled` until at least `min` bytes are there or the data ends. */
async function readAtLeast(source: ByteSource, buf: Uint8Array, filled: number, min: number): Promise<number> {
  while (filled < min) {
    const n = await source.read(buf, filled, buf.length - filled);
    if (n === 0) break;
    filled += n;
  }
  return filled;
}

function isGzip(buf: Uint8Array, filled: number): boolean {
  return filled >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

function hex32(buf: Uint8Array, filled: number): string {
  return Array.from(buf.subarray(0, Math.min(filled, MAGIC_LENGTH)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Opens one capture and reads as far as its file header. Returns null when that already
 * fails; the fault is then in `info.error`.
 */
export async function openCapture(info: CaptureFileInfo, options: OpenOptions): Promise<RecordReader | null> {
  let source: ByteSource | null = null;
  const where = () => (info.compression === 'gzip' ? ' (decompressed)' : '');
  try {
    if (info.path === STDIN_PATH) {
      const stream = options.stdin();
      // process.stdin over a redirected file is an fs stream on descriptor 0: read the file directly.
      const fd = (stream as { fd?: unknown }).fd;
      const file = typeof fd === 'number' ? FileSource.ofRegularFile(fd) : null;
      if (file !== null) info.sizeOnDisk = file.sizeOnDisk;
      source = file ?? new StreamSource(stream, false);
    } else {
      const file = await FileSource.open(info.path);
      info.sizeOnDisk = file.sizeOnDisk;
      source = file;
    }
    // Room for the magic even with a tiny test chunk size.
    const buffer = new Uint8Array(Math.max(options.initialBuffer, MAGIC_LENGTH));
    let filled = await readAtLeast(source, buffer, 0, MAGIC_LENGTH);
    if (isGzip(buffer, filled)) {
      info.compression = 'gzip';
      source = new GunzipSource(source, buffer.slice(0, filled));
      filled = await readAtLeast(source, buffer, 0, MAGIC_LENGTH);
    }
    if (filled === 0) throw new CaptureError(info.path, 0, `empty file${where()}`);
    if (filled < MAGIC_LENGTH) {
      throw new CaptureError(info.path, 0, `truncated file header: needs ${MAGIC_LENGTH} bytes, ${filled} available${where()}`);
    }
    const view = new DataView(buffer.buffer);
    const magic = view.getUint32(0, false);
    const setup = {
      source,
      info,
      fileIndex: options.fileIndex,
      buffer,
      filled,
      chunkSize: options.chunkSize,
      onChunk: options.onChunk,
    };
    let reader: RecordReader;
    if (magic === BLOCK_SHB) {
      reader = new PcapngReader(setup);
    } else if (pcapMagic(magic) !== null) {
      const pcap = new PcapReader(setup);
      reader = pcap;
      if (!(await pcap.start())) {
        reader.finish();
        await reader.close();
        return null;
      }
    } else {
      throw new CaptureError(info.path, 0, `not a pcap or pcapng file (magic 0x${hex32(buffer, filled)})${where()}`);
    }
    return reader;
  } catch (err) {
    await source?.close();
    info.error = toCaptureError(info.path, err, where());
    return null;
  }
}

function toCaptureError(path: string, err: unknown, where: string): CaptureError {
  if (err instanceof CaptureError) return err;
  if (err instanceof SourceError) return new CaptureError(path, 0, err.what + (err.what.startsWith('gzip') ? where : ''));
  return new CaptureError(path, 0, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
}
