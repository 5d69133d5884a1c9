import type { DecodedPacket } from './packet.js';

/**
 * Addresses stay as bytes inside the frame buffer on the hot path. This module turns them
 * into text (once per connection, for reports), parses text from FTP commands (PORT, EPRT,
 * 227/229 replies) and hashes 4-tuples without building strings.
 */

export function addressLength(ipVersion: number): number {
  return ipVersion === 6 ? 16 : 4;
}

/** Dotted quad for IPv4; RFC 5952 canonical text for IPv6, with ::ffff:a.b.c.d for IPv4-mapped. */
export function formatAddress(buf: Uint8Array, offset: number, ipVersion: number): string {
  if (ipVersion !== 6) return formatIpv4(buf, offset);

  let mapped = buf[offset + 10] === 0xff && buf[offset + 11] === 0xff;
  for (let i = 0; i < 10 && mapped; i++) mapped = buf[offset + i] === 0;
  if (mapped) return '::ffff:' + formatIpv4(buf, offset + 12);

  // RFC 5952 section 4.2: compress the longest run of two or more zero groups, the first
  // such run on a tie.
  let bestStart = -1;
  let bestLength = 1;
  let runStart = -1;
  for (let group = 0; group < 8; group++) {
    const zero = buf[offset + group * 2] === 0 && buf[offset + group * 2 + 1] === 0;
    if (zero) {
      if (runStart < 0) runStart = group;
      const runLength = group - runStart + 1;
      if (runLength > bestLength) {
        bestStart = runStart;
        bestLength = runLength;
      }
    } else {
      runStart = -1;
    }
  }

  let text = '';
  for (let group = 0; group < 8; group++) {
    if (group === bestStart) {
      text += '::';
      group += bestLength - 1;
      continue;
    }
    if (text.length > 0 && !text.endsWith(':')) text += ':';
    text += ((buf[offset + group * 2] << 8) | buf[offset + group * 2 + 1]).toString(16);
  }
  return text;
}

function formatIpv4(buf: Uint8Array, offset: number): string {
  return `${buf[offset]}.${buf[offset + 1]}.${buf[offset + 2]}.${buf[offset + 3]}`;
}

/** "10.0.0.1:21" or "[2001:db8::1]:21", as URLs and most tools write an endpoint. */
export function formatEndpoint(buf: Uint8Array, offset: number, ipVersion: number, port: number): string {
  const address = formatAddress(buf, offset, ipVersion);
  return ipVersion === 6 ? `[${address}]:${port}` : `${address}:${port}`;
}

export interface ParsedAddress {
  version: 4 | 6;
  bytes: Uint8Array;
}

const IPV4_TEXT = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Parses a textual IPv4 or IPv6 address (no zone id, no brackets). Returns null for
 * anything else, including IPv4 with octets above 255.
 */
export function parseAddress(text: string): ParsedAddress | null {
  if (text.includes(':')) {
    const bytes = parseIpv6(text);
    return bytes ? { version: 6, bytes } : null;
  }
  const bytes = parseIpv4(text);
  return bytes ? { version: 4, bytes } : null;
}

function parseIpv4(text: string): Uint8Array | null {
  const match = IPV4_TEXT.exec(text);
  if (!match) return null;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const octet = Number(match[i + 1]);
    if (octet > 255) return null;
    bytes[i] = octet;
  }
  return bytes;
}

function parseIpv6(text: string): Uint8Array | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const compressed = halves.length === 2;
  const head = parseIpv6Groups(halves[0], !compressed);
  const tail = compressed ? parseIpv6Groups(halves[1], true) : [];
  if (!head || !tail) return null;
  // "::" stands for at least one zero group (RFC 4291 section 2.2).
  if (compressed ? head.length + tail.length > 7 : head.length !== 8) return null;
  const bytes = new Uint8Array(16);
  head.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  tail.forEach((group, i) => {
    const at = 16 - (tail.length - i) * 2;
    bytes[at] = group >> 8;
    bytes[at + 1] = group & 0xff;
  });
  return bytes;
}

/** Colon-separated hex groups; the last part of an address may end in a dotted quad (two groups). */
function parseIpv6Groups(part: string, isLastPart: boolean): number[] | null {
  if (part === '') return [];
  const words = part.split(':');
  const groups: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (isLastPart && i === words.length - 1 && word.includes('.')) {
      const ipv4 = parseIpv4(word);
      if (!ipv4) return null;
      groups.push((ipv4[0] << 8) | ipv4[1], (ipv4[2] << 8) | ipv4[3]);
    } else if (IPV6_GROUP.test(word)) {
      groups.push(parseInt(word, 16));
    } else {
      return null;
    }
  }
  return groups;
}

