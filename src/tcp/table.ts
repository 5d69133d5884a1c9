/**
 * The connection table: finds (or makes) the connection of every TCP segment, in capture
 * order, and drives both views of it: the segment view (every segment as it crossed the
 * wire, classified) and the stream view (in-order bytes with gaps), or neither
 * (count-only). See types.ts for the contract with consumers.
 *
 * Hot path: one hash of the 4-tuple, one slot of the bucket array and a short chain, counters,
 * and no allocation unless a segment is out of order, a stream consumer gets a view of its
 * bytes, or a connection is new.
 */
import type { Frame } from '../capture/frame.js';
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type DecodedPacket } from '../decode/packet.js';
import type { Finding, Severity } from '../findings.js';
import { EndpointCache } from './endpoints.js';
import { HalfConnection, HistoryRing, MIN_HISTORY, ScanResult, type BufferCap, type HalfLimits, type StreamSink } from './half.js';
import { OVERLAP_POLICY, resolveTcpOptions, type TcpOptions } from './options.js';
import { TupleKey } from './tuple.js';
import {
  SegmentKind,
  type Connection,
  type ConnectionEnd,
  type ConnectionObserver,
  type Direction,
  type DirectionStats,
  type ObserverFactory,
  type RoleEvidence,
  type Segment,
} from './types.js';

/** Caps a table can hit, by their TcpOptions names. */
export type TcpCap = BufferCap | 'maxLiveConnections';

export interface CapHit {
  count: number;
  /** Where it was first hit (0/0 when never). */
  fileIndex: number;
  frame: number;
}

export interface TcpTableStats {
  segments: number;
  connectionsCreated: number;
  live: number;
  peakLive: number;
  /** Ended by maxLiveConnections (least recently active first). */
  evicted: number;
  /** Ended by idleTimeoutSeconds. */
  timedOut: number;
  /** New connections on a 4-tuple the table still held (new SYN after a close, or far outside the window). */
  portReuse: number;
  /** Payload bytes copied right now (out-of-order runs and retransmission history), and the peak. */
  bufferedBytes: number;
  peakBufferedBytes: number;
  /** Segments classified OverlapDifferent. */
  overlapsDifferent: number;
  findingsDropped: number;
  caps: Record<TcpCap, CapHit>;
}

/** Finding codes of the TCP stage. */
export const TCP_FINDINGS = {
  overlapDifferent: 'tcp.overlap-different',
  dataAfterFin: 'tcp.data-after-fin',
  rstOutOfWindow: 'tcp.rst-out-of-window',
  synOnOpenConnection: 'tcp.syn-on-open-connection',
  capBufferedPerConnection: 'tcp.cap.buffered-per-connection',
  capBufferedTotal: 'tcp.cap.buffered-total',
  capPendingRuns: 'tcp.cap.pending-runs',
  capLiveConnections: 'tcp.cap.live-connections',
} as const;

const CAP_FINDING: Record<TcpCap, string> = {
  maxBufferedBytesPerConnection: TCP_FINDINGS.capBufferedPerConnection,
  maxBufferedBytesTotal: TCP_FINDINGS.capBufferedTotal,
  maxPendingRunsPerDirection: TCP_FINDINGS.capPendingRuns,
  maxLiveConnections: TCP_FINDINGS.capLiveConnections,
};

/** Chain heads a new table starts with (a power of two); doubled whenever connections outnumber them. */
const INITIAL_BUCKETS = 1024;
/** History rings are carved from slabs this large: one ArrayBuffer for many connections. */
const HISTORY_SLAB_BYTES = 256 * MIN_HISTORY;
/** Trace seconds between idle sweeps: eviction costs nothing per packet. */
const SWEEP_INTERVAL_SECONDS = 1;
/**
 * A connection moves to the tail of its list at most this often (trace seconds): the lists
 * stay ordered by activity to this precision, and most segments touch no neighbour's memory.
 */
const TOUCH_INTERVAL_SECONDS = 1;
/**
 * Released flows kept for new connections: a new flow with its two halves was about 850 bytes
 * that the garbage collector copied twice (every flow outlives a young-generation cycle), and
 * on a trace where connections come and go most new ones can take a released one instead.
 */
const FLOW_POOL_SIZE = 1024;
/** Connections at the head of the open list compared when one must be evicted. */
const EVICTION_CANDIDATES = 64;
/**
 * Segments of a connection whose roles are not settled (picked up mid-stream, no telling
 * port) held back before the ports decide; only payload-less ones are ever held.
 */
const MAX_HELD_SEGMENTS = 32;
const HELD_FIELDS = 10;
/** Accept the peer's ACK as the start of a side whose SYN was not captured if it is this close. */
const MAX_START_DISTANCE = 1 << 30;
/** The smallest receive window assumed when judging whether a SYN or RST fits the old sequence space. */
const MIN_WINDOW = 65535;

const enum FlowState {
  Open = 0,
  /** RST, or FIN both ways: kept on the closed list to absorb late segments. */
  Closing = 1,
  /** observer.end() was called. */
  Ended = 2,
}

const enum FlowList {
  None = 0,
  Open = 1,
  Closed = 2,
}

// Bits of Flow.bits.
const STATE_MASK = 0b11;
const LIST_SHIFT = 2;
const LIST_MASK = 0b11 << LIST_SHIFT;
const DECIDED = 1 << 4;
const BUFFERED = 1 << 5;
const DATA_AFTER_FIN_REPORTED = 1 << 6;
const CLIENT_IS_A = 1 << 7;
const CAPS_SHIFT = 8;
const CAPS_MASK = 0b111 << CAPS_SHIFT;

/** What all connections of a table share: options, the buffer budget, and the pool of history rings. */
class Shared {
  bufferedTotal = 0;
  /** Where a direction's scan() of the current segment leaves its results. */
  readonly scanned = new ScanResult();
  private readonly historyPool: HistoryRing[] = [];
  private slab: Uint8Array | null = null;
  private slabUsed = 0;
  constructor(
    readonly options: Required<TcpOptions>,
    readonly limits: HalfLimits,
    readonly stats: TcpTableStats,
    readonly onBufferCap: (flow: Flow, cap: BufferCap, direction: Direction, fileIndex: number, frame: number) => void,
  ) {}

