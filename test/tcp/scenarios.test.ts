/**
 * Scenarios built with the fixture builder, decoded by the real decoder, one per robustness
 * case of issue 3: what the segment view shows (every segment as a single-packet reader
 * sees it) and what the stream view makes of it.
 */
import { describe, expect, test } from 'vitest';
import { TCP_ACK, TCP_FIN } from '../../src/decode/packet.js';
import { ConnectionTable } from '../../src/tcp/table.js';
import { SegmentKind, type Connection, type ConnectionObserver } from '../../src/tcp/types.js';
import { CaptureBuilder } from '../fixture/builder.js';
import { feedFrames, HandFeeder, latin1, Recorder, run } from './helpers.js';

const CLIENT = '10.0.0.1:40000';
const SERVER = '10.0.0.2:21';

function control(options: { autoAck?: boolean; clientIsn?: number; serverIsn?: number } = {}) {
  const cap = new CaptureBuilder();
  const ctl = cap.tcp({ client: CLIENT, server: SERVER, autoAck: options.autoAck ?? true, clientIsn: options.clientIsn, serverIsn: options.serverIsn });
  return { cap, ctl };
}

/** Data segments of one direction as [frame, kind, payload]. */
function dataSegments(rec: Recorder, connection: number, direction: 0 | 1): Array<[number, SegmentKind, string]> {
  return rec
    .segmentsOf(connection)
    .filter((segment) => segment.direction === direction && segment.wireLength > 0)
    .map((segment) => [segment.frame, segment.kind, segment.payload]);
}

describe('what a single-packet reader sees (segment view) and the stream view', () => {
  test('a PORT command split across two segments: two segments, two data() calls from frames n and n+1', () => {
    const { cap, ctl } = control();
    ctl.handshake();
    ctl.server('220 ready\r\n');
    const [user] = ctl.client('USER a\r\n');
    ctl.server('331 ok\r\n');
    const [first, second] = ctl.client('PORT 10,0,0,1,4,1\r\n', { split: [11] });
    ctl.close();
    const { rec } = run(cap.frames);

    expect(second).toBe(first! + 1);
    expect(dataSegments(rec, 1, 0).slice(-2)).toEqual([
      [first, SegmentKind.NewData, 'PORT 10,0,0'],
      [second, SegmentKind.NewData, ',1,4,1\r\n'],
    ]);
    expect(rec.chunks(1, 0)).toEqual([
      [user, 'USER a\r\n'],
      [first, 'PORT 10,0,0'],
      [second, ',1,4,1\r\n'],
    ]);
    expect(rec.text(1, 1)).toBe('220 ready\r\n331 ok\r\n');
    expect(rec.connections[0]).toMatchObject({ end: 'fin', handshake: true, roleEvidence: 'syn', synFrame: 1 });
  });

  test('a retransmission carrying other bytes: OverlapDifferent, the first copy in the stream, and a finding', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    const [original] = ctl.client('PORT 10,0,0,1,4,1\r\n');
    const [forged] = ctl.client('PORT 10,0,0,9,4,1\r\n', { seqOffset: -19 });
    ctl.client('NOOP\r\n');
    const { rec, table } = run(cap.frames);

    expect(dataSegments(rec, 1, 0)).toEqual([
      [original, SegmentKind.NewData, 'PORT 10,0,0,1,4,1\r\n'],
      [forged, SegmentKind.OverlapDifferent, 'PORT 10,0,0,9,4,1\r\n'],
      [forged! + 1, SegmentKind.NewData, 'NOOP\r\n'],
    ]);
    expect(rec.text(1, 0)).toBe('PORT 10,0,0,1,4,1\r\nNOOP\r\n');
    expect(table.findings).toEqual([
      expect.objectContaining({
        code: 'tcp.overlap-different',
        severity: 'warning',
        connection: 1,
        frames: [
          { fileIndex: 0, frame: original },
          { fileIndex: 0, frame: forged },
        ],
      }),
    ]);
    expect(table.findings[0]!.message).toContain('first-copy-wins');
    expect(table.stats.overlapsDifferent).toBe(1);
    expect(rec.connections[0]!.stats[0]).toMatchObject({ bytes: 25, retransmittedBytes: 19 });
  });

  test('a different copy of a segment still waiting out of order loses to the first one too', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    const [first, second] = ctl.client('USER anonymous\r\n', { split: [5], order: [1] });
    void second;
    const [forged] = ctl.client('XXXXXXXXXXX', { seqOffset: -11 });
    const [late] = ctl.client('USER ', { seqOffset: -16 });
    const { rec, table } = run(cap.frames);
    expect(dataSegments(rec, 1, 0).map(([, kind]) => kind)).toEqual([
      SegmentKind.OutOfOrder,
      SegmentKind.OverlapDifferent,
      SegmentKind.NewData,
    ]);
    expect(rec.chunks(1, 0)).toEqual([
      [late, 'USER '],
      [first, 'anonymous\r\n'],
    ]);
    expect(table.findings[0]!.frames).toEqual([
      { fileIndex: 0, frame: first },
      { fileIndex: 0, frame: forged },
    ]);
  });
});

