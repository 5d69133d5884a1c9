import type { Timestamp } from '../analysis.js';

/** ISO 8601 UTC with nanoseconds, as Wireshark shows absolute times. */
export function isoTime(ts: Timestamp | null): string | null {
  if (ts === null) return null;
  return `${isoSeconds(ts.sec)}.${String(ts.nsec).padStart(9, '0')}Z`;
}

/** Seconds of the years 0000 to 9999, which toISOString writes with four-digit years. */
export const FOUR_DIGIT_YEARS_END = 253402300800;

/**
 * "YYYY-MM-DDTHH:MM:SS" of whole seconds since the epoch, as Date's toISOString() writes
 * them, by arithmetic: a report writes two times per session and per connection, and a
 * Date and its ISO string for each cost more than the rest of a connection's JSON.
 * Times outside years 0000-9999, or not whole seconds, go through Date.
 */
export function isoSeconds(sec: number): string {
  if (!Number.isInteger(sec) || sec < 0 || sec >= FOUR_DIGIT_YEARS_END) return new Date(sec * 1000).toISOString().slice(0, 19);
  const days = Math.floor(sec / 86400);
  const daySeconds = sec - days * 86400;
  const [year, month, day] = civilDate(days);
  const hours = Math.floor(daySeconds / 3600);
  const minutes = Math.floor((daySeconds % 3600) / 60);
  return `${String(year).padStart(4, '0')}-${twoDigits(month)}-${twoDigits(day)}T${twoDigits(hours)}:${twoDigits(minutes)}:${twoDigits(daySeconds % 60)}`;
}

/**
 * Year, month (1-12) and day (1-31) of a day count since 1970-01-01, in the proleptic
 * Gregorian calendar (Howard Hinnant's civil_from_days; eras are 400-year cycles).
 */
export function civilDate(days: number): [number, number, number] {
  const shifted = days + 719468; // days since 0000-03-01: leap days come at the end of a year
  const era = Math.floor(shifted / 146097);
  const dayOfEra = shifted - era * 146097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthFromMarch = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthFromMarch + 2) / 5) + 1;
  const month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
  return [era * 400 + yearOfEra + (month <= 2 ? 1 : 0), month, day];
}

function twoDigits(value: number): string {
  return value < 10 ? `0${value}` : String(value);
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