  add(bytes: number): void {
    this.bufferedTotal += bytes;
    this.stats.bufferedBytes = this.bufferedTotal;
    if (this.bufferedTotal > this.stats.peakBufferedBytes) this.stats.peakBufferedBytes = this.bufferedTotal;
  }

  acquireHistory(): HistoryRing | null {
    const max = this.limits.historyBytes;
    // Below the pooled size, a ring of its own (sizes are powers of two).
    const size = max < MIN_HISTORY ? 1 << (31 - Math.clz32(max)) : MIN_HISTORY;
    if (this.bufferedTotal + size > this.options.maxBufferedBytesTotal) return null;
    this.add(size);
    if (size < MIN_HISTORY) return new HistoryRing(new Uint8Array(size), 0, size);
    const pooled = this.historyPool.pop();
    if (pooled !== undefined) return pooled;
    if (this.slab === null || this.slabUsed === this.slab.length) {
      this.slab = new Uint8Array(HISTORY_SLAB_BYTES);
      this.slabUsed = 0;
    }
    const ring = new HistoryRing(this.slab, this.slabUsed, MIN_HISTORY);
    this.slabUsed += MIN_HISTORY;
    return ring;
  }

  releaseHistory(ring: HistoryRing): void {
    this.add(-ring.size);
    if (ring.size === MIN_HISTORY) this.historyPool.push(ring);
  }
}

/**
 * A connection and the table's private state for it. It is its own tuple key (the fields
 * inline), so matching a packet touches no other object.
 */
class Flow extends TupleKey implements StreamSink {
  /** Next flow in the same hash bucket. */
  bucketNext: Flow | null = null;
  /** Neighbours on the open or closed list, in order of touchedAt. */
  prev: Flow | null = null;
  next: Flow | null = null;
  /** Trace clock at the last segment, and when last moved to the tail of its list. */
  activeAt = 0;
  touchedAt = 0;
  /**
   * The state, the list, and the yes/no facts below, as bits of one field (read and written
   * through the accessors): a field each was 48 bytes more per connection.
   */
  private bits = 0;
  held: number[] | null = null;
  bufferedBytes = 0;
  /** Gap lengths not yet told, per direction. */
  gapToServer = 0;
  gapToClient = 0;
  /**
   * The client → server and server → client halves. Two fields, not a pair: the pair was one
   * more object to reach on every segment, and with thousands of connections a cache miss.
   */
  toServer: HalfConnection;
  toClient: HalfConnection;

  constructor(
    private readonly shared: Shared,
    public conn: Connection,
    key: TupleKey,
    /** Whether the key's A side (source of the first packet) is the client. */
    clientIsA: boolean,
  ) {
    super();
    this.assign(key);
    if (clientIsA) this.bits = CLIENT_IS_A;
    this.toServer = new HalfConnection(0, conn.stats[0], this);
    this.toClient = new HalfConnection(1, conn.stats[1], this);
  }

  get state(): FlowState {
    return (this.bits & STATE_MASK) as FlowState;
  }

  set state(value: FlowState) {
    this.bits = (this.bits & ~STATE_MASK) | value;
  }

  get list(): FlowList {
    return ((this.bits & LIST_MASK) >> LIST_SHIFT) as FlowList;
  }

  set list(value: FlowList) {
    this.bits = (this.bits & ~LIST_MASK) | (value << LIST_SHIFT);
  }

  /** Roles settled and the factory asked; until then segments are held, not shown. */
  get decided(): boolean {
    return (this.bits & DECIDED) !== 0;
  }

  set decided(value: boolean) {
    this.bits = value ? this.bits | DECIDED : this.bits & ~DECIDED;
  }

  /** Whether the stream view was on at the last look (copies exist only then). */
  get buffered(): boolean {
    return (this.bits & BUFFERED) !== 0;
  }

  set buffered(value: boolean) {
    this.bits = value ? this.bits | BUFFERED : this.bits & ~BUFFERED;
  }

  get dataAfterFinReported(): boolean {
    return (this.bits & DATA_AFTER_FIN_REPORTED) !== 0;
  }

  set dataAfterFinReported(value: boolean) {
    this.bits = value ? this.bits | DATA_AFTER_FIN_REPORTED : this.bits & ~DATA_AFTER_FIN_REPORTED;
  }

  /** Whether the key's A side (source of the first packet) is the client. */
  get clientIsA(): boolean {
    return (this.bits & CLIENT_IS_A) !== 0;
  }

  set clientIsA(value: boolean) {
    this.bits = value ? this.bits | CLIENT_IS_A : this.bits & ~CLIENT_IS_A;
  }

  /** Buffer caps already reported for this connection (one finding each; bits 1, 2, 4). */
  get capsReported(): number {
    return (this.bits & CAPS_MASK) >> CAPS_SHIFT;
  }

  set capsReported(value: number) {
    this.bits = (this.bits & ~CAPS_MASK) | ((value << CAPS_SHIFT) & CAPS_MASK);
  }

  /** The state of a new flow, for another connection (see FLOW_POOL_SIZE). */
  reset(conn: Connection, key: TupleKey, clientIsA: boolean): void {
    this.assign(key);
    this.conn = conn;
    this.bucketNext = this.prev = this.next = null;
    this.activeAt = this.touchedAt = 0;
    this.bits = clientIsA ? CLIENT_IS_A : 0;
    this.held = null;
    this.bufferedBytes = 0;
    this.gapToServer = this.gapToClient = 0;
    this.toServer.reset(0, conn.stats[0]);
    this.toClient.reset(1, conn.stats[1]);
  }

  get limits(): HalfLimits {
    return this.shared.limits;
  }

  get scanned(): ScanResult {
    return this.shared.scanned;
  }

  half(direction: Direction): HalfConnection {
    return direction === 0 ? this.toServer : this.toClient;
  }

  observer(): ConnectionObserver | null {
    return this.state === FlowState.Ended ? null : this.conn.observer;
  }

