/**
 * The capture stage's entry point: pcap and pcapng, plain or gzip, from files or standard
 * input, one file or several merged by time, behind the ReadCaptures contract.
 */
import { CaptureError } from './errors.js';
import { DEFAULT_CHUNK_SIZE, MERGE_INITIAL_BUFFER, PROGRESS_INTERVAL_MS } from './limits.js';
import { drainFrames, mergeFrames } from './merge.js';
import { newFileInfo, openCapture, STDIN_PATH } from './open.js';
import type { RecordReader } from './reader.js';
import type { CaptureSummary, ReadCaptures, ReadOptions } from './types.js';

export { CaptureError } from './errors.js';
export { frameTime, newFrame, type Frame, type FrameRef } from './frame.js';
export type {
  CaptureFileInfo,
  CaptureFormat,
  CaptureSummary,
  ReadCaptures,
  ReadOptions,
} from './types.js';
export { DEFAULT_CHUNK_SIZE, MAX_RECORD_BYTES, STANDARD_MAX_PACKET } from './limits.js';

/** Rate-limits options.onProgress; checked once per chunk read, never per frame. */
function progressReporter(options: ReadOptions, readers: RecordReader[], totalBytes: () => number | null) {
  const report = options.onProgress;
  let last = 0;
  const emit = () => {
    let bytes = 0;
    let frames = 0;
    for (const r of readers) {
      bytes += r.rawBytesRead;
      frames += r.frame.number;
    }
    report?.(bytes, totalBytes(), frames);
  };
  return {
    onChunk: () => {
      if (report === undefined) return;
      const now = Date.now();
      if (now - last < PROGRESS_INTERVAL_MS) return;
      last = now;
      emit();
    },
    final: () => {
      if (report !== undefined) emit();
    },
  };
}

export const readCaptures: ReadCaptures = async (paths, onFrame, options = {}) => {
  const chunkSize = Math.max(1, Math.floor(options.chunkSize ?? DEFAULT_CHUNK_SIZE));
  const files = paths.map(newFileInfo);
  const readers: RecordReader[] = [];
  const totalBytes = () => {
    let total = 0;
    for (const f of files) {
      if (f.sizeOnDisk === null) return null;
      total += f.sizeOnDisk;
    }
    return total;
  };
  const progress = progressReporter(options, readers, totalBytes);
  try {
    let stdinTaken = false;
    for (let fileIndex = 0; fileIndex < paths.length; fileIndex++) {
      const info = files[fileIndex]!;
      if (info.path === STDIN_PATH) {
        // Two readers on one stream would each get part of it.
        if (stdinTaken) {
          info.error = new CaptureError(STDIN_PATH, 0, 'standard input given more than once');
          continue;
        }
        stdinTaken = true;
      }
      const reader = await openCapture(info, {
        fileIndex,
        initialBuffer: paths.length > 1 ? Math.min(chunkSize, MERGE_INITIAL_BUFFER) : chunkSize,
        chunkSize,
        stdin: () => options.stdin ?? process.stdin,
        onChunk: progress.onChunk,
      });
      if (reader !== null) readers.push(reader);
    }
    if (readers.length === 1) await drainFrames(readers[0]!, onFrame);
    else if (readers.length > 1) await mergeFrames(readers, onFrame);
  } finally {
    for (const reader of readers) {
      reader.finish();
      await reader.close();
    }
  }
  progress.final();
  const summary: CaptureSummary = {
    files,
    frames: files.reduce((n, f) => n + f.frames, 0),
    errors: files.flatMap((f) => (f.error === null ? [] : [f.error])),
  };
  return summary;
};
