/**
 * The helper stage hands the number of a released control connection (its session was
 * reported) to the next one, so that its columns stay as long as the most control
 * connections alive at once. A control connection on a reused number must act exactly as
 * one on a fresh number: nothing of the previous one's helper state, records or totals may
 * show through. The same trace is analyzed with sessions settling as they go (numbers reused)
 * and with nothing settled before the end (every number fresh); the reports must agree.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FtpConntrackHelper, FtpConntrackHelpers, HelperAction, ORIGINAL, REPLY, type SegmentInput } from '../../src/helper/conntrack-ftp.js';
import { SegmentStore } from '../../src/helper/segment-log.js';
import { CaptureBuilder } from '../fixture/builder.js';
import { analyzeBytes } from '../support/analyze-capture.js';

const CLIENT = '192.0.2.10';
const SERVER = '198.51.100.20';

/**
 * Sessions ten minutes apart, each settled before the next opens, each leaving different
 * state behind: a PORT cut in two (the helper drops the first part), a line left without
 * its newline, a PASV whose data connection is RELATED, a PORT naming another host, a
 * retransmitted PORT, a session the capture joins mid-stream (no handshake), and an EPRT cut
 * in two on a number a RELATED session had.
 */
function sequentialSessions(): Uint8Array {
  const cap = new CaptureBuilder({ startTime: 1_700_000_000 });
  let port = 51000;
  const session = (body: (ctl: ReturnType<CaptureBuilder['tcp']>) => void, handshake = true): void => {
    const clientPort = port++;
    const ctl = cap.tcp({ client: `${CLIENT}:${clientPort}`, server: `${SERVER}:21`, autoAck: true });
    if (handshake) {
      ctl.handshake();
      ctl.server('220 ready\r\n');
      ctl.client('USER anonymous\r\n');
      ctl.server('331 Password required\r\n');
      ctl.client('PASS secret\r\n');
      ctl.server('230 In\r\n');
    }
    body(ctl);
    ctl.client('QUIT\r\n');
    ctl.server('221 Bye\r\n');
    ctl.close('client');
    cap.wait(600);
  };
  const activeData = (dataPort: number): void => {
    const data = cap.tcp({ client: `${SERVER}:20`, server: `${CLIENT}:${dataPort}`, autoAck: true });
    data.handshake();
    data.client('x'.repeat(300));
    data.close('client');
  };
  // A PORT in two segments: the first is a partial match, dropped.
  session((ctl) => {
    ctl.client('PORT 192,0,2,10,200,1\r\n', { split: [12] });
    ctl.server('200 OK\r\n');
    activeData(200 * 256 + 1);
    ctl.client('LIST\r\n');
    ctl.server('150 Here\r\n226 Done\r\n');
    // A client line without its newline, then the rest: the helper's next-seq memory moves on.
    ctl.client('NOOP', { ack: true });
    ctl.client('\r\n');
    ctl.server('200 NOOP ok\r\n');
  });
  // PASV, RELATED on a fresh conntrack.
  session((ctl) => {
    ctl.client('PASV\r\n');
    ctl.server('227 Entering Passive Mode (198,51,100,20,100,7).\r\n');
    const data = cap.tcp({ client: `${CLIENT}:52000`, server: `${SERVER}:${100 * 256 + 7}`, autoAck: true });
    data.handshake();
    ctl.client('RETR f\r\n');
    ctl.server('150 Opening\r\n');
    data.server('y'.repeat(500));
    data.close('server');
    ctl.server('226 Done\r\n');
  });
  // A PORT naming another host (loose=0 records nothing), then a retransmitted good one.
  session((ctl) => {
    ctl.client('PORT 10,9,9,9,200,2\r\n');
    ctl.server('200 OK\r\n');
    ctl.client('PORT 192,0,2,10,200,3\r\n', { retransmit: true, retransmitDelay: 0.2 });
    ctl.server('200 OK\r\n');
    activeData(200 * 256 + 3);
  });
  // Joined mid-stream: no handshake, so the helper picks the stream up where it stands.
  session((ctl) => {
    ctl.client('PORT 192,0,2,10,200,4\r\n');
    ctl.server('200 OK\r\n');
    activeData(200 * 256 + 4);
  }, false);
  // A PORT cut in two again, on the number of the PASV session above.
  session((ctl) => {
    ctl.client('EPRT |1|192.0.2.10|51300|\r\n', { split: [6] });
    ctl.server('200 OK\r\n');
    activeData(51300);
  });
  return cap.toPcap();
}

