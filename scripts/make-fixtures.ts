/**
 * Regenerates fixtures/ from scenarios written with the test capture builder. Deterministic:
 * running it twice gives the same bytes, so a diff in fixtures/ always means a scenario
 * changed. Run with `npm run fixtures`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CaptureBuilder, type ConnectionOptions, type TcpConnection } from '../test/fixture/builder.js';
import type { LinkName } from '../test/fixture/packet.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

const SERVER = '198.51.100.20';
const CLIENT = '192.0.2.10';
const START = 1_700_000_000;
/** Linux-like connections: timestamps, SACK, window scaling, the peer ACKing what it gets. */
const TCP: Partial<ConnectionOptions> = { ts: true, sackPermitted: true, wscale: 7, autoAck: true };

/** Fixed pseudo-random bytes (an LCG), so the "binary file" is the same on every run. */
function fileBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  return bytes;
}

/** A command and its reply on the control connection, with the user's think time before it. */
function exchange(ctl: TcpConnection, command: string, reply: string, think = 0.3): void {
  ctl.client(`${command}\r\n`, { delay: think });
  ctl.server(`${reply}\r\n`, { delay: 0.01 });
}

/** Sends `data` the way a bulk sender does: two segments per ACK. */
function bulk(connection: TcpConnection, side: 'client' | 'server', data: Uint8Array, mss = 1448): void {
  for (let at = 0; at < data.length; at += 2 * mss) {
    connection.send(side, data.subarray(at, Math.min(at + 2 * mss, data.length)), { segmentSize: mss });
  }
}

function login(ctl: TcpConnection, user: string, password: string): void {
  ctl.handshake();
  ctl.server('220 (vsFTPd 3.0.5)\r\n', { delay: 0.02 });
  exchange(ctl, `USER ${user}`, '331 Please specify the password.', 1.2);
  exchange(ctl, `PASS ${password}`, '230 Login successful.', 0.8);
  exchange(ctl, 'SYST', '215 UNIX Type: L8');
}

export function passive(link: LinkName): CaptureBuilder {
  const cap = new CaptureBuilder({ link, startTime: START });
  const ctl = cap.tcp({ ...TCP, client: `${CLIENT}:51000`, server: `${SERVER}:21` });
  login(ctl, 'anonymous', 'guest@example.com');
  exchange(ctl, 'TYPE I', '200 Switching to Binary mode.');
  // 195 * 256 + 80 = 50000
  exchange(ctl, 'PASV', '227 Entering Passive Mode (198,51,100,20,195,80).');

  const file = fileBytes(20480, 21);
  const data = cap.tcp({ ...TCP, client: `${CLIENT}:51001`, server: `${SERVER}:50000` });
  data.handshake();
  ctl.client('RETR pub/data.bin\r\n');
  ctl.server(`150 Opening BINARY mode data connection for pub/data.bin (${file.length} bytes).\r\n`, { delay: 0.01 });
  bulk(data, 'server', file);
  data.close('server');
  ctl.server('226 Transfer complete.\r\n', { delay: 0.01 });

  exchange(ctl, 'QUIT', '221 Goodbye.', 2);
  ctl.close('server');
  return cap;
}

