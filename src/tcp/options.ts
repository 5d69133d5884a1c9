/**
 * Every limit the TCP stage has, by name (as gopacket's MaxBufferedPagesPerConnection and
 * Zeek's named caps): memory stays bounded whatever the trace holds, and when a cap drops
 * data the table says so in a finding.
 */
export interface TcpOptions {
  /**
   * Out-of-order payload copied per connection (both directions) while waiting for a hole
   * to fill. When a segment would exceed it, the hole is given up as a gap.
   */
  maxBufferedBytesPerConnection?: number;
  /** The same, over all connections of the table. */
  maxBufferedBytesTotal?: number;
  /**
   * Disjoint out-of-order runs remembered per direction, payload or not (count-only mode
   * keeps sequence ranges only, and needs a bound too).
   */
  maxPendingRunsPerDirection?: number;
  /**
   * Delivered bytes remembered per stream-view direction, so that a later retransmission can
   * be compared with the first copy (OverlapDifferent). Grown on demand up to this size; the
   * growth counts against maxBufferedBytesTotal. 0 turns the comparison of delivered bytes off.
   */
  retransmissionHistoryBytes?: number;
  /** Live connections; beyond it the least recently active one is evicted (end 'evicted'). */
  maxLiveConnections?: number;
  /** Trace seconds without a segment after which an open connection is evicted. */
  idleTimeoutSeconds?: number;
  /**
   * Trace seconds a closed connection (RST, or FIN both ways) is kept after its last segment,
   * so late retransmissions and ACKs land in it instead of opening a bogus new connection.
   */
  closedTimeoutSeconds?: number;
  /** Findings kept; beyond it they are only counted (stats.findingsDropped). */
  maxFindings?: number;
}

export const DEFAULT_TCP_OPTIONS: Readonly<Required<TcpOptions>> = Object.freeze({
  maxBufferedBytesPerConnection: 1 << 20,
  maxBufferedBytesTotal: 64 << 20,
  maxPendingRunsPerDirection: 4096,
  retransmissionHistoryBytes: 64 << 10,
  maxLiveConnections: 200_000,
  idleTimeoutSeconds: 3600,
  // Linux keeps TIME_WAIT for 60 s (TCP_TIMEWAIT_LEN): segments of the old connection can
  // still be in flight that long.
  closedTimeoutSeconds: 60,
  maxFindings: 10_000,
});

export function resolveTcpOptions(options: TcpOptions | undefined): Required<TcpOptions> {
  const resolved = { ...DEFAULT_TCP_OPTIONS };
  if (options) {
    for (const key of Object.keys(resolved) as (keyof TcpOptions)[]) {
      const value = options[key];
      if (value !== undefined) {
        if (!(value >= 0)) throw new RangeError(`TcpOptions.${key} must be a non-negative number, got ${value}`);
        resolved[key] = value;
      }
    }
  }
  return resolved;
}

/**
 * What the stream view keeps when two copies of the same sequence range carry different
 * bytes: the first copy seen in the capture. A receiver has usually handed the first copy
 * to the application before the second arrives, so it is what the application read; for
 * data still queued out of order, stacks differ (IDSs such as Snort and Suricata model a
 * policy per OS), and one consistent answer plus a finding beats guessing the receiver's OS.
 */
export const OVERLAP_POLICY = 'first-copy-wins';
