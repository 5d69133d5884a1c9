/**
 * The 16 probe sessions of shared/docs/peer-tools.md §4, which tshark, Zeek, Suricata
 * and NetworkMiner disagree on in 12 cases. ftpcap links every one, and says what the
 * conntrack helper does with it. Client 192.0.2.10, server 198.51.100.20, each session:
 * login, the setup, RETR file.txt, 150, one data connection carrying 20 bytes, 226, QUIT.
 */
import { describe, expect, it } from 'vitest';
import { CaptureBuilder, type TcpConnection } from '../fixture/builder.js';
import { analyzeBytes } from '../support/analyze-capture.js';

const CLIENT = '192.0.2.10';
const SERVER = '198.51.100.20';
const DATA = '01234567890123456789';

interface Probe {
  name: string;
  /** Sends the setup on the control connection. */
  setup(ctl: TcpConnection): void;
  /** Where the data connection goes: passive from the client, active from the server. */
  data: { from: string; to: string };
  mode: string;
  /** Helper verdict for the transfer. */
  verdict: string;
  dropped?: boolean;
}

function passive(reply: string, options: { split?: number[] } = {}) {
  return (ctl: TcpConnection): void => {
    ctl.client('PASV\r\n');
    ctl.server(reply, options);
  };
}

function active(command: string, options: { split?: number[] } = {}) {
  return (ctl: TcpConnection): void => {
    ctl.client(command, options);
    ctl.server('200 PORT command successful.\r\n');
  };
}

const PROBES: Probe[] = [
  { name: 'pasv_ok', setup: passive('227 Entering Passive Mode (198,51,100,20,195,80)\r\n'), data: { from: `${CLIENT}:40001`, to: `${SERVER}:50000` }, mode: 'passive', verdict: 'expected' },
  { name: 'pasv_noparen', setup: passive('227 Entering passive mode. 198,51,100,20,195,80\r\n'), data: { from: `${CLIENT}:40001`, to: `${SERVER}:50000` }, mode: 'passive', verdict: 'expected' },
  { name: 'pasv_multiline', setup: passive('227-Entering Passive Mode\r\n227 (198,51,100,20,195,80)\r\n'), data: { from: `${CLIENT}:40001`, to: `${SERVER}:50000` }, mode: 'passive', verdict: 'ignored' },
  { name: 'pasv_nat_private', setup: passive('227 Entering Passive Mode (10,0,0,5,195,80)\r\n'), data: { from: `${CLIENT}:40001`, to: `${SERVER}:50000` }, mode: 'passive', verdict: 'ignored' },
  { name: 'pasv_third_party', setup: passive('227 Entering Passive Mode (198,51,100,99,195,80)\r\n'), data: { from: `${CLIENT}:40001`, to: '198.51.100.99:50000' }, mode: 'passive', verdict: 'ignored' },
  {
    name: 'epsv_ok',
    setup: (ctl) => {
      ctl.client('EPSV\r\n');
      ctl.server('229 Entering Extended Passive Mode (|||50000|)\r\n');
    },
    data: { from: `${CLIENT}:40001`, to: `${SERVER}:50000` }, mode: 'extended-passive', verdict: 'expected',
  },
  { name: 'port_src20', setup: active('PORT 192,0,2,10,156,66\r\n'), data: { from: `${SERVER}:20`, to: `${CLIENT}:40002` }, mode: 'active', verdict: 'expected' },
  { name: 'port_src_ephemeral', setup: active('PORT 192,0,2,10,156,66\r\n'), data: { from: `${SERVER}:41000`, to: `${CLIENT}:40002` }, mode: 'active', verdict: 'expected' },
  { name: 'port_nat_private', setup: active('PORT 10,1,1,7,156,66\r\n'), data: { from: `${SERVER}:20`, to: `${CLIENT}:40002` }, mode: 'active', verdict: 'ignored' },
  { name: 'eprt_src20', setup: active('EPRT |1|192.0.2.10|40002|\r\n'), data: { from: `${SERVER}:20`, to: `${CLIENT}:40002` }, mode: 'extended-active', verdict: 'expected' },
  { name: 'eprt_src_ephemeral', setup: active('EPRT |1|192.0.2.10|40002|\r\n'), data: { from: `${SERVER}:41000`, to: `${CLIENT}:40002` }, mode: 'extended-active', verdict: 'expected' },
  // 300 * 256 + 10 = 76810, which the kernel (and tshark) truncate to 16 bits: 11274.
  { name: 'port_octet_300', setup: active('PORT 192,0,2,10,300,10\r\n'), data: { from: `${SERVER}:20`, to: `${CLIENT}:11274` }, mode: 'active', verdict: 'expected' },
  { name: 'port_five_numbers', setup: active('PORT 192,0,2,10,156\r\n'), data: { from: `${SERVER}:20`, to: `${CLIENT}:40002` }, mode: 'active', verdict: 'dropped', dropped: true },
  { name: 'port_lowercase', setup: active('port 192,0,2,10,156,66\r\n'), data: { from: `${SERVER}:20`, to: `${CLIENT}:40002` }, mode: 'active', verdict: 'expected' },
  { name: 'port_split_segments', setup: active('PORT 192,0,2,10,156,66\r\n', { split: [13] }), data: { from: `${SERVER}:20`, to: `${CLIENT}:40002` }, mode: 'active', verdict: 'dropped', dropped: true },
  {
    name: 'port_second_in_segment',
    setup: (ctl) => {
      ctl.client('TYPE I\r\nPORT 192,0,2,10,156,66\r\n');
      ctl.server('200 Switching to Binary mode.\r\n200 PORT command successful.\r\n');
    },
    data: { from: `${SERVER}:20`, to: `${CLIENT}:40002` }, mode: 'active', verdict: 'ignored',
  },
];

