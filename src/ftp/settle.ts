/**
 * When a session's report can be written and its records let go, instead of keeping every
 * session until the end of the trace: a capture of a busy server holds millions of short
 * sessions, and only a few hundred are alive at any moment.
 *
 * A session is settled once its control connection has ended, every connection it waits
 * for has ended (its data connections, and the unclaimed connections between its hosts
 * that the report will call look-alikes), the trace's clock has gone SETTLE_AFTER_SECONDS
 * past the last packet of any of them, and the caller agrees (the helper model holds no
 * pending expectation for it). What is left at the end of the trace settles then, by id.
 */
import type { Connection } from '../tcp/types.js';
import { appended, EMPTY } from './lists.js';
import type { SessionRecord } from './model.js';

/**
 * A data connection opening this long after its session ended is not counted as its data
 * (nor as a look-alike of it).
 */
export const DATA_AFTER_SESSION_SECONDS = 60;

/**
 * Quiet time before a session settles. Longer than DATA_AFTER_SESSION_SECONDS (a look-alike
 * may still open) and than the TCP table's 60 s for closed connections (a late segment
 * still counts for the connection it belongs to until then).
 */
export const SETTLE_AFTER_SECONDS = 120;

/** What the FTP stage tells about sessions as they go. */
export interface SessionLifecycle {
  started(session: SessionRecord): void;
  /** The control connection ended (FIN, RST, eviction or the end of the trace). */
  ended(session: SessionRecord): void;
  /** The linker tied a data connection to the session. */
  claimed(session: SessionRecord, connection: Connection): void;
}

export interface SettleHooks {
  /** False while something outside the FTP stage still needs the session live. */
  canSettle(session: SessionRecord, now: number): boolean;
  /** The session is settled; `lookalikes` opened between its hosts while it lived, in order. */
  settle(session: SessionRecord, lookalikes: readonly Connection[]): void;
}

interface Pending {
  readonly session: SessionRecord;
  /** Its hosts' key in byHosts (hostPair), made once. */
  readonly hosts: string;
  ended: boolean;
  /** Connections waited for that have not ended yet. */
  open: number;
  /** Every connection waited for, to read when each was last active (null: none yet). */
  waited: readonly Connection[] | null;
  /** Null until the first: most sessions have none, and thousands can be live at once. */
  lookalikes: Connection[] | null;
  /** In the list of sessions checked each trace second. */
  queued: boolean;
  settled: boolean;
}

export class SessionSettler implements SessionLifecycle {
  /** Live sessions by id: a Map iterates in insertion order, which is id order. */
  private readonly pending = new Map<number, Pending>();
  /** Connections waited for, by connection id, to their session. */
  private readonly waiting = new Map<number, Pending>();
  /** Live sessions by the pair of hosts they connect, in id order. */
  private readonly byHosts = new Map<string, Pending[]>();
  /** Settled sessions still in the byHosts lists. */
  private settledInLists = 0;
  /**
   * Sessions ended with nothing left open, in the order they got there (about the order of
   * their last packets): each trace second, settled from the front up to the first that has
   * not been quiet long enough.
   */
  private ready: Pending[] = [];
  private readyHead = 0;
  /** Quiet long enough, but the caller said no: asked again each trace second. */
  private held: Pending[] = [];
  private nextCheck = -Infinity;
  /** Sessions left at the end of the trace, by id, and the next to settle (see endOfTrace). */
  private left: Pending[] = [];
  private leftHead = 0;

  /** `quietSeconds`: SETTLE_AFTER_SECONDS, or Infinity to keep every session until finish(). */
  constructor(
    private readonly hooks: SettleHooks,
    private readonly quietSeconds = SETTLE_AFTER_SECONDS,
  ) {}

  get live(): number {
    return this.pending.size;
  }

  started(session: SessionRecord): void {
    const key = hostPair(session.connection);
    const pending: Pending = { session, hosts: key, ended: false, open: 0, waited: null, lookalikes: null, queued: false, settled: false };
    this.pending.set(session.id, pending);
    const list = this.byHosts.get(key);
    if (list) list.push(pending);
    else this.byHosts.set(key, [pending]);
  }

  ended(session: SessionRecord): void {
    const pending = this.pending.get(session.id);
    if (pending === undefined) return;
    pending.ended = true;
    this.queue(pending);
  }

  claimed(session: SessionRecord, connection: Connection): void {
    const pending = this.pending.get(session.id);
    if (pending !== undefined) this.wait(pending, connection);
  }

  /**
   * A new connection that no setup claimed and that is not a control connection (yet): the
   * first live session between the same hosts that it could be data of waits for it.
   */
  opened(connection: Connection): void {
    const candidates = this.byHosts.get(hostPair(connection));
    if (candidates === undefined) return;
    for (const pending of candidates) {
      if (pending.settled || !looksLikeDataOf(connection, pending.session.connection)) continue;
      (pending.lookalikes ??= []).push(connection);
      this.wait(pending, connection);
      return;
    }
  }

  /** Any connection ended (the TCP table's end, for every connection). */
  connectionEnded(connection: Connection): void {
    const pending = this.waiting.get(connection.id);
    if (pending === undefined) return;
    this.waiting.delete(connection.id);
    pending.open--;
    this.queue(pending);
  }

