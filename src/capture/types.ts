import type { CaptureError } from './errors.js';
import type { Frame } from './frame.js';

export type CaptureFormat = 'pcap' | 'pcapng';

/** What one input file turned out to be, and how far it was read. */
export interface CaptureFileInfo {
  /** The path as the user gave it; '-' for standard input. */
  path: string;
  /** null when not even the file header could be read. */
  format: CaptureFormat | null;
  compression: 'none' | 'gzip';
  /** Distinct LINKTYPE_* values, in order of first appearance. */
  linkTypes: number[];
  frames: number;
  /** Bytes consumed from the (decompressed) file. */
  bytes: number;
  /** Size on disk when known (regular file), else null. */
  sizeOnDisk: number | null;
  firstTsSec: number | null;
  firstTsNsec: number | null;
  lastTsSec: number | null;
  lastTsNsec: number | null;
  /** pcapng section and interface comments (opt_comment), when present. */
  comments: string[];
  /** The fault that ended this file early, if any. */
  error: CaptureError | null;
}

export interface CaptureSummary {
  files: CaptureFileInfo[];
  frames: number;
  /** Faults, one per file at most; reading of the other files goes on. */
  errors: CaptureError[];
}

export interface ReadOptions {
  /** Bytes per read from the source (default 1 MiB: see DEFAULT_CHUNK_SIZE). */
  chunkSize?: number;
  /** Stream to read for the path '-' (default process.stdin). */
  stdin?: NodeJS.ReadableStream;
  /** Called a few times a second at most with bytes consumed so far and the total when known. */
  onProgress?: (bytesRead: number, totalBytes: number | null, frames: number) => void;
}

/**
 * Reads the given captures as one trace. With several files, frames are merged by
 * timestamp (ties keep file order), as tcpdump -C/-G rotations need. `onFrame` gets
 * the reader's reused Frame: copy what you keep.
 */
export type ReadCaptures = (
  paths: string[],
  onFrame: (frame: Frame) => void,
  options?: ReadOptions,
) => Promise<CaptureSummary>;
