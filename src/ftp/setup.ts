import { formatAddress, parseAddress } from '../decode/address.js';

/**
 * Parsers for the text that announces a data connection: PORT, EPRT, LPRT from the
 * client; 227, 229, 228 from the server. Each returns what was announced and what is
 * wrong with it, and never throws: a malformed announcement is a finding, and what the
 * kernel helper does with it is the helper model's business, not this parser's.
 */

export type SetupKind = 'PORT' | 'EPRT' | 'LPRT' | 'PASV' | 'EPSV' | 'LPSV';

/** The reply that announces a passive setup (RFC 959, 2428, 1639); null for the active ones, which a command announces. */
export function announcingReplyCode(kind: SetupKind): 227 | 229 | 228 | null {
  return kind === 'PASV' ? 227 : kind === 'EPSV' ? 229 : kind === 'LPSV' ? 228 : null;
}

/** How a user names the announcing text: the command (PORT, EPRT, LPRT) or the reply code (227, 229, 228). */
export function announcementLabel(kind: SetupKind): string {
  return String(announcingReplyCode(kind) ?? kind);
}

export interface Announcement {
  kind: SetupKind;
  /** Announced address in canonical text; null when the text leaves it to the control connection (EPSV). */
  address: string | null;
  ipVersion: 4 | 6 | null;
  /** Announced port; null when none could be read. */
  port: number | null;
  /** What is wrong with the text (empty when well formed). */
  problems: string[];
}

/** `a,b,c,d,p1,p2` as PORT and 227 write it. */
function hostPort(numbers: number[], problems: string[]): { address: string | null; port: number | null } {
  if (numbers.length !== 6) {
    problems.push(`${numbers.length} numbers where 6 belong (h1,h2,h3,h4,p1,p2)`);
    if (numbers.length < 6) return { address: null, port: null };
  }
  const [a, b, c, d, p1, p2] = numbers as [number, number, number, number, number, number];
  for (const [index, value] of [a, b, c, d].entries()) {
    if (value > 255) problems.push(`address byte ${index + 1} is ${value}, over 255`);
  }
  if (p1 > 255 || p2 > 255) problems.push(`port bytes ${p1},${p2}: each must be 0-255`);
  // Stacks and the kernel helper keep 16 bits (300,10 → 76810 → 11274), and so does the linkage.
  const port = (p1 * 256 + p2) & 0xffff;
  if (p1 * 256 + p2 > 65535) problems.push(`port ${p1 * 256 + p2} is over 65535 (taken as ${port})`);
  if (port === 0) problems.push('port 0');
  return { address: `${a}.${b}.${c}.${d}`, port };
}

/** Arguments of PORT: comma-separated decimals, spaces tolerated around them as many servers do. */
export function parsePort(argument: string): Announcement {
  const plain = plainPort(argument);
  if (plain !== null) return plain;
  const problems: string[] = [];
  const text = argument.trim();
  if (!/^\d+(?:\s*,\s*\d+)*$/.test(text)) {
    problems.push(`not a list of comma-separated numbers: "${text}"`);
    const numbers = (text.match(/\d+/g) ?? []).map(Number);
    if (numbers.length < 6) return { kind: 'PORT', address: null, ipVersion: 4, port: null, problems };
    const { address, port } = hostPort(numbers, problems);
    return { kind: 'PORT', address, ipVersion: 4, port, problems };
  }
  const { address, port } = hostPort(text.split(',').map((part) => Number(part.trim())), problems);
  return { kind: 'PORT', address, ipVersion: 4, port, problems };
}

/**
 * The usual PORT argument, six numbers of 0-255 with commas and nothing else around them
 * and a port other than 0, read without a regular expression or a list per number; null
 * for anything else (parsePort's full reading then says what is wrong). Every session of an
 * active-mode trace sends one.
 */
function plainPort(text: string): Announcement | null {
  let a = 0, b = 0, c = 0, d = 0, p1 = 0;
  let value = 0;
  let digits = 0;
  let field = 0;
  const length = text.length;
  for (let i = 0; i <= length; i++) {
    const code = i < length ? text.charCodeAt(i) : 0x2c;
    if (code >= 0x30 && code <= 0x39) {
      // Three digits at most: no number over 999, and none over 255 passes below.
      if (++digits > 3) return null;
      value = value * 10 + (code - 0x30);
      continue;
    }
    if (code !== 0x2c || digits === 0 || value > 255) return null;
    switch (field++) {
      case 0: a = value; break;
      case 1: b = value; break;
      case 2: c = value; break;
      case 3: d = value; break;
      case 4: p1 = value; break;
      case 5: break;
      default: return null;
    }
    if (i < length && field === 6) return null;
    if (i === length) {
      if (field !== 6) return null;
      const port = p1 * 256 + value;
      if (port === 0) return null;
      return { kind: 'PORT', address: `${a}.${b}.${c}.${d}`, ipVersion: 4, port, problems: [] };
    }
    value = 0;
    digits = 0;
  }
  return null;
}

/**
 * A 227 reply: RFC 1123 §4.1.2.6 says to scan the text for the first digit and read
 * h1,h2,h3,h4,p1,p2 from there, since servers put the numbers anywhere, with or
 * without parentheses.
 */
