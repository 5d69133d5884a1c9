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
import { FtpConntrackHelper, HelperAction, ORIGINAL, REPLY, seqAfter, type SegmentInput } from './conntrack-ftp.js';
import { ExpectationTable, type Expectation } from './expectations.js';
import type { KernelProfile } from './parsers.js';
import { SegmentStore, type SegmentLog } from './segment-log.js';
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

interface AttachedState {
  trace: ControlTrace;
  /** The conntrack is NATed (an endpoint is on the inside of a --nat mapping): addresses the outside must use, per direction. */
  natAddress: [Uint8Array, Uint8Array] | null;
  natShift: [number, number];
  helper: FtpConntrackHelper;
  seenReply: boolean;
  sources: [Uint8Array, Uint8Array];
  ipVersion: number;
  /** Per direction: the last IPv4 ID seen (-1: none yet) and where new data continues (-1: unknown). */
  lastIpId: [number, number];
  nextSeq: [number, number];
}

export class HelperStage {
  readonly expectations = new ExpectationTable();
  readonly controls = new Map<number, ControlTrace>();
  /** Data connections that found an expectation (RELATED), by connection id. */
  readonly related = new Map<number, Expectation>();
  /** Predicted nf_nat_ftp rewrites, in capture order. */
  readonly rewrites: NatRewrite[] = [];
  private readonly ports: ReadonlySet<number>;
  /** Every control connection's per-segment records, in one set of columns. */
  private readonly segments = new SegmentStore();
  private readonly input: SegmentInput = {
    direction: 0, seenReply: false, seq: 0, buffer: new Uint8Array(0), payloadOffset: 0, payloadLength: 0, source: new Uint8Array(16), ipVersion: 4,
  };
  private readonly publicOf: ReadonlyMap<string, string>;

  constructor(readonly options: HelperOptions) {
    this.ports = new Set(options.ports);
    this.publicOf = new Map((options.nat ?? []).map((mapping) => [mapping.private, mapping.public]));
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
    if (opened) {
      // Behind the NAT box the data connection shows inside addresses; the expectation was made with outside ones.
      const used = this.expectations.consume(connection.client.address, connection.server.address, connection.server.port, connection.firstTime, connection.id) ??
        (this.publicOf.size > 0
          ? this.expectations.consume(connection.client.address, this.outside(connection.server.address), connection.server.port, connection.firstTime, connection.id)
          : null);
      if (used) this.related.set(connection.id, used);
    }
    if (!this.isAttached(connection)) return null;
    const client = parseAddress(connection.client.address);
    const server = parseAddress(connection.server.address);
    if (client === null || server === null) return null;
    const trace: ControlTrace = { connection, log: this.segments.log() };
    this.controls.set(connection.id, trace);
    // A capture that starts mid-session: the conntrack existed before it, and whether the
    // first segment we see starts a line is unknown; we assume it does (SEQ_PICKUP).
    const midStream = !opened;
    const natted = this.publicOf.has(connection.client.address) || this.publicOf.has(connection.server.address);
    const state: AttachedState = {
      trace,
      natAddress: natted
        ? [parseAddress(this.outside(connection.client.address))!.bytes, parseAddress(this.outside(connection.server.address))!.bytes]
        : null,
      natShift: [0, 0],
      helper: new FtpConntrackHelper(this.options.loose, this.options.kernel, midStream),
      seenReply: midStream,
      sources: [client.bytes, server.bytes],
      lastIpId: [-1, -1],
      nextSeq: [-1, -1],
      ipVersion: client.version,
    };
    // Expectations die with their master only when conntrack destroys it (TIME_WAIT, 120 s
    // after the FIN), which the 300 s expectation timeout mostly covers; a FIN alone keeps them.
    return { segment: (conn, segment) => this.segment(state, conn, segment) };
  }