export function active(): CaptureBuilder {
  const cap = new CaptureBuilder({ link: 'ethernet', startTime: START + 3600 });
  const ctl = cap.tcp({ ...TCP, client: `${CLIENT}:52000`, server: `${SERVER}:21` });
  login(ctl, 'alice', 's3cret-pw');

  // 200 * 256 + 11 = 51211
  exchange(ctl, 'PORT 192,0,2,10,200,11', '200 PORT command successful. Consider using PASV.');
  ctl.client('LIST\r\n', { delay: 0.3 });
  // In active mode the FTP server opens the data connection: it is this connection's TCP
  // client, and the FTP client's announced port its TCP server.
  const listing = cap.tcp({ ...TCP, client: `${SERVER}:20`, server: `${CLIENT}:51211` });
  listing.handshake();
  ctl.server('150 Here comes the directory listing.\r\n');
  listing.client(
    [
      'drwxr-xr-x    2 1001     1001         4096 Nov 14 22:10 incoming',
      '-rw-r--r--    1 1001     1001        20480 Nov 14 22:12 data.bin',
      '-rw-r--r--    1 1001     1001          812 Nov 14 22:13 README',
      '',
    ].join('\r\n'),
  );
  listing.close('client');
  ctl.server('226 Directory send OK.\r\n', { delay: 0.01 });

  exchange(ctl, 'TYPE I', '200 Switching to Binary mode.');
  // 200 * 256 + 12 = 51212
  exchange(ctl, 'PORT 192,0,2,10,200,12', '200 PORT command successful. Consider using PASV.');
  ctl.client('STOR upload.txt\r\n', { delay: 0.3 });
  const upload = cap.tcp({ ...TCP, client: `${SERVER}:20`, server: `${CLIENT}:51212` });
  upload.handshake();
  ctl.server('150 Ok to send data.\r\n');
  const text = Array.from({ length: 120 }, (_, i) => `line ${String(i + 1).padStart(3, '0')} of the uploaded file\n`).join('');
  // The FTP client sends the file and closes: in stream mode end of file is end of connection.
  bulk(upload, 'server', new TextEncoder().encode(text));
  upload.close('server');
  ctl.server('226 Transfer complete.\r\n', { delay: 0.01 });

  exchange(ctl, 'QUIT', '221 Goodbye.', 1);
  ctl.close('server');
  return cap;
}

/**
 * A client behind NAT: its PORT names its private address, the packets come from the
 * public one. The server's connection to the private address goes nowhere.
 */
export function brokenPort(): CaptureBuilder {
  const natted = '203.0.113.7';
  const cap = new CaptureBuilder({ link: 'ethernet', startTime: START + 7200 });
  const ctl = cap.tcp({ ...TCP, client: `${natted}:53000`, server: `${SERVER}:21` });
  login(ctl, 'bob', 'hunter2');

  // 195 * 256 + 81 = 50001, on 192.168.1.10: not the address this connection comes from.
  exchange(ctl, 'PORT 192,168,1,10,195,81', '200 PORT command successful. Consider using PASV.');
  ctl.client('RETR report.pdf\r\n', { delay: 0.3 });
  const data = cap.tcp({ ...TCP, client: `${SERVER}:20`, server: '192.168.1.10:50001' });
  // SYN and its retransmissions (Linux backs off 1 s, 2 s), never answered.
  data.syn();
  cap.wait(1);
  data.syn();
  cap.wait(2);
  data.syn();
  cap.wait(4);
  ctl.server("425 Can't open data connection.\r\n");

  exchange(ctl, 'QUIT', '221 Goodbye.', 1);
  ctl.close('server');
  return cap;
}

/** Every fixture file and how to build it; the fixture test checks the files are current. */
export const FIXTURES_BUILT: Readonly<Record<string, () => Uint8Array>> = {
  'passive.pcap': () => passive('ethernet').toPcap(),
  'active.pcap': () => active().toPcap(),
  'broken-port.pcap': () => brokenPort().toPcap(),
  'passive.pcapng': () =>
    passive('sll2').toPcapng({
      interfaces: [{ linkType: 276, name: 'any', tsresol: 9 }],
      sectionComment: 'ftpcap fixture: passive-mode RETR, Linux cooked v2',
    }),
};

export const FIXTURES_DIR = FIXTURES;

function main(): void {
  mkdirSync(FIXTURES, { recursive: true });
  for (const [name, build] of Object.entries(FIXTURES_BUILT)) {
    const bytes = build();
    writeFileSync(join(FIXTURES, name), bytes);
    console.log(`fixtures/${name}: ${bytes.length} bytes`);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) main();
