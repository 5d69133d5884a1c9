/**
 * The table's own machinery: tuple hashing and matching, hash collisions, closing states,
 * and the guarantees consumers rely on (one end() per connection, the segment view stops
 * with it).
 */
import { describe, expect, test } from 'vitest';
import { newDecodedPacket, TCP_ACK, TCP_FIN, TCP_SYN, type DecodedPacket } from '../../src/decode/packet.js';
import { ConnectionTable } from '../../src/tcp/table.js';
import { TupleKey } from '../../src/tcp/tuple.js';
import { SegmentKind } from '../../src/tcp/types.js';
import { CaptureBuilder } from '../fixture/builder.js';
import { HandFeeder, Recorder, run } from './helpers.js';

function packet(src: number[], srcPort: number, dst: number[], dstPort: number): DecodedPacket {
  const pkt = newDecodedPacket();
  pkt.buffer = Uint8Array.from([...src, ...dst]);
  pkt.ipVersion = src.length === 16 ? 6 : 4;
  pkt.srcAddrOffset = 0;
  pkt.dstAddrOffset = src.length;
  pkt.srcPort = srcPort;
  pkt.dstPort = dstPort;
  return pkt;
}

function keyOf(pkt: DecodedPacket): TupleKey {
  const key = new TupleKey();
  key.read(pkt);
  return key;
}

const V6_A = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const V6_B = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

describe('TupleKey', () => {
  test('both directions hash alike and match as A→B and B→A', () => {
    const forward = keyOf(packet([10, 0, 0, 1], 40000, [10, 0, 0, 2], 21));
    const backward = keyOf(packet([10, 0, 0, 2], 21, [10, 0, 0, 1], 40000));
    expect(forward.hash).toBe(backward.hash);
    expect(forward.match(forward)).toBe(1);
    expect(forward.match(backward)).toBe(2);
    expect(forward.hash).toBeLessThan(2 ** 30);
  });

  test('other ports, addresses or families do not match', () => {
    const key = keyOf(packet([10, 0, 0, 1], 40000, [10, 0, 0, 2], 21));
    expect(key.match(keyOf(packet([10, 0, 0, 1], 40001, [10, 0, 0, 2], 21)))).toBe(0);
    expect(key.match(keyOf(packet([10, 0, 0, 3], 40000, [10, 0, 0, 2], 21)))).toBe(0);
    // Swapped ports alone are another connection.
    expect(key.match(keyOf(packet([10, 0, 0, 1], 21, [10, 0, 0, 2], 40000)))).toBe(0);
    const v6 = keyOf(packet(V6_A, 40000, V6_B, 21));
    expect(v6.match(keyOf(packet(V6_B, 21, V6_A, 40000)))).toBe(2);
    expect(v6.match(keyOf(packet(V6_A, 40000, [...V6_B.slice(0, 15), 3], 21)))).toBe(0);
    expect(v6.match(key)).toBe(0);
  });

  test('connections whose hashes collide are kept apart, and removing one leaves the other', () => {
    // Find two client ports on different hosts whose tuples share a bucket.
    const seen = new Map<number, [number, number]>();
    let pair: [[number, number], [number, number]] | null = null;
    for (let host = 1; host < 250 && pair === null; host++) {
      for (let port = 1024; port < 65536 && pair === null; port++) {
        const hash = keyOf(packet([10, 1, 0, host], port, [10, 0, 0, 2], 21)).hash;
        const other = seen.get(hash);
        if (other) pair = [other, [host, port]];
        else seen.set(hash, [host, port]);
      }
    }
    expect(pair).not.toBeNull();
    const [[hostA, portA], [hostB, portB]] = pair!;
    const rec = new Recorder();
    const table = new ConnectionTable(rec.factory, { closedTimeoutSeconds: 1 });
    const server = { address: [10, 0, 0, 2], port: 21 };
    const a = new HandFeeder(table, { address: [10, 1, 0, hostA], port: portA }, server);
    const b = new HandFeeder(table, { address: [10, 1, 0, hostB], port: portB }, server);
    const text = (s: string) => new TextEncoder().encode(s);
    a.send({ from: 'c', seq: 100, flags: TCP_SYN });
    b.send({ from: 'c', seq: 500, flags: TCP_SYN });
    a.send({ from: 'c', seq: 101, flags: TCP_ACK, payload: text('from a') });
    b.send({ from: 'c', seq: 501, flags: TCP_ACK, payload: text('from b') });
    // a closes and times out; b goes on in the same bucket.
    a.send({ from: 'c', seq: 107, flags: TCP_ACK | TCP_FIN });
    a.send({ from: 's', seq: 900, ack: 108, flags: TCP_ACK | TCP_FIN });
    a.send({ from: 'c', seq: 108, ack: 901, flags: TCP_ACK });
    b.time = a.time + 5;
    b.send({ from: 'c', seq: 507, flags: TCP_ACK, payload: text(' again') });
    table.finish();
    expect(rec.connections.map((conn) => [conn.client.port, conn.end])).toEqual([
      [portA, 'fin'],
      [portB, 'open'],
    ]);
    expect(rec.text(1, 0)).toBe('from a');
    expect(rec.text(2, 0)).toBe('from b again');
  });
});

