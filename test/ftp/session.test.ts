/**
 * The session model and the linkage cases of issue 4 item 5, each built with the
 * fixture builder and run through the whole pipeline.
 */
import { describe, expect, it } from 'vitest';
import { CaptureBuilder, type TcpConnection } from '../fixture/builder.js';
import { analyzeBytes } from '../support/analyze-capture.js';

const CLIENT = '192.0.2.10';
const SERVER = '198.51.100.20';

function session(options: { server?: string; client?: string; link?: 'ethernet' | 'sll2' } = {}) {
  const cap = new CaptureBuilder({ startTime: 1_700_000_000, link: options.link ?? 'ethernet' });
  const ctl = cap.tcp({ client: options.client ?? `${CLIENT}:51000`, server: options.server ?? `${SERVER}:21`, autoAck: true });
  ctl.handshake();
  ctl.server('220 ready\r\n');
  ctl.client('USER alice\r\n');
  ctl.server('331 Password required\r\n');
  ctl.client('PASS s3cret\r\n');
  ctl.server('230 Logged in\r\n');
  return { cap, ctl };
}

function dataTransfer(cap: CaptureBuilder, from: string, to: string, bytes: number, side: 'client' | 'server' = 'server'): TcpConnection {
  const data = cap.tcp({ client: from, server: to, autoAck: true });
  data.handshake();
  data.send(side, 'x'.repeat(bytes));
  data.close(side);
  return data;
}

describe('the trace-wide cap on listed commands', () => {
  it('counts commands past the cap, lists none of them, says so once, and keeps transfers complete', async () => {
    const cap = new CaptureBuilder({ startTime: 1_700_000_000 });
    for (const port of [51000, 51001]) {
      const ctl = cap.tcp({ client: `${CLIENT}:${port}`, server: `${SERVER}:21`, autoAck: true });
      ctl.handshake();
      ctl.server('220 ready\r\n');
      ctl.client('USER alice\r\n');
      ctl.server('331 Password required\r\n');
      ctl.client('PASV\r\n');
      ctl.server(`227 Entering Passive Mode (198,51,100,20,${port >> 8},${(port + 1000) & 255})\r\n`);
      ctl.client('RETR a.bin\r\n');
      ctl.server('150 Opening\r\n');
      dataTransfer(cap, `${CLIENT}:${port + 100}`, `${SERVER}:${(port & 0xff00) + ((port + 1000) & 255)}`, 1000);
      ctl.server('226 Done\r\n');
      ctl.close('client');
    }
    const full = await analyzeBytes(cap.toPcap());
    const capped = await analyzeBytes(cap.toPcap(), { maxListedCommands: 4 });
    expect(full.sessions.map((session) => session.commands.length)).toEqual([3, 3]);
    expect(capped.sessions.map((session) => session.commands.map((command) => command.command))).toEqual([['USER', 'PASV', 'RETR'], ['USER']]);
    expect(capped.sessions.map((session) => session.commandCount)).toEqual([3, 3]);
    const notes = capped.findings.filter((finding) => finding.code === 'ftp.capture.commands-not-listed');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ session: 2, severity: 'note' });
    // What the cap leaves out is the list, not the analysis.
    expect(capped.sessions.map((session) => session.transfers.map((transfer) => [transfer.status, transfer.bytes]))).toEqual(
      full.sessions.map((session) => session.transfers.map((transfer) => [transfer.status, transfer.bytes])));
    expect(capped.sessions[1]!.transfers[0]!.data).not.toBeNull();
  });
});

