/**
 * The analysis as the report stage sees it: plain data, no live stage objects, so every
 * output format renders the same facts. Produced by analyze.ts.
 */
import type { CaptureError } from './capture/errors.js';
import type { Finding } from './findings.js';

export interface CaptureFileReport {
  path: string;
  format: string | null;
  compression: string;
  linkTypes: { value: number; name: string }[];
  frames: number;
  bytes: number;
  first: Timestamp | null;
  last: Timestamp | null;
  comments: string[];
  error: string | null;
}

export interface Timestamp {
  sec: number;
  nsec: number;
}

export interface CaptureReport {
  files: CaptureFileReport[];
  formats: string[];
  linkTypes: { value: number; name: string }[];
  frames: number;
  bytes: number;
  first: Timestamp | null;
  last: Timestamp | null;
}

export interface DecodeReport {
  tcpSegments: number;
  notTcp: number;
  fragments: number;
  truncated: number;
  malformed: number;
  unsupportedLink: number;
}

export interface ConnectionReport {
  id: number;
  client: string;
  server: string;
  roleEvidence: string;
  fileIndex: number;
  firstFrame: number;
  lastFileIndex: number;
  lastFrame: number;
  first: Timestamp;
  last: Timestamp;
  handshake: boolean;
  end: string;
  segments: [number, number];
  bytes: [number, number];
  retransmittedBytes: [number, number];
  missingBytes: [number, number];
  /** 'ftp-control' once the FTP stage recognised it; null otherwise. */
  service: string | null;
  /** Why it is FTP: 'port', 'greeting', 'command', 'reply-and-command'. */
  serviceEvidence: string | null;
}

export interface ReplyReport {
  code: number;
  text: string;
  fileIndex: number;
  frame: number;
  /** Seconds from the command to this reply. */
  responseTime: number | null;
}

export interface CommandReport {
  fileIndex: number;
  frame: number;
  /** Every frame that carried the command (several when it was split). */
  frames: number[];
  /** Seconds since the epoch when the command's last byte arrived. */
  time: number;
  command: string;
  argument: string;
  reply: ReplyReport | null;
  preliminary: readonly ReplyReport[];
  /** A line with no reply code that the server sent in place of a reply. */
  invalidReply: string | null;
}

export interface SetupReport {
  id: number;
  fileIndex: number;
  frame: number;
  /** The command that asked for it: PORT, EPRT, LPRT, PASV, EPSV, LPSV. */
  command: string;
  /** The announcing reply code for passive modes (227, 229, 228). */
  replyCode: number | null;
  mode: string;
  address: string | null;
  port: number | null;
  /** The endpoint a data connection should go to, as "addr:port". */
  target: string | null;
  wellFormed: boolean;
  problems: string[];
  addressMismatch: boolean;
  privateBehindNat: boolean;
  refused: boolean;
  connections: number[];
}

export interface DataConnectionReport {
  connection: number;
  /** Payload bytes present in the capture, bytes the capture missed (holes), bytes seen more than once. */
  capturedBytes: number;
  missingBytes: number;
  retransmittedBytes: number;
  client: string;
  server: string;
  fileIndex: number;
  firstFrame: number;
  lastFileIndex: number;
  lastFrame: number;
  end: string;
  match: string | null;
}

export interface TransferReport {
  id: number;
  session: number;
  fileIndex: number;
  frame: number;
  command: string;
  argument: string;
  cwd: string | null;
  type: string | null;
  mode: string | null;
  setup: SetupReport | null;
  data: DataConnectionReport | null;
  bytes: number | null;
  expectedSize: number | null;
  duration: number | null;
  /** Bytes per second over the data connection's lifetime. */
  rate: number | null;
  reply: ReplyReport | null;
  /** ok, short, failed, aborted, no-data-connection, no-reply. */
  status: string;
  complete: boolean;
  /** What the conntrack helper did for this transfer; null with --no-helper or when no setup preceded it. */
  helper: HelperVerdictReport | null;
}

export interface HelperVerdictReport {
  verdict: string;
  reason: string;
  message: string;
  frames: { fileIndex: number; frame: number }[];
  fix: string;
  related: boolean;
  rejected: boolean;
}

export interface ExpectationReport {
  fileIndex: number;
  frame: number;
  session: number | null;
  src: string;
  dst: string;
  dport: number;
  state: string;
  usedBy: number | null;
  /** nf_nat_ftp found the port taken and picked a random one; dport is the announced port. */
  portRandom: boolean;
}

/** A predicted nf_nat_ftp rewrite (with --nat). */
export interface RewriteReport {
  fileIndex: number;
  frame: number;
  session: number | null;
  direction: 'client' | 'server';
  original: string;
  rewritten: string;
  delta: number;
  shiftAfter: number;
  portCertain: boolean;
}

/** A packet the helper dropped; `inferred` when the capture cannot show the packet itself (dropped on the sender's host). */
export interface DropReport {
  fileIndex: number;
  frame: number;
  session: number | null;
  /** partial-match, expectation-clash, silent-reply (inferred), merged-after-drop (inferred). */
  reason: 'partial-match' | 'expectation-clash' | 'silent-reply' | 'merged-after-drop';
  message: string;
  retransmissions: number[];
  inferred: boolean;
}

export interface IgnoredReport {
  fileIndex: number;
  frame: number;
  session: number | null;
  reason: string;
  message: string;
}

/** The helper model's report. Its members are in the order the JSON report writes them. */
export interface HelperReport {
  ports: number[];
  loose: boolean;
  kernel: string;
  expectations: ExpectationReport[];
  /** Predicted nf_nat_ftp rewrites (with --nat). */
  rewrites: RewriteReport[];
  nat: { private: string; public: string }[];
  drops: DropReport[];
  ignored: IgnoredReport[];
}

export interface SessionReport {
  id: number;
  connection: number;
  client: string;
  server: string;
  evidence: string;
  fileIndex: number;
  firstFrame: number;
  lastFileIndex: number;
  lastFrame: number;
  start: Timestamp;
  end: Timestamp;
  user: string | null;
  password: string | null;
  login: string | null;
  tls: { fileIndex: number; frame: number; how: string } | null;
  greeting: ReplyReport | null;
  /** Made afresh on each read (from the session's records): read once, keep the result if needed. */
  readonly commands: CommandReport[];
  /** Every command the session sent: commands.length, unless a cap kept some out of the list. */
  commandCount: number;
  unsolicited: ReplyReport[];
  setups: SetupReport[];
  transfers: TransferReport[];
  cwd: string | null;
}

export interface Analysis {
  capture: CaptureReport;
  decode: DecodeReport;
  /** Connections listed (capped; see connectionsTotal for how many there were). */
  connections: ConnectionReport[];
  connectionsTotal: number;
  sessions: SessionReport[];
  helper: HelperReport | null;
  findings: Finding[];
  errors: CaptureError[];
}

/** Connections kept for the report; beyond this they are counted only (memory stays flat). */
export const MAX_LISTED_CONNECTIONS = 100_000;
