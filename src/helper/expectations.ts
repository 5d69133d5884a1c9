/**
 * The conntrack expectation table as the FTP helper uses it (kernel-ftp-helper.md §2
 * step 7): one expectation per control connection (a newer one evicts the older), a
 * clash with another control connection's identical expectation drops the packet,
 * single use, 300 s timeout, gone with the master.
 */

/** nf_ct_ftp expect policy: timeout 5 * 60 s; max_expected = 1 is the one-per-master rule in register(). */
export const FTP_EXPECT_TIMEOUT_SECONDS = 300;

export type ExpectationState = 'pending' | 'used' | 'replaced' | 'expired';

export interface Expectation {
  /** Control connection (master) id. */
  master: number;
  /** FTP session id, filled by the report stage. */
  session?: number;
  fileIndex: number;
  frame: number;
  time: number;
  /** What `conntrack -L expect` shows: source, destination, destination port (any source port). */
  src: string;
  dst: string;
  dport: number;
  state: ExpectationState;
  /** Connection id of the data connection that used it. */
  usedBy: number | null;
  /** Frame of the setup that replaced it. */
  replacedBy: number | null;
  /** nf_nat_ftp found the announced port taken and chose a random one (≥ dport) we cannot predict. */
  portRandom: boolean;
}

function key(src: string, dst: string, dport: number): string {
  return `${src}>${dst}:${dport}`;
}

export class ExpectationTable {
  /** Every expectation ever registered, in order (the report lists them). */
  readonly all: Expectation[] = [];
  private readonly live = new Map<string, Expectation>();
  private readonly byMaster = new Map<number, Expectation>();
  private lastExpiry = -Infinity;

  /**
   * nf_ct_expect_related(): returns 'added', or 'clash' when another master holds the
   * same tuple (-EBUSY: the helper drops the packet).
   */
  register(candidate: Omit<Expectation, 'state' | 'usedBy' | 'replacedBy' | 'portRandom'>, natted = false): 'added' | 'clash' {
    this.expire(candidate.time);
    const tupleKey = key(candidate.src, candidate.dst, candidate.dport);
    const existing = this.live.get(tupleKey);
    const clash = existing !== undefined && existing.master !== candidate.master && !this.timedOut(existing, candidate.time);
    // Without NAT a clash drops the packet; nf_nat_ftp instead tries random ports above it.
    if (clash && !natted) return 'clash';
    const previous = this.byMaster.get(candidate.master);
    if (previous) {
      // Identical re-registration (a retransmitted PORT) or a newer setup: the old one goes.
      previous.state = 'replaced';
      previous.replacedBy = candidate.frame;
      if (!previous.portRandom) this.live.delete(key(previous.src, previous.dst, previous.dport));
    }
    const expectation: Expectation = { ...candidate, state: 'pending', usedBy: null, replacedBy: null, portRandom: clash };
    this.all.push(expectation);
    if (!clash) this.live.set(tupleKey, expectation);
    this.byMaster.set(candidate.master, expectation);
    return 'added';
  }

  /** Another master holds this tuple: nf_nat_ftp would pick a random port instead (§4). */
  isTaken(src: string, dst: string, dport: number, master: number): boolean {
    const existing = this.live.get(key(src, dst, dport));
    return existing !== undefined && existing.master !== master;
  }

  /** A new connection src → dst:dport: the expectation it matches becomes used (RELATED). */
  consume(src: string, dst: string, dport: number, time: number, connection: number): Expectation | null {
    this.expire(time);
    const tupleKey = key(src, dst, dport);
    const expectation = this.live.get(tupleKey);
    if (!expectation || this.timedOut(expectation, time)) return null;
    expectation.state = 'used';
    expectation.usedBy = connection;
    this.live.delete(tupleKey);
    this.byMaster.delete(expectation.master);
    return expectation;
  }

  /** The master's expectation is still waiting for its data connection at `now`. */
  pendingFor(master: number, now: number): boolean {
    const expectation = this.byMaster.get(master);
    return expectation !== undefined && !this.timedOut(expectation, now);
  }

  /** The master's expectation, if it timed out by `now`, is expired now rather than at the next sweep. */
  expireFor(master: number, now: number): void {
    const expectation = this.byMaster.get(master);
    if (expectation === undefined || !this.timedOut(expectation, now)) return;
    expectation.state = 'expired';
    this.byMaster.delete(master);
    const tupleKey = key(expectation.src, expectation.dst, expectation.dport);
    if (this.live.get(tupleKey) === expectation) this.live.delete(tupleKey);
  }

  private timedOut(expectation: Expectation, now: number): boolean {
    return now - expectation.time > FTP_EXPECT_TIMEOUT_SECONDS;
  }

  /** End of the trace: whatever timed out before it is expired, the rest stays pending. */
  finish(now: number): void {
    for (const expectation of this.all) {
      if (expectation.state === 'pending' && this.timedOut(expectation, now)) expectation.state = 'expired';
    }
  }

  /** Drops expectations older than the timeout, as the trace's clock passes them. */
  expire(now: number): void {
    // Once per trace second is enough: timeouts are 300 s, and consume() runs per new connection.
    if (this.live.size === 0 || now - this.lastExpiry < 1) return;
    this.lastExpiry = now;
    for (const [tupleKey, expectation] of this.live) {
      if (this.timedOut(expectation, now)) {
        expectation.state = 'expired';
        this.live.delete(tupleKey);
        this.byMaster.delete(expectation.master);
      }
    }
  }
}