  streamData(direction: Direction, bytes: Uint8Array, from: number, to: number, fileIndex: number, frame: number): void {
    const observer = this.observer();
    if (observer === null) return;
    if (this.gapToClient + this.gapToServer > 0) this.flushGap(observer, direction);
    if (observer.stream !== undefined) observer.stream(this.conn, direction, bytes, from, to, fileIndex, frame);
  }

  /**
   * Gaps are told just before the next stream() of their direction, or the end: a hole given
   * up in two steps (part at an ACK, the rest at the close) is still one gap of its size.
   */
  streamGap(direction: Direction, length: number): void {
    if (direction === 0) this.gapToServer += length;
    else this.gapToClient += length;
  }

  flushGap(observer: ConnectionObserver, direction: Direction): void {
    const length = direction === 0 ? this.gapToServer : this.gapToClient;
    if (length === 0) return;
    if (direction === 0) this.gapToServer = 0;
    else this.gapToClient = 0;
    if (observer.gap !== undefined) observer.gap(this.conn, direction, length);
  }

  reserveBuffer(bytes: number): BufferCap | null {
    const options = this.shared.options;
    if (this.bufferedBytes + bytes > options.maxBufferedBytesPerConnection) return 'maxBufferedBytesPerConnection';
    if (this.shared.bufferedTotal + bytes > options.maxBufferedBytesTotal) return 'maxBufferedBytesTotal';
    this.bufferedBytes += bytes;
    this.shared.add(bytes);
    return null;
  }

  releaseBuffer(bytes: number): void {
    this.bufferedBytes -= bytes;
    this.shared.add(-bytes);
  }

  acquireHistory(): HistoryRing | null {
    return this.shared.acquireHistory();
  }

  reserveHistory(bytes: number): boolean {
    if (this.shared.bufferedTotal + bytes > this.shared.options.maxBufferedBytesTotal) return false;
    this.shared.add(bytes);
    return true;
  }

  releaseHistory(ring: HistoryRing): void {
    this.shared.releaseHistory(ring);
  }

  capHit(cap: BufferCap, direction: Direction, fileIndex: number, frame: number): void {
    this.shared.onBufferCap(this, cap, direction, fileIndex, frame);
  }
}

/**
 * The table's index: chains of flows by tuple hash, their heads in a plain array indexed by
 * the hash's low bits. A Map keyed by the hash did the same with one more memory access per
 * packet (its bucket, then its entry), and with thousands of connections alive at once each
 * access is a cache miss.
 */
class FlowBuckets {
  private heads: (Flow | null)[] = new Array<Flow | null>(INITIAL_BUCKETS).fill(null);
  private mask = INITIAL_BUCKETS - 1;
  private count = 0;

  /** The first flow of the chain that would hold `hash` (compare hashes and tuples along it). */
  first(hash: number): Flow | null {
    return this.heads[hash & this.mask]!;
  }

  add(flow: Flow): void {
    if (++this.count > this.heads.length) this.grow();
    const at = flow.hash & this.mask;
    flow.bucketNext = this.heads[at]!;
    this.heads[at] = flow;
  }

  remove(flow: Flow): void {
    const at = flow.hash & this.mask;
    let before: Flow | null = this.heads[at]!;
    if (before === flow) {
      this.heads[at] = flow.bucketNext;
    } else {
      while (before !== null && before.bucketNext !== flow) before = before.bucketNext;
      if (before === null) return;
      before.bucketNext = flow.bucketNext;
    }
    flow.bucketNext = null;
    this.count--;
  }

  clear(): void {
    this.heads.fill(null);
    this.count = 0;
  }

  /** Twice the heads; each chain splits in two by the next bit of the hash. */
  private grow(): void {
    const old = this.heads;
    this.heads = new Array<Flow | null>(old.length * 2).fill(null);
    this.mask = this.heads.length - 1;
    for (let flow of old) {
      while (flow !== null) {
        const next = flow.bucketNext;
        const at = flow.hash & this.mask;
        flow.bucketNext = this.heads[at]!;
        this.heads[at] = flow;
        flow = next;
      }
    }
  }
}

function newDirectionStats(): DirectionStats {
  return { segments: 0, bytes: 0, retransmittedBytes: 0, missingBytes: 0, finFrame: 0 };
}

function newCapHit(): CapHit {
  return { count: 0, fileIndex: 0, frame: 0 };
}

/** Which side a port says is the server: 1 the source, 2 the destination, 0 no telling. */
function serverByPort(srcPort: number, dstPort: number): 0 | 1 | 2 {
  if (dstPort === 21) return 2;
  if (srcPort === 21) return 1;
  // RFC 959 §3.2: in active mode the server opens the data connection from port L-1 (20),
  // so the side on port 20 is the TCP client.
  if (srcPort === 20 && dstPort !== 20) return 2;
  if (dstPort === 20 && srcPort !== 20) return 1;
  const srcWellKnown = srcPort <= 1023;
  const dstWellKnown = dstPort <= 1023;
  if (dstWellKnown && !srcWellKnown) return 2;
  if (srcWellKnown && !dstWellKnown) return 1;
  return 0;
}

const DIRECTION_NAMES = ['client→server', 'server→client'] as const;

/**
 * The frame's timestamp, in seconds. Each method that needs it computes it from the frame
 * rather than taking it as an argument: epoch seconds with a fraction are not small integers,
 * so a double passed to a call V8 does not inline (create(), process()) is boxed in a new
 * 16-byte heap number, one per segment. Stored into a field that holds doubles
 * (conn.lastTime), it is written in place.
 */
function frameSeconds(frame: Frame): number {
  return frame.tsSec + frame.tsNsec * 1e-9;
}

/** What a consumer hears of every connection, watched or count-only. */
export interface TableHooks {
  /**
   * The connection ended, after its observer's end(): a consumer that waits for connections
   * it does not watch (an FTP session for its data connections) learns of them here.
   */
  ended?(connection: Connection): void;
  /**
   * The table let go of the connection (its closed timeout passed, it was evicted or its
   * ports reused, or the trace ended): nothing about it changes any more, not even the
   * counts that late segments of an ended connection update.
   */
  released?(connection: Connection): void;
}

