/**
 * The helper model as a TCP-table consumer. Control connections the helper is attached
 * to (server port in --helper-ports: what an nft `ct helper set` / iptables `CT --helper`
 * rule selects) get the per-segment view and run nf_conntrack_ftp's algorithm; every new
 * connection is checked against the expectation table, as conntrack does for a new
 * conntrack, and consumes the expectation it matches.
 */
import { parseAddress, formatAddress } from '../decode/address.js';
import { TCP_SYN } from '../decode/packet.js';
import type { Connection, ConnectionObserver, Segment } from '../tcp/types.js';
import { grown } from './columns.js';
import { FtpConntrackHelpers, HelperAction, mayStartPattern, ORIGINAL, REPLY, seqAfter, type SegmentInput } from './conntrack-ftp.js';
import { ExpectationTable, type Expectation } from './expectations.js';
import type { KernelProfile } from './parsers.js';
import { recordState, SegmentStore, type SegmentLog } from './segment-log.js';
export type { HelperSegmentRecord } from './segment-log.js';
import { rewrittenText, type NatMapping, type NatRewrite } from './nat.js';

export interface HelperOptions {
  /** Server ports a CT rule attaches the helper to (default 21). */
  ports: readonly number[];
  /** The nf_conntrack_ftp `loose` module parameter. */
  loose: boolean;
  kernel: KernelProfile;
  /** NAT in front of the capture point (--nat PRIVATE=PUBLIC): nf_nat_ftp rewrites and re-addresses. */
  nat?: readonly NatMapping[];
}

/** Control segments remembered per connection for the verdicts (control traffic is small). */
export const MAX_HELPER_SEGMENTS_PER_CONNECTION = 200_000;

export interface ControlTrace {
  connection: Connection;
  log: SegmentLog;
}

/** nf_nat_ftp's state for a NATed conntrack (few are): addresses the outside must use, and how far rewrites shifted seq, per direction. */
interface NatState {
  address: [Uint8Array, Uint8Array];
  shift: [number, number];
}

// Flags column of the control columns.
const SEEN_REPLY = 1;
const IPV6 = 2;

/** Control connections a new stage has room for before its columns double. */
const INITIAL_CONTROLS = 64;

/**
 * The stage's own per-control-connection state (beyond the helper's and the segment log's),
 * one typed-array column per field, indexed by the control's number (see columns.ts for why
 * not an object per connection).
 */
class ControlColumns {
  /** The conntrack tuple's addresses: 16 bytes for the client, then 16 for the server. */
  sources = new Uint8Array(INITIAL_CONTROLS * 32);
  /** SEEN_REPLY (IPS_SEEN_REPLY), IPV6. */
  flags = new Uint8Array(INITIAL_CONTROLS);
  /** Per direction: the last IPv4 ID seen (-1: none yet) and where new data continues (-1: unknown). */
  lastIpId = new Int32Array(INITIAL_CONTROLS * 2);
  nextSeq = new Float64Array(INITIAL_CONTROLS * 2);

  /** Starts the row of control `control`: a new number, or a released one (sources and flags are set by the caller). */
  open(control: number): void {
    while (control >= this.flags.length) this.grow();
    this.lastIpId[control * 2] = -1;
    this.lastIpId[control * 2 + 1] = -1;
    this.nextSeq[control * 2] = -1;
    this.nextSeq[control * 2 + 1] = -1;
  }

  private grow(): void {
    this.sources = grown(this.sources, new Uint8Array(this.sources.length * 2));
    this.flags = grown(this.flags, new Uint8Array(this.flags.length * 2));
    this.lastIpId = grown(this.lastIpId, new Int32Array(this.lastIpId.length * 2));
    this.nextSeq = grown(this.nextSeq, new Float64Array(this.nextSeq.length * 2));
  }
}

/**
 * A control connection's observer: a small object holding the control's number, so that a
 * segment reaches the connection's columns directly (a map from connection id to number,
 * read per segment, was one more lookup and cache miss on every control segment).
 */
class ControlObserver implements ConnectionObserver {
  constructor(
    private readonly onSegment: (control: number, connection: Connection, segment: Segment) => void,
    /** -1 once released: the number may belong to another control connection by then. */
    public control: number,
  ) {}

  segment(connection: Connection, segment: Segment): void {
    if (this.control >= 0) this.onSegment(this.control, connection, segment);
  }
}

