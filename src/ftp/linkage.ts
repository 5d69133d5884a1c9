/**
 * Ties data connections to the setups that announced them and the transfers that used
 * them. A new TCP connection is matched against the announced endpoints as it appears
 * (so it never needs its payload): exactly on the announced address and port, or on
 * the port alone when the address was rewritten by NAT or ignored by the client (many
 * clients connect to the control server whatever a 227 says). The source port is never
 * required: servers open active connections from any port, not only 20.
 */
import type { FindingSink } from '../findings.js';
import type { Connection } from '../tcp/types.js';
import { appended } from './lists.js';
import type { SessionRecord, SetupRecord, TransferRecord } from './model.js';

/** Setups waiting for a connection across all sessions (Zeek: max_expected_data_channels). */
export const MAX_OPEN_SETUPS = 100_000;
/** A setup older than this no longer claims connections (the kernel keeps expectations 300 s). */
export const SETUP_MAX_AGE_SECONDS = 3600;
/**
 * Setups kept per announced port: a new connection is compared with these, newest first.
 * Thousands of sessions reusing one passive port would otherwise make every new
 * connection scan them all; a data connection follows its setup closely.
 */
export const MAX_SETUPS_PER_PORT = 256;

/** Exact endpoint, from the host that should connect. */
const PERFECT_MATCH = 4;
/** The announced port at the announcing host (address rewritten or ignored), from the host that should connect. */
const PORT_ONLY_MATCH = 2;

interface OpenSetup {
  session: SessionRecord;
  setup: SetupRecord;
  unassigned: Connection[];
  waiting: TransferRecord[];
}

/**
 * The open setups announcing one port, oldest first, and how many of them name each
 * address. A connection to an address no setup names can score at most a port-only
 * match, so the search stops at the newest such match instead of reading every setup:
 * behind NAT every 227 names the private address and every data connection goes to
 * the public one, and a busy server reuses its passive ports across many sessions.
 */
interface PortSetups {
  list: OpenSetup[];
  byAddress: Map<string, number>;
}

export class DataChannelLinker {
  private readonly byPort = new Map<number, PortSetups>();
  private readonly bySetup = new Map<SetupRecord, OpenSetup>();
  /** Weak: a trace can hold millions of data connections, and only the listed ones are asked about. */
  private readonly claimed = new WeakSet<Connection>();
  /**
   * Transfers whose setup gave no usable endpoint (PORT with five numbers, no setup at
   * all): the next new connection between the two control hosts is taken as theirs.
   */
  private readonly orphans: { session: SessionRecord; transfer: TransferRecord }[] = [];
  private capNoted = false;

  /** `claimed` hears of every connection tied to a session, as it is tied. */
  constructor(
    private readonly findings: FindingSink,
    private readonly claimed_: (session: SessionRecord, connection: Connection) => void = () => {},
  ) {}

  setupAnnounced(session: SessionRecord, setup: SetupRecord): void {
    if (setup.targetPort === null) return;
    const open: OpenSetup = { session, setup, unassigned: [], waiting: [] };
    if (this.bySetup.size >= MAX_OPEN_SETUPS) this.forgetOldest(setup);
    this.bySetup.set(setup, open);
    let port = this.byPort.get(setup.targetPort);
    if (!port) this.byPort.set(setup.targetPort, (port = { list: [], byAddress: new Map() }));
    port.list.push(open);
    countAddress(port, setup, 1);
    if (port.list.length > MAX_SETUPS_PER_PORT) this.forget(port, 0);
  }

  transferRequested(session: SessionRecord, transfer: TransferRecord): void {
    const open = transfer.setup ? this.bySetup.get(transfer.setup) : undefined;
    if (!open) {
      if (this.orphans.length >= MAX_OPEN_SETUPS) this.orphans.shift();
      this.orphans.push({ session, transfer });
      return;
    }
    const connection = open.unassigned.shift();
    if (connection) assign(transfer, connection, open.setup);
    else open.waiting.push(transfer);
  }

  /** Called for each new TCP connection; true when it is a data connection of a known setup. */
  claim(connection: Connection): boolean {
    const port = this.byPort.get(connection.server.port);
    if (!port) return this.claimForOrphan(connection);
    this.prune(port, connection.firstTime);
    const candidates = port.list;
    // Without a setup naming this address, a port-only match from the right host is the best there is.
    const bestPossible = port.byAddress.has(connection.server.address) ? PERFECT_MATCH : PORT_ONLY_MATCH;
    let best: OpenSetup | null = null;
    let bestScore = 0;
    // Newest first: the latest setup wins ties, and the best possible fit ends the search.
    for (let i = candidates.length - 1; i >= 0; i--) {
      const open = candidates[i]!;
      const score = matchScore(open, connection);
      if (score > bestScore) {
        best = open;
        bestScore = score;
        if (score === bestPossible) break;
      }
    }
    if (best === null) return this.claimForOrphan(connection);
    best.setup.connections = appended(best.setup.connections, connection);
    this.claimed.add(connection);
    const transfer = best.waiting.shift();
    if (transfer) assign(transfer, connection, best.setup);
    else best.unassigned.push(connection);
    this.claimed_(best.session, connection);
    return true;
  }