export class ConnectionTable {
  readonly findings: Finding[] = [];
  readonly stats: TcpTableStats;
  private readonly options: Required<TcpOptions>;
  private readonly shared: Shared;
  private readonly buckets = new FlowBuckets();
  /** The current packet's tuple. */
  private readonly key = new TupleKey();
  private readonly endpoints = new EndpointCache();
  /** Released flows, reused for new connections (see FLOW_POOL_SIZE). */
  private readonly flowPool: Flow[] = [];
  private openHead: Flow | null = null;
  private openTail: Flow | null = null;
  private closedHead: Flow | null = null;
  private closedTail: Flow | null = null;
  /** The trace's clock: the latest timestamp seen (captures are not always in time order). */
  private clock = -Infinity;
  private nextSweep = -Infinity;
  private nextId = 1;
  /** Findings for table-wide caps, updated with their counts at finish(). */
  private readonly capFindings = new Map<TcpCap, Finding>();
  private readonly segment: Segment;
  private readonly noPayload = new Uint8Array(0);

  constructor(
    private readonly factory: ObserverFactory,
    options?: TcpOptions,
    private readonly hooks: TableHooks = {},
  ) {
    this.options = resolveTcpOptions(options);
    this.stats = {
      segments: 0,
      connectionsCreated: 0,
      live: 0,
      peakLive: 0,
      evicted: 0,
      timedOut: 0,
      portReuse: 0,
      bufferedBytes: 0,
      peakBufferedBytes: 0,
      overlapsDifferent: 0,
      findingsDropped: 0,
      caps: {
        maxBufferedBytesPerConnection: newCapHit(),
        maxBufferedBytesTotal: newCapHit(),
        maxPendingRunsPerDirection: newCapHit(),
        maxLiveConnections: newCapHit(),
      },
    };
    this.shared = new Shared(
      this.options,
      { maxPendingRuns: this.options.maxPendingRunsPerDirection, historyBytes: this.options.retransmissionHistoryBytes },
      this.stats,
      (flow, cap, direction, fileIndex, frame) => this.onBufferCap(flow, cap, direction, fileIndex, frame),
    );
    this.segment = {
      fileIndex: 0,
      frame: 0,
      tsSec: 0,
      tsNsec: 0,
      direction: 0,
      flags: 0,
      seq: 0,
      ack: 0,
      window: 0,
      kind: SegmentKind.Control,
      buffer: this.noPayload,
      payloadOffset: 0,
      payloadLength: 0,
      wireLength: 0,
      ipId: -1,
    };
  }

  /** One decoded TCP segment, in capture order. */
  add(frame: Frame, pkt: DecodedPacket): void {
    const now = frameSeconds(frame);
    if (now > this.clock) {
      this.clock = now;
      if (now >= this.nextSweep) this.sweep(now);
    }
    this.stats.segments++;

    const key = this.key;
    key.read(pkt);
    let flow = this.buckets.first(key.hash);
    let match = 0;
    while (flow !== null) {
      if (flow.hash === key.hash) {
        match = flow.match(key);
        if (match !== 0) break;
      }
      flow = flow.bucketNext;
    }
    let fromA = match === 1;
    if (flow === null) {
      flow = this.create(frame, pkt);
      fromA = true;
    } else if ((pkt.tcpFlags & TCP_SYN) !== 0) {
      const direction: Direction = fromA === flow.clientIsA ? 0 : 1;
      if (this.startsNewGeneration(flow, direction, pkt)) {
        this.stats.portReuse++;
        this.retire(flow, frame);
        flow = this.create(frame, pkt);
        fromA = true;
      }
    }
    this.process(flow, fromA, frame, pkt);
  }

  /** End of the trace: every connection still in the table ends (open, half-closed, ...). */
  finish(): void {
    const flows: Flow[] = [];
    for (let flow = this.openHead; flow !== null; flow = flow.next) flows.push(flow);
    for (let flow = this.closedHead; flow !== null; flow = flow.next) flows.push(flow);
    flows.sort((a, b) => a.conn.id - b.conn.id);
    for (const flow of flows) {
      if (flow.state !== FlowState.Ended) this.endFlow(flow, this.endAsSeen(flow, 'open'));
    }
    if (this.hooks.released) for (const flow of flows) this.hooks.released(flow.conn);
    this.buckets.clear();
    this.openHead = this.openTail = this.closedHead = this.closedTail = null;
    this.stats.live = 0;
    for (const [cap, finding] of this.capFindings) {
      const hit = this.stats.caps[cap];
      if (hit.count > 1) finding.message += ` (${hit.count} times in all)`;
    }
    this.capFindings.clear();
  }

  // ------------------------------------------------------------ connections

  /** A new connection for the packet whose tuple is in this.key. */
  private create(frame: Frame, pkt: DecodedPacket): Flow {
    if (this.stats.live >= this.options.maxLiveConnections && this.stats.live > 0) this.evictOne(frame);
    const flags = pkt.tcpFlags;
    let srcIsClient: boolean;
    let evidence: RoleEvidence;
    let decided = true;
    if ((flags & TCP_SYN) !== 0) {
      // RFC 9293 §3.5: the opener's SYN carries no ACK; the answer is SYN/ACK.
      srcIsClient = (flags & TCP_ACK) === 0;
      evidence = srcIsClient ? 'syn' : 'syn-ack';
    } else {
      const byPort = serverByPort(pkt.srcPort, pkt.dstPort);
      if (byPort !== 0) {
        srcIsClient = byPort === 2;
        evidence = 'server-port';
      } else {
        // Provisional until the first payload (a "220" greeting names the server).
        decided = false;
        srcIsClient = pkt.srcPort === pkt.dstPort || pkt.srcPort > pkt.dstPort;
        evidence = pkt.srcPort === pkt.dstPort ? 'first-packet' : 'lower-port';
      }
    }
    const buf = pkt.buffer;
    const key = this.key;
    const version = pkt.ipVersion;
    const src = this.endpoints.get(version, key.a0, key.a1, key.a2, key.a3, key.portA, buf, pkt.srcAddrOffset);
    const dst = this.endpoints.get(version, key.b0, key.b1, key.b2, key.b3, key.portB, buf, pkt.dstAddrOffset);
    const now = frameSeconds(frame);
    const conn: Connection = {
      id: this.nextId++,
      client: srcIsClient ? src : dst,
      server: srcIsClient ? dst : src,
      roleEvidence: evidence,
      firstFileIndex: frame.fileIndex,
      firstFrame: frame.number,
      lastFileIndex: frame.fileIndex,
      lastFrame: frame.number,
      firstTime: now,
      lastTime: now,
      handshake: false,
      synFrame: 0,
      end: 'open',
      rstFrame: 0,
      stats: [newDirectionStats(), newDirectionStats()],
      observer: null,
    };
    let flow = this.flowPool.pop();
    if (flow === undefined) flow = new Flow(this.shared, conn, this.key, srcIsClient);
    else flow.reset(conn, this.key, srcIsClient);
    this.buckets.add(flow);
    this.append(flow, FlowList.Open);
    this.stats.connectionsCreated++;
    if (++this.stats.live > this.stats.peakLive) this.stats.peakLive = this.stats.live;
    if (decided) this.attach(flow);
    else flow.held = [];
    return flow;
  }