export class HelperStage {
  readonly expectations = new ExpectationTable();
  /** Data connections that found an expectation (RELATED), by connection id. */
  readonly related = new Map<number, Expectation>();
  /** Predicted nf_nat_ftp rewrites, in capture order, until the report takes them (HelperReporter). */
  readonly rewrites: NatRewrite[] = [];
  private readonly ports: ReadonlySet<number>;
  /**
   * Every control connection's per-segment records, in one set of columns. A control's
   * number is its trace number in this store, its slot in `helpers` and its index in `columns`,
   * `connections` and `observers` (all five are opened together).
   *
   * The numbers of released control connections are handed out again (`freeControls`), so
   * that the columns are as long as the most control connections alive at once, not as the
   * trace's count of them: numbered afresh, they grew by ~150 bytes per session for the whole
   * run (measured: 28 MB of columns by 13M frames of the long bench trace, ~160,000 sessions).
   */
  private readonly segments = new SegmentStore();
  private readonly helpers: FtpConntrackHelpers;
  private readonly columns = new ControlColumns();
  /** By control number; null once released (until the number is reused). */
  private readonly connections: (Connection | null)[] = [];
  private readonly observers: (ControlObserver | null)[] = [];
  private nextControl = 0;
  private readonly freeControls: number[] = [];
  /**
   * Control number by connection id. A map of the control connections only, not a column
   * over all ids: ids count every connection of the trace, and a scan can open millions.
   */
  private readonly controlOf = new Map<number, number>();
  private readonly nat = new Map<number, NatState>();
  /** `controls` as last built (rebuilt when control connections came since). */
  private controlMap: Map<number, ControlTrace> | null = null;
  private readonly input: SegmentInput = {
    direction: 0, seenReply: false, seq: 0, buffer: new Uint8Array(0), payloadOffset: 0, payloadLength: 0, source: new Uint8Array(16), ipVersion: 4,
  };
  /** What every control connection's observer calls, with the control's number. */
  private readonly onSegment = (control: number, connection: Connection, segment: Segment): void => this.segment(control, connection, segment);
  private readonly publicOf: ReadonlyMap<string, string>;

  constructor(readonly options: HelperOptions) {
    this.ports = new Set(options.ports);
    this.publicOf = new Map((options.nat ?? []).map((mapping) => [mapping.private, mapping.public]));
    this.helpers = new FtpConntrackHelpers(options.loose, options.kernel);
  }

  /**
   * Control connections the helper is attached to, by connection id, in the order they began.
   * Built when asked (the report and verdicts ask after the trace), not per connection.
   */
  get controls(): ReadonlyMap<number, ControlTrace> {
    if (this.controlMap === null || this.controlMap.size !== this.controlOf.size) {
      // Reused numbers are out of order: connection ids count in the order connections began.
      const live: number[] = [];
      for (let control = 0; control < this.connections.length; control++) if (this.connections[control] !== null) live.push(control);
      live.sort((a, b) => this.connections[a]!.id - this.connections[b]!.id);
      const map = new Map<number, ControlTrace>();
      for (const control of live) {
        const connection = this.connections[control]!;
        map.set(connection.id, this.controlMap?.get(connection.id) ?? { connection, log: this.segments.view(control) });
      }
      this.controlMap = map;
    }
    return this.controlMap;
  }

  /**
   * The control connection's session is reported: the helper forgets its records and
   * connection, and its number goes to the next control connection. It is no longer in
   * `controls`, and a segment of it that still came would be ignored.
   */
  release(connectionId: number): void {
    const control = this.controlOf.get(connectionId);
    if (control === undefined) return;
    this.controlOf.delete(connectionId);
    this.segments.release(control);
    this.connections[control] = null;
    this.observers[control]!.control = -1;
    this.observers[control] = null;
    this.nat.delete(control);
    this.controlMap?.delete(connectionId);
    this.freeControls.push(control);
  }

  /** One control connection's trace, by connection id, without building `controls`. */
  control(connectionId: number): ControlTrace | undefined {
    const control = this.controlOf.get(connectionId);
    if (control === undefined) return undefined;
    return this.controlMap?.get(connectionId) ?? { connection: this.connections[control]!, log: this.segments.view(control) };
  }

