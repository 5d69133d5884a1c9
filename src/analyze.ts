/**
 * The pipeline, wired once: capture readers → header decoders → TCP connection table →
 * FTP stage → plain Analysis for the reports. Data flows one way; each stage gets only
 * what it needs and keeps its own state, so one run is one set of objects and nothing
 * is global.
 */
import { readCaptures } from './capture/index.js';
import type { CaptureError } from './capture/errors.js';
import type { Frame } from './capture/frame.js';
import type { CaptureSummary } from './capture/types.js';
import { decodeFrame } from './decode/decode.js';
import { linkTypeName } from './decode/link-names.js';
import { DecodeResult, newDecodedPacket } from './decode/packet.js';
import { newDecodeStats, type DecodeStats } from './decode/stats.js';
import type { Finding } from './findings.js';
import { FtpStage } from './ftp/stage.js';
import { SessionSettler } from './ftp/settle.js';
import { endpointText, timestampOf } from './ftp/summary.js';
import { HelperReporter } from './helper/report.js';
import { SessionReports, type SessionSink } from './session-reports.js';
import { HelperStage, type HelperOptions } from './helper/stage.js';
import { ConnectionTable } from './tcp/table.js';
import { FindingSection, MemoryLists, type TraceLists } from './trace-lists.js';
import type { Connection, ConnectionObserver } from './tcp/types.js';
import {
  MAX_LISTED_CONNECTIONS,
  type Analysis,
  type CaptureReport,
  type ConnectionReport,
  type DecodeReport,
  type Timestamp,
} from './analysis.js';

export interface AnalyzeOptions {
  /** Server ports always treated as FTP control, whatever the content. */
  controlPorts: number[];
  /** The conntrack helper model's settings; null skips the model (--no-helper). */
  helper: HelperOptions | null;
  /** Show passwords instead of masking them. */
  showCredentials?: boolean;
  stdin?: NodeJS.ReadableStream;
  onProgress?: (bytesRead: number, totalBytes: number | null, frames: number) => void;
  chunkSize?: number;
  /** Commands listed across all sessions (the FTP stage's MAX_LISTED_COMMANDS when not given). */
  maxListedCommands?: number;
  /**
   * Takes each session once it is settled: its report is final (transfers, helper verdicts,
   * findings) and ftpcap lets go of it when the sink returns (read it during the call: its
   * commands are not there afterwards). Sessions come in the order they settle, not by id.
   * `findings` are the session's own (finding.session === session.id), in the order they have
   * in Analysis.findings. Given, Analysis.sessions is left empty: a long trace of many short
   * sessions then does not keep them all until the end.
   */
  onSession?: SessionSink;
  /**
   * Takes each listed connection's report (the first MAX_LISTED_CONNECTIONS, by id) once the
   * TCP table lets go of it and it can no longer change, in that order, not by id. Given,
   * Analysis.connections is left empty.
   */
  onConnection?: (connection: ConnectionReport) => void;
  /**
   * Trace seconds of quiet before a session settles (SETTLE_AFTER_SECONDS when not given);
   * Infinity keeps every session until the end of the trace (tests compare the two).
   */
  settleAfterSeconds?: number;
  /**
   * Takes the trace-wide lists (findings; the helper's expectations, rewrites, drops and
   * ignored setups) in parts as they become final, with the keys that order them
   * (src/trace-lists.ts). Given, Analysis.findings and the helper report's lists are left
   * empty: a long trace then keeps none of them.
   */
  lists?: TraceLists;
}

export type { SessionSink };

export async function analyze(paths: string[], options: AnalyzeOptions): Promise<Analysis> {
  return (await readTrace(paths, options)).finish();
}

/**
 * A trace read to its end, its sessions left to settle. analyze() settles them all at once;
 * a report that writes sessions in id order settles them one by one as it writes them (see
 * src/cli/report.ts): on a trace shorter than the settle delay that is every session, and
 * their texts then go straight to the output rather than through a temporary file.
 */
export interface TraceRead {
  readonly capture: CaptureReport;
  readonly decode: DecodeReport;
  readonly connectionsTotal: number;
  /** The captures' faults: known once the trace is read. */
  readonly errors: CaptureError[];
  /** The id of the next session left to settle (they settle by id), or 0 when none is. */
  nextSession(): number;
  /** Settles the session nextSession() names: its report goes to options.onSession. */
  settleNext(): void;
  /** Settles what is left and completes the analysis; the same Analysis on each call. */
  finish(): Analysis;
}

