/**
 * Is this TCP connection an FTP control connection? Decided from content, not only
 * the port (Zeek's DPD signatures and Suricata's probing parser do the same): a server
 * line with a 3-digit reply code plus a client command that only FTP uses. SMTP shares
 * the 220 greeting and QUIT/NOOP/HELP, so those never decide on their own.
 */

/** Every command word ftpcap knows (RFC 959, 2228, 2389, 2428, 3659, 1639, and common extensions). */
export const FTP_COMMANDS: readonly string[] = [
  'USER', 'PASS', 'ACCT', 'CWD', 'CDUP', 'SMNT', 'REIN', 'QUIT', 'PORT', 'PASV', 'TYPE', 'STRU', 'MODE',
  'RETR', 'STOR', 'STOU', 'APPE', 'ALLO', 'REST', 'RNFR', 'RNTO', 'ABOR', 'DELE', 'RMD', 'MKD',
  'PWD', 'LIST', 'NLST', 'SITE', 'SYST', 'STAT', 'HELP', 'NOOP', 'FEAT', 'OPTS', 'AUTH', 'PBSZ', 'PROT', 'CCC',
  'ADAT', 'EPRT', 'EPSV', 'LPRT', 'LPSV', 'MDTM', 'SIZE', 'MLSD', 'MLST', 'XPWD', 'XCWD', 'XMKD',
  'XRMD', 'XCUP', 'CLNT', 'HOST', 'LANG', 'MFMT', 'HASH',
];

/** Commands that mark a client as speaking FTP: all but those SMTP shares. */
const FTP_ONLY_COMMANDS: ReadonlySet<string> = new Set(FTP_COMMANDS.filter((word) => word !== 'QUIT' && word !== 'NOOP' && word !== 'HELP'));

export type FtpEvidence = 'port' | 'greeting' | 'command' | 'reply-and-command';

/** The first word of a line if it looks like a command (3–4 ASCII letters), upper-cased; else null. */
export function commandWord(line: string): string | null {
  const match = /^([A-Za-z]{3,4})(?:[ \r\n]|$)/.exec(line);
  return match ? match[1]!.toUpperCase() : null;
}

export function isFtpCommandLine(line: string): boolean {
  const word = commandWord(line);
  return word !== null && FTP_ONLY_COMMANDS.has(word);
}

/** A reply line: three digits, then space, hyphen or end of line (RFC 959 §4.2). */
export function isReplyLine(line: string): boolean {
  return /^[1-5]\d\d(?:[ \-\r\n]|$)/.test(line);
}

/**
 * Classify a connection from the first line each side sent (either may be null when
 * that side sent nothing yet). Returns the evidence, or null when it is not FTP.
 */
export function classifyFirstLines(clientLine: string | null, serverLine: string | null): FtpEvidence | null {
  const clientSaysFtp = clientLine !== null && isFtpCommandLine(clientLine);
  if (!clientSaysFtp) return null;
  if (serverLine === null) return 'command';
  if (/^[12]20[ -]/.test(serverLine)) return 'greeting';
  return isReplyLine(serverLine) ? 'reply-and-command' : null;
}
