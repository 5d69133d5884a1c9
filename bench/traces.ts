/**
 * Generated FTP traces for the benchmarks: Ethernet/IPv4/TCP written in place into a
 * large buffer, deterministic (xorshift32), made once into os.tmpdir() and reused.
 *   bulk N:  FTP sessions with large passive transfers, about N MB;
 *   small N: N million frames of many short control sessions with tiny segments;
 *   long N:  the same sessions at a tenth of the rate (1,000 frames/s), so that a trace spans
 *            many times the 120 s after which a finished session is reported and let go: the
 *            trace that shows whether memory stays flat as sessions come and go;
 *   mixed N: about N MB of both at once, with retransmissions on both kinds of connection.
 */
import { closeSync, existsSync, openSync, renameSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Kind = 'bulk' | 'small' | 'long' | 'mixed';

const GENERATOR_VERSION = 4;
const MSS = 1448;


const FIN = 0x01;
const SYN = 0x02;
const PSH = 0x08;
const ACK = 0x10;

/** The 24-byte header of a classic little-endian µs pcap of Ethernet frames, snaplen 262144. */
export function writePcapHeader(fd: number): void {
  const header = new DataView(new ArrayBuffer(24));
  header.setUint32(0, 0xa1b2c3d4, true);
  header.setUint16(4, 2, true);
  header.setUint16(6, 4, true);
  header.setUint32(16, 262144, true);
  header.setUint32(20, 1, true);
  writeSync(fd, new Uint8Array(header.buffer));
}

/** Writes a classic pcap of Ethernet/IPv4/TCP frames, built in place in a large buffer. */
class PcapWriter {
  private readonly out = new Uint8Array(8 << 20);
  private readonly view = new DataView(this.out.buffer);
  private used = 0;
  written = 24;
  frames = 0;
  private usec = 0;
  private sec = 1_700_000_000;

  /** `stepUsec`: trace time between frames. */
  constructor(
    private readonly fd: number,
    private readonly stepUsec: number,
  ) {
    writePcapHeader(fd);
  }

  tcp(src: number, dst: number, sport: number, dport: number, seq: number, ack: number, flags: number, payload: number | Uint8Array): void {
    const payloadLength = typeof payload === 'number' ? payload : payload.length;
    const length = 54 + payloadLength;
    if (this.used + 16 + length > this.out.length) this.flush();
    const out = this.out;
    const view = this.view;
    let at = this.used;
    view.setUint32(at, this.sec, true);
    view.setUint32(at + 4, this.usec, true);
    view.setUint32(at + 8, length, true);
    view.setUint32(at + 12, length, true);
    at += 16;
    out.fill(0x02, at, at + 12);
    view.setUint16(at + 12, 0x0800);
    const ip = at + 14;
    out[ip] = 0x45;
    out[ip + 1] = 0;
    view.setUint16(ip + 2, 40 + payloadLength);
    view.setUint32(ip + 4, 0x4000);
    out[ip + 8] = 64;
    out[ip + 9] = 6;
    view.setUint16(ip + 10, 0);
    view.setUint32(ip + 12, src);
    view.setUint32(ip + 16, dst);
    let sum = 0;
    for (let k = ip; k < ip + 20; k += 2) sum += (out[k]! << 8) | out[k + 1]!;
    while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
    view.setUint16(ip + 10, ~sum & 0xffff);
    const tcp = ip + 20;
    view.setUint16(tcp, sport);
    view.setUint16(tcp + 2, dport);
    view.setUint32(tcp + 4, seq >>> 0);
    view.setUint32(tcp + 8, ack >>> 0);
    out[tcp + 12] = 0x50;
    out[tcp + 13] = flags;
    view.setUint16(tcp + 14, 65535);
    view.setUint32(tcp + 16, 0);
    if (typeof payload !== 'number') out.set(payload, tcp + 20);
    this.used = tcp + 20 + payloadLength;
    this.written += 16 + length;
    this.frames++;
    this.usec += this.stepUsec;
    while (this.usec >= 1_000_000) {
      this.usec -= 1_000_000;
      this.sec++;
    }
  }

  flush(): void {
    writeSync(this.fd, this.out, 0, this.used);
    this.used = 0;
  }
}

/** A deterministic pseudo-random source (xorshift32), so traces are the same on every run. */
class Random {
  constructor(private state = 0x2545f491) {}
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
}

interface Sim {
  client: number;
  server: number;
  clientPort: number;
  serverPort: number;
  clientSeq: number;
  serverSeq: number;
}

const CLIENT_ADDR = 0x0a000001;
const SERVER_ADDR = 0x0a000002;
const text = (s: string) => new TextEncoder().encode(s);

function open(w: PcapWriter, sim: Sim): void {
  w.tcp(sim.client, sim.server, sim.clientPort, sim.serverPort, sim.clientSeq - 1, 0, SYN, 0);
  w.tcp(sim.server, sim.client, sim.serverPort, sim.clientPort, sim.serverSeq - 1, sim.clientSeq, SYN | ACK, 0);
  w.tcp(sim.client, sim.server, sim.clientPort, sim.serverPort, sim.clientSeq, sim.serverSeq, ACK, 0);
}

function send(w: PcapWriter, sim: Sim, fromServer: boolean, payload: number | Uint8Array, flags = ACK | PSH): void {
  const length = typeof payload === 'number' ? payload : payload.length;
  if (fromServer) {
    w.tcp(sim.server, sim.client, sim.serverPort, sim.clientPort, sim.serverSeq, sim.clientSeq, flags, payload);
    sim.serverSeq = (sim.serverSeq + length + (flags & FIN ? 1 : 0)) >>> 0;
  } else {
    w.tcp(sim.client, sim.server, sim.clientPort, sim.serverPort, sim.clientSeq, sim.serverSeq, flags, payload);
    sim.clientSeq = (sim.clientSeq + length + (flags & FIN ? 1 : 0)) >>> 0;
  }
}

function ackFrom(w: PcapWriter, sim: Sim, fromServer: boolean): void {
  send(w, sim, fromServer, 0, ACK);
}

function close(w: PcapWriter, sim: Sim): void {
  send(w, sim, true, 0, FIN | ACK);
  send(w, sim, false, 0, FIN | ACK);
  ackFrom(w, sim, true);
}

function newSim(random: Random, clientPort: number, serverPort: number): Sim {
  // Some connections start just below 2^32, so wrap-around is on the hot path too.
  const nearWrap = random.next() % 8 === 0;
  return {
    client: CLIENT_ADDR + (random.next() % 200),
    server: SERVER_ADDR,
    clientPort,
    serverPort,
    clientSeq: nearWrap ? 0xffff_f000 : random.next(),
    serverSeq: nearWrap ? 0xffff_ff00 : random.next(),
  };
}

/**
 * Bulk: 2 control sessions for the whole trace and 8 concurrent passive-mode data
 * connections of 16 MB each (1448-byte segments, an ACK every 2), renewed as they finish;
 * the capture misses 1 data segment in 1000, swaps 1 pair in 1500 and duplicates 1 in 3000.
 */
function generateBulk(w: PcapWriter, targetBytes: number): void {
  const random = new Random();
  const controls = [newSim(random, 40000, 21), newSim(random, 40001, 21)];
  for (const ctl of controls) {
    open(w, ctl);
    send(w, ctl, true, text('220 bench ready\r\n'));
    send(w, ctl, false, text('USER bench\r\n'));
    send(w, ctl, true, text('331 ok\r\n'));
  }
  let nextPort = 50000;
  const transfer = 16 << 20;
  const active: Array<{ sim: Sim; left: number }> = [];
  let dataSegments = 0;
  let controlTurn = 0;
  while (w.written < targetBytes) {
    while (active.length < 8) {
      const ctl = controls[controlTurn++ % 2]!;
      const port = 50000 + (nextPort++ % 10000);
      send(w, ctl, false, text('PASV\r\n'));
      send(w, ctl, true, text(`227 Entering Passive Mode (10,0,0,2,${port >> 8},${port & 255})\r\n`));
      send(w, ctl, false, text('RETR big.bin\r\n'));
      send(w, ctl, true, text('150 here it comes\r\n'));
      const sim = newSim(random, 30000 + (nextPort % 20000), port);
      open(w, sim);
      active.push({ sim, left: transfer });
    }
    for (let i = 0; i < active.length; i++) {
      const flow = active[i]!;
      const sim = flow.sim;
      const first = Math.min(MSS, flow.left);
      const second = Math.min(MSS, flow.left - first);
      dataSegments += 2;
      if (dataSegments % 1500 === 0 && second > 0) {
        // Swapped in the capture.
        const seq = sim.serverSeq;
        w.tcp(sim.server, sim.client, sim.serverPort, sim.clientPort, seq + first, sim.clientSeq, ACK, second);
        w.tcp(sim.server, sim.client, sim.serverPort, sim.clientPort, seq, sim.clientSeq, ACK, first);
        sim.serverSeq = (seq + first + second) >>> 0;
      } else {
        if (dataSegments % 1000 === 0) sim.serverSeq = (sim.serverSeq + first) >>> 0; // lost before the capture
        else send(w, sim, true, first, ACK);
        if (second > 0) send(w, sim, true, second, ACK);
        if (dataSegments % 3000 === 0) {
          const seq = sim.serverSeq;
          w.tcp(sim.server, sim.client, sim.serverPort, sim.clientPort, (seq - second) >>> 0, sim.clientSeq, ACK, second);
        }
      }
      ackFrom(w, sim, false);
      flow.left -= first + second;
      if (flow.left <= 0) {
        close(w, sim);
        const ctl = controls[i % 2]!;
        send(w, ctl, true, text('226 Transfer complete\r\n'));
        active.splice(i--, 1);
      }
    }
  }
  for (const flow of active) close(w, flow.sim);
  for (const ctl of controls) {
    send(w, ctl, false, text('QUIT\r\n'));
    send(w, ctl, true, text('221 bye\r\n'));
    close(w, ctl);
  }
}

/**
 * Small packets: 2000 concurrent FTP control sessions on port 21, each a login, 20 NOOPs
 * with their replies and ACKs, and QUIT, renewed as they finish (about 80 frames each,
 * 60-90 bytes on the wire), and one small active-mode data connection per session.
 */
function generateSmall(w: PcapWriter, targetFrames: number): void {
  const random = new Random(0x1234567);
  type Session = { sim: Sim; step: number };
  const sessions: Session[] = [];
  let nextPort = 1024;
  const steps = 24;
  while (w.frames < targetFrames) {
    while (sessions.length < 2000) {
      const sim = newSim(random, 1024 + (nextPort++ % 60000), 21);
      sim.client = CLIENT_ADDR + (nextPort % 50000);
      open(w, sim);
      sessions.push({ sim, step: 0 });
    }
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i]!;
      const sim = session.sim;
      const step = session.step++;
      if (step === 0) {
        send(w, sim, true, text('220 small bench\r\n'));
        ackFrom(w, sim, false);
      } else if (step === 1) {
        send(w, sim, false, text('USER anonymous\r\n'));
        send(w, sim, true, text('331 Please specify the password.\r\n'));
      } else if (step === 2) {
        send(w, sim, false, text('PASS guest@\r\n'));
        send(w, sim, true, text('230 Login successful.\r\n'));
      } else if (step === 3) {
        send(w, sim, false, text('PORT 10,0,0,1,200,10\r\n'));
        send(w, sim, true, text('200 PORT command successful.\r\n'));
        const data = newSim(random, 20, 51210);
        data.client = sim.server;
        data.server = sim.client;
        open(w, data);
        send(w, data, false, 200);
        ackFrom(w, data, true);
        send(w, data, false, 0, FIN | ACK);
        send(w, data, true, 0, FIN | ACK);
        ackFrom(w, data, false);
      } else if (step < steps) {
        send(w, sim, false, text('NOOP\r\n'));
        send(w, sim, true, text('200 NOOP ok.\r\n'));
        ackFrom(w, sim, false);
      } else {
        send(w, sim, false, text('QUIT\r\n'));
        send(w, sim, true, text('221 Goodbye.\r\n'));
        close(w, sim);
        sessions.splice(i--, 1);
      }
    }
  }
}