export function parse227(text: string): Announcement {
  const problems: string[] = [];
  const match = /(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)/.exec(text);
  if (!match) {
    const numbers = text.match(/\d+(?:\s*,\s*\d+)+/);
    problems.push(numbers ? `"${numbers[0]}" is not h1,h2,h3,h4,p1,p2` : 'no address and port in the reply');
    return { kind: 'PASV', address: null, ipVersion: 4, port: null, problems };
  }
  const { address, port } = hostPort(match.slice(1, 7).map(Number), problems);
  return { kind: 'PASV', address, ipVersion: 4, port, problems };
}

/** EPRT |af|address|port| (RFC 2428 §2): any printable delimiter, af 1 = IPv4, 2 = IPv6. */
export function parseEprt(argument: string): Announcement {
  const problems: string[] = [];
  const text = argument.trim();
  const delimiter = text[0];
  if (delimiter === undefined || delimiter < '!' || delimiter > '~' || /[0-9a-fA-F.:]/.test(delimiter)) {
    problems.push('no delimiter at the start of the argument');
    return { kind: 'EPRT', address: null, ipVersion: null, port: null, problems };
  }
  const fields = text.split(delimiter);
  // "|1|a|p|" splits into ['', '1', 'a', 'p', ''].
  if (fields.length !== 5 || fields[4] !== '') {
    problems.push(`expected ${delimiter}af${delimiter}address${delimiter}port${delimiter}`);
  }
  const family = fields[1] ?? '';
  const addressText = fields[2] ?? '';
  const portText = fields[3] ?? '';
  let ipVersion: 4 | 6 | null = null;
  if (family === '1') ipVersion = 4;
  else if (family === '2') ipVersion = 6;
  else problems.push(`address family "${family}" is neither 1 (IPv4) nor 2 (IPv6)`);
  const address = canonicalAddress(addressText, ipVersion);
  if (address === null) problems.push(`"${addressText}" is not an ${ipVersion === 6 ? 'IPv6' : 'IPv4'} address`);
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : null;
  if (port === null) problems.push(`port "${portText}" is not a number`);
  else if (port > 65535 || port === 0) problems.push(`port ${port} is out of range`);
  return { kind: 'EPRT', address, ipVersion, port, problems };
}

/** 229 Entering Extended Passive Mode (|||port|): only the port; the address is the server's. */
export function parse229(text: string): Announcement {
  const problems: string[] = [];
  const open = text.indexOf('(');
  const body = open >= 0 ? text.slice(open + 1, text.indexOf(')', open) >= 0 ? text.indexOf(')', open) : undefined) : '';
  const delimiter = body[0];
  if (delimiter === undefined) {
    problems.push('no (|||port|) in the reply');
    return { kind: 'EPSV', address: null, ipVersion: null, port: null, problems };
  }
  const fields = body.split(delimiter);
  if (fields.length !== 5 || fields[1] !== '' || fields[2] !== '' || fields[4] !== '') {
    problems.push(`expected (${delimiter}${delimiter}${delimiter}port${delimiter})`);
  }
  const portText = fields[3] ?? '';
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : null;
  if (port === null) problems.push(`port "${portText}" is not a number`);
  else if (port > 65535 || port === 0) problems.push(`port ${port} is out of range`);
  return { kind: 'EPSV', address: null, ipVersion: null, port, problems };
}

/**
 * LPRT af,hal,h1,...,pal,p1,... (RFC 1639) and its reply 228 (...). af 4 = IPv4 with
 * 4 address bytes, 6 = IPv6 with 16.
 */
export function parseLongAddress(kind: 'LPRT' | 'LPSV', text: string): Announcement {
  const problems: string[] = [];
  const match = /(\d+(?:\s*,\s*\d+){3,})/.exec(text);
  const numbers = match ? match[1]!.split(',').map((part) => Number(part.trim())) : [];
  const [family, hostLength] = numbers;
  const expectedHost = family === 4 ? 4 : family === 6 ? 16 : null;
  if (expectedHost === null || hostLength !== expectedHost) {
    problems.push(`address family ${family ?? '?'} with ${hostLength ?? '?'} address bytes`);
    return { kind, address: null, ipVersion: null, port: null, problems };
  }
  const host = numbers.slice(2, 2 + hostLength);
  const portLength = numbers[2 + hostLength];
  const portBytes = numbers.slice(3 + hostLength);
  if (host.length !== hostLength || portLength === undefined || portBytes.length !== portLength || portLength > 2) {
    problems.push('address and port lengths do not match the numbers given');
    return { kind, address: null, ipVersion: family === 4 ? 4 : 6, port: null, problems };
  }
  if ([...host, ...portBytes].some((value) => value > 255)) problems.push('a byte is over 255');
  const port = portBytes.reduce((value, byte) => value * 256 + byte, 0);
  const address = formatAddress(Uint8Array.from(host), 0, family === 4 ? 4 : 6);
  return { kind, address, ipVersion: family === 4 ? 4 : 6, port, problems };
}

/** Canonical text of an address (dotted IPv4; RFC 5952 IPv6), or null when it is not one of the given version. */
export function canonicalAddress(text: string, ipVersion: 4 | 6 | null): string | null {
  const parsed = parseAddress(text);
  if (parsed === null || (ipVersion !== null && parsed.version !== ipVersion)) return null;
  return formatAddress(parsed.bytes, 0, parsed.version);
}