  /** The address the outside sees for an inside one (itself when not NATed). */
  private outside(address: string): string {
    return this.publicOf.get(address) ?? address;
  }

  isAttached(connection: Connection): boolean {
    return this.ports.has(connection.server.port);
  }

  /** End of the trace at `now` (seconds since the epoch). */
  finish(now: number): void {
    this.expectations.finish(now);
  }

  /** Called once per new connection, before any of its segments. */
  observe(connection: Connection): ConnectionObserver | null {
    // The factory runs on the connection's first packet: a SYN there means it opened in the trace.
    const opened = connection.handshake || connection.roleEvidence === 'syn' || connection.roleEvidence === 'syn-ack';
    if (opened) this.consumeExpectation(connection);
    if (!this.isAttached(connection)) return null;
    const client = parseAddress(connection.client.address);
    const server = parseAddress(connection.server.address);
    if (client === null || server === null) return null;
    // A capture that starts mid-session: the conntrack existed before it, and whether the
    // first segment we see starts a line is unknown; we assume it does (SEQ_PICKUP).
    const midStream = !opened;
    const control = this.addControl(connection, midStream);
    const columns = this.columns;
    columns.sources.set(client.bytes, control * 32);
    columns.sources.set(server.bytes, control * 32 + 16);
    columns.flags[control] = (midStream ? SEEN_REPLY : 0) | (client.version === 6 ? IPV6 : 0);
    const natted = this.publicOf.has(connection.client.address) || this.publicOf.has(connection.server.address);
    if (natted) {
      this.nat.set(control, {
        address: [parseAddress(this.outside(connection.client.address))!.bytes, parseAddress(this.outside(connection.server.address))!.bytes],
        shift: [0, 0],
      });
    }
    // Expectations die with their master only when conntrack destroys it (TIME_WAIT, 120 s
    // after the FIN), which the 300 s expectation timeout mostly covers; a FIN alone keeps them.
    const observer = new ControlObserver(this.onSegment, control);
    this.observers[control] = observer;
    return observer;
  }

  /** A new connection the trace saw open: conntrack looks it up in the expectation table and, if found, it is RELATED. */
  private consumeExpectation(connection: Connection): void {
    // Behind the NAT box the data connection shows inside addresses; the expectation was made with outside ones.
    const used = this.expectations.consume(connection.client.address, connection.server.address, connection.server.port, connection.firstTime, connection.id) ??
      (this.publicOf.size > 0
        ? this.expectations.consume(connection.client.address, this.outside(connection.server.address), connection.server.port, connection.firstTime, connection.id)
        : null);
    if (used) this.related.set(connection.id, used);
  }

  /** Numbers a new control connection (a released number first) in the segment store, the helpers and the columns alike. */
  private addControl(connection: Connection, seqPickup: boolean): number {
    const control = this.freeControls.length > 0 ? this.freeControls.pop()! : this.nextControl++;
    this.segments.openTrace(control);
    this.helpers.open(control, seqPickup);
    this.columns.open(control);
    this.connections[control] = connection;
    this.controlOf.set(connection.id, control);
    return control;
  }

  /** nf_nat_ftp_fmt: re-print the numbers with the address the other side must use; returns that address. */
  private rewrite(nat: NatState, ipVersion: number, connection: Connection, segment: Segment, direction: number): string {
    const match = this.helpers.match;
    const address = nat.address[direction]!;
    const rewritten = rewrittenText(match.pattern, address, ipVersion, match.port);
    const start = segment.payloadOffset + match.numberOffset;
    let original = '';
    for (let i = start; i < start + match.numberLength; i++) original += String.fromCharCode(segment.buffer[i]!);
    const delta = rewritten.length - original.length;
    nat.shift[direction] += delta;
    const dst = formatAddress(address, 0, ipVersion);
    const src = direction === ORIGINAL ? connection.server.address : connection.client.address;
    this.rewrites.push({
      fileIndex: segment.fileIndex,
      frame: segment.frame,
      connection: connection.id,
      direction,
      original,
      rewritten,
      delta,
      shiftAfter: nat.shift[direction]!,
      portCertain: !this.expectations.isTaken(src, dst, match.port, connection.id),
    });
    return dst;
  }