export async function readTrace(paths: string[], options: AnalyzeOptions): Promise<TraceRead> {
  const decodeStats = newDecodeStats();
  const packet = newDecodedPacket();
  const connections: ConnectionReport[] = [];
  const onConnection = options.onConnection ?? ((report: ConnectionReport) => connections.push(report));
  let connectionsTotal = 0;
  const memory = options.lists ? null : new MemoryLists();
  const lists = options.lists ?? memory!;
  const helper = options.helper ? new HelperStage(options.helper) : null;
  const helperReporter = helper ? new HelperReporter(helper, lists) : null;
  // The trace's clock for the settler: the latest whole second seen (captures are not always
  // in time order; whole seconds suffice, as it waits minutes).
  let clock = -Infinity;
  const settler = new SessionSettler({
    canSettle: (session, now) => helperReporter?.canSettle(session, now) ?? true,
    settle: (session, lookalikes) => reports.settle(session, lookalikes, clock),
  }, options.settleAfterSeconds);
  const ftp = new FtpStage({
    controlPorts: options.controlPorts,
    showCredentials: options.showCredentials ?? false,
    findings: (finding) => reports.finding(finding),
    maxListedCommands: options.maxListedCommands,
    lifecycle: settler,
  });
  const reports = new SessionReports(ftp, helperReporter, options.onSession ?? null, lists);

  // A connection no stage watches gets an empty observer (count-only); the sniffer watches
  // first bytes and falls back to it for anything not FTP. The table's hooks hear of every
  // connection's end and release, watched or not.
  const countOnly: ConnectionObserver = {};
  const table = new ConnectionTable((connection) => {
    connectionsTotal++;
    // The helper watches segments of the control connections it is attached to; the FTP
    // stage passes them on from whatever observer it installs.
    const helperObserver = helper?.observe(connection) ?? null;
    const fallback = helperObserver ?? countOnly;
    const observer = ftp.observe(connection, fallback);
    // Neither claimed as data nor a control session by its port: maybe data the trace cannot tie to a command.
    if (!ftp.isControl(connection) && !ftp.linker.isClaimed(connection)) settler.opened(connection);
    return observer;
  }, undefined, {
    ended: (connection) => settler.connectionEnded(connection),
    // Connections get ids in the order they appear: the first MAX_LISTED_CONNECTIONS are the listed ones.
    released: (connection) => {
      if (connection.id <= MAX_LISTED_CONNECTIONS) onConnection(connectionReport(connection, ftp.serviceOf(connection)));
    },
  });

  const onFrame = (frame: Frame): void => {
    if (frame.tsSec > clock) {
      clock = frame.tsSec;
      settler.tick(clock);
    }
    if (decodeFrame(frame, packet, decodeStats) === DecodeResult.Tcp) table.add(frame, packet);
  };
  const summary = await readCaptures(paths, onFrame, {
    stdin: options.stdin,
    onProgress: options.onProgress,
    chunkSize: options.chunkSize,
  });
  table.finish();
  const capture = captureReport(summary);
  if (capture.last) {
    const last = capture.last.sec + capture.last.nsec / 1e9;
    helper?.finish(last);
    clock = Math.max(clock, last);
  }
  settler.endOfTrace();
  const decode = decodeReport(decodeStats);
  let analysis: Analysis | null = null;
  const finish = (): Analysis => {
    if (analysis !== null) return analysis;
    settler.settleLeft();
    const helperSummary = helperReporter ? helperReporter.report() : null;
    lists.findings.add(FindingSection.Trace, 0, [...decodeFindings(decodeStats), ...table.findings]);
    if (memory !== null && helperSummary !== null) {
      helperSummary.expectations = memory.expectations.items();
      helperSummary.rewrites = memory.rewrites.items();
      helperSummary.drops = memory.drops.items();
      helperSummary.ignored = memory.ignored.items();
    }
    analysis = {
      capture,
      decode,
      connections: connections.sort((a, b) => a.id - b.id),
      connectionsTotal,
      sessions: reports.sessions(),
      helper: helperSummary,
      findings: memory?.findings.items() ?? [],
      errors: summary.errors as CaptureError[],
    };
    return analysis;
  };
  return {
    capture,
    decode,
    connectionsTotal,
    errors: summary.errors as CaptureError[],
    nextSession: () => (analysis === null ? settler.nextLeft() : 0),
    settleNext: () => settler.settleNextLeft(),
    finish,
  };
}