/** Byte-wise equality of two addresses of the given version, wherever they live. */
export function addressEquals(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number, ipVersion: number): boolean {
  const length = addressLength(ipVersion);
  for (let i = 0; i < length; i++) if (a[aOffset + i] !== b[bOffset + i]) return false;
  return true;
}

/**
 * A connection's endpoints, copied out of the frame buffer (which the reader reuses).
 * A is the source of the packet the tuple was taken from.
 */
export interface ConnectionTuple {
  ipVersion: number;
  addressA: Uint8Array;
  portA: number;
  addressB: Uint8Array;
  portB: number;
}

export function tupleOf(pkt: DecodedPacket): ConnectionTuple {
  const length = addressLength(pkt.ipVersion);
  return {
    ipVersion: pkt.ipVersion,
    addressA: pkt.buffer.slice(pkt.srcAddrOffset, pkt.srcAddrOffset + length),
    portA: pkt.srcPort,
    addressB: pkt.buffer.slice(pkt.dstAddrOffset, pkt.dstAddrOffset + length),
    portB: pkt.dstPort,
  };
}

/** How a packet relates to a connection tuple. */
export const enum TupleDirection {
  None = 0,
  /** The packet goes from A to B. */
  AToB = 1,
  /** The packet goes from B to A. */
  BToA = 2,
}

export function matchTuple(tuple: ConnectionTuple, pkt: DecodedPacket): TupleDirection {
  if (tuple.ipVersion !== pkt.ipVersion) return TupleDirection.None;
  const buf = pkt.buffer;
  const version = pkt.ipVersion;
  if (
    pkt.srcPort === tuple.portA &&
    pkt.dstPort === tuple.portB &&
    addressEquals(buf, pkt.srcAddrOffset, tuple.addressA, 0, version) &&
    addressEquals(buf, pkt.dstAddrOffset, tuple.addressB, 0, version)
  ) {
    return TupleDirection.AToB;
  }
  if (
    pkt.srcPort === tuple.portB &&
    pkt.dstPort === tuple.portA &&
    addressEquals(buf, pkt.srcAddrOffset, tuple.addressB, 0, version) &&
    addressEquals(buf, pkt.dstAddrOffset, tuple.addressA, 0, version)
  ) {
    return TupleDirection.BToA;
  }
  return TupleDirection.None;
}

/** The packet belongs to the connection, in either direction. */
export function tupleEquals(tuple: ConnectionTuple, pkt: DecodedPacket): boolean {
  return matchTuple(tuple, pkt) !== TupleDirection.None;
}

/**
 * A 32-bit hash of the packet's 4-tuple that is the same for both directions, so one table
 * lookup finds a connection whichever side sent the packet. Equal to hashConnectionTuple()
 * of the tuple taken from any packet of the connection.
 */
export function hashTuple(pkt: DecodedPacket): number {
  const buf = pkt.buffer;
  const src = hashEndpoint(buf, pkt.srcAddrOffset, pkt.ipVersion, pkt.srcPort);
  const dst = hashEndpoint(buf, pkt.dstAddrOffset, pkt.ipVersion, pkt.dstPort);
  // Addition commutes, so the direction drops out; the final mix spreads the sum again.
  return finalMix((src + dst) | 0);
}

export function hashConnectionTuple(tuple: ConnectionTuple): number {
  const a = hashEndpoint(tuple.addressA, 0, tuple.ipVersion, tuple.portA);
  const b = hashEndpoint(tuple.addressB, 0, tuple.ipVersion, tuple.portB);
  return finalMix((a + b) | 0);
}

/** MurmurHash3 (x86, 32-bit) body over the address words, seeded with the port. */
function hashEndpoint(buf: Uint8Array, offset: number, ipVersion: number, port: number): number {
  let h = port ^ (ipVersion << 16);
  const end = offset + addressLength(ipVersion);
  for (let at = offset; at < end; at += 4) {
    let k = (buf[at] << 24) | (buf[at + 1] << 16) | (buf[at + 2] << 8) | buf[at + 3];
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  return h;
}

function finalMix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