  private segment(control: number, connection: Connection, segment: Segment): void {
    const columns = this.columns;
    const direction = segment.direction === 0 ? ORIGINAL : REPLY;
    const flags = columns.flags[control]!;
    const ipVersion = (flags & IPV6) !== 0 ? 6 : 4;
    // One input record per stage, refilled per segment: nothing allocated on this path.
    const input = this.input;
    input.direction = direction;
    input.seenReply = (flags & SEEN_REPLY) !== 0;
    input.seq = segment.seq;
    input.buffer = segment.buffer;
    input.payloadOffset = segment.payloadOffset;
    input.payloadLength = segment.payloadLength;
    // The sender's address is read only by a segment that may start a pattern (most are
    // other commands and replies): the others leave it as it was, unread.
    if (segment.payloadLength > 0 && mayStartPattern(direction, segment.buffer[segment.payloadOffset]!)) {
      const sourceAt = control * 32 + direction * 16;
      for (let i = 0; i < (ipVersion === 6 ? 16 : 4); i++) input.source[i] = columns.sources[sourceAt + i]!;
    }
    input.ipVersion = ipVersion;
    const action = this.helpers.process(control, input);
    if (direction === REPLY) columns.flags[control] = flags | SEEN_REPLY;
    const at = control * 2 + direction;
    const previousId = columns.lastIpId[at]!;
    const continuesStream = segment.seq === columns.nextSeq[at];
    if (segment.ipId >= 0) columns.lastIpId[at] = segment.ipId;
    if ((segment.flags & TCP_SYN) !== 0) columns.nextSeq[at] = (segment.seq + 1) >>> 0;
    if (segment.payloadLength === 0 || (segment.flags & TCP_SYN) !== 0) return;
    const end = (segment.seq + segment.wireLength) >>> 0;
    if (columns.nextSeq[at] === -1 || seqAfter(end, columns.nextSeq[at]!)) columns.nextSeq[at] = end;
    const mergedAfterDrop = (action === HelperAction.Matched || action === HelperAction.AddressMismatch) &&
      continuesStream && previousId >= 0 && segment.ipId >= 0 && skippedIds(previousId, segment.ipId);
    let expectation: Expectation | null = null;
    let clash = false;
    if (action === HelperAction.Matched) {
      expectation = this.expect(control, ipVersion, connection, segment, direction);
      clash = expectation === null;
    }
    if (this.segments.traceSize(control) >= MAX_HELPER_SEGMENTS_PER_CONNECTION) return;
    const pattern = action === HelperAction.DroppedPartial ? this.helpers.partialPattern
      : action === HelperAction.Matched || action === HelperAction.AddressMismatch ? this.helpers.match.pattern : null;
    const endsWithoutNewline = segment.buffer[segment.payloadOffset + segment.payloadLength - 1] !== 0x0a;
    // The timestamp as its two integers and seq as int32, not as doubles: see SegmentStore.append().
    this.segments.append(control, segment.fileIndex, segment.frame, segment.tsSec, segment.tsNsec, segment.seq | 0,
      recordState(direction, action, pattern, clash, endsWithoutNewline, mergedAfterDrop), expectation);
  }

  /** A Matched segment registers its expectation: returns it, or null on a clash (the packet is dropped). */
  private expect(control: number, ipVersion: number, connection: Connection, segment: Segment, direction: number): Expectation | null {
    const match = this.helpers.match;
    // The expectation runs the other way: from the peer of the announcing side to the announced address.
    const src = direction === ORIGINAL ? connection.server.address : connection.client.address;
    const nat = this.nat.get(control) ?? null;
    const announced = nat !== null ? this.rewrite(nat, ipVersion, connection, segment, direction) : formatAddress(match.address, 0, ipVersion);
    const candidate = {
      master: connection.id,
      fileIndex: segment.fileIndex,
      frame: segment.frame,
      time: segment.tsSec + segment.tsNsec / 1e9,
      src,
      dst: announced,
      dport: match.port,
    };
    return this.expectations.register(candidate, nat !== null);
  }
}

/**
 * Packets the sender numbered but the capture never saw: one per dropped copy (the first
 * part, and each retransmission of it the helper dropped again before TCP merged it).
 * A large jump is a new counter or another host, not a drop.
 */
function skippedIds(previous: number, current: number): boolean {
  const step = (current - previous) & 0xffff;
  return step >= 2 && step <= MAX_SKIPPED_IDS;
}

const MAX_SKIPPED_IDS = 16;
