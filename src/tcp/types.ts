/**
 * The narrow interface between the TCP stage and its consumers (after gopacket's
 * reassembly package): the table makes a Connection per 4-tuple generation and asks
 * the consumer's factory for an observer; the observer gets the segment view (every
 * segment as it crossed the wire) and/or the stream view (in-order bytes, gaps, end).
 * A connection with no observer is tracked in count-only mode: sizes, frames, times,
 * retransmitted and missing bytes, and no payload is ever buffered.
 */

/** 0: client → server, 1: server → client. */
export type Direction = 0 | 1;
export const CLIENT_TO_SERVER: Direction = 0;
export const SERVER_TO_CLIENT: Direction = 1;

/** Shared by the connections with the same address and port (see endpoints.ts): never changed. */
export interface Endpoint {
  readonly ipVersion: number;
  /** Canonical text: dotted IPv4, RFC 5952 IPv6. */
  readonly address: string;
  readonly port: number;
}

/**
 * How the table decided which side is the client: the SYN or SYN/ACK; a server port (21, else
 * the one well-known port); a "220" greeting; else the lower port is the server ('lower-port'),
 * or with equal ports the sender of the first packet is the client ('first-packet').
 */
export type RoleEvidence = 'syn' | 'syn-ack' | 'server-port' | 'greeting' | 'lower-port' | 'first-packet';

/** How a connection ended, as far as the trace shows. */
export type ConnectionEnd = 'fin' | 'half-closed' | 'rst' | 'open' | 'evicted';

export interface DirectionStats {
  segments: number;
  /** Distinct payload bytes in sequence space (what the application sent at least once). */
  bytes: number;
  /** Payload bytes seen more than once. */
  retransmittedBytes: number;
  /** Bytes never seen in the capture (holes in sequence space, end of trace mid-flight excluded). */
  missingBytes: number;
  /** Frame of the first FIN in this direction (0 when none). */
  finFrame: number;
}

export interface Connection {
  /** 1-based, in order of first frame. */
  id: number;
  client: Endpoint;
  server: Endpoint;
  roleEvidence: RoleEvidence;
  /** Frame numbers are Wireshark's, within the file given by the matching fileIndex. */
  firstFileIndex: number;
  firstFrame: number;
  lastFileIndex: number;
  lastFrame: number;
  /** Seconds since the epoch (float). */
  firstTime: number;
  lastTime: number;
  /** A SYN was seen (the connection did not start mid-stream). */
  handshake: boolean;
  /** Frame of the first SYN from the client (0 when none). */
  synFrame: number;
  end: ConnectionEnd;
  /** Frame of the RST when end === 'rst' (0 otherwise). */
  rstFrame: number;
  stats: [DirectionStats, DirectionStats];
  /** The consumer's observer; set to null to drop to count-only mode from now on. */
  observer: ConnectionObserver | null;
}

/** What a segment is relative to what came before it in its direction. */
export const enum SegmentKind {
  /** No payload, nothing special (pure ACK, SYN, FIN, RST). */
  Control = 0,
  NewData = 1,
  /** Every payload byte seen before, with the same content. */
  Retransmission = 2,
  /** Covers bytes seen before, and at least one differs. */
  OverlapDifferent = 3,
  /** Starts beyond the next expected byte (a hole before it). */
  OutOfOrder = 4,
  KeepAlive = 5,
  ZeroWindowProbe = 6,
  WindowUpdate = 7,
}

/** One segment as it crossed the wire. Reused by the table: copy what you keep. */
export interface Segment {
  fileIndex: number;
  frame: number;
  tsSec: number;
  tsNsec: number;
  direction: Direction;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  kind: SegmentKind;
  /** Captured payload: buffer[payloadOffset, payloadOffset + payloadLength). A view, valid only during the call. */
  buffer: Uint8Array;
  payloadOffset: number;
  payloadLength: number;
  /** Payload length on the wire (larger than payloadLength when a snaplen cut it). */
  wireLength: number;
  /** IPv4 identification of the packet; -1 for IPv6 and for segments replayed without their packet. */
  ipId: number;
}

export interface ConnectionObserver {
  /** Segment view: every segment of the connection in capture order, before its bytes reach the stream view. */
  segment?(connection: Connection, segment: Segment): void;
  /**
   * Stream view: in-order bytes of one direction, each call from a single frame:
   * buffer[start, end), valid only during the call. The range comes with the buffer it is
   * in (the capture's chunk, mostly) instead of a view made for it: a view per segment was
   * the largest allocation of a run on control-heavy traces.
   */
  stream?(connection: Connection, direction: Direction, buffer: Uint8Array, start: number, end: number, fileIndex: number, frame: number): void;
  /**
   * Bytes that were never captured (or cut by the snaplen), before the next stream() in that
   * direction or end(); adjacent holes come as one call.
   */
  gap?(connection: Connection, direction: Direction, length: number): void;
  /**
   * The connection ended (FIN both ways and acknowledged, RST, evicted, idle, or end of
   * trace); called once, and nothing else is called after it (late segments only update stats).
   */
  end?(connection: Connection): void;
}

/** The consumer's hook: called once per new connection; null means count-only. */
export type ObserverFactory = (connection: Connection) => ConnectionObserver | null;
