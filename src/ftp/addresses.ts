/** Private and local address ranges: RFC 1918, RFC 6598 (CGN), link-local, loopback, IPv6 ULA and link-local. */
export function isPrivateAddress(address: string): boolean {
  if (address.includes(':')) {
    const lower = address.toLowerCase();
    if (lower.startsWith('::ffff:')) return isPrivateAddress(lower.slice(7));
    return /^f[cd]/.test(lower) || /^fe[89ab]/.test(lower) || lower === '::1';
  }
  const dotted = dottedPrivate(address);
  if (dotted >= 0) return dotted === 1;
  const [a, b] = address.split('.').map(Number) as [number, number];
  return privateIpv4(a, b);
}

/** Whether an IPv4 address whose first two bytes are `a` and `b` lies in one of the ranges above. */
function privateIpv4(a: number, b: number): boolean {
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
    (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
}

/**
 * isPrivateAddress for text that starts with two dot-ended fields of 1-3 digits (every IPv4
 * address this stage makes), read in place rather than split: 1 private, 0 not, -1 for any
 * other text. Each PORT whose address is not its sender's own asks about both.
 */
function dottedPrivate(address: string): number {
  let at = 0;
  let a = 0;
  let b = 0;
  for (let field = 0; field < 2; field++) {
    let value = 0;
    const start = at;
    while (at < address.length && at - start <= 3) {
      const code = address.charCodeAt(at);
      if (code < 0x30 || code > 0x39) break;
      value = value * 10 + (code - 0x30);
      at++;
    }
    if (at === start || at - start > 3 || at >= address.length || address.charCodeAt(at) !== 0x2e) return -1;
    at++;
    if (field === 0) a = value;
    else b = value;
  }
  return privateIpv4(a, b) ? 1 : 0;
}
