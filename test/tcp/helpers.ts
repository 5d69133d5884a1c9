/**
 * Test harness for the TCP stage: decode builder captures into a table, or feed hand-built
 * DecodedPackets, and record everything both views report.
 */
import { newFrame, type Frame } from '../../src/capture/frame.js';
import { decodeFrame } from '../../src/decode/decode.js';
import { DecodeResult, newDecodedPacket, type DecodedPacket } from '../../src/decode/packet.js';
import { newDecodeStats } from '../../src/decode/stats.js';
import { ConnectionTable } from '../../src/tcp/table.js';
import type { TcpOptions } from '../../src/tcp/options.js';
import type { Connection, ConnectionObserver, Direction, SegmentKind } from '../../src/tcp/types.js';
import type { RawFrame } from '../fixture/builder.js';

export interface SegmentRecord {
  connection: number;
  frame: number;
  direction: Direction;
  kind: SegmentKind;
  flags: number;
  seq: number;
  ack: number;
  window: number;
  payload: string;
  wireLength: number;
}

export type StreamEvent =
  | { type: 'data'; connection: number; direction: Direction; bytes: Uint8Array; frame: number; fileIndex: number }
  | { type: 'gap'; connection: number; direction: Direction; length: number }
  | { type: 'end'; connection: number };

export type ObserverMode = 'both' | 'segments' | 'stream' | 'count-only';

/** An observer factory that records every event, per connection, in arrival order. */
export class Recorder {
  readonly connections: Connection[] = [];
  readonly segments: SegmentRecord[] = [];
  readonly events: StreamEvent[] = [];

  constructor(private readonly mode: ObserverMode | ((conn: Connection) => ObserverMode) = 'both') {}

  readonly factory = (conn: Connection): ConnectionObserver | null => {
    this.connections.push(conn);
    const mode = typeof this.mode === 'function' ? this.mode(conn) : this.mode;
    if (mode === 'count-only') return null;
    const observer: ConnectionObserver = {
      end: (c) => {
        this.events.push({ type: 'end', connection: c.id });
      },
    };
    if (mode === 'both' || mode === 'segments') {
      observer.segment = (c, seg) => {
        this.segments.push({
          connection: c.id,
          frame: seg.frame,
          direction: seg.direction,
          kind: seg.kind,
          flags: seg.flags,
          seq: seg.seq,
          ack: seg.ack,
          window: seg.window,
          payload: latin1(seg.buffer.subarray(seg.payloadOffset, seg.payloadOffset + seg.payloadLength)),
          wireLength: seg.wireLength,
        });
      };
    }
    if (mode === 'both' || mode === 'stream') {
      observer.stream = (c, direction, buffer, start, end, fileIndex, frame) => {
        this.events.push({ type: 'data', connection: c.id, direction, bytes: buffer.slice(start, end), frame, fileIndex });
      };
      observer.gap = (c, direction, length) => {
        this.events.push({ type: 'gap', connection: c.id, direction, length });
      };
    }
    return observer;
  };

  /** The stream of one direction as text, gaps shown as [gap n]. */
  text(connection: number, direction: Direction): string {
    let out = '';
    for (const event of this.events) {
      if (event.type === 'end' || event.connection !== connection || event.direction !== direction) continue;
      out += event.type === 'data' ? latin1(event.bytes) : `[gap ${event.length}]`;
    }
    return out;
  }

  /** data() calls of one direction as [frame, text]. */
  chunks(connection: number, direction: Direction): Array<[number, string]> {
    const out: Array<[number, string]> = [];
    for (const event of this.events) {
      if (event.type === 'data' && event.connection === connection && event.direction === direction) {
        out.push([event.frame, latin1(event.bytes)]);
      }
    }
    return out;
  }

  gaps(connection: number, direction: Direction): number[] {
    const out: number[] = [];
    for (const event of this.events) {
      if (event.type === 'gap' && event.connection === connection && event.direction === direction) out.push(event.length);
    }
    return out;
  }

  ends(): number[] {
    return this.events.filter((event) => event.type === 'end').map((event) => event.connection);
  }

  segmentsOf(connection: number): SegmentRecord[] {
    return this.segments.filter((segment) => segment.connection === connection);
  }
}

