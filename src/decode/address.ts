/**
 * Addresses stay as bytes inside the frame buffer on the hot path. This module turns them
 * into text (once per connection, for reports) and parses text from FTP commands (EPRT,
 * LPRT, 228). The TCP stage hashes 4-tuples itself (src/tcp/tuple.ts).
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
