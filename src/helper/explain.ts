/**
 * `ftpcap explain "<line>"`: how nf_conntrack_ftp reads one PORT/EPRT/227/229 line,
 * step by step, for someone debugging a single command without a capture. It runs the
 * same per-segment code the capture analysis uses, on a one-segment connection.
 */
import { formatAddress, parseAddress } from '../decode/address.js';
import { FtpConntrackHelper, HelperAction, ORIGINAL, REPLY } from './conntrack-ftp.js';
import type { KernelProfile } from './parsers.js';

export interface ExplainOptions {
  /** The sender's address; by default the one the line announces (so the address check passes). */
  from?: string;
  /** Where the line sits: at the start of its segment (default), or after other bytes in it. */
  position: 'segment-start' | 'mid-segment';
  loose: boolean;
  kernel: KernelProfile;
}

/** C-style escapes (\r \n \t \\ \xNN), so a user can type the exact bytes. */
export function unescapeLine(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|r|n|t|\\)/g, (_, code: string) =>
    code === 'r' ? '\r' : code === 'n' ? '\n' : code === 't' ? '\t' : code === '\\' ? '\\' : String.fromCharCode(parseInt(code.slice(1), 16)));
}

function show(bytes: string): string {
  return JSON.stringify(bytes).slice(1, -1);
}