describe('robustness', () => {
  test('loss: the peer ACKs bytes never captured, and they become one gap of their size', () => {
    const { cap, ctl } = control();
    ctl.handshake();
    const frames = ctl.client('a'.repeat(1000) + 'b'.repeat(1000) + 'c'.repeat(1000), { segmentSize: 1000, drop: [1] });
    ctl.close();
    const { rec } = run(cap.frames);
    expect(rec.text(1, 0)).toBe('a'.repeat(1000) + '[gap 1000]' + 'c'.repeat(1000));
    expect(dataSegments(rec, 1, 0).map(([, kind]) => kind)).toEqual([SegmentKind.NewData, SegmentKind.OutOfOrder]);
    expect(rec.connections[0]!.stats[0]).toMatchObject({ bytes: 2000, missingBytes: 1000, retransmittedBytes: 0 });
    // The gap is declared when the ACK (frame after the data) shows the bytes reached the peer.
    const ackIndex = rec.events.findIndex((event) => event.type === 'gap');
    expect(rec.events[ackIndex - 1]).toMatchObject({ type: 'data', frame: frames[0] });
  });

  test('reordering: segments come out in sequence order, each from its own frame', () => {
    const { cap, ctl } = control();
    ctl.handshake();
    const frames = ctl.client('one,two,three\r\n', { split: [4, 8], reorder: true });
    const { rec } = run(cap.frames);
    expect(dataSegments(rec, 1, 0).map(([, kind, text]) => [kind, text])).toEqual([
      [SegmentKind.OutOfOrder, 'three\r\n'],
      [SegmentKind.NewData, 'two,'],
      [SegmentKind.NewData, 'one,'],
    ]);
    expect(rec.chunks(1, 0)).toEqual([
      [frames[2], 'one,'],
      [frames[1], 'two,'],
      [frames[0], 'three\r\n'],
    ]);
  });

  test('duplicates: every copy in the segment view, once in the stream, counted as retransmitted', () => {
    const { cap, ctl } = control();
    ctl.handshake();
    ctl.client('LIST\r\n', { split: [2], retransmit: true });
    const { rec } = run(cap.frames);
    expect(dataSegments(rec, 1, 0).map(([, kind]) => kind)).toEqual([
      SegmentKind.NewData,
      SegmentKind.NewData,
      SegmentKind.Retransmission,
      SegmentKind.Retransmission,
    ]);
    expect(rec.text(1, 0)).toBe('LIST\r\n');
    expect(rec.connections[0]!.stats[0]).toMatchObject({ bytes: 6, retransmittedBytes: 6, missingBytes: 0 });
  });

  test('sequence numbers wrap around 2^32 in both directions', () => {
    const { cap, ctl } = control({ clientIsn: 0xffff_fffa, serverIsn: 0xffff_ffff });
    ctl.handshake();
    ctl.server('220 wrap\r\n', { split: [1] });
    ctl.client('USER wrap-around\r\n', { split: [3, 5, 9], order: [0, 2, 1, 3] });
    ctl.close();
    const { rec } = run(cap.frames);
    expect(rec.text(1, 0)).toBe('USER wrap-around\r\n');
    expect(rec.text(1, 1)).toBe('220 wrap\r\n');
    expect(rec.connections[0]).toMatchObject({ end: 'fin' });
    expect(rec.connections[0]!.stats.map((stats) => stats.missingBytes)).toEqual([0, 0]);
  });

  test('mid-stream pickup: the first byte seen starts the stream, nothing before it is a gap', () => {
    const { cap, ctl } = control();
    ctl.handshake();
    ctl.server('220 ready\r\n');
    ctl.client('USER a\r\n');
    const start = cap.lastFrame;
    ctl.server('331 ok\r\n');
    ctl.client('PASS b\r\n');
    ctl.close();
    const { rec } = run(cap.frames, { only: (index) => index >= start });
    expect(rec.connections).toHaveLength(1);
    expect(rec.connections[0]).toMatchObject({
      handshake: false,
      synFrame: 0,
      roleEvidence: 'server-port',
      client: { address: '10.0.0.1', port: 40000 },
      end: 'fin',
    });
    expect(rec.text(1, 1)).toBe('331 ok\r\n');
    expect(rec.text(1, 0)).toBe('PASS b\r\n');
    expect(rec.connections[0]!.stats.map((stats) => stats.missingBytes)).toEqual([0, 0]);
  });

  test('mid-stream pickup between high ports: a "220" greeting names the server, and held ACKs are shown with the right direction', () => {
    const cap = new CaptureBuilder();
    // The client's port is the lower one, so the port heuristic alone would get it wrong.
    const ctl = cap.tcp({ client: '10.0.0.1:3000', server: '10.0.0.2:50021', autoAck: true });
    ctl.handshake();
    const start = cap.lastFrame - 1;
    ctl.ack('client');
    const [greeting] = ctl.server('220 hi\r\n');
    ctl.client('USER a\r\n');
    const { rec } = run(cap.frames, { only: (index) => index >= start });
    const conn = rec.connections[0]!;
    expect(conn).toMatchObject({ roleEvidence: 'greeting', client: { port: 3000 }, server: { port: 50021 }, handshake: false });
    expect(rec.segmentsOf(1).map((segment) => [segment.frame, segment.direction])).toEqual([
      [start + 1, 0],
      [start + 2, 0],
      [greeting, 1],
      [greeting! + 1, 0],
      [greeting! + 2, 0],
      [greeting! + 3, 1],
    ]);
    expect(rec.text(1, 1)).toBe('220 hi\r\n');
    expect(rec.text(1, 0)).toBe('USER a\r\n');
  });

  test('mid-stream pickup between high ports with no greeting: the lower port is the server', () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: '10.0.0.1:50000', server: '10.0.0.2:4000', autoAck: true });
    ctl.handshake();
    const start = cap.lastFrame;
    ctl.client('NOOP\r\n');
    const { rec } = run(cap.frames, { only: (index) => index >= start });
    expect(rec.connections[0]).toMatchObject({ roleEvidence: 'lower-port', server: { port: 4000 } });
    expect(rec.text(1, 0)).toBe('NOOP\r\n');
  });

  test('active-mode data from port 20 picked up mid-stream: the port-20 side is the TCP client', () => {
    const cap = new CaptureBuilder();
    const data = cap.tcp({ client: '10.0.0.2:20', server: '10.0.0.1:50000', autoAck: true });
    data.handshake();
    const start = cap.lastFrame;
    data.client('file contents');
    const { rec } = run(cap.frames, { only: (index) => index >= start, mode: 'count-only' });
    expect(rec.connections[0]).toMatchObject({ roleEvidence: 'server-port', client: { port: 20 }, server: { port: 50000 } });
    expect(rec.connections[0]!.stats[0].bytes).toBe(13);
  });

  test('retransmitted SYNs: one connection, the first SYN is the synFrame', () => {
    const { cap, ctl } = control();
    ctl.syn('client');
    ctl.syn('client');
    ctl.syn('server');
    ctl.syn('server');
    ctl.ack('client');
    ctl.client('USER a\r\n');
    const { rec, table } = run(cap.frames);
    expect(rec.connections).toHaveLength(1);
    expect(rec.connections[0]).toMatchObject({ synFrame: 1, handshake: true });
    expect(rec.segmentsOf(1).slice(0, 5).map((segment) => segment.kind)).toEqual(Array(5).fill(SegmentKind.Control));
    expect(rec.text(1, 0)).toBe('USER a\r\n');
    expect(table.stats.portReuse).toBe(0);
  });

  test('simultaneous open: one connection, the first SYN names the client', () => {
    const { cap, ctl } = control();
    ctl.simultaneousOpen();
    ctl.client('hello\r\n');
    ctl.server('world\r\n');
    ctl.close();
    const { rec } = run(cap.frames);
    expect(rec.connections).toHaveLength(1);
    expect(rec.connections[0]).toMatchObject({ roleEvidence: 'syn', client: { port: 40000 }, synFrame: 1, end: 'fin' });
    expect(rec.text(1, 0)).toBe('hello\r\n');
    expect(rec.text(1, 1)).toBe('world\r\n');
  });

  test('RST in the middle: holes become gaps, end is rst, late segments stay in the old connection', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    ctl.server('150 here it comes\r\n', { split: [4], drop: [0] });
    const [rst] = ctl.rst('client');
    const [late] = ctl.server('226 done\r\n');
    const { rec, table } = run(cap.frames);
    expect(rec.connections).toHaveLength(1);
    const conn = rec.connections[0]!;
    expect(conn).toMatchObject({ end: 'rst', rstFrame: rst, lastFrame: late });
    expect(rec.text(1, 1)).toBe('[gap 4]here it comes\r\n');
    expect(rec.ends()).toEqual([1]);
    // Counted, never shown: the consumer was told the connection ended.
    expect(rec.segmentsOf(1).at(-1)!.frame).toBe(rst);
    expect(conn.stats[1]).toMatchObject({ segments: 3, bytes: 25 });
    expect(table.stats.live).toBe(0);
  });

  test('an RST far outside the window is not believed', () => {
    const rec = new Recorder();
    const table = new ConnectionTable(rec.factory);
    const feeder = new HandFeeder(table);
    feeder.send({ from: 'c', seq: 1000, flags: 0x02 });
    feeder.send({ from: 's', seq: 5000, ack: 1001, flags: 0x12 });
    feeder.send({ from: 'c', seq: 1001, ack: 5001, flags: TCP_ACK, payload: new TextEncoder().encode('NOOP\r\n') });
    feeder.send({ from: 's', seq: 5001 + 0x4000_0000, ack: 1007, flags: 0x14 });
    feeder.send({ from: 's', seq: 5001, ack: 1007, flags: TCP_ACK, payload: new TextEncoder().encode('200 ok\r\n') });
    table.finish();
    expect(rec.connections[0]).toMatchObject({ end: 'open', rstFrame: 0 });
    expect(rec.text(1, 1)).toBe('200 ok\r\n');
    expect(table.findings.map((finding) => finding.code)).toEqual(['tcp.rst-out-of-window']);
  });

  test('half-close: data keeps flowing the other way after one FIN', () => {
    const { cap, ctl } = control();
    ctl.handshake();
    ctl.client('RETR x\r\n');
    const [clientFin] = ctl.fin('client', { ack: true });
    ctl.server('150 ok\r\n');
    ctl.server('226 done\r\n');
    const [serverFin] = ctl.fin('server', { ack: true });
    const { rec } = run(cap.frames);
    expect(rec.text(1, 1)).toBe('150 ok\r\n226 done\r\n');
    expect(rec.connections[0]).toMatchObject({ end: 'fin' });
    expect(rec.connections[0]!.stats.map((stats) => stats.finFrame)).toEqual([clientFin, serverFin]);
    expect(rec.ends()).toEqual([1]);
    // The end comes with the last ACK, not at the end of the trace.
    expect(rec.events.at(-1)).toEqual({ type: 'end', connection: 1 });
  });

  test('one FIN only at the end of the trace: half-closed', () => {
    const { cap, ctl } = control();
    ctl.handshake();
    ctl.fin('client');
    const { rec } = run(cap.frames);
    expect(rec.connections[0]!.end).toBe('half-closed');
  });

  test('the trace ends mid-transfer: open, holes before the last byte seen are gaps, nothing after it', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    ctl.server('x'.repeat(4000), { segmentSize: 1000, drop: [1, 3] });
    const { rec } = run(cap.frames);
    expect(rec.connections[0]!.end).toBe('open');
    expect(rec.text(1, 1)).toBe('x'.repeat(1000) + '[gap 1000]' + 'x'.repeat(1000));
    expect(rec.connections[0]!.stats[1]).toMatchObject({ bytes: 2000, missingBytes: 1000 });
  });

  test('a FIN after a hole: the hole is a gap when the connection ends', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    ctl.client('abcdef', { split: [2, 4], drop: [1], fin: true });
    const { rec } = run(cap.frames);
    expect(rec.text(1, 0)).toBe('ab[gap 2]ef');
    expect(rec.connections[0]!.end).toBe('half-closed');
  });

  test('port reuse: the same 4-tuple after FIN with a new SYN is a new connection', () => {
    const cap = new CaptureBuilder();
    const first = cap.tcp({ client: CLIENT, server: SERVER, autoAck: true });
    first.handshake();
    first.client('QUIT\r\n');
    first.close();
    first.ack('client');
    const second = cap.tcp({ client: CLIENT, server: SERVER, autoAck: true });
    const [secondSyn] = second.handshake();
    second.client('USER b\r\n');
    second.close();
    const { rec, table } = run(cap.frames);
    expect(rec.connections.map((conn) => [conn.id, conn.end, conn.firstFrame])).toEqual([
      [1, 'fin', 1],
      [2, 'fin', secondSyn],
    ]);
    expect(rec.text(1, 0)).toBe('QUIT\r\n');
    expect(rec.text(2, 0)).toBe('USER b\r\n');
    expect(table.stats.portReuse).toBe(1);
    expect(table.findings).toEqual([]);
  });

  test('a SYN far outside the window of an open connection starts a new one', () => {
    const cap = new CaptureBuilder();
    const first = cap.tcp({ client: CLIENT, server: SERVER, autoAck: true, clientIsn: 1000 });
    first.handshake();
    first.client('NOOP\r\n');
    const second = cap.tcp({ client: CLIENT, server: SERVER, autoAck: true, clientIsn: 0x8000_0000 });
    second.handshake();
    second.client('USER c\r\n');
    const { rec, table } = run(cap.frames);
    expect(rec.connections.map((conn) => [conn.id, conn.end])).toEqual([
      [1, 'evicted'],
      [2, 'open'],
    ]);
    expect(rec.text(2, 0)).toBe('USER c\r\n');
    expect(table.findings.map((finding) => finding.code)).toEqual(['tcp.syn-on-open-connection']);
  });

  test('keep-alive, window update, zero-window probes (Linux style and one-byte style)', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    ctl.client('STOR f\r\n');
    ctl.ack('server');
    const [keepAlive] = ctl.keepAlive('client');
    const [closed] = ctl.windowUpdate('server', 0);
    const [linuxProbe] = ctl.keepAlive('client');
    const [byteProbe] = ctl.zeroWindowProbe('client', 0x41);
    const [opened] = ctl.windowUpdate('server', 64240);
    const [resumed] = ctl.client('ABC');
    const { rec } = run(cap.frames);
    const kinds = new Map(rec.segmentsOf(1).map((segment) => [segment.frame, segment.kind]));
    expect([keepAlive, closed, linuxProbe, byteProbe, opened, resumed].map((frame) => kinds.get(frame!))).toEqual([
      SegmentKind.KeepAlive,
      SegmentKind.WindowUpdate,
      SegmentKind.ZeroWindowProbe,
      SegmentKind.ZeroWindowProbe,
      SegmentKind.WindowUpdate,
      SegmentKind.NewData,
    ]);
    expect(rec.text(1, 0)).toBe('STOR f\r\nABC');
    expect(rec.chunks(1, 0).at(-2)).toEqual([byteProbe, 'A']);
  });

  test('snaplen: bytes cut from the capture are a gap in the stream, not missing bytes', () => {
    const cap = new CaptureBuilder({ snaplen: 60 });
    const ctl = cap.tcp({ client: CLIENT, server: SERVER, autoAck: true });
    ctl.handshake();
    ctl.client('0123456789ABCDEF');
    ctl.client('xyz');
    const { rec } = run(cap.frames);
    expect(rec.text(1, 0)).toBe('012345[gap 10]xyz');
    expect(rec.connections[0]!.stats[0]).toMatchObject({ bytes: 19, missingBytes: 0 });
    expect(rec.segmentsOf(1).find((segment) => segment.wireLength === 16)!.payload).toBe('012345');
  });

  test('IPv6 endpoints and a second capture file', () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: '[2001:db8::1]:40000', server: '[2001:db8::2]:21', autoAck: true });
    ctl.handshake();
    ctl.server('220 v6\r\n');
    const rec = new Recorder();
    const table = new ConnectionTable(rec.factory);
    feedFrames(table, cap.frames, { fileIndex: 2 });
    table.finish();
    expect(rec.connections[0]).toMatchObject({
      client: { ipVersion: 6, address: '2001:db8::1', port: 40000 },
      server: { ipVersion: 6, address: '2001:db8::2', port: 21 },
      firstFileIndex: 2,
    });
    expect(rec.events[0]).toMatchObject({ type: 'data', fileIndex: 2 });
  });
});

