import { parseAddress } from '../decode/address.js';

/**
 * The helper's text parsers, byte for byte as nf_conntrack_ftp reads a segment
 * (kernel-ftp-helper.md §3). They differ from the dissector's on purpose: they read one
 * segment, not a line; they accept what the kernel accepts (no range checks in 6.18,
 * values OR-ed and wrapped) and fail where it fails (a PORT not followed by CR).
 *
 * Every parser returns the number of bytes its numeric part covers (0 = failure), and
 * writes the announced address and port into a ParsedEndpoint.
 */

/** Which kernel's parser: 6.18 (no range checks) or the 2026 net-next one that rejects values over 255 / 65535. */
export type KernelProfile = '6.18' | '2026';

export interface ParsedEndpoint {
  /** 4 or 16 bytes; pre-filled by the caller with the sender's address (229 leaves it alone). */
  address: Uint8Array;
  port: number;
}

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

function isDigit(byte: number): boolean {
  return byte >= DIGIT_0 && byte <= DIGIT_9;
}

/**
 * try_number(): `count` fields separated by `separator`. Digits accumulate in unsigned
 * 32-bit fields (empty fields are 0); success is a byte that is neither digit nor
 * separator while in the last field, equal to `terminator` (any byte when terminator
 * is -1). Running out of bytes fails, even right after the last number.
 * Returns the bytes consumed, 0 on failure.
 */
export function tryNumber(
  data: Uint8Array, start: number, end: number, values: Uint32Array, count: number, separator: number, terminator: number,
  profile: KernelProfile,
): number {
  values.fill(0, 0, count);
  let field = 0;
  for (let i = start; i < end && field < count; i++) {
    const byte = data[i]!;
    if (isDigit(byte)) {
      values[field] = (values[field]! * 10 + (byte - DIGIT_0)) >>> 0;
      // The 2026 parser stops at any value over 255 (fields are octets or port bytes).
      if (profile === '2026' && values[field]! > 255) return 0;
    } else if (byte === separator) {
      field++;
    } else {
      if ((terminator < 0 || byte === terminator) && field === count - 1) return i - start;
      return 0;
    }
  }
  return 0;
}

/** try_rfc959(): h1,h2,h3,h4,p1,p2 then the terminator (CR for PORT). Bitwise OR, as the kernel combines them. */
export function tryRfc959(
  data: Uint8Array, start: number, end: number, out: ParsedEndpoint, terminator: number, profile: KernelProfile, scratch: Uint32Array,
): number {
  const length = tryNumber(data, start, end, scratch, 6, 0x2c, terminator, profile);
  if (length === 0) return 0;
  const ip = ((scratch[0]! << 24) | (scratch[1]! << 16) | (scratch[2]! << 8) | scratch[3]!) >>> 0;
  writeIpv4(out.address, ip);
  out.port = ((scratch[4]! << 8) | scratch[5]!) & 0xffff;
  return length;
}

/** try_rfc1123(): 227 text: skip to the first digit anywhere after "227 ", then PORT's parser with no terminator. */
export function tryRfc1123(
  data: Uint8Array, start: number, end: number, out: ParsedEndpoint, profile: KernelProfile, scratch: Uint32Array,
): { offset: number; length: number } {
  let i = start;
  while (i < end && !isDigit(data[i]!)) i++;
  if (i === end) return { offset: i - start, length: 0 };
  return { offset: i - start, length: tryRfc959(data, i, end, out, -1, profile, scratch) };
}

/**
 * get_port(): digits up to the delimiter in a 16-bit accumulator (6.18 wraps 70000 to
 * 4464); 0 fails; returns the index after the closing delimiter, 0 on failure.
 */
export function getPort(data: Uint8Array, start: number, end: number, delimiter: number, out: ParsedEndpoint, profile: KernelProfile): number {
  let port = 0;
  let wide = 0;
  for (let i = start; i < end; i++) {
    const byte = data[i]!;
    if (byte === delimiter) {
      if (port === 0) return 0;
      if (profile === '2026' && wide > 65535) return 0;
      out.port = port;
      return i + 1;
    }
    if (!isDigit(byte)) return 0;
    port = (port * 10 + (byte - DIGIT_0)) & 0xffff;
    wide = Math.min(wide * 10 + (byte - DIGIT_0), 1e7);
  }
  return 0;
}

function validDelimiter(byte: number): boolean {
  return !isDigit(byte) && byte >= 33 && byte <= 126;
}

/** try_eprt(): |af|address|port| with af matching the connection's family (1 on IPv4, 2 on IPv6). */
export function tryEprt(
  data: Uint8Array, start: number, end: number, out: ParsedEndpoint, ipVersion: number, profile: KernelProfile, scratch: Uint32Array,
): number {
  if (end - start <= 3) return 0;
  const delimiter = data[start]!;
  if (!validDelimiter(delimiter) || data[start + 2] !== delimiter) return 0;
  const family = data[start + 1]!;
  if ((ipVersion === 4 && family !== 0x31) || (ipVersion === 6 && family !== 0x32)) return 0;
  let length: number;
  if (family === 0x31) {
    length = tryNumber(data, start + 3, end, scratch, 4, 0x2e, delimiter, profile);
    if (length !== 0) writeIpv4(out.address, ((scratch[0]! << 24) | (scratch[1]! << 16) | (scratch[2]! << 8) | scratch[3]!) >>> 0);
  } else {
    length = parseIpv6Until(data, start + 3, end, delimiter, out.address);
  }
  if (length === 0) return 0;
  const after = getPort(data, start + 3 + length + 1, end, delimiter, out, profile);
  return after === 0 ? 0 : after - start;
}

/** try_epsv_response(): (|||port|): three delimiters, then the port; the address stays the server's. */
export function tryEpsvResponse(data: Uint8Array, start: number, end: number, out: ParsedEndpoint, profile: KernelProfile): number {
  if (end - start <= 3) return 0;
  const delimiter = data[start]!;
  if (!validDelimiter(delimiter) || data[start + 1] !== delimiter || data[start + 2] !== delimiter) return 0;
  const after = getPort(data, start + 3, end, delimiter, out, profile);
  return after === 0 ? 0 : after - start;
}

function writeIpv4(address: Uint8Array, ip: number): void {
  // On an IPv6 conntrack only the first 4 of 16 bytes are overwritten (§5), so the
  // result never equals a real IPv6 source.
  address[0] = ip >>> 24;
  address[1] = (ip >>> 16) & 255;
  address[2] = (ip >>> 8) & 255;
  address[3] = ip & 255;
}

/**
 * in6_pton() up to the delimiter: hex groups, one "::", an optional dotted IPv4 tail.
 * Returns the length of the address text, 0 when it is not an IPv6 address.
 */
function parseIpv6Until(data: Uint8Array, start: number, end: number, delimiter: number, out: Uint8Array): number {
  let stop = start;
  while (stop < end && data[stop] !== delimiter) stop++;
  if (stop === end || stop === start) return 0;
  let text = '';
  for (let i = start; i < stop; i++) text += String.fromCharCode(data[i]!);
  // in6_pton() takes another hex digit while the group's value is below 0x1000, so leading
  // zeros can make a group any length ("00001"), while "10001" still fails.
  const groups = text.split(':').map((group, index, all) =>
    index === all.length - 1 && group.includes('.') ? group : group.replace(/^0+(?=[0-9a-fA-F])/, ''));
  const parsed = text.includes(':') ? parseAddress(groups.join(':')) : null;
  if (parsed === null) return 0;
  out.set(parsed.bytes);
  return stop - start;
}