describe('control connections on reused numbers', () => {
  afterEach(() => vi.restoreAllMocks());

  it('report exactly what they report on fresh numbers', async () => {
    const bytes = sequentialSessions();
    const opened: number[] = [];
    const openTrace = SegmentStore.prototype.openTrace;
    vi.spyOn(SegmentStore.prototype, 'openTrace').mockImplementation(function (this: SegmentStore, trace: number) {
      opened.push(trace);
      openTrace.call(this, trace);
    });
    const reused = await analyzeBytes(bytes);
    expect(opened).toEqual([0, 0, 0, 0, 0]);
    opened.length = 0;
    const fresh = await analyzeBytes(bytes, { settleAfterSeconds: Infinity });
    expect(opened).toEqual([0, 1, 2, 3, 4]);

    expect(reused.sessions).toHaveLength(5);
    expect(JSON.stringify(reused)).toEqual(JSON.stringify(fresh));
    // What the trace was built to show, so that agreeing is not agreeing on nothing.
    const verdicts = reused.sessions.map((session) => session.transfers.map((transfer) => transfer.helper?.verdict));
    const drops = reused.helper!.drops.map((drop) => [drop.session, drop.reason]);
    const ignored = reused.helper!.ignored.map((entry) => [entry.session, entry.reason]);
    const expectations = reused.helper!.expectations.map((entry) => [entry.session, entry.state]);
    expect(verdicts).toEqual([['dropped'], ['expected'], [], [], []]);
    expect(drops).toEqual([[1, 'partial-match'], [5, 'partial-match']]);
    expect(ignored).toEqual([[3, 'address-mismatch']]);
    expect(expectations).toEqual([[2, 'used'], [3, 'replaced'], [3, 'used'], [4, 'used']]);
  });
});

describe('FtpConntrackHelpers.open on a used slot', () => {
  const ascii = (text: string): Uint8Array => Uint8Array.from(text, (char) => char.charCodeAt(0));
  const input = (direction: number, seq: number, text: string, seenReply = true): SegmentInput => ({
    direction, seenReply, seq, buffer: ascii(text), payloadOffset: 0, payloadLength: text.length,
    source: direction === ORIGINAL ? Uint8Array.of(10, 0, 0, 1) : Uint8Array.of(10, 0, 0, 2), ipVersion: 4,
  });

  it('starts the conntrack afresh, with or without SEQ_PICKUP', () => {
    for (const pickup of [false, true]) {
      const shared = new FtpConntrackHelpers(false, '6.18');
      const slot = shared.add(false);
      // Fill the slot's memory of where lines start, in both directions.
      let seq = 1000;
      for (const line of ['USER a\r\n', 'PASS b\r\n', 'PO']) {
        shared.process(slot, input(ORIGINAL, seq, line));
        seq += line.length;
      }
      shared.process(slot, input(REPLY, 5000, '230 In\r\n'));
      shared.open(slot, pickup);
      const alone = new FtpConntrackHelper(false, '6.18', pickup);
      // A segment at a seq the old conntrack remembered, then one at a seq it did not.
      for (const segment of [input(ORIGINAL, 1016, 'PORT 10,0,0,1,4,1\r\n'), input(ORIGINAL, 7000, 'PORT 10,0,0,1,4,2\r\n'), input(REPLY, 5008, '227 (10,0,0,2,4,3)\r\n')]) {
        const expected = alone.process(segment);
        expect(shared.process(slot, segment)).toBe(expected);
        if (expected === HelperAction.Matched) expect(shared.match.port).toBe(alone.match.port);
      }
    }
  });
});