describe('count-only mode', () => {
  test('no observer: sizes, frames, times, retransmitted and missing bytes, and no payload kept', () => {
    const cap = new CaptureBuilder();
    const data = cap.tcp({ client: '10.0.0.1:50000', server: '10.0.0.2:20', autoAck: true });
    data.handshake();
    data.server('z'.repeat(5000), { segmentSize: 1000, drop: [1], order: [0, 2, 3, 4] });
    data.server('z'.repeat(500), { seqOffset: -500 });
    data.close('server');
    const { rec, table } = run(cap.frames, { mode: 'count-only' });
    expect(rec.events).toEqual([]);
    expect(rec.connections[0]).toMatchObject({
      firstFrame: 1,
      lastFrame: cap.frames.length,
      end: 'fin',
      firstTime: 1_700_000_000,
    });
    expect(rec.connections[0]!.stats[1]).toMatchObject({ bytes: 4000, missingBytes: 1000, retransmittedBytes: 500 });
    expect(table.stats.peakBufferedBytes).toBe(0);
  });

  test('an observer without data() gets segments and end, and nothing is buffered', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    ctl.client('abcdef', { split: [2, 4], order: [2, 1, 0] });
    ctl.close();
    const { rec, table } = run(cap.frames, { mode: 'segments' });
    expect(rec.segmentsOf(1)).toHaveLength(cap.frames.length);
    expect(rec.ends()).toEqual([1]);
    expect(table.stats.peakBufferedBytes).toBe(0);
  });

  test('setting conn.observer = null drops to count-only at once and frees the copies', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    ctl.client('x'.repeat(3000), { segmentSize: 1000, order: [1, 2, 0] });
    const chunks: number[] = [];
    let segments = 0;
    const table = new ConnectionTable((): ConnectionObserver => ({
      segment(conn: Connection) {
        if (++segments === 5) conn.observer = null;
      },
      stream(_conn, _direction, _buffer, start, end) {
        chunks.push(end - start);
      },
    }));
    feedFrames(table, cap.frames);
    expect(table.stats.bufferedBytes).toBe(0);
    expect(table.stats.peakBufferedBytes).toBe(1000);
    table.finish();
    expect(chunks).toEqual([]);
  });
});