export function latin1(bytes: Uint8Array): string {
  let out = '';
  for (const byte of bytes) out += String.fromCharCode(byte);
  return out;
}

/** Decodes builder frames (numbered from 1 in file `fileIndex`) into the table. */
export function feedFrames(table: ConnectionTable, frames: readonly RawFrame[], options: { fileIndex?: number; only?: (index: number) => boolean } = {}): void {
  const frame: Frame = newFrame();
  const pkt = newDecodedPacket();
  const stats = newDecodeStats();
  frames.forEach((raw, index) => {
    if (options.only && !options.only(index)) return;
    frame.fileIndex = options.fileIndex ?? 0;
    frame.number = index + 1;
    frame.tsSec = raw.tsSec;
    frame.tsNsec = raw.tsNsec;
    frame.linkType = raw.linkType;
    frame.buffer = raw.data;
    frame.start = 0;
    frame.capturedLength = raw.data.length;
    frame.originalLength = raw.originalLength ?? raw.data.length;
    if (decodeFrame(frame, pkt, stats) === DecodeResult.Tcp) table.add(frame, pkt);
  });
}

/** Runs frames through a fresh table with a Recorder; finish() is called. */
export function run(
  frames: readonly RawFrame[],
  options: { mode?: ObserverMode | ((conn: Connection) => ObserverMode); tcp?: TcpOptions; only?: (index: number) => boolean; finish?: boolean } = {},
): { table: ConnectionTable; rec: Recorder } {
  const rec = new Recorder(options.mode ?? 'both');
  const table = new ConnectionTable(rec.factory, options.tcp);
  feedFrames(table, frames, { only: options.only });
  if (options.finish !== false) table.finish();
  return { table, rec };
}

// ---------------------------------------------------------------- hand-built packets

export interface HandPacket {
  /** 'c' = client→server, 's' = server→client. */
  from: 'c' | 's';
  seq: number;
  ack?: number;
  flags: number;
  payload?: Uint8Array;
  window?: number;
  /** Captured payload bytes when less than the payload (snaplen). */
  captured?: number;
}

export const CLIENT = { address: [10, 0, 0, 1], port: 40000 };
export const SERVER = { address: [10, 0, 0, 2], port: 21 };

/**
 * Feeds DecodedPackets built by hand (no capture): IPv4 addresses at the start of a small
 * buffer, payload after them. Frame numbers are 1, 2, ... in feed order; time advances 1 ms.
 */
export class HandFeeder {
  private readonly frame: Frame = newFrame();
  private readonly pkt: DecodedPacket = newDecodedPacket();
  number = 0;
  time = 1_700_000_000;

  constructor(
    readonly table: ConnectionTable,
    readonly client = CLIENT,
    readonly server = SERVER,
  ) {}

  send(p: HandPacket): number {
    const payload = p.payload ?? new Uint8Array(0);
    const buffer = new Uint8Array(8 + payload.length + 3);
    const [src, dst] = p.from === 'c' ? [this.client, this.server] : [this.server, this.client];
    buffer.set(src.address, 0);
    buffer.set(dst.address, 4);
    buffer.set(payload, 8);
    const pkt = this.pkt;
    pkt.buffer = buffer;
    pkt.ipVersion = 4;
    pkt.ipProtocol = 6;
    pkt.srcAddrOffset = 0;
    pkt.dstAddrOffset = 4;
    pkt.srcPort = src.port;
    pkt.dstPort = dst.port;
    pkt.seq = p.seq >>> 0;
    pkt.ack = (p.ack ?? 0) >>> 0;
    pkt.tcpFlags = p.flags;
    pkt.window = p.window ?? 65535;
    pkt.payloadOffset = 8;
    pkt.payloadLength = payload.length;
    pkt.payloadCaptured = p.captured ?? payload.length;
    this.number++;
    this.time += 0.001;
    const frame = this.frame;
    frame.number = this.number;
    frame.tsSec = Math.floor(this.time);
    frame.tsNsec = Math.round((this.time - Math.floor(this.time)) * 1e9);
    this.table.add(frame, pkt);
    return this.number;
  }

  /** Moves the trace clock forward. */
  wait(seconds: number): void {
    this.time += seconds;
  }
}