function decodeFindings(stats: DecodeStats): Finding[] {
  const fragments = stats.ipv4Fragments + stats.ipv6Fragments;
  if (fragments === 0) return [];
  return [
    {
      code: 'ip.fragment',
      severity: 'warning',
      message:
        `${fragments} IP fragments (${stats.ipv4Fragments} IPv4, ${stats.ipv6Fragments} IPv6); ` +
        'ftpcap does not reassemble them yet, and the kernel helper sees only reassembled packets',
      frames: [{ fileIndex: stats.firstFragmentFileIndex, frame: stats.firstFragmentFrame }],
    },
  ];
}

function captureReport(summary: CaptureSummary): CaptureReport {
  const files = summary.files.map((file) => ({
    path: file.path,
    format: file.format,
    compression: file.compression,
    linkTypes: file.linkTypes.map((value) => ({ value, name: linkTypeName(value) })),
    frames: file.frames,
    bytes: file.bytes,
    first: file.firstTsSec === null ? null : { sec: file.firstTsSec, nsec: file.firstTsNsec ?? 0 },
    last: file.lastTsSec === null ? null : { sec: file.lastTsSec, nsec: file.lastTsNsec ?? 0 },
    comments: file.comments,
    error: file.error ? file.error.message : null,
  }));
  const before = (a: Timestamp, b: Timestamp): boolean => a.sec < b.sec || (a.sec === b.sec && a.nsec < b.nsec);
  let first: Timestamp | null = null;
  let last: Timestamp | null = null;
  for (const file of files) {
    if (file.first && (first === null || before(file.first, first))) first = file.first;
    if (file.last && (last === null || before(last, file.last))) last = file.last;
  }
  const linkTypes = new Map<number, string>();
  for (const file of files) for (const link of file.linkTypes) linkTypes.set(link.value, link.name);
  return {
    files,
    formats: [...new Set(files.map((file) => file.format).filter((format): format is NonNullable<typeof format> => format !== null))],
    linkTypes: [...linkTypes].map(([value, name]) => ({ value, name })),
    frames: summary.frames,
    bytes: files.reduce((sum, file) => sum + file.bytes, 0),
    first,
    last,
  };
}

function decodeReport(stats: DecodeStats): DecodeReport {
  return {
    tcpSegments: stats.results[DecodeResult.Tcp] ?? 0,
    notTcp: stats.results[DecodeResult.NotTcp] ?? 0,
    fragments: stats.results[DecodeResult.Fragment] ?? 0,
    truncated: stats.results[DecodeResult.Truncated] ?? 0,
    malformed: stats.results[DecodeResult.Malformed] ?? 0,
    unsupportedLink: stats.results[DecodeResult.UnsupportedLink] ?? 0,
  };
}

function connectionReport(connection: Connection, service: string | null): ConnectionReport {
  const [toServer, toClient] = connection.stats;
  return {
    id: connection.id,
    client: endpointText(connection.client),
    server: endpointText(connection.server),
    roleEvidence: connection.roleEvidence,
    fileIndex: connection.firstFileIndex,
    firstFrame: connection.firstFrame,
    lastFileIndex: connection.lastFileIndex,
    lastFrame: connection.lastFrame,
    first: timestampOf(connection.firstTime),
    last: timestampOf(connection.lastTime),
    handshake: connection.handshake,
    end: connection.end,
    segments: [toServer.segments, toClient.segments],
    bytes: [toServer.bytes, toClient.bytes],
    retransmittedBytes: [toServer.retransmittedBytes, toClient.retransmittedBytes],
    missingBytes: [toServer.missingBytes, toClient.missingBytes],
    service: service ? service.slice(0, service.indexOf(':')) : null,
    serviceEvidence: service ? service.slice(service.indexOf(':') + 1) : null,
  };
}