  /** The trace's clock; settles what is ready, at most once per trace second. */
  tick(now: number): void {
    if (now < this.nextCheck || this.quietSeconds === Infinity) return;
    this.nextCheck = now + 1;
    if (this.held.length > 0) {
      const held = this.held;
      this.held = [];
      for (const pending of held) this.consider(pending, now);
    }
    const ready = this.ready;
    while (this.readyHead < ready.length) {
      const pending = ready[this.readyHead]!;
      if (pending.open === 0 && now - lastActive(pending) < this.quietSeconds) break;
      this.readyHead++;
      this.consider(pending, now);
    }
    // Let go of the settled front now and then, not at every step.
    if (this.readyHead > 1024 && this.readyHead * 2 > ready.length) {
      this.ready = ready.slice(this.readyHead);
      this.readyHead = 0;
    }
  }

  /** Taken off the ready queue: settled, held, or dropped until its open connections end. */
  private consider(pending: Pending, now: number): void {
    if (pending.open > 0) {
      // Queued again when its last connection ends.
      pending.queued = false;
    } else if (now - lastActive(pending) < this.quietSeconds) {
      pending.queued = false;
      this.queue(pending);
    } else if (this.hooks.canSettle(pending.session, now)) {
      this.settle(pending);
    } else {
      this.held.push(pending);
    }
  }

  /** The end of the trace (every connection has ended): what is left settles, by id. */
  finish(): void {
    this.endOfTrace();
    this.settleLeft();
  }

  /**
   * The end of the trace, with what is left to settle one at a time, by id (nextLeft,
   * settleNextLeft), as a report that writes sessions in id order asks for them: their texts
   * then go straight to the output instead of through a spool (src/cli/report.ts).
   */
  endOfTrace(): void {
    // Nothing opens any more, and only opened() reads the hosts' lists: they go at once,
    // instead of being compacted again and again while every session left settles.
    this.byHosts.clear();
    this.settledInLists = 0;
    this.ready = [];
    this.readyHead = 0;
    this.held = [];
    // In id order (the map's insertion order). A list, not the map's first key each time:
    // a map iterated after deletes at its front passes over every deleted entry again.
    this.left = [...this.pending.values()];
    this.leftHead = 0;
  }

  /** After endOfTrace(): the id of the next session left to settle, or 0 when none is. */
  nextLeft(): number {
    return this.leftHead < this.left.length ? this.left[this.leftHead]!.session.id : 0;
  }

  /** After endOfTrace(): settles every session left, by id. */
  settleLeft(): void {
    while (this.nextLeft() !== 0) this.settleNextLeft();
  }

  /** After endOfTrace(): settles the session nextLeft() names. */
  settleNextLeft(): void {
    const pending = this.left[this.leftHead++];
    if (pending === undefined) throw new Error('no session left to settle');
    if (this.leftHead === this.left.length) {
      this.left = [];
      this.leftHead = 0;
    }
    this.settle(pending);
  }

  private compactHostLists(): void {
    for (const [key, list] of this.byHosts) {
      const live = list.filter((pending) => !pending.settled);
      if (live.length === 0) this.byHosts.delete(key);
      else this.byHosts.set(key, live);
    }
    this.settledInLists = 0;
  }

  private wait(pending: Pending, connection: Connection): void {
    if (this.waiting.has(connection.id)) return;
    this.waiting.set(connection.id, pending);
    pending.waited = appended(pending.waited ?? EMPTY, connection);
    pending.open++;
  }

  private queue(pending: Pending): void {
    if (pending.queued || !pending.ended || pending.open > 0) return;
    pending.queued = true;
    this.ready.push(pending);
  }

  private settle(pending: Pending): void {
    const { session } = pending;
    this.pending.delete(session.id);
    if (pending.waited !== null) for (const connection of pending.waited) this.waiting.delete(connection.id);
    pending.settled = true;
    // Out of its hosts' list lazily: the list is compacted once most of it has settled, so
    // that hosts with thousands of sessions at once (a NATed client) cost no search each time.
    const key = pending.hosts;
    const list = this.byHosts.get(key);
    // No list: finish() dropped them all.
    if (list !== undefined) {
      if (++this.settledInLists > 64 && this.settledInLists * 2 > this.pending.size) this.compactHostLists();
      else if (list.length === 1) this.byHosts.delete(key);
    }
    this.hooks.settle(session, pending.lookalikes ?? NO_CONNECTIONS);
  }
}

/** The last packet of the session's control connection or of any connection it waited for. */
function lastActive(pending: Pending): number {
  let last = pending.session.connection.lastTime;
  if (pending.waited !== null) for (const connection of pending.waited) if (connection.lastTime > last) last = connection.lastTime;
  return last;
}

const NO_CONNECTIONS: readonly Connection[] = Object.freeze([]);

function hostPair(connection: Connection): string {
  const a = connection.client.address;
  const b = connection.server.address;
  // Joined, not a template: one flat string instead of a tree of three, kept per live session.
  return (a < b ? [a, b] : [b, a]).join(' ');
}

/** Between the two hosts of a control session, while the session lived (or soon after). */
function looksLikeDataOf(connection: Connection, control: Connection): boolean {
  if (connection === control || connection.client.address === connection.server.address) return false;
  return connection.firstTime >= control.firstTime && connection.firstTime <= control.lastTime + DATA_AFTER_SESSION_SECONDS;
}