describe('session state', () => {
  it('tracks user, login, working directory, TYPE, response times, and masks the password', async () => {
    const { cap, ctl } = session();
    ctl.client('PWD\r\n');
    ctl.server('257 "/home/alice" is the current directory\r\n');
    ctl.client('CWD pub\r\n');
    ctl.server('250 OK\r\n');
    ctl.client('CDUP\r\n');
    ctl.server('250 OK\r\n');
    ctl.client('CWD /srv/ftp/in\r\n');
    ctl.server('250 OK\r\n');
    ctl.client('TYPE A\r\n');
    ctl.server('200 Type set to A\r\n');
    ctl.client('PASV\r\n');
    ctl.server('227 Entering Passive Mode (198,51,100,20,200,10)\r\n');
    ctl.client('NLST\r\n');
    dataTransfer(cap, `${CLIENT}:40000`, `${SERVER}:51210`, 30);
    ctl.server('150 Here comes the listing\r\n');
    ctl.server('226 Done\r\n');
    const analysis = await analyzeBytes(cap.toPcap());
    const [s] = analysis.sessions;
    expect(s).toMatchObject({ user: 'alice', password: '********', login: 'success', cwd: '/srv/ftp/in' });
    expect(s!.commands.find((c) => c.command === 'PASS')!.argument).toBe('********');
    expect(s!.transfers[0]).toMatchObject({ command: 'NLST', cwd: '/srv/ftp/in', type: 'A', mode: 'passive', bytes: 30, status: 'ok' });
    expect(s!.commands[0]!.reply!.responseTime).toBeGreaterThan(0);
  });

  it('a plain reply (folded at once) and the same reply split over frames (made a Reply) list alike', async () => {
    const { cap, ctl } = session();
    ctl.client('NOOP\r\n');
    ctl.server('200 NOOP ok\r\n');
    ctl.client('NOOP\r\n');
    ctl.server('200 NO');
    ctl.server('OP ok\r\n');
    ctl.client('SIZE a.bin\r\n');
    ctl.server('213 4242\r\n');
    ctl.client('TYPE I\r\n');
    ctl.server('200 Binary\r\n');
    ctl.client('PASV\r\n');
    ctl.server('227 Entering Passive Mode (198,51,100,20,200,10)\r\n');
    ctl.client('RETR a.bin\r\n');
    dataTransfer(cap, `${CLIENT}:40000`, `${SERVER}:51210`, 30);
    ctl.server('226 Done\r\n');
    const [s] = (await analyzeBytes(cap.toPcap())).sessions;
    const listed = s!.commands.map((c) => [c.command, c.argument, c.reply?.code, c.reply?.text, c.reply!.responseTime! > 0]);
    expect(listed).toEqual([
      ['USER', 'alice', 331, 'Password required', true],
      ['PASS', '********', 230, 'Logged in', true],
      ['NOOP', '', 200, 'NOOP ok', true],
      ['NOOP', '', 200, 'NOOP ok', true],
      ['SIZE', 'a.bin', 213, '4242', true],
      ['TYPE', 'I', 200, 'Binary', true],
      ['PASV', '', 227, 'Entering Passive Mode (198,51,100,20,200,10)', true],
      ['RETR', 'a.bin', 226, 'Done', true],
    ]);
    // The split reply is listed from its first frame, the plain one from its only frame.
    expect(s!.commands[3]!.reply!.frame).toBeLessThan(s!.commands[4]!.frame);
    expect(s!.commands[2]!.reply!.frame).toBeGreaterThan(s!.commands[2]!.frame);
    // What the plain replies told the session: the login, the size a transfer expects, the TYPE.
    expect(s).toMatchObject({ login: 'success' });
    expect(s!.transfers[0]).toMatchObject({ command: 'RETR', type: 'I', expectedSize: 4242 });
  });

  it('a failed login', async () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: `${CLIENT}:51000`, server: `${SERVER}:21`, autoAck: true });
    ctl.handshake();
    ctl.server('220 ready\r\n');
    ctl.client('USER bob\r\n');
    ctl.server('331 Password required\r\n');
    ctl.client('PASS nope\r\n');
    ctl.server('530 Login incorrect.\r\n');
    const [s] = (await analyzeBytes(cap.toPcap())).sessions;
    expect(s).toMatchObject({ user: 'bob', login: 'failure' });
  });

  it('AUTH TLS: a finding, and nothing parsed after the 234', async () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: `${CLIENT}:51000`, server: `${SERVER}:21`, autoAck: true });
    ctl.handshake();
    ctl.server('220 ready\r\n');
    ctl.client('AUTH TLS\r\n');
    ctl.server('234 Proceed with negotiation.\r\n');
    ctl.client(Uint8Array.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5, 0x0a, 0x50, 0x4f, 0x52, 0x54]));
    ctl.server(Uint8Array.from([0x16, 0x03, 0x03, 0x00, 0x02, 9, 9]));
    const analysis = await analyzeBytes(cap.toPcap());
    const [s] = analysis.sessions;
    expect(s!.tls).toMatchObject({ how: 'auth-tls' });
    expect(s!.commands.map((c) => c.command)).toEqual(['AUTH']);
    expect(analysis.findings.map((f) => f.code)).toContain('ftp.tls');
  });

  it('multi-line replies, pipelined commands, a greeting after pipelined commands, an unsolicited 421', async () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: `${CLIENT}:51000`, server: `${SERVER}:21`, autoAck: true });
    ctl.handshake();
    ctl.client('USER a\r\nPASS b\r\nFEAT\r\n');
    ctl.server('220-Welcome\r\n220 ready\r\n331 ok\r\n');
    ctl.server('230 ok\r\n211-Features:\r\n MDTM\r\n EPSV\r\n211 End\r\n');
    ctl.server('421 Timeout.\r\n');
    const [s] = (await analyzeBytes(cap.toPcap())).sessions;
    expect(s!.greeting).toMatchObject({ code: 220, text: 'Welcome\nready' });
    expect(s!.commands.map((c) => [c.command, c.reply?.code])).toEqual([['USER', 331], ['PASS', 230], ['FEAT', 211]]);
    expect(s!.unsolicited.map((r) => r.code)).toEqual([421]);
  });

  it('finds a control session on another port by its content, in a Linux cooked capture', async () => {
    const { cap } = session({ server: `${SERVER}:2121`, link: 'sll2' });
    const analysis = await analyzeBytes(cap.toPcap());
    expect(analysis.sessions).toHaveLength(1);
    expect(analysis.sessions[0]).toMatchObject({ server: `${SERVER}:2121`, evidence: 'greeting', user: 'alice' });
  });

  it('after lost segments, replies are paired by meaning: a 227 never answers TYPE', async () => {
    const { cap, ctl } = session();
    ctl.client('TYPE I\r\n');
    ctl.server('200 Type set to I\r\n', { drop: true });
    ctl.client('PASV\r\n', { drop: true });
    ctl.server('227 Entering Passive Mode (198,51,100,20,195,80)\r\n');
    ctl.client('CWD /x\r\n');
    ctl.server('250 ok\r\n');
    const [s] = (await analyzeBytes(cap.toPcap())).sessions;
    expect(s!.commands.slice(-2).map((c) => [c.command, c.reply?.code ?? null])).toEqual([['TYPE', null], ['CWD', 250]]);
    expect(s!.unsolicited.map((r) => r.code)).toEqual([227]);
  });

  it('a capture that starts mid-session is dissected from the first full line', async () => {
    const cap = new CaptureBuilder();
    const ctl = cap.tcp({ client: `${CLIENT}:51000`, server: `${SERVER}:21`, autoAck: true });
    ctl.handshake();
    ctl.server('220 ready\r\n', { drop: true });
    ctl.client('USER a\r\n', { drop: true });
    ctl.server('331 ok\r\n', { drop: true });
    ctl.client('PASS b\r\n');
    ctl.server('230 ok\r\n');
    ctl.client('SYST\r\n');
    ctl.server('215 UNIX\r\n');
    const [s] = (await analyzeBytes(cap.toPcap())).sessions;
    expect(s!.commands.map((c) => [c.command, c.reply?.code])).toEqual([['PASS', 230], ['SYST', 215]]);
  });
});

