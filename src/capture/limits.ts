/** Every cap the capture readers enforce, in one place so they are visible and testable. */

/**
 * Bytes per read from a source when the caller does not say. Large reads amortise system
 * calls, but a chunk that stays in the CPU cache is walked faster: bench/reader.ts measured
 * 1 MiB at 2.4× the speed of 8 MiB chunks (6,966 vs 2,896 MB/s on a 220 MB pcap).
 */
export const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/**
 * With several files, a reader starts with this much buffer and grows toward the chunk size
 * only once it is actually read: a rotation of hundreds of files then costs little memory
 * while most of them wait in the merge for their turn.
 */
export const MERGE_INITIAL_BUFFER = 64 * 1024;

/** Wireshark's WTAP_MAX_PACKET_SIZE_STANDARD: records up to this size are legal whatever the snaplen says. */
export const STANDARD_MAX_PACKET = 262144;

/**
 * Hard cap on one record or pcapng block. A header may claim anything; we never buffer more
 * than this for a single record, so a corrupt length cannot make us allocate gigabytes.
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Progress callbacks are rate-limited to about five a second. */
export const PROGRESS_INTERVAL_MS = 200;

/** Bytes of each compressed read fed to the gunzip stream. */
export const GZIP_INPUT_CHUNK = 1024 * 1024;

/**
 * Output chunk of the gunzip stream. When zlib finds corrupt data, a bad CRC or trailing
 * garbage (anything but zero padding after a member), Node drops the output of that last
 * inflate call, so up to this much before the fault is never delivered. Each chunk is one trip
 * from libuv's thread pool, where zlib runs, back through the event loop, and while the
 * analysis holds the main thread zlib waits: with 64 KiB the 200 MB bulk trace's .gz took
 * 0.61-0.79 s, with 256 KiB 0.45-0.47 s, with 1 MiB 0.39-0.48 s (plain pcap ~0.35 s). 256 KiB
 * takes most of the gain for a quarter of 1 MiB's loss before a corrupt trailer. (A worker
 * thread that inflates in 64 KiB chunks and hands over 1 MiB batches was slower still: zlib
 * alone in a worker took 0.63-0.67 s with 64 KiB chunks, 0.20-0.21 s with 1 MiB.)
 */
export const GZIP_OUTPUT_CHUNK = 256 * 1024;

/** The largest captured length a record may have given the snaplen its file declares. */
export function maxCapturedLength(snaplen: number): number {
  return Math.min(Math.max(snaplen, STANDARD_MAX_PACKET), MAX_RECORD_BYTES);
}

/** A stream source pauses its stream when this much is queued and not yet copied out. */
export const STREAM_QUEUE_HIGH = 4 * 1024 * 1024;