function build(probe: Probe): Uint8Array {
  const cap = new CaptureBuilder({ startTime: 1_700_000_000 });
  const ctl = cap.tcp({ client: `${CLIENT}:51000`, server: `${SERVER}:21`, autoAck: true });
  ctl.handshake();
  ctl.server('220 probe\r\n');
  ctl.client('USER anonymous\r\n');
  ctl.server('331 ok\r\n');
  ctl.client('PASS x@y\r\n');
  ctl.server('230 ok\r\n');
  probe.setup(ctl);
  ctl.client('RETR file.txt\r\n');
  const data = cap.tcp({ client: probe.data.from, server: probe.data.to, autoAck: true });
  data.handshake();
  ctl.server('150 Opening BINARY mode data connection for file.txt (20 bytes).\r\n');
  data.server(DATA);
  data.close('server');
  ctl.server('226 Transfer complete.\r\n');
  ctl.client('QUIT\r\n');
  ctl.server('221 Goodbye.\r\n');
  ctl.close('client');
  return cap.toPcap();
}

describe('peer-tools §4 probes: every data connection is linked', () => {
  for (const probe of PROBES) {
    it(probe.name, async () => {
      const analysis = await analyzeBytes(build(probe));
      expect(analysis.sessions).toHaveLength(1);
      const transfer = analysis.sessions[0]!.transfers[0]!;
      expect(transfer).toMatchObject({ command: 'RETR', argument: 'file.txt', mode: probe.mode, status: 'ok', complete: true, bytes: 20, expectedSize: 20 });
      expect(transfer.data).toMatchObject({ client: probe.data.from, server: probe.data.to });
      expect(transfer.helper?.verdict).toBe(probe.verdict);
      expect(analysis.helper!.drops.length > 0).toBe(probe.dropped ?? false);
      expect(analysis.findings.filter((finding) => finding.code === 'ftp.data.unlinked')).toEqual([]);
    });
  }
});