  private claimForOrphan(connection: Connection): boolean {
    for (let i = 0; i < this.orphans.length; i++) {
      const { session, transfer } = this.orphans[i]!;
      if (transfer.command.reply !== null) {
        // Answered without a data connection: nothing will come for it any more.
        this.orphans.splice(i--, 1);
        continue;
      }
      const control = session.connection;
      const hosts = [control.client.address, control.server.address];
      const between = connection !== control && connection.client.address !== connection.server.address &&
        hosts.includes(connection.client.address) && hosts.includes(connection.server.address);
      if (!between || connection.firstTime < transfer.command.time) continue;
      this.orphans.splice(i, 1);
      this.claimed.add(connection);
      transfer.dataConnection = connection;
      transfer.match = 'hosts-only';
      if (transfer.setup) transfer.setup.connections = appended(transfer.setup.connections, connection);
      this.claimed_(session, connection);
      return true;
    }
    return false;
  }

  isClaimed(connection: Connection): boolean {
    return this.claimed.has(connection);
  }

  /**
   * The session is settled (reported and let go): its setups and transfers stop claiming
   * connections, and nothing here holds on to its records any more.
   */
  forgetSession(session: SessionRecord): void {
    for (const setup of session.setups) {
      const open = this.bySetup.get(setup);
      if (open === undefined) continue;
      const port = this.byPort.get(setup.targetPort!)!;
      const at = port.list.indexOf(open);
      if (at >= 0) this.forget(port, at);
      else this.bySetup.delete(setup);
      if (port.list.length === 0) this.byPort.delete(setup.targetPort!);
    }
    // Only a transfer still without a data connection can be waiting here.
    if (!session.transfers.some((transfer) => transfer.dataConnection === null)) return;
    for (let i = this.orphans.length - 1; i >= 0; i--) if (this.orphans[i]!.session === session) this.orphans.splice(i, 1);
  }

  /** Setups on one port are kept in time order: drop the ones too old to claim anything. */
  private prune(port: PortSetups, now: number): void {
    const list = port.list;
    while (list.length > 0 && now - list[0]!.setup.time > SETUP_MAX_AGE_SECONDS) this.forget(port, 0);
  }

  /** Stops matching the setup at `index` of its port's list. */
  private forget(port: PortSetups, index: number): void {
    // The oldest (the usual one, past the per-port cap) by shift(), which makes no array of the removed.
    const open = index === 0 ? port.list.shift()! : port.list.splice(index, 1)[0]!;
    this.bySetup.delete(open.setup);
    countAddress(port, open.setup, -1);
  }

  private forgetOldest(incoming: SetupRecord): void {
    // A Map iterates in insertion order: the first entry is the oldest setup.
    const oldest = this.bySetup.values().next().value as OpenSetup;
    const port = this.byPort.get(oldest.setup.targetPort!)!;
    const at = port.list.indexOf(oldest);
    if (at >= 0) this.forget(port, at);
    else this.bySetup.delete(oldest.setup);
    if (port.list.length === 0) this.byPort.delete(oldest.setup.targetPort!);
    if (!this.capNoted) {
      this.capNoted = true;
      this.findings({
        code: 'ftp.setup.cap',
        severity: 'warning',
        message: `more than ${MAX_OPEN_SETUPS} data-channel setups at once: the oldest stop being matched`,
        frames: incoming.frames,
      });
    }
  }
}

function countAddress(port: PortSetups, setup: SetupRecord, delta: 1 | -1): void {
  const address = setup.targetAddress;
  if (address === null) return;
  const count = (port.byAddress.get(address) ?? 0) + delta;
  if (count > 0) port.byAddress.set(address, count);
  else port.byAddress.delete(address);
}

/**
 * How well a connection fits a setup: 0 = not at all. The initiator must be the host
 * that should connect (the FTP server in active modes, the client in passive ones),
 * unless the destination is exactly what was announced (a third party, or a source
 * rewritten by NAT).
 */
function matchScore(open: OpenSetup, connection: Connection): number {
  const { setup, session } = open;
  if (setup.refused || setup.targetPort !== connection.server.port) return 0;
  if (connection.firstTime < setup.time || connection.firstTime - setup.time > SETUP_MAX_AGE_SECONDS) return 0;
  if (connection === session.connection) return 0;
  const control = session.connection;
  const active = setup.announcedBy === 'client';
  const expectedInitiator = active ? control.server.address : control.client.address;
  const initiatorFits = connection.client.address === expectedInitiator;
  const exact = setup.targetAddress !== null && connection.server.address === setup.targetAddress;
  if (exact) return initiatorFits ? PERFECT_MATCH : 3;
  // Port only: the destination is the host that announced (address rewritten or ignored).
  const announcer = active ? control.client.address : control.server.address;
  if (connection.server.address === announcer) return initiatorFits ? PORT_ONLY_MATCH : 1;
  return 0;
}

function assign(transfer: TransferRecord, connection: Connection, setup: SetupRecord): void {
  transfer.dataConnection = connection;
  transfer.match = setup.targetAddress === connection.server.address ? 'exact' : 'port-only';
}