/**
 * Mixed: 500 concurrent short control sessions (login, PASV, LIST over a small data
 * connection, NOOPs, QUIT) beside 4 concurrent 4 MB passive downloads, interleaved frame
 * by frame. Retransmissions everywhere: 1 command in 40 is sent twice, and 1 data segment
 * in 400 is lost on the first try and retransmitted after the next one (out of order).
 */
function generateMixed(w: PcapWriter, targetBytes: number): void {
  const random = new Random(0x5eed);
  type Session = { sim: Sim; step: number };
  const sessions: Session[] = [];
  const downloads: Array<{ sim: Sim; left: number }> = [];
  const bulkControl = newSim(random, 39000, 21);
  open(w, bulkControl);
  send(w, bulkControl, true, text('220 mixed bench\r\n'));
  let nextPort = 2048;
  let commands = 0;
  let dataSegments = 0;
  // A command, sent twice now and then: the copy has the same sequence numbers and bytes.
  const command = (sim: Sim, line: string): void => {
    const bytes = text(line);
    const seq = sim.clientSeq;
    send(w, sim, false, bytes);
    if (++commands % 40 === 0) w.tcp(sim.client, sim.server, sim.clientPort, sim.serverPort, seq, sim.serverSeq, ACK | PSH, bytes);
  };
  while (w.written < targetBytes) {
    while (sessions.length < 500) {
      const sim = newSim(random, 1024 + (nextPort++ % 60000), 21);
      sim.client = CLIENT_ADDR + 0x400 + (nextPort % 50000);
      open(w, sim);
      sessions.push({ sim, step: 0 });
    }
    while (downloads.length < 4) {
      const port = 50000 + (nextPort++ % 10000);
      command(bulkControl, 'PASV\r\n');
      send(w, bulkControl, true, text(`227 Entering Passive Mode (10,0,0,2,${port >> 8},${port & 255})\r\n`));
      command(bulkControl, 'RETR big.bin\r\n');
      send(w, bulkControl, true, text('150 here it comes\r\n'));
      const sim = newSim(random, 30000 + (nextPort % 20000), port);
      open(w, sim);
      downloads.push({ sim, left: 4 << 20 });
    }
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i]!;
      const sim = session.sim;
      const step = session.step++;
      if (step === 0) send(w, sim, true, text('220 mixed bench\r\n'));
      else if (step === 1) {
        command(sim, 'USER anonymous\r\n');
        send(w, sim, true, text('331 Please specify the password.\r\n'));
      } else if (step === 2) {
        command(sim, 'PASS guest@\r\n');
        send(w, sim, true, text('230 Login successful.\r\n'));
      } else if (step === 3) {
        const port = 20000 + (nextPort++ % 20000);
        command(sim, 'PASV\r\n');
        send(w, sim, true, text(`227 Entering Passive Mode (10,0,0,2,${port >> 8},${port & 255})\r\n`));
        command(sim, 'LIST\r\n');
        const data = newSim(random, 1024 + (nextPort % 60000), port);
        data.client = sim.client;
        open(w, data);
        send(w, sim, true, text('150 Here comes the directory listing.\r\n'));
        send(w, data, true, 300);
        ackFrom(w, data, false);
        close(w, data);
        send(w, sim, true, text('226 Directory send OK.\r\n'));
      } else if (step < 12) {
        command(sim, 'NOOP\r\n');
        send(w, sim, true, text('200 NOOP ok.\r\n'));
        ackFrom(w, sim, false);
      } else {
        command(sim, 'QUIT\r\n');
        send(w, sim, true, text('221 Goodbye.\r\n'));
        close(w, sim);
        sessions.splice(i--, 1);
      }
      // Between two control steps, a few full-size data segments.
      const flow = downloads[i % downloads.length];
      if (flow === undefined || i % 2 !== 0) continue;
      const data = flow.sim;
      const first = Math.min(MSS, flow.left);
      const second = Math.min(MSS, flow.left - first);
      if (++dataSegments % 400 === 0 && second > 0) {
        const seq = data.serverSeq;
        w.tcp(data.server, data.client, data.serverPort, data.clientPort, seq + first, data.clientSeq, ACK, second);
        w.tcp(data.server, data.client, data.serverPort, data.clientPort, seq, data.clientSeq, ACK, first);
        data.serverSeq = (seq + first + second) >>> 0;
      } else {
        send(w, data, true, first, ACK);
        if (second > 0) send(w, data, true, second, ACK);
      }
      ackFrom(w, data, false);
      flow.left -= first + second;
      if (flow.left <= 0) {
        close(w, data);
        send(w, bulkControl, true, text('226 Transfer complete\r\n'));
        downloads.splice(downloads.indexOf(flow), 1);
      }
    }
  }
  for (const flow of downloads) close(w, flow.sim);
  command(bulkControl, 'QUIT\r\n');
  send(w, bulkControl, true, text('221 bye\r\n'));
  close(w, bulkControl);
}

function tracePath(kind: Kind, size: number): string {
  return join(tmpdir(), `ftpcap-bench-tcp-v${GENERATOR_VERSION}-${kind}-${size}.pcap`);
}

export function ensureTrace(kind: Kind, size: number): string {
  const path = tracePath(kind, size);
  if (existsSync(path)) return path;
  const partial = `${path}.partial`;
  const fd = openSync(partial, 'w');
  // Bulk at about 1.2 Gbit/s; small packets at 10k frames/s, so that connections closed
  // within closedTimeoutSeconds (60 s) reach a steady state instead of piling up; long at
  // 1k frames/s (1M frames span about 17 minutes).
  const writer = new PcapWriter(fd, kind === 'bulk' ? 10 : kind === 'mixed' ? 20 : kind === 'long' ? 1000 : 100);
  if (kind === 'bulk') generateBulk(writer, size * 1e6);
  else if (kind === 'mixed') generateMixed(writer, size * 1e6);
  else generateSmall(writer, size * 1e6);
  writer.flush();
  closeSync(fd);
  renameSync(partial, path);
  return path;
}