  /**
   * Whether a SYN on a known 4-tuple opens a new connection: not when it repeats the ISN
   * (a retransmitted SYN or SYN/ACK), always after a FIN or RST (the TIME-WAIT reuse of
   * RFC 9293 §3.6.1 / RFC 6191), and on an open connection when it does not fit the old
   * sequence space (RFC 5961 §4 answers an in-window SYN with a challenge ACK instead).
   */
  private startsNewGeneration(flow: Flow, direction: Direction, pkt: DecodedPacket): boolean {
    const half = flow.half(direction);
    const peer = flow.half((direction ^ 1) as Direction);
    if (half.synSeen && (pkt.seq | 0) === half.isn) return false;
    if (flow.state !== FlowState.Open || half.finRel >= 0 || peer.finRel >= 0) return true;
    // A SYN retransmission keeps its ISN, so another ISN before any data is a new attempt.
    if (half.synSeen && half.highestRel === 0 && peer.highestRel === 0) return true;
    // Nothing known of this side's numbers: a SYN from it is new unless the connection was
    // seen opening (the peer's SYN of a simultaneous open, or a SYN after its SYN/ACK).
    if (!half.started) return !flow.conn.handshake;
    const window = peer.maxWindow > MIN_WINDOW ? peer.maxWindow : MIN_WINDOW;
    const distance = half.relOf((pkt.seq + 1) >>> 0) - half.highestRel;
    return distance > window || distance < -window;
  }

  /** Takes a connection out for a new generation of its 4-tuple. */
  private retire(flow: Flow, frame: Frame): void {
    if (flow.state !== FlowState.Ended) {
      const end = this.endAsSeen(flow, 'evicted');
      if (end === 'evicted') {
        this.addFinding(
          TCP_FINDINGS.synOnOpenConnection,
          'note',
          `connection ${flow.conn.id}: a new SYN on its 4-tuple while it was still open; it ends here and a new connection starts`,
          frame.fileIndex,
          frame.number,
          flow.conn.id,
        );
      }
      this.endFlow(flow, end);
    }
    this.remove(flow);
  }

  /** How a connection ends when the table stops tracking it, from what its segments showed. */
  private endAsSeen(flow: Flow, otherwise: ConnectionEnd): ConnectionEnd {
    const { toServer, toClient } = flow;
    if (toServer.finRel >= 0 && toClient.finRel >= 0) return 'fin';
    if (toServer.finRel >= 0 || toClient.finRel >= 0) return 'half-closed';
    return otherwise;
  }

  /** The factory decides what the connection's consumer is; held segments are shown to it now. */
  private attach(flow: Flow): void {
    flow.decided = true;
    const conn = flow.conn;
    conn.observer = this.factory(conn);
    const held = flow.held;
    flow.held = null;
    if (held === null) return;
    const seg = this.segment;
    for (let at = 0; at < held.length; at += HELD_FIELDS) {
      const observer = flow.observer();
      if (observer === null || observer.segment === undefined) continue;
      seg.direction = (held[at] === 1) === flow.clientIsA ? 0 : 1;
      seg.fileIndex = held[at + 1]!;
      seg.frame = held[at + 2]!;
      seg.tsSec = held[at + 3]!;
      seg.tsNsec = held[at + 4]!;
      seg.flags = held[at + 5]!;
      seg.seq = held[at + 6]!;
      seg.ack = held[at + 7]!;
      seg.window = held[at + 8]!;
      seg.kind = held[at + 9]! as SegmentKind;
      seg.buffer = this.noPayload;
      seg.payloadOffset = 0;
      seg.payloadLength = 0;
      seg.wireLength = 0;
      seg.ipId = -1;
      observer.segment(conn, seg);
    }
  }

  /** Settles the roles of a mid-stream connection on its first payload: a "220 " greeting comes from the server. */
  private decideByPayload(flow: Flow, fromA: boolean, pkt: DecodedPacket): void {
    const buf = pkt.buffer;
    const at = pkt.payloadOffset;
    if (pkt.payloadCaptured >= 3 && buf[at] === 0x32 && buf[at + 1] === 0x32 && buf[at + 2] === 0x30) {
      if (fromA === flow.clientIsA) this.flip(flow);
      flow.conn.roleEvidence = 'greeting';
    }
    this.attach(flow);
  }

  /** Swaps client and server (only before the factory saw the connection). */
  private flip(flow: Flow): void {
    const conn = flow.conn;
    flow.clientIsA = !flow.clientIsA;
    const client = conn.client;
    conn.client = conn.server;
    conn.server = client;
    const { toServer, toClient } = flow;
    flow.toServer = toClient;
    flow.toClient = toServer;
    toClient.direction = 0;
    toServer.direction = 1;
    conn.stats = [toClient.stats, toServer.stats];
  }

