/**
 * EndpointCache: connections with the same address and port share one Endpoint, and the
 * text is always that of the address asked for, whatever the cache held in that slot.
 */
import { describe, expect, test } from 'vitest';
import { newDecodedPacket, TCP_ACK, TCP_SYN } from '../../src/decode/packet.js';
import { EndpointCache } from '../../src/tcp/endpoints.js';
import { ConnectionTable } from '../../src/tcp/table.js';
import { TupleKey } from '../../src/tcp/tuple.js';
import { HandFeeder, Recorder, SERVER } from './helpers.js';

/** The endpoint of `address` (4 or 16 bytes) and `port`, read as the table reads it: words from a TupleKey. */
function endpointOf(cache: EndpointCache, address: number[], port: number) {
  const pkt = newDecodedPacket();
  pkt.buffer = Uint8Array.from([...address, ...address]);
  pkt.ipVersion = address.length === 16 ? 6 : 4;
  pkt.srcAddrOffset = 0;
  pkt.dstAddrOffset = address.length;
  pkt.srcPort = port;
  pkt.dstPort = port;
  const key = new TupleKey();
  key.read(pkt);
  return cache.get(pkt.ipVersion, key.a0, key.a1, key.a2, key.a3, key.portA, pkt.buffer, pkt.srcAddrOffset);
}

const V6 = [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

describe('EndpointCache', () => {
  test('the same address and port give the same object; another port or address another one', () => {
    const cache = new EndpointCache();
    const server = endpointOf(cache, [10, 0, 0, 1], 21);
    expect(server).toEqual({ ipVersion: 4, address: '10.0.0.1', port: 21 });
    expect(endpointOf(cache, [10, 0, 0, 1], 21)).toBe(server);
    const dataPort = endpointOf(cache, [10, 0, 0, 1], 20);
    expect(dataPort).toEqual({ ipVersion: 4, address: '10.0.0.1', port: 20 });
    expect(dataPort).not.toBe(server);
    expect(endpointOf(cache, [10, 0, 0, 2], 21)).toEqual({ ipVersion: 4, address: '10.0.0.2', port: 21 });
  });

  test('IPv6 addresses, and an IPv4 address whose word equals an IPv6 first word, stay apart', () => {
    const cache = new EndpointCache();
    const v6 = endpointOf(cache, V6, 21);
    expect(v6).toEqual({ ipVersion: 6, address: '2001:db8::1', port: 21 });
    expect(endpointOf(cache, V6, 21)).toBe(v6);
    expect(endpointOf(cache, [0x20, 0x01, 0x0d, 0xb8], 21)).toEqual({ ipVersion: 4, address: '32.1.13.184', port: 21 });
    expect(endpointOf(cache, [...V6.slice(0, 15), 2], 21)).toEqual({ ipVersion: 6, address: '2001:db8::2', port: 21 });
  });

  test('many more endpoints than slots: every answer is right, evicted ones are made again', () => {
    const cache = new EndpointCache();
    for (let round = 0; round < 2; round++) {
      for (let host = 0; host < 20_000; host++) {
        const address = [172, 16, host >> 8, host & 0xff];
        const port = 1024 + (host % 7);
        expect(endpointOf(cache, address, port)).toEqual({ ipVersion: 4, address: address.join('.'), port });
      }
    }
  });
});

describe('ConnectionTable endpoints', () => {
  test('connections to one server share its Endpoint; each keeps its own client, and a flip keeps both right', () => {
    const rec = new Recorder('both');
    const table = new ConnectionTable(rec.factory);
    const first = new HandFeeder(table, { address: [10, 0, 0, 1], port: 40000 }, SERVER);
    const second = new HandFeeder(table, { address: [10, 0, 0, 3], port: 40000 }, SERVER);
    first.send({ from: 'c', seq: 100, flags: TCP_SYN });
    second.time = first.time;
    second.send({ from: 'c', seq: 500, flags: TCP_SYN });
    // Mid-stream, no telling port: the higher port is taken for the client until the greeting
    // comes from it, and the roles flip.
    const odd = new HandFeeder(table, { address: [10, 0, 0, 1], port: 40000 }, { address: [10, 0, 0, 2], port: 50000 });
    odd.time = second.time;
    odd.send({ from: 's', seq: 900, flags: TCP_ACK, payload: new TextEncoder().encode('220 hi\r\n') });
    table.finish();
    const [a, b, c] = rec.connections;
    expect(a!.server).toBe(b!.server);
    expect(a!.server).toEqual({ ipVersion: 4, address: '10.0.0.2', port: 21 });
    expect(a!.client).toEqual({ ipVersion: 4, address: '10.0.0.1', port: 40000 });
    expect(b!.client).toEqual({ ipVersion: 4, address: '10.0.0.3', port: 40000 });
    expect(c!.roleEvidence).toBe('greeting');
    expect(c!.server).toEqual({ ipVersion: 4, address: '10.0.0.2', port: 50000 });
    expect(c!.client).toEqual({ ipVersion: 4, address: '10.0.0.1', port: 40000 });
    expect(c!.client).toBe(a!.client);
  });
});
