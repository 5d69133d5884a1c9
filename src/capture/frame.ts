/**
 * The contract between capture readers and everything downstream.
 *
 * A reader owns one Frame object and overwrites it for every record: consumers must
 * copy what they keep. `buffer` is the reader's current chunk; the frame's bytes are
 * buffer[start, start + capturedLength). Nothing here allocates per frame.
 */
export interface Frame {
  /** Index into CaptureSummary.files of the file this frame came from. */
  fileIndex: number;
  /** Frame number within its file, counted from 1 as Wireshark counts them. */
  number: number;
  /** Byte offset of the record header in the (decompressed) file. */
  offset: number;
  /** Timestamp: whole seconds since the Unix epoch, and nanoseconds within that second. */
  tsSec: number;
  tsNsec: number;
  /** LINKTYPE_* value of the interface the frame was captured on. */
  linkType: number;
  buffer: Uint8Array;
  start: number;
  capturedLength: number;
  /** Length of the packet on the wire (may exceed capturedLength when a snaplen cut it). */
  originalLength: number;
}

export function newFrame(): Frame {
  return {
    fileIndex: 0,
    number: 0,
    offset: 0,
    tsSec: 0,
    tsNsec: 0,
    linkType: 0,
    buffer: new Uint8Array(0),
    start: 0,
    capturedLength: 0,
    originalLength: 0,
  };
}

/** Seconds as a float, for display and durations (loses sub-microsecond precision at epoch scale). */
export function frameTime(tsSec: number, tsNsec: number): number {
  return tsSec + tsNsec / 1e9;
}

/** A reference a user can jump to: file and Wireshark frame number. */
export interface FrameRef {
  fileIndex: number;
  number: number;
}