  /** Ends a connection: holes become gaps, the consumer gets end(), copies are freed. */
  private endFlow(flow: Flow, end: ConnectionEnd): void {
    if (flow.state === FlowState.Ended) return;
    if (!flow.decided) this.attach(flow);
    const buffered = this.syncBuffered(flow);
    flow.toServer.closeFlush(buffered);
    flow.toClient.closeFlush(buffered);
    const conn = flow.conn;
    conn.end = end;
    const observer = conn.observer;
    if (observer !== null) {
      flow.flushGap(observer, 0);
      flow.flushGap(observer, 1);
    }
    flow.state = FlowState.Ended;
    flow.toServer.release();
    flow.toClient.release();
    flow.buffered = false;
    if (observer !== null && observer.end !== undefined) observer.end(conn);
    this.hooks.ended?.(conn);
    // Nobody watches an ended connection; letting go of the observer lets go of what its
    // closures hold (a whole FTP session's records), while the connection itself may stay listed.
    conn.observer = null;
  }

  /** The stream view is on while the observer has stream(); turning it off frees every copy. */
  private syncBuffered(flow: Flow): boolean {
    const observer = flow.observer();
    const buffered = observer !== null && observer.stream !== undefined;
    if (buffered !== flow.buffered) {
      if (!buffered) {
        flow.toServer.dropBuffers();
        flow.toClient.dropBuffers();
        flow.gapToServer = flow.gapToClient = 0;
      }
      flow.buffered = buffered;
    }
    return buffered;
  }

  // ------------------------------------------------------------ per segment

  private process(flow: Flow, fromA: boolean, frame: Frame, pkt: DecodedPacket): void {
    const conn = flow.conn;
    conn.lastFileIndex = frame.fileIndex;
    conn.lastFrame = frame.number;
    conn.lastTime = frameSeconds(frame);
    flow.activeAt = this.clock;
    if (this.clock - flow.touchedAt >= TOUCH_INTERVAL_SECONDS) this.touch(flow);

    const flags = pkt.tcpFlags;
    // RFC 1122 §4.2.2.12: a RST may carry text explaining it; that is not stream data.
    const wireLength = (flags & TCP_RST) !== 0 ? 0 : pkt.payloadLength;
    if (!flow.decided && (wireLength > 0 || flow.held!.length >= MAX_HELD_SEGMENTS * HELD_FIELDS)) {
      if (wireLength > 0) this.decideByPayload(flow, fromA, pkt);
      else this.attach(flow);
    }
    const direction: Direction = fromA === flow.clientIsA ? 0 : 1;
    const half = flow.half(direction);
    const peer = flow.half((direction ^ 1) as Direction);
    half.stats.segments++;

    const seq = pkt.seq;
    let dataSeq = seq;
    if ((flags & TCP_SYN) !== 0) {
      this.onSyn(flow, direction, half, pkt, frame);
      dataSeq = (seq + 1) >>> 0;
    }
    if (!half.started && (wireLength > 0 || (flags & TCP_FIN) !== 0)) half.start(this.streamStart(flow, half, dataSeq));
    // RFC 7323 §2.2: the window field is scaled only when both SYNs carried the option, and never on a SYN.
    const scale = (flags & TCP_SYN) === 0 && half.windowScale > 0 && peer.windowScale >= 0 ? half.windowScale : 0;
    const windowBytes = scale > 0 ? pkt.window * (1 << (scale > 14 ? 14 : scale)) : pkt.window;
    if (windowBytes > half.maxWindow) half.maxWindow = windowBytes;

    let buffered = this.syncBuffered(flow);
    const captured = pkt.payloadCaptured < wireLength ? pkt.payloadCaptured : wireLength;
    let start = 0;
    let end = 0;
    if (wireLength > 0) {
      start = half.relOf(dataSeq);
      end = start + wireLength;
      half.scan(start, end, start + captured, pkt.buffer, pkt.payloadOffset, buffered);
      half.stats.bytes += half.newBytes;
      half.stats.retransmittedBytes += half.overlapBytes;
    }
    const kind = this.classify(half, peer, pkt, wireLength, start);

    if (flow.decided) {
      const observer = flow.observer();
      if (observer !== null && observer.segment !== undefined) {
        const seg = this.segment;
        seg.fileIndex = frame.fileIndex;
        seg.frame = frame.number;
        seg.tsSec = frame.tsSec;
        seg.tsNsec = frame.tsNsec;
        seg.direction = direction;
        seg.flags = flags;
        seg.seq = seq;
        seg.ack = pkt.ack;
        seg.window = pkt.window;
        seg.kind = kind;
        seg.buffer = pkt.buffer;
        seg.payloadOffset = pkt.payloadOffset;
        seg.payloadLength = pkt.payloadCaptured < pkt.payloadLength ? pkt.payloadCaptured : pkt.payloadLength;
        seg.wireLength = pkt.payloadLength;
        seg.ipId = pkt.ipId;
        observer.segment(conn, seg);
        buffered = this.syncBuffered(flow);
      }
    } else {
      flow.held!.push(fromA ? 1 : 0, frame.fileIndex, frame.number, frame.tsSec, frame.tsNsec, flags, seq, pkt.ack, pkt.window, kind);
    }
    if (kind === SegmentKind.OverlapDifferent) this.reportOverlap(flow, half, frame);

    // The peer's bytes this segment acknowledges were sent before it: deliver them first.
    // As int32: the ack is unsigned, and one above 2^31 passed to onPeerAck() (not inlined) would be boxed.
    if ((flags & (TCP_ACK | TCP_RST)) === TCP_ACK) peer.onPeerAck(pkt.ack | 0, buffered);
    if (wireLength > 0) {
      if (half.finRel >= 0 && end > half.finRel && !flow.dataAfterFinReported) this.reportDataAfterFin(flow, half, frame);
      half.apply(start, end, start + captured, pkt.buffer, pkt.payloadOffset, frame.fileIndex, frame.number, buffered);
    }
    if ((flags & TCP_FIN) !== 0 && half.finRel < 0) {
      half.finRel = half.relOf(dataSeq) + wireLength;
      half.stats.finFrame = frame.number;
      // Reordered in the capture: the ACK of the FIN came first.
      if (half.ackedRel > half.finRel) half.finAcked = true;
    }
    half.hasLast = true;
    half.lastSeq = seq | 0;
    half.lastAck = pkt.ack | 0;
    half.lastWindow = pkt.window;

    if (flow.state === FlowState.Ended) return;
    if ((flags & TCP_RST) !== 0) {
      this.onRst(flow, half, peer, pkt, frame);
    } else if (half.finRel >= 0 && peer.finRel >= 0) {
      if (flow.state === FlowState.Open) this.close(flow);
      // RFC 9293 §3.6: the close is complete when each FIN is acknowledged.
      if (half.finAcked && peer.finAcked) this.endFlow(flow, 'fin');
    }
  }