describe('linkage (issue 4 item 5)', () => {
  it('a NATed server announcing its private address: linked on the port, flagged', async () => {
    const { cap, ctl } = session();
    ctl.client('PASV\r\n');
    ctl.server('227 Entering Passive Mode (10,0,0,5,195,80)\r\n');
    ctl.client('RETR a.bin\r\n');
    dataTransfer(cap, `${CLIENT}:40001`, `${SERVER}:50000`, 100);
    ctl.server('150 ok\r\n226 done\r\n');
    const analysis = await analyzeBytes(cap.toPcap());
    const transfer = analysis.sessions[0]!.transfers[0]!;
    expect(transfer.data).toMatchObject({ server: `${SERVER}:50000`, match: 'port-only' });
    expect(transfer.setup).toMatchObject({ address: '10.0.0.5', privateBehindNat: true });
    expect(analysis.findings.map((f) => f.code)).toContain('ftp.setup.private-address');
  });

  it('EPRT and EPSV over IPv6', async () => {
    const c6 = '2001:db8::10';
    const s6 = '2001:db8::20';
    const { cap, ctl } = session({ client: `[${c6}]:51000`, server: `[${s6}]:21` });
    ctl.client(`EPRT |2|${c6}|40010|\r\n`);
    ctl.server('200 EPRT ok\r\n');
    ctl.client('RETR one\r\n');
    dataTransfer(cap, `[${s6}]:20`, `[${c6}]:40010`, 10, 'client');
    ctl.server('150 ok\r\n226 done\r\n');
    ctl.client('EPSV\r\n');
    ctl.server('229 Entering Extended Passive Mode (|||50010|)\r\n');
    ctl.client('RETR two\r\n');
    dataTransfer(cap, `[${c6}]:40011`, `[${s6}]:50010`, 20);
    ctl.server('150 ok\r\n226 done\r\n');
    const analysis = await analyzeBytes(cap.toPcap());
    const transfers = analysis.sessions[0]!.transfers;
    expect(transfers.map((t) => [t.mode, t.data?.server, t.bytes, t.helper?.verdict])).toEqual([
      ['extended-active', `[${c6}]:40010`, 10, 'expected'],
      ['extended-passive', `[${s6}]:50010`, 20, 'expected'],
    ]);
  });

  it('a setup reused for two transfers, and a data connection that opens before the command', async () => {
    const { cap, ctl } = session();
    ctl.client('PASV\r\n');
    ctl.server('227 Entering Passive Mode (198,51,100,20,195,90)\r\n');
    dataTransfer(cap, `${CLIENT}:40020`, `${SERVER}:50010`, 11);
    ctl.client('RETR first\r\n');
    ctl.server('150 ok\r\n226 done\r\n');
    ctl.client('RETR second\r\n');
    dataTransfer(cap, `${CLIENT}:40021`, `${SERVER}:50010`, 22);
    ctl.server('150 ok\r\n226 done\r\n');
    const analysis = await analyzeBytes(cap.toPcap());
    const transfers = analysis.sessions[0]!.transfers;
    expect(transfers.map((t) => [t.argument, t.data?.client, t.bytes])).toEqual([
      ['first', `${CLIENT}:40020`, 11],
      ['second', `${CLIENT}:40021`, 22],
    ]);
    // Single use: the helper admits the first data connection only.
    expect(transfers.map((t) => t.helper?.verdict)).toEqual(['expected', 'used-by-other']);
  });

  it('a PORT split over segments, pipelined after another command, still links', async () => {
    const { cap, ctl } = session();
    ctl.client('TYPE I\r\nPORT 192,0,2,10,', {});
    ctl.client('156,70\r\nRETR f\r\n');
    ctl.server('200 ok\r\n200 PORT ok\r\n');
    dataTransfer(cap, `${SERVER}:20`, `${CLIENT}:40006`, 5);
    ctl.server('150 ok\r\n226 done\r\n');
    const transfer = (await analyzeBytes(cap.toPcap())).sessions[0]!.transfers[0]!;
    expect(transfer).toMatchObject({ command: 'RETR', mode: 'active', bytes: 5, status: 'ok' });
  });

  it('reports what cannot be linked: a refused data connection, an unused setup, a stray data connection', async () => {
    const { cap, ctl } = session();
    ctl.client('PORT 192,0,2,10,156,80\r\n');
    ctl.server('200 PORT ok\r\n');
    ctl.client('RETR missing.bin\r\n');
    ctl.server("425 Can't open data connection.\r\n");
    ctl.client('PASV\r\n');
    ctl.server('227 Entering Passive Mode (198,51,100,20,195,100)\r\n');
    // The client goes to a port nobody announced.
    dataTransfer(cap, `${CLIENT}:40030`, `${SERVER}:50099`, 7);
    ctl.client('QUIT\r\n');
    ctl.server('221 bye\r\n');
    const analysis = await analyzeBytes(cap.toPcap());
    const codes = analysis.findings.map((f) => f.code);
    expect(codes).toContain('ftp.transfer.no-data-connection');
    expect(codes).toContain('ftp.setup.unused');
    const unlinked = analysis.findings.find((f) => f.code === 'ftp.data.unlinked')!;
    expect(unlinked.message).toMatch(/announced 198\.51\.100\.20:50020, the connection went to port 50099/);
    expect(analysis.sessions[0]!.transfers[0]).toMatchObject({ status: 'no-data-connection', reply: { code: 425 } });
  });

  it('EPSV ALL, then a PORT: a note', async () => {
    const { cap, ctl } = session();
    ctl.client('EPSV ALL\r\n');
    ctl.server('200 EPSV ALL ok\r\n');
    ctl.client('PORT 192,0,2,10,156,90\r\n');
    ctl.server('500 EPSV ALL in effect\r\n');
    const analysis = await analyzeBytes(cap.toPcap());
    const note = analysis.findings.find((f) => f.code === 'ftp.epsv-all.violated')!;
    expect(note.message).toMatch(/PORT after EPSV ALL/);
    expect(analysis.sessions[0]!.setups.map((s) => [s.command, s.refused])).toEqual([['PORT', true]]);
  });

  it('an overlong command is cut with a finding, and the session goes on', async () => {
    const { cap, ctl } = session();
    ctl.client(`SITE ${'A'.repeat(10_000)}\r\n`);
    ctl.server('500 too long\r\n');
    ctl.client('NOOP\r\n');
    ctl.server('200 ok\r\n');
    const analysis = await analyzeBytes(cap.toPcap());
    expect(analysis.findings.map((f) => f.code)).toContain('ftp.command.too-long');
    expect(analysis.sessions[0]!.commands.slice(-2).map((c) => [c.command, c.reply?.code])).toEqual([['SITE', 500], ['NOOP', 200]]);
  });
});