describe('closing', () => {
  test('FIN both ways without the last ACK: closing until the trace ends, then fin', () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: '10.0.0.1:40000', server: '10.0.0.2:21' });
    ctl.handshake();
    ctl.fin('client');
    ctl.fin('server');
    const { rec } = run(cap.frames, { finish: false });
    expect(rec.ends()).toEqual([]);
    const { rec: finished } = run(cap.frames);
    expect(finished.connections[0]!.end).toBe('fin');
    expect(finished.ends()).toEqual([1]);
  });

  test('FIN both ways without the last ACK: ended when closedTimeoutSeconds passes', () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: '10.0.0.1:40000', server: '10.0.0.2:21' });
    const other = cap.tcp({ client: '10.0.0.1:40001', server: '10.0.0.2:21' });
    ctl.handshake();
    ctl.fin('client');
    ctl.fin('server');
    cap.wait(61);
    other.syn('client');
    const { rec } = run(cap.frames, { finish: false });
    expect(rec.ends()).toEqual([1]);
    expect(rec.connections[0]!.end).toBe('fin');
  });

  test('one end() per connection, and no segment() after it', () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: '10.0.0.1:40000', server: '10.0.0.2:21', autoAck: true });
    ctl.handshake();
    ctl.client('QUIT\r\n');
    ctl.close();
    ctl.fin('server');
    ctl.rst('client');
    const { rec } = run(cap.frames);
    expect(rec.ends()).toEqual([1]);
    const lastShown = rec.segments.at(-1)!.frame;
    const endAt = rec.connections[0]!.stats.map((stats) => stats.finFrame);
    expect(lastShown).toBe(Math.max(...endAt) + 1);
    expect(rec.connections[0]!.end).toBe('fin');
  });

  test('payload beyond the FIN is reported once', () => {
    const rec = new Recorder();
    const table = new ConnectionTable(rec.factory);
    const feeder = new HandFeeder(table);
    const text = (s: string) => new TextEncoder().encode(s);
    feeder.send({ from: 'c', seq: 10, flags: TCP_SYN });
    feeder.send({ from: 'c', seq: 11, flags: TCP_ACK | TCP_FIN, payload: text('bye') });
    feeder.send({ from: 'c', seq: 15, flags: TCP_ACK, payload: text('more') });
    feeder.send({ from: 'c', seq: 19, flags: TCP_ACK, payload: text('more') });
    table.finish();
    expect(table.findings.map((finding) => [finding.code, finding.frames[0]!.frame])).toEqual([['tcp.data-after-fin', 3]]);
  });

  test('data on a SYN (TCP Fast Open) starts the stream after the SYN', () => {
    const rec = new Recorder();
    const table = new ConnectionTable(rec.factory);
    const feeder = new HandFeeder(table);
    feeder.send({ from: 'c', seq: 0xffffffff, flags: TCP_SYN, payload: new TextEncoder().encode('USER x\r\n') });
    feeder.send({ from: 's', seq: 7, ack: 8, flags: TCP_SYN | TCP_ACK });
    table.finish();
    expect(rec.text(1, 0)).toBe('USER x\r\n');
    expect(rec.segments[0]!.kind).toBe(SegmentKind.NewData);
  });
});
