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
  /** Registration number, from 0: the report lists expectations in this order. */
  index: number;
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
  /**
   * Expectations registered and not yet taken by the report, by master, in registration
   * order: the report takes a master's once they are final (take()), so a long trace does
   * not keep every expectation it ever saw.
   */
  private readonly kept = new Map<number, Expectation[]>();
  private registered = 0;
  private readonly live = new Map<string, Expectation>();
  private readonly byMaster = new Map<number, Expectation>();
  private lastExpiry = -Infinity;

  /**
   * nf_ct_expect_related(): returns the expectation added, or null on a clash, when another
   * master holds the same tuple (-EBUSY: the helper drops the packet).
   */
  register(candidate: Omit<Expectation, 'index' | 'state' | 'usedBy' | 'replacedBy' | 'portRandom'>, natted = false): Expectation | null {
    this.expire(candidate.time);
    const tupleKey = key(candidate.src, candidate.dst, candidate.dport);
    const existing = this.live.get(tupleKey);
    const clash = existing !== undefined && existing.master !== candidate.master && !this.timedOut(existing, candidate.time);
    // Without NAT a clash drops the packet; nf_nat_ftp instead tries random ports above it.
    if (clash && !natted) return null;
    const previous = this.byMaster.get(candidate.master);
    if (previous) {
      // Identical re-registration (a retransmitted PORT) or a newer setup: the old one goes.
      previous.state = 'replaced';
      previous.replacedBy = candidate.frame;
      if (!previous.portRandom) this.live.delete(key(previous.src, previous.dst, previous.dport));
    }
    const expectation: Expectation = { ...candidate, index: this.registered++, state: 'pending', usedBy: null, replacedBy: null, portRandom: clash };
    const kept = this.kept.get(candidate.master);
    if (kept) kept.push(expectation);
    else this.kept.set(candidate.master, [expectation]);
    if (!clash) this.live.set(tupleKey, expectation);
    this.byMaster.set(candidate.master, expectation);
    return expectation;
  }

  /**
   * The master's expectations, in registration order, now that they are final (none pending
   * that could still be used: see pendingFor), and forgotten here.
   */
  take(master: number): Expectation[] {
    const kept = this.kept.get(master) ?? [];
    this.kept.delete(master);
    return kept;
  }

  /** Every expectation not taken yet, in registration order, and forgotten here. */
  takeAll(): Expectation[] {
    const all: Expectation[] = [];
    for (const kept of this.kept.values()) all.push(...kept);
    this.kept.clear();
    return all.sort((a, b) => a.index - b.index);
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
    for (const kept of this.kept.values()) {
      for (const expectation of kept) if (expectation.state === 'pending' && this.timedOut(expectation, now)) expectation.state = 'expired';
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