  private onSyn(flow: Flow, direction: Direction, half: HalfConnection, pkt: DecodedPacket, frame: Frame): void {
    const conn = flow.conn;
    conn.handshake = true;
    if (direction === 0 && (pkt.tcpFlags & TCP_ACK) === 0 && conn.synFrame === 0) conn.synFrame = frame.number;
    if (!half.synSeen) {
      half.synSeen = true;
      half.isn = pkt.seq | 0;
      half.windowScale = pkt.windowScale;
      // The SYN occupies one sequence number; data starts after it (RFC 9293 §3.4).
      if (!half.started) half.start((pkt.seq + 1) >>> 0);
    }
  }

  /**
   * Where a side's stream starts when its SYN was not captured. After a captured handshake
   * the peer's first ACK names it exactly (so lost first segments become a gap); on a
   * mid-stream pickup it is the first byte seen, and nothing before it is ever reported.
   */
  private streamStart(flow: Flow, half: HalfConnection, dataSeq: number): number {
    if (flow.conn.handshake && half.ackHint >= 0) {
      const distance = (dataSeq - half.ackHint) | 0;
      if (distance >= 0 && distance < MAX_START_DISTANCE) return half.ackHint;
    }
    return dataSeq;
  }

  /** What a segment is relative to what came before in its direction (after scan()). */
  private classify(half: HalfConnection, peer: HalfConnection, pkt: DecodedPacket, wireLength: number, start: number): SegmentKind {
    const flags = pkt.tcpFlags;
    if ((flags & (TCP_SYN | TCP_FIN | TCP_RST)) !== 0) {
      if (wireLength === 0) return SegmentKind.Control;
    } else {
      // Keep-alives (RFC 1122 §4.2.3.6) and Linux's zero-window probes both sit one below the
      // next sequence number, with no byte or one garbage byte; a probe is told apart by
      // the peer's closed window. Other stacks probe with the next byte itself.
      const peerWindowClosed = peer.hasLast && peer.lastWindow === 0;
      if (wireLength <= 1) {
        const oneBelow = half.started ? half.relOf(pkt.seq) === half.highestRel - 1 : peer.hasLast && ((pkt.seq + 1) | 0) === peer.lastAck;
        if (oneBelow && (wireLength === 0 || half.newBytes === 0)) {
          return peerWindowClosed ? SegmentKind.ZeroWindowProbe : SegmentKind.KeepAlive;
        }
        if (wireLength === 1 && peerWindowClosed && start === half.highestRel) return SegmentKind.ZeroWindowProbe;
      }
      if (wireLength === 0) {
        const atNext = half.started ? half.relOf(pkt.seq) === half.highestRel : true;
        if (half.hasLast && atNext && (pkt.seq | 0) === half.lastSeq && (pkt.ack | 0) === half.lastAck && pkt.window !== half.lastWindow) {
          return SegmentKind.WindowUpdate;
        }
        return SegmentKind.Control;
      }
    }
    if (half.newBytes === 0) return half.differsAt >= 0 ? SegmentKind.OverlapDifferent : SegmentKind.Retransmission;
    if (half.differsAt >= 0) return SegmentKind.OverlapDifferent;
    if (start > half.highestRel) return SegmentKind.OutOfOrder;
    return SegmentKind.NewData;
  }

  /**
   * RFC 5961 §3.2: a receiver takes a RST only when its sequence number is in the window;
   * anything else (a stale or forged RST) leaves the connection open.
   */
  private onRst(flow: Flow, half: HalfConnection, peer: HalfConnection, pkt: DecodedPacket, frame: Frame): void {
    if (half.started) {
      const window = peer.maxWindow > MIN_WINDOW ? peer.maxWindow : MIN_WINDOW;
      const rel = half.relOf(pkt.seq);
      if (rel < half.nextRel - window || rel > half.highestRel + window) {
        this.addFinding(
          TCP_FINDINGS.rstOutOfWindow,
          'note',
          `connection ${flow.conn.id}: RST far outside the ${DIRECTION_NAMES[half.direction]} sequence space; the connection stays open`,
          frame.fileIndex,
          frame.number,
          flow.conn.id,
        );
        return;
      }
    }
    const bothFins = half.finRel >= 0 && peer.finRel >= 0;
    if (!bothFins) flow.conn.rstFrame = frame.number;
    if (flow.state === FlowState.Open) this.close(flow);
    this.endFlow(flow, bothFins ? 'fin' : 'rst');
  }

  private reportOverlap(flow: Flow, half: HalfConnection, frame: Frame): void {
    this.stats.overlapsDifferent++;
    const frames = [{ fileIndex: frame.fileIndex, frame: frame.number }];
    if (half.differsFrame > 0) frames.unshift({ fileIndex: half.differsFileIndex, frame: half.differsFrame });
    this.pushFinding({
      code: TCP_FINDINGS.overlapDifferent,
      severity: 'warning',
      message:
        `connection ${flow.conn.id}: ${DIRECTION_NAMES[half.direction]} retransmission differs from the first copy ` +
        `at stream offset ${half.differsAt}; the stream keeps the first copy (${OVERLAP_POLICY})`,
      frames,
      connection: flow.conn.id,
    });
  }

  private reportDataAfterFin(flow: Flow, half: HalfConnection, frame: Frame): void {
    flow.dataAfterFinReported = true;
    this.addFinding(
      TCP_FINDINGS.dataAfterFin,
      'warning',
      `connection ${flow.conn.id}: ${DIRECTION_NAMES[half.direction]} payload beyond the FIN of frame ${half.stats.finFrame}`,
      frame.fileIndex,
      frame.number,
      flow.conn.id,
    );
  }