  /** nf_nat_ftp_fmt: re-print the numbers with the address the other side must use; returns that address. */
  private rewrite(state: AttachedState, connection: Connection, segment: Segment, direction: number): string {
    const match = state.helper.match;
    const address = state.natAddress![direction]!;
    const rewritten = rewrittenText(match.pattern, address, state.ipVersion, match.port);
    const start = segment.payloadOffset + match.numberOffset;
    let original = '';
    for (let i = start; i < start + match.numberLength; i++) original += String.fromCharCode(segment.buffer[i]!);
    const delta = rewritten.length - original.length;
    state.natShift[direction] += delta;
    const dst = formatAddress(address, 0, state.ipVersion);
    const src = direction === ORIGINAL ? connection.server.address : connection.client.address;
    this.rewrites.push({
      fileIndex: segment.fileIndex,
      frame: segment.frame,
      connection: connection.id,
      direction,
      original,
      rewritten,
      delta,
      shiftAfter: state.natShift[direction]!,
      portCertain: !this.expectations.isTaken(src, dst, match.port, connection.id),
    });
    return dst;
  }

  private segment(state: AttachedState, connection: Connection, segment: Segment): void {
    const direction = segment.direction === 0 ? ORIGINAL : REPLY;
    const helper = state.helper;
    // One input record per stage, refilled per segment: nothing allocated on this path.
    const input = this.input;
    input.direction = direction;
    input.seenReply = state.seenReply;
    input.seq = segment.seq;
    input.buffer = segment.buffer;
    input.payloadOffset = segment.payloadOffset;
    input.payloadLength = segment.payloadLength;
    input.source = state.sources[direction]!;
    input.ipVersion = state.ipVersion;
    const action = helper.process(input);
    if (direction === REPLY) state.seenReply = true;
    const previousId = state.lastIpId[direction]!;
    const continuesStream = segment.seq === state.nextSeq[direction];
    if (segment.ipId >= 0) state.lastIpId[direction] = segment.ipId;
    if ((segment.flags & TCP_SYN) !== 0) state.nextSeq[direction] = (segment.seq + 1) >>> 0;
    if (segment.payloadLength === 0 || (segment.flags & TCP_SYN) !== 0) return;
    const end = (segment.seq + segment.wireLength) >>> 0;
    if (state.nextSeq[direction] === -1 || seqAfter(end, state.nextSeq[direction]!)) state.nextSeq[direction] = end;
    const mergedAfterDrop = (action === HelperAction.Matched || action === HelperAction.AddressMismatch) &&
      continuesStream && previousId >= 0 && segment.ipId >= 0 && skippedIds(previousId, segment.ipId);
    const time = segment.tsSec + segment.tsNsec / 1e9;
    let expectation: Expectation | null = null;
    let clash = false;
    if (action === HelperAction.Matched) {
      const match = helper.match;
      // The expectation runs the other way: from the peer of the announcing side to the announced address.
      const src = direction === ORIGINAL ? connection.server.address : connection.client.address;
      let announced = formatAddress(match.address, 0, state.ipVersion);
      if (state.natAddress !== null) announced = this.rewrite(state, connection, segment, direction);
      const candidate = {
        master: connection.id,
        fileIndex: segment.fileIndex,
        frame: segment.frame,
        time,
        src,
        dst: announced,
        dport: match.port,
      };
      if (this.expectations.register(candidate, state.natAddress !== null) === 'added') expectation = this.expectations.all[this.expectations.all.length - 1]!;
      else clash = true;
    }
    const log = state.trace.log;
    if (log.size >= MAX_HELPER_SEGMENTS_PER_CONNECTION) return;
    log.push(
      segment.fileIndex,
      segment.frame,
      time,
      direction,
      segment.seq,
      action,
      action === HelperAction.DroppedPartial ? helper.partialPattern
        : action === HelperAction.Matched || action === HelperAction.AddressMismatch ? helper.match.pattern : null,
      expectation,
      clash,
      segment.buffer[segment.payloadOffset + segment.payloadLength - 1] !== 0x0a,
      mergedAfterDrop,
    );
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