/** Returns the explanation as lines of text, and the verdict. */
export function explainLine(input: string, options: ExplainOptions): { lines: string[]; verdict: 'expectation' | 'ignored' | 'dropped' | 'not-parsed' } {
  let text = unescapeLine(input);
  const lines: string[] = [];
  if (!text.includes('\n')) {
    text += '\r\n';
    lines.push('The line has no line ending; explaining it as sent with CRLF (type \\n or \\r\\n yourself to choose).');
  }
  const bytes = Uint8Array.from(text, (char) => char.charCodeAt(0) & 0xff);
  const reply = /^\d/.test(text);
  const direction = reply ? REPLY : ORIGINAL;
  lines.push(`Segment (${bytes.length} bytes): "${show(text)}"`);
  lines.push(reply
    ? '1. Direction: a reply, so REPLY (server → client): the helper looks for "227 " and "229 " only.'
    : '1. Direction: a command, so ORIGINAL (client → server): the helper looks for "PORT" and "EPRT" only.');

  if (options.position === 'mid-segment') {
    lines.push('2. Line-start gate: the segment does not start where a line starts (the bytes before it in the segment, or a previous segment that did not end in LF): nothing in it is parsed.');
    lines.push('Verdict: not parsed; no expectation. Send each command in its own segment, ending in CRLF.');
    return { lines, verdict: 'not-parsed' };
  }
  lines.push('2. Line-start gate: the segment starts right after a line feed the helper saw (assumed; --mid-segment shows the other case). Note that the very first payload segment in each direction is never parsed.');

  // The sender's address: given, or the one announced (found by a first run with a dummy source).
  const guess = options.from ?? announcedAddress(bytes, direction, options) ?? (reply ? '198.51.100.20' : '192.0.2.10');
  const parsed = parseAddress(guess);
  if (parsed === null) throw new Error(`not an IP address: ${guess}`);
  const helper = new FtpConntrackHelper(options.loose, options.kernel, true);
  const action = helper.process({
    direction, seenReply: true, seq: 1000, buffer: bytes, payloadOffset: 0, payloadLength: bytes.length,
    source: parsed.bytes, ipVersion: parsed.version,
  });
  const pattern = helper.match.pattern;
  switch (action) {
    case HelperAction.NoMatch:
      lines.push(`3. Pattern search at byte 0: no ${reply ? '"227 " or "229 "' : '"PORT" or "EPRT"'} (case-insensitive) at the first byte of the segment.` +
        (/^22[79]-/.test(text) ? ' A multi-line "227-"/"229-" never matches.' : '') + (/^\s/.test(text) ? ' Leading white space is enough to miss it.' : ''));
      lines.push('Verdict: ignored; the packet passes and no expectation is created.');
      return { lines, verdict: 'ignored' };
    case HelperAction.DroppedPartial:
      lines.push(`3. Pattern search at byte 0: "${helper.partialPattern}" found, but the rest does not parse (${partialWhy(helper.partialPattern, text, options.kernel)}).`);
      lines.push(`Verdict: DROPPED. The helper logs "nf_ct_ftp: dropping packet: partial matching of \`${helper.partialPattern}'" and drops the packet; every byte-identical retransmission is dropped again, so the control connection stalls.`);
      return { lines, verdict: 'dropped' };
    default:
      break;
  }
  const announced = formatAddress(helper.match.address, 0, parsed.version);
  lines.push(`3. Pattern search at byte 0: "${pattern}" matched; numbers start at byte ${helper.match.numberOffset} ("${show(text.slice(helper.match.numberOffset, helper.match.numberOffset + helper.match.numberLength))}").`);
  lines.push(`4. Parsed: address ${pattern === '229 ' ? `${announced} (229 names no address: the server's own)` : announced}, port ${helper.match.port}` +
    (options.kernel === '6.18' && overRange(pattern, text) ? ' (6.18 has no range checks: values over 255, or ports over 65535, are OR-ed and wrapped)' : '') + '.');
  const sender = formatAddress(parsed.bytes, 0, parsed.version);
  if (action === HelperAction.AddressMismatch) {
    lines.push(`5. Address check: ${announced} is not the sender's address ${sender}, and loose=0: the helper records nothing ("NOT RECORDING").`);
    lines.push('Verdict: ignored; the packet passes but the firewall will not admit the data connection as RELATED.');
    return { lines, verdict: 'ignored' };
  }
  lines.push(announced === sender
    ? `5. Address check: ${announced} is the sender's own address${options.from ? '' : ' (assumed; --from ADDR to check another sender)'}.`
    : `5. Address check: ${announced} is not the sender's ${sender}, but loose=1 accepts it.`);
  const src = reply ? '<client>' : '<server>';
  lines.push(`Verdict: expectation ${src} → ${announced}:${helper.match.port} (any source port), single use, for 300 s; a newer setup on the same control connection replaces it.`);
  return { lines, verdict: 'expectation' };
}

function announcedAddress(bytes: Uint8Array, direction: number, options: ExplainOptions): string | null {
  const probe = new FtpConntrackHelper(true, options.kernel, true);
  const v4 = new Uint8Array(16);
  const action = probe.process({ direction, seenReply: true, seq: 1, buffer: bytes, payloadOffset: 0, payloadLength: bytes.length, source: v4, ipVersion: 4 });
  if (action !== HelperAction.Matched) {
    const v6 = probe.process({ direction, seenReply: true, seq: 1, buffer: bytes, payloadOffset: 0, payloadLength: bytes.length, source: v4, ipVersion: 6 });
    return v6 === HelperAction.Matched ? formatAddress(probe.match.address, 0, 6) : null;
  }
  return probe.match.pattern === '229 ' ? null : formatAddress(probe.match.address, 0, 4);
}

function partialWhy(pattern: string, text: string, kernel: KernelProfile): string {
  if (text.length <= pattern.length + 2) return 'the segment ends within or right after the keyword';
  if (pattern === 'PORT') {
    if (!/^....\s/.test(text)) return 'no space after PORT';
    if (/^PORT  /i.test(text)) return 'two spaces: the numbers would have to start at the second';
    if (!/\d\r/.test(text)) return 'the sixth number must be followed directly by CR (no bare LF, no trailing space)';
    const fields = text.slice(5).split(',').length;
    if (fields !== 6) return `${fields} comma-separated fields where 6 belong`;
    if (kernel === '2026') return 'a value over 255 (the 2026 parser rejects it)';
    return 'the numbers do not parse';
  }
  if (pattern === 'EPRT') return 'EPRT needs |af|address|port| with af 1 on IPv4 and 2 on IPv6, a non-zero port and the closing delimiter';
  if (pattern === '227 ') {
    const first = text.slice(4).search(/\d/);
    if (first < 0) return 'there is no digit after "227 "';
    return `after "227 " the helper reads h1,h2,h3,h4,p1,p2 from the first digit, at byte ${first + 4} ("${show(text.slice(first + 4, first + 24))}…"): ` +
      'a digit in the text before the numbers, fewer than six numbers, or nothing after the sixth fails';
  }
  return 'a 229 needs "(" then three identical delimiters, a non-zero port and the closing delimiter';
}

/** Whether the text carries a value the 6.18 parser wraps instead of rejecting. */
function overRange(pattern: string, text: string): boolean {
  if (pattern === 'PORT' || pattern === '227 ') {
    const numbers = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(text);
    return numbers !== null && numbers.slice(1).some((value) => Number(value) > 255);
  }
  const port = /(\d+)\D*$/.exec(text.trimEnd());
  return port !== null && Number(port[1]) > 65535;
}