  private onBufferCap(flow: Flow, cap: BufferCap, direction: Direction, fileIndex: number, frame: number): void {
    const limit = this.options[cap];
    const perConnection = cap !== 'maxBufferedBytesTotal';
    const bit = cap === 'maxBufferedBytesPerConnection' ? 1 : cap === 'maxPendingRunsPerDirection' ? 2 : 4;
    const first = this.countCap(cap, fileIndex, frame);
    if (perConnection ? (flow.capsReported & bit) !== 0 : !first) return;
    flow.capsReported |= bit;
    const finding: Finding = {
      code: CAP_FINDING[cap],
      severity: 'warning',
      message:
        `connection ${flow.conn.id}: ${cap} (${limit}) reached while ${DIRECTION_NAMES[direction]} bytes waited for a hole; ` +
        'the hole was given up as a gap',
      frames: [{ fileIndex, frame }],
      connection: flow.conn.id,
    };
    if (!perConnection) this.capFindings.set(cap, finding);
    this.pushFinding(finding);
  }

  /** Counts a cap hit; true on the first one. */
  private countCap(cap: TcpCap, fileIndex: number, frame: number): boolean {
    const hit = this.stats.caps[cap];
    if (hit.count++ > 0) return false;
    hit.fileIndex = fileIndex;
    hit.frame = frame;
    return true;
  }

  private addFinding(code: string, severity: Severity, message: string, fileIndex: number, frame: number, connection: number): void {
    this.pushFinding({ code, severity, message, frames: [{ fileIndex, frame }], connection });
  }

  private pushFinding(finding: Finding): void {
    if (this.findings.length >= this.options.maxFindings) this.stats.findingsDropped++;
    else this.findings.push(finding);
  }

  // ------------------------------------------------------------ lists and eviction

  private sweep(now: number): void {
    this.nextSweep = now + SWEEP_INTERVAL_SECONDS;
    // Lists are ordered by touchedAt; a head active since it was queued goes to the tail
    // instead, so each connection is looked at about once per timeout.
    const idleBefore = now - this.options.idleTimeoutSeconds;
    for (let flow = this.openHead; flow !== null && flow.touchedAt <= idleBefore; flow = this.openHead) {
      if (flow.activeAt > idleBefore) {
        this.touch(flow);
        continue;
      }
      this.stats.timedOut++;
      this.endFlow(flow, this.endAsSeen(flow, 'evicted'));
      this.remove(flow);
    }
    const closedBefore = now - this.options.closedTimeoutSeconds;
    for (let flow = this.closedHead; flow !== null && flow.touchedAt <= closedBefore; flow = this.closedHead) {
      if (flow.activeAt > closedBefore) {
        this.touch(flow);
        continue;
      }
      this.endFlow(flow, this.endAsSeen(flow, 'rst'));
      this.remove(flow);
    }
  }

  /** Makes room for a new connection: a closed one if any, else the least recently active. */
  private evictOne(frame: Frame): void {
    const closed = this.closedHead;
    if (closed !== null) {
      this.endFlow(closed, this.endAsSeen(closed, 'rst'));
      this.remove(closed);
      return;
    }
    // The list is in activity order to within TOUCH_INTERVAL_SECONDS; among its first few,
    // the one idle longest.
    let flow = this.openHead!;
    let candidate = flow.next;
    for (let looked = 0; candidate !== null && looked < EVICTION_CANDIDATES; looked++, candidate = candidate.next) {
      if (candidate.activeAt < flow.activeAt) flow = candidate;
    }
    this.stats.evicted++;
    if (this.countCap('maxLiveConnections', frame.fileIndex, frame.number)) {
      const finding: Finding = {
        code: CAP_FINDING.maxLiveConnections,
        severity: 'warning',
        message:
          `maxLiveConnections (${this.options.maxLiveConnections}) reached; the least recently active connection ` +
          `(${flow.conn.id} first) is evicted to make room`,
        frames: [{ fileIndex: frame.fileIndex, frame: frame.number }],
        connection: flow.conn.id,
      };
      this.capFindings.set('maxLiveConnections', finding);
      this.pushFinding(finding);
    }
    this.endFlow(flow, 'evicted');
    this.remove(flow);
  }

  /** RST, or FIN both ways: from now on it times out after closedTimeoutSeconds. */
  private close(flow: Flow): void {
    flow.state = FlowState.Closing;
    this.unlink(flow);
    this.append(flow, FlowList.Closed);
  }

  private remove(flow: Flow): void {
    this.buckets.remove(flow);
    this.unlink(flow);
    this.stats.live--;
    this.hooks.released?.(flow.conn);
    // Nothing refers to the flow any more (consumers hold the Connection, never the flow).
    if (this.flowPool.length < FLOW_POOL_SIZE) this.flowPool.push(flow);
  }

  private touch(flow: Flow): void {
    flow.touchedAt = this.clock;
    if (flow.next === null) return;
    const list = flow.list;
    this.unlink(flow);
    this.append(flow, list);
  }

  private append(flow: Flow, list: FlowList): void {
    flow.list = list;
    flow.touchedAt = this.clock;
    flow.next = null;
    if (list === FlowList.Open) {
      flow.prev = this.openTail;
      if (this.openTail !== null) this.openTail.next = flow;
      else this.openHead = flow;
      this.openTail = flow;
    } else {
      flow.prev = this.closedTail;
      if (this.closedTail !== null) this.closedTail.next = flow;
      else this.closedHead = flow;
      this.closedTail = flow;
    }
  }

  private unlink(flow: Flow): void {
    const { prev, next } = flow;
    if (prev !== null) prev.next = next;
    else if (flow.list === FlowList.Open) this.openHead = next;
    else if (flow.list === FlowList.Closed) this.closedHead = next;
    if (next !== null) next.prev = prev;
    else if (flow.list === FlowList.Open) this.openTail = prev;
    else if (flow.list === FlowList.Closed) this.closedTail = prev;
    flow.prev = flow.next = null;
    flow.list = FlowList.None;
  }
}