describe('a session report', () => {
  it('lists its fields in report order, with commands an own enumerable field built when read', async () => {
    const { cap, ctl } = session();
    ctl.client('QUIT\r\n');
    ctl.server('221 Bye\r\n');
    ctl.close('client');
    const [report] = (await analyzeBytes(cap.toPcap())).sessions;
    expect(Object.keys(report!)).toEqual([
      'id', 'connection', 'client', 'server', 'evidence', 'fileIndex', 'firstFrame', 'lastFileIndex', 'lastFrame', 'start', 'end',
      'user', 'password', 'login', 'tls', 'greeting', 'commands', 'commandCount', 'unsolicited', 'setups', 'transfers', 'cwd',
    ]);
    const descriptor = Object.getOwnPropertyDescriptor(report, 'commands')!;
    expect(descriptor.enumerable).toBe(true);
    expect(descriptor.get).toBeTypeOf('function');
    // Built anew at each read, from the session's command log.
    expect(report!.commands).not.toBe(report!.commands);
    expect(report!.commands.map((command) => [command.command, command.reply?.code])).toEqual([['USER', 331], ['PASS', 230], ['QUIT', 221]]);
    expect(JSON.parse(JSON.stringify(report)).commands.map((command: { command: string }) => command.command)).toEqual(['USER', 'PASS', 'QUIT']);
  });
});