describe('caps and eviction', () => {
  test('maxBufferedBytesPerConnection: the hole is given up as a gap, with a finding', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    const frames = ctl.client('0123456789'.repeat(50), { segmentSize: 100, drop: [0] });
    const { rec, table } = run(cap.frames, { tcp: { maxBufferedBytesPerConnection: 250 } });
    expect(rec.text(1, 0)).toBe('[gap 100]' + '0123456789'.repeat(40));
    expect(table.stats.caps.maxBufferedBytesPerConnection).toEqual({ count: 1, fileIndex: 0, frame: frames[2] });
    expect(table.findings.map((finding) => finding.code)).toEqual(['tcp.cap.buffered-per-connection']);
    expect(rec.connections[0]!.stats[0].missingBytes).toBe(100);
  });

  test('maxBufferedBytesTotal is shared by all connections', () => {
    const cap = new CaptureBuilder();
    const a = cap.tcp({ client: '10.0.0.1:40001', server: SERVER });
    const b = cap.tcp({ client: '10.0.0.1:40002', server: SERVER });
    a.handshake();
    b.handshake();
    a.client('a'.repeat(400), { segmentSize: 100, drop: [0] });
    b.client('b'.repeat(400), { segmentSize: 100, drop: [0] });
    const { rec, table } = run(cap.frames, { tcp: { maxBufferedBytesTotal: 400, retransmissionHistoryBytes: 0 } });
    expect(rec.text(1, 0)).toBe('[gap 100]' + 'a'.repeat(300));
    expect(rec.text(2, 0)).toBe('[gap 100]' + 'b'.repeat(300));
    expect(table.stats.caps.maxBufferedBytesTotal.count).toBe(1);
    expect(table.stats.peakBufferedBytes).toBeLessThanOrEqual(400);
  });

  test('maxPendingRunsPerDirection bounds count-only connections too', () => {
    const { cap, ctl } = control({ autoAck: false });
    ctl.handshake();
    ctl.client('x'.repeat(1000), { segmentSize: 100, drop: [0, 2, 4, 6, 8] });
    const { rec, table } = run(cap.frames, { mode: 'count-only', tcp: { maxPendingRunsPerDirection: 2 } });
    expect(table.stats.caps.maxPendingRunsPerDirection.count).toBe(1);
    expect(rec.connections[0]!.stats[0]).toMatchObject({ bytes: 500, missingBytes: 500 });
  });

  test('maxLiveConnections: the least recently active connection is evicted', () => {
    const cap = new CaptureBuilder();
    const conns = [1, 2, 3].map((n) => cap.tcp({ client: `10.0.0.1:4000${n}`, server: SERVER, autoAck: true }));
    conns[0]!.handshake();
    conns[1]!.handshake();
    conns[0]!.client('still here\r\n');
    conns[2]!.handshake();
    const { rec, table } = run(cap.frames, { tcp: { maxLiveConnections: 2 } });
    expect(rec.connections.map((conn) => [conn.id, conn.end])).toEqual([
      [1, 'open'],
      [2, 'evicted'],
      [3, 'open'],
    ]);
    expect(table.stats).toMatchObject({ evicted: 1, peakLive: 2, connectionsCreated: 3 });
    expect(table.findings.map((finding) => [finding.code, finding.connection])).toEqual([['tcp.cap.live-connections', 2]]);
  });

  test('idle timeout: an idle connection is evicted as the trace clock passes it', () => {
    const cap = new CaptureBuilder();
    const idle = cap.tcp({ client: '10.0.0.1:40001', server: SERVER, autoAck: true });
    idle.handshake();
    idle.client('NOOP\r\n');
    cap.wait(100);
    const busy = cap.tcp({ client: '10.0.0.1:40002', server: SERVER, autoAck: true });
    busy.handshake();
    const { rec, table } = run(cap.frames, { tcp: { idleTimeoutSeconds: 50 } });
    expect(rec.connections.map((conn) => conn.end)).toEqual(['evicted', 'open']);
    expect(table.stats.timedOut).toBe(1);
    // Ended before the next connection began.
    expect(rec.events.findIndex((event) => event.type === 'end' && event.connection === 1)).toBeLessThan(
      rec.events.findIndex((event) => event.type === 'end' && event.connection === 2),
    );
    expect(rec.segmentsOf(2)[0]!.frame).toBeGreaterThan(rec.connections[0]!.lastFrame);
  });

  test('a closed connection absorbs late segments for closedTimeoutSeconds, then the tuple is free', () => {
    const { cap, ctl } = control();
    ctl.handshake();
    ctl.close();
    cap.wait(30);
    ctl.ack('client');
    cap.wait(100);
    ctl.ack('client');
    const { rec, table } = run(cap.frames);
    expect(rec.connections.map((conn) => [conn.id, conn.end, conn.handshake])).toEqual([
      [1, 'fin', true],
      [2, 'open', false],
    ]);
    expect(rec.connections[0]!.lastFrame).toBe(cap.frames.length - 1);
    expect(table.stats.portReuse).toBe(0);
  });
});

describe('hand-built packets', () => {
  test('a FIN carrying the last bytes, acknowledged, completes the close', () => {
    const rec = new Recorder();
    const table = new ConnectionTable(rec.factory);
    const feeder = new HandFeeder(table);
    const bytes = (text: string) => new TextEncoder().encode(text);
    feeder.send({ from: 'c', seq: 10, flags: 0x02 });
    feeder.send({ from: 's', seq: 90, ack: 11, flags: 0x12 });
    feeder.send({ from: 'c', seq: 11, ack: 91, flags: TCP_ACK | TCP_FIN, payload: bytes('QUIT\r\n') });
    feeder.send({ from: 's', seq: 91, ack: 18, flags: TCP_ACK | TCP_FIN, payload: bytes('221 bye\r\n') });
    expect(rec.ends()).toEqual([]);
    feeder.send({ from: 'c', seq: 18, ack: 101, flags: TCP_ACK });
    expect(rec.ends()).toEqual([1]);
    expect(latin1(new TextEncoder().encode(rec.text(1, 1)))).toBe('221 bye\r\n');
  });
});
