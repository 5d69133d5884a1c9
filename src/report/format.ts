import type { Timestamp } from '../analysis.js';

/** ISO 8601 UTC with nanoseconds, as Wireshark shows absolute times. */
export function isoTime(ts: Timestamp | null): string | null {
  if (ts === null) return null;
  const whole = new Date(ts.sec * 1000).toISOString().slice(0, 19);
  return `${whole}.${String(ts.nsec).padStart(9, '0')}Z`;
}

export function epochSeconds(ts: Timestamp): number {
  return ts.sec + ts.nsec / 1e9;
}

/** A frame reference a user can type into Wireshark: the number, prefixed by the file when several were read. */
export function frameLabel(fileIndex: number, frame: number, files: readonly { path: string }[]): string {
  if (files.length <= 1) return String(frame);
  return `${baseName(files[fileIndex]?.path ?? '?')}#${frame}`;
}

function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

export function bytesLabel(bytes: number): string {
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  if (bytes < 1048576) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1073741824) return `${(bytes / 1048576).toFixed(1)} MiB`;
  return `${(bytes / 1073741824).toFixed(2)} GiB`;
}
