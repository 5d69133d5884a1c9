#!/usr/bin/env python3
"""
ftp_oracle.py -- replay FTP control-channel scenarios through the REAL kernel
nf_conntrack_ftp helper inside throw-away network namespaces and report, per
step, which conntrack expectations exist, whether segments were dropped by the
helper (kernel log + missing delivery + retransmissions), and what went on the
wire (pcap captured on the client side).

Topology (all private to this script):
    netns kac  (client)  kav0 10.77.0.1/24  + IPv6 link-local
    netns kas  (server)  kav1 10.77.0.2/24  + IPv6 link-local
    kas holds:  table inet kaftp { ct helper ftp-std {type "ftp" protocol tcp;}
                 chain pre { type filter hook prerouting priority filter;
                             tcp dport { <helper_ports> } ct helper set "ftp-std" } }
The helper therefore runs in kas: client->server segments are inspected at
kas LOCAL_IN, server->client segments at kas POSTROUTING.

Cases are data (cases.json by default).  Each case:
  id, desc, family (4|6), server_port (21), helper_ports ([21]), loose (bool),
  client_sysctl {name: value} (applied in kac for the case, restored after),
  nconn (number of control connections, default 1),
  steps: list of
     {"dir": "c"|"s", "data": "<text with \\r\\n escapes and %TOKENS%>",
      "sleep": seconds-after (default 0.15), "conn": index (default 0)}
     {"op": "flush_ct"}            -- conntrack -F inside kas (mid-stream pickup)
     {"op": "sleep", "sleep": s}
  final_wait: seconds to wait after the last step (default 0.4)
  pred_exp: predicted final expectation list ["src>dst:dport", ...] (tokens ok)
  pred_drop: predicted "helper dropped at least one segment" (bool)
Tokens: %CIP% %SIP% (dotted), %CIPC% %SIPC% (comma form), %CIP6% %SIP6%.

ftpcap copy (test/helper/kernel-cases/): changes against shared/oracle/ftp_oracle.py,
all marked "ftpcap:" below --
  * own namespace/interface names (kcc/kcs, kcv0/kcv1; env ORACLE_NS_CLIENT,
    ORACLE_NS_SERVER) so it never tears down someone else's kac/kas run;
  * fixed veth MAC addresses, so the IPv6 link-local addresses are the same on
    every run (fe80::ff:fe00:1 client, fe80::ff:fe00:2 server) and cases
    can spell them out (upper case, uncompressed, ...);
  * the nft ruleset file goes to a temp dir, not next to this script;
  * case field "helper_host": "server" (default, as shared/oracle) or "client":
    the helper rule (output hook) and the expectation table are in the client
    namespace instead, so a 227/229 the helper drops is on the client-side
    capture (receiving host, kernel-ftp-helper.md section 6);
  * an exclusive flock (/run/ftpcap-kernel-oracle.lock) around a run, because
    the loose parameter is global;
  * results meta also records `uname -r` and the case file;
  * the capture filter is "tcp" (was "tcp port <server_port>"), so data
    connections, which use up expectations, are on the capture too.

Usage:  python3 ftp_oracle.py [--cases cases.json] [--only id1,id2] [--nat]
                              [--keep] [--json out.json] [--md out.md]
Requires root, iproute2, nft, conntrack, tcpdump.  Restores loose and
net.netfilter.nf_log_all_netns, deletes its namespaces at the end.
"""
import argparse
import ctypes
import json
import os
import re
import select
import socket
import struct
import subprocess
import sys
import tempfile
import time
import fcntl

HERE = os.path.dirname(os.path.abspath(__file__))
PCAPDIR = os.environ.get("ORACLE_PCAPDIR", os.path.join(HERE, "pcaps"))
# ftpcap: own names (see header)
NS_C = os.environ.get("ORACLE_NS_CLIENT", "kcc")
NS_S = os.environ.get("ORACLE_NS_SERVER", "kcs")
IF_C, IF_S = "kcv0", "kcv1"
MAC_C, MAC_S = "02:00:00:00:00:01", "02:00:00:00:00:02"
HELPER_NS = NS_S  # ftpcap: where the helper rule and expectation table live (per case)
LOCK = "/run/ftpcap-kernel-oracle.lock"
CIP, SIP = "10.77.0.1", "10.77.0.2"
LOOSE = "/sys/module/nf_conntrack_ftp/parameters/loose"
LOG_ALL = "/proc/sys/net/netfilter/nf_log_all_netns"

# ---------------------------------------------------------------- namespaces
_libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET = 0x40000000
_ORIG_NS = os.open("/proc/self/ns/net", os.O_RDONLY)


class InNS:
    """Switch the calling thread into a named netns (sockets created inside
    stay in that netns for their whole life)."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        fd = os.open("/run/netns/%s" % self.name, os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                e = ctypes.get_errno()
                raise OSError(e, "setns(%s): %s" % (self.name, os.strerror(e)))
        finally:
            os.close(fd)
        return self

    def __exit__(self, *a):
        if _libc.setns(_ORIG_NS, CLONE_NEWNET) != 0:
            e = ctypes.get_errno()
            raise OSError(e, "setns(back): %s" % os.strerror(e))


def sh(cmd, check=True, ns=None, capture=True):
    if ns:
        cmd = "ip netns exec %s %s" % (ns, cmd)
    r = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" %
                           (r.returncode, cmd, r.stdout, r.stderr))
    return r.stdout


def read_file(p):
    with open(p) as f:
        return f.read().strip()


def write_file(p, v):
    with open(p, "w") as f:
        f.write(str(v))


# ---------------------------------------------------------------- kmsg
class Kmsg:
    """Collect kernel log records written after start()."""

    def __init__(self):
        self.fd = None

    def start(self):
        try:
            self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
            os.lseek(self.fd, 0, os.SEEK_END)
        except OSError:
            self.fd = None

    def read(self):
        out = []
        if self.fd is None:
            return out
        while True:
            try:
                rec = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except OSError:
                continue  # EPIPE: overwritten records
            if not rec:
                break
            txt = rec.decode("utf-8", "replace")
            msg = txt.split(";", 1)[1] if ";" in txt else txt
            out.append(msg.split("\n")[0])
        return out


KMSG = Kmsg()

# ---------------------------------------------------------------- topology
ENV = {}


def ll_addr(ns, dev):
    for _ in range(50):
        out = sh("ip -6 -o addr show dev %s scope link" % dev, ns=ns)
        m = re.search(r"inet6 (fe80::[0-9a-f:]+)/64", out)
        if m and "tentative" not in out:
            return m.group(1)
        time.sleep(0.1)
    raise RuntimeError("no link-local address on %s/%s" % (ns, dev))


def teardown_ns(names):
    existing = sh("ip netns list", check=False)
    for n in names:
        if re.search(r"^%s\b" % re.escape(n), existing, re.M):
            sh("ip netns del %s" % n, check=False)


def setup():
    teardown_ns([NS_C, NS_S])
    sh("ip netns add %s" % NS_C)
    sh("ip netns add %s" % NS_S)
    sh("ip link add %s netns %s address %s type veth peer name %s netns %s address %s" %
       (IF_C, NS_C, MAC_C, IF_S, NS_S, MAC_S))  # ftpcap: fixed MACs
    for ns, dev, ip in ((NS_C, IF_C, CIP), (NS_S, IF_S, SIP)):
        sh("sysctl -qw net.ipv6.conf.all.accept_dad=0 "
           "net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.%s.accept_dad=0" % dev, ns=ns)
        sh("ip addr add %s/24 dev %s" % (ip, dev), ns=ns)
        sh("ip link set lo up", ns=ns)
        sh("ip link set %s up" % dev, ns=ns)
    ENV["CIP"], ENV["SIP"] = CIP, SIP
    ENV["CIPC"], ENV["SIPC"] = CIP.replace(".", ","), SIP.replace(".", ",")
    ENV["CIP6"] = ll_addr(NS_C, IF_C)
    ENV["SIP6"] = ll_addr(NS_S, IF_S)
    with InNS(NS_C):
        ENV["C_IFINDEX"] = socket.if_nametoindex(IF_C)
    with InNS(NS_S):
        ENV["S_IFINDEX"] = socket.if_nametoindex(IF_S)
    # quick sanity ping
    pass  # (no ping binary on this host)


_cur_nft = None


def nft_load(helper_ports, host="server"):
    global _cur_nft, HELPER_NS
    key = (tuple(helper_ports), host)
    HELPER_NS = NS_C if host == "client" else NS_S  # ftpcap: helper_host
    if key == _cur_nft:
        return
    sh("nft flush ruleset", ns=NS_S)
    sh("nft flush ruleset", ns=NS_C)
    rule = ""
    if helper_ports:
        rule = 'tcp dport { %s } ct helper set "ftp-std"' % ", ".join(str(p) for p in helper_ports)
    # ftpcap: on the client the conntrack is created by its own SYN, in the output hook
    pre_rule, out_rule = (rule, "") if host != "client" else ("", rule)
    conf = """
table inet kaftp {
  ct helper ftp-std { type "ftp" protocol tcp; }
  chain pre { type filter hook prerouting priority filter; policy accept;
    %s
    ct state related counter
  }
  chain out { type filter hook output priority filter; policy accept;
    %s
    ct state related counter
  }
}
""" % (pre_rule, out_rule)
    p = os.path.join(tempfile.gettempdir(), "ftpcap-oracle-%d.nft" % os.getpid())  # ftpcap: not in the repo
    with open(p, "w") as f:
        f.write(conf)
    sh("nft -f %s" % p, ns=HELPER_NS)
    os.unlink(p)
    _cur_nft = key


def subst(s):
    for k in ("CIPC", "SIPC", "CIP6", "SIP6", "CIP", "SIP"):
        s = s.replace("%" + k + "%", ENV[k])
    return s


def to_bytes(s):
    return subst(s).encode("latin-1")


# ---------------------------------------------------------------- conntrack
EXP_RE = re.compile(r"proto=6 src=(\S+) dst=(\S+) sport=(\d+) dport=(\d+)")


def list_exp(ns=None):
    ns = ns or HELPER_NS  # ftpcap: helper_host
    # NB: conntrack -L defaults to IPv4 only, so ask for both families
    out = sh("conntrack -L expect -f ipv4 2>/dev/null", ns=ns, check=False)
    out += sh("conntrack -L expect -f ipv6 2>/dev/null", ns=ns, check=False)
    res = []
    for line in out.splitlines():
        m = EXP_RE.search(line)
        if m:
            res.append("%s>%s:%s" % (m.group(1), m.group(2), m.group(4)))
    return sorted(res)


def related_count():
    """packets classified RELATED in kas (prerouting + output)"""
    out = sh("nft list table inet kaftp", ns=HELPER_NS, check=False)  # ftpcap: helper_host
    return sum(int(x) for x in re.findall(r"ct state related counter packets (\d+)", out))


def data_connect(fam, port, active):
    """Open a data connection like FTP would: active = server connects to the
    client's port; passive = client connects to the server's port.  Returns a
    short text result."""
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    lns, cns = (NS_C, NS_S) if active else (NS_S, NS_C)
    if fam == 4:
        laddr = (CIP if active else SIP, port)
    else:
        laddr = (ENV["CIP6"] if active else ENV["SIP6"], port, 0,
                 ENV["C_IFINDEX"] if active else ENV["S_IFINDEX"])
    with InNS(lns):
        ls = socket.socket(af, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(laddr)
        ls.listen(2)
    with InNS(cns):
        cs = socket.socket(af, socket.SOCK_STREAM)
    if fam == 6:
        laddr = (laddr[0], port, 0, ENV["S_IFINDEX"] if active else ENV["C_IFINDEX"])
    cs.settimeout(2)
    ls.settimeout(2)
    try:
        cs.connect(laddr)
        a, _ = ls.accept()
        a.close()
        r = "connected"
    except OSError as e:
        r = "failed: %s" % e
    cs.close()
    ls.close()
    return r


def flush_ct(ns=None):
    for n in ([ns] if ns else [NS_S, NS_C]):  # ftpcap: both namespaces
        for f in ("ipv4", "ipv6"):
            sh("conntrack -F expect -f %s 2>/dev/null" % f, ns=n, check=False)
            sh("conntrack -F -f %s 2>/dev/null" % f, ns=n, check=False)


# ---------------------------------------------------------------- pcap
def parse_pcap(path):
    pk = []
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return pk
    if len(data) < 24:
        return pk
    magic = struct.unpack("<I", data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        end = "<"
    else:
        end = ">"
        magic = struct.unpack(">I", data[:4])[0]
    nsec = magic == 0xa1b23c4d
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    while off + 16 <= len(data):
        ts, tus, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        frame = data[off:off + incl]
        off += incl
        t = ts + tus / (1e9 if nsec else 1e6)
        if linktype == 1:
            etype = struct.unpack(">H", frame[12:14])[0]
            l3 = frame[14:]
        elif linktype == 113:  # linux cooked
            etype = struct.unpack(">H", frame[14:16])[0]
            l3 = frame[16:]
        else:
            continue
        if etype == 0x0800:
            ihl = (l3[0] & 15) * 4
            if l3[9] != 6:
                continue
            tot = struct.unpack(">H", l3[2:4])[0]
            src, dst = socket.inet_ntop(socket.AF_INET, l3[12:16]), socket.inet_ntop(socket.AF_INET, l3[16:20])
            l4 = l3[ihl:tot]
        elif etype == 0x86DD:
            if l3[6] != 6:
                continue
            plen = struct.unpack(">H", l3[4:6])[0]
            src, dst = socket.inet_ntop(socket.AF_INET6, l3[8:24]), socket.inet_ntop(socket.AF_INET6, l3[24:40])
            l4 = l3[40:40 + plen]
        else:
            continue
        sp, dp, seq, ack, offflags = struct.unpack(">HHIIH", l4[:14])
        doff = (offflags >> 12) * 4
        flags = offflags & 0x3f
        pk.append(dict(t=t, src=src, dst=dst, sp=sp, dp=dp, seq=seq, ack=ack,
                       flags=flags, payload=l4[doff:]))
    return pk


def wire_summary(pkts, server_port):
    """Data segments per direction with relative seq and retransmission marks."""
    isn = {}
    seen = {}
    hi = {}
    out = []
    for p in pkts:
        d = "c" if p["dp"] == server_port else "s"
        if p["flags"] & 0x02:  # SYN
            isn[(d, p["sp"], p["dp"])] = p["seq"]
            continue
        if not p["payload"]:
            continue
        k = (d, p["sp"], p["dp"])
        base = isn.get(k, p["seq"] - 1)
        rel = (p["seq"] - base) & 0xffffffff
        ln = len(p["payload"])
        rtx = rel < hi.get(k, 0) or (rel, ln) in seen.get(k, set())
        seen.setdefault(k, set()).add((rel, ln))
        hi[k] = max(hi.get(k, 0), rel + ln)
        out.append(dict(t=p["t"], dir=d, port=p["sp"] if d == "c" else p["dp"],
                        rel=rel, len=ln, rtx=rtx, data=p["payload"]))
    return out


def esc(b, maxlen=70):
    s = b.decode("latin-1").encode("unicode_escape").decode("ascii")
    s = s.replace("|", "\\x7c")
    return s if len(s) <= maxlen else s[:maxlen] + "..."


# ---------------------------------------------------------------- sockets
def open_pair(fam, port, nodelay=True):
    af = socket.AF_INET if fam == 4 else socket.AF_INET6
    with InNS(NS_S):
        ls = socket.socket(af, socket.SOCK_STREAM)
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if fam == 4:
            ls.bind((SIP, port))
        else:
            ls.bind((ENV["SIP6"], port, 0, ENV["S_IFINDEX"]))
        ls.listen(8)
    with InNS(NS_C):
        cs = socket.socket(af, socket.SOCK_STREAM)
        cs.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if nodelay else 0)
    if fam == 4:
        cs.connect((SIP, port))
    else:
        cs.connect((ENV["SIP6"], port, 0, ENV["C_IFINDEX"]))
    ss, _ = ls.accept()
    ss.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1 if nodelay else 0)
    ls.close()
    for s in (cs, ss):
        s.setblocking(False)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    return cs, ss


def drain(sock, buf):
    while True:
        r, _, _ = select.select([sock], [], [], 0)
        if not r:
            return
        try:
            d = sock.recv(65536)
        except (BlockingIOError, ConnectionResetError):
            return
        if not d:
            return
        buf.extend(d)


def tcp_info_retrans(sock):
    """(total_retrans, unacked) from TCP_INFO."""
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 256)
        # struct tcp_info: 8 x u8, then u32 fields: rto, ato, snd_mss, rcv_mss,
        # unacked(4), sacked, lost, retrans, fackets, 4 times, pmtu, rcv_ssthresh,
        # rtt, rttvar, snd_ssthresh, snd_cwnd, advmss, reordering, rcv_rtt,
        # rcv_space, total_retrans(23)
        vals = struct.unpack("8B24I", raw[:8 + 24 * 4])
        u32 = vals[8:]
        return u32[23], u32[4]
    except OSError:
        return None, None


# ---------------------------------------------------------------- case runner
def start_tcpdump(ns, dev, path, bpf):
    if os.path.exists(path):
        os.unlink(path)
    p = subprocess.Popen(["ip", "netns", "exec", ns, "tcpdump", "--immediate-mode", "-i", dev, "-U", "-n",
                          "-s", "0", "-w", path, bpf],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # wait for "listening on"
    t0 = time.time()
    line = ""
    while time.time() - t0 < 5:
        line = p.stderr.readline()
        if "listening" in line:
            break
    time.sleep(0.05)
    return p


def stop_tcpdump(p):
    time.sleep(0.3)
    p.terminate()
    try:
        p.wait(timeout=3)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def run_case(case):
    cid = case["id"]
    fam = case.get("family", 4)
    port = case.get("server_port", 21)
    nft_load(case.get("helper_ports", [21]), case.get("helper_host", "server"))
    loose_orig = read_file(LOOSE)
    want_loose = "Y" if case.get("loose") else "N"
    if loose_orig != want_loose:
        write_file(LOOSE, want_loose)
    saved_sysctl = {}
    for k, v in case.get("client_sysctl", {}).items():
        saved_sysctl[k] = sh("sysctl -n %s" % k, ns=NS_C).strip()
        sh("sysctl -qw %s=%s" % (k, v), ns=NS_C)
    flush_ct()
    rel0 = related_count()
    os.makedirs(PCAPDIR, exist_ok=True)
    pcap = os.path.join(PCAPDIR, "%s.pcap" % cid)
    td = start_tcpdump(NS_C, IF_C, pcap, "tcp")  # ftpcap: all TCP, so data connections are on the capture
    KMSG.read()  # discard older records
    res = dict(id=cid, desc=case.get("desc", ""), family=fam, server_port=port,
               helper_ports=case.get("helper_ports", [21]), loose=want_loose,
               helper_host=case.get("helper_host", "server"), steps=[])  # ftpcap: helper_host
    conns = []
    try:
        for _ in range(case.get("nconn", 1)):
            cs, ss = open_pair(fam, port, case.get("nodelay", True))
            conns.append(dict(c=cs, s=ss, rx_c=bytearray(), rx_s=bytearray(),
                              tx_c=0, tx_s=0))
            time.sleep(0.05)
        for st in case["steps"]:
            rec = dict(st)
            op = st.get("op", "send")
            if op == "flush_ct":
                flush_ct(HELPER_NS)
            elif op == "data_connect":
                before = related_count()
                rec["data_conn"] = data_connect(fam, st["port"], st.get("active", True))
                time.sleep(0.1)
                rec["related_pkts"] = related_count() - before
            elif op == "sleep":
                pass
            else:
                cn = conns[st.get("conn", 0)]
                data = to_bytes(st["data"])
                rec["bytes"] = esc(data, 200)
                sender = cn["c"] if st["dir"] == "c" else cn["s"]
                sender.setblocking(True)
                sender.sendall(data)
                sender.setblocking(False)
                cn["tx_" + st["dir"]] += len(data)
            time.sleep(st.get("sleep", 0.15))
            for cn in conns:
                drain(cn["s"], cn["rx_s"])   # bytes the server received (from client)
                drain(cn["c"], cn["rx_c"])   # bytes the client received (from server)
            rec["exp_after"] = list_exp()
            rec["log"] = [l for l in KMSG.read() if "dropping" in l or "ftp" in l]
            rec["delivered"] = ["c->s %d/%d, s->c %d/%d" % (len(cn["rx_s"]), cn["tx_c"],
                                                          len(cn["rx_c"]), cn["tx_s"]) for cn in conns]
            res["steps"].append(rec)
        time.sleep(case.get("final_wait", 0.4))
        for cn in conns:
            drain(cn["s"], cn["rx_s"])
            drain(cn["c"], cn["rx_c"])
        res["final_exp"] = list_exp()
        res["related_pkts_total"] = related_count() - rel0
        res["final_log"] = [l for l in KMSG.read() if "dropping" in l or "ftp" in l]
        res["delivered"] = [dict(c2s="%d/%d" % (len(cn["rx_s"]), cn["tx_c"]),
                                 s2c="%d/%d" % (len(cn["rx_c"]), cn["tx_s"]),
                                 client_retrans=tcp_info_retrans(cn["c"])[0],
                                 server_retrans=tcp_info_retrans(cn["s"])[0])
                            for cn in conns]
    finally:
        for cn in conns:
            for s in (cn["c"], cn["s"]):
                try:
                    s.close()
                except OSError:
                    pass
        stop_tcpdump(td)
        if read_file(LOOSE) != loose_orig:
            write_file(LOOSE, loose_orig)
        for k, v in saved_sysctl.items():
            sh("sysctl -qw %s=%s" % (k, v), ns=NS_C)
    wire = wire_summary(parse_pcap(pcap), port)
    res["wire"] = [dict(dir=w["dir"], rel=w["rel"], len=w["len"], rtx=w["rtx"],
                        data=esc(w["data"], 60)) for w in wire]
    # drop evidence
    logs = res["final_log"] + [l for s in res["steps"] for l in s["log"]]
    res["helper_log"] = sorted(set(re.sub(r" IN=.*", "", l) for l in logs if "dropping" in l))
    undelivered = any(d["c2s"].split("/")[0] != d["c2s"].split("/")[1] or
                      d["s2c"].split("/")[0] != d["s2c"].split("/")[1] for d in res["delivered"])
    res["dropped"] = bool(res["helper_log"]) or undelivered
    res["retransmitted_segments"] = sum(1 for w in wire if w["rtx"])
    # predictions
    if "pred_exp" in case:
        pe = sorted(subst(x) for x in case["pred_exp"])
        res["pred_exp"] = pe
        res["exp_ok"] = pe == res["final_exp"]
    if "pred_drop" in case:
        res["pred_drop"] = case["pred_drop"]
        res["drop_ok"] = case["pred_drop"] == res["dropped"]
    return res


# ---------------------------------------------------------------- NAT scenario
def run_nat():
    """kanc (client 10.77.1.2) -- kanr (router, masquerade) -- kans (server 10.77.200.2)."""
    NC, NR, NSV = "kanc", "kanr", "kans"
    teardown_ns([NC, NR, NSV])
    for n in (NC, NR, NSV):
        sh("ip netns add %s" % n)
        sh("ip link set lo up", ns=n)
    sh("ip link add kav2 netns %s type veth peer name kav3 netns %s" % (NC, NR))
    sh("ip link add kav4 netns %s type veth peer name kav5 netns %s" % (NR, NSV))
    sh("ip addr add 10.77.1.2/24 dev kav2", ns=NC)
    sh("ip addr add 10.77.1.1/24 dev kav3", ns=NR)
    sh("ip addr add 10.77.200.1/24 dev kav4", ns=NR)
    sh("ip addr add 10.77.200.2/24 dev kav5", ns=NSV)
    for n, d in ((NC, "kav2"), (NR, "kav3"), (NR, "kav4"), (NSV, "kav5")):
        sh("ip link set %s up" % d, ns=n)
    sh("ip route add default via 10.77.1.1", ns=NC)
    sh("sysctl -qw net.ipv4.ip_forward=1", ns=NR)
    conf = """
table ip kanat {
  ct helper ftp-std { type "ftp" protocol tcp; }
  chain pre { type filter hook prerouting priority filter; policy accept;
    tcp dport 21 ct helper set "ftp-std"
  }
  chain post { type nat hook postrouting priority srcnat; policy accept;
    oifname "kav4" masquerade
  }
}
"""
    p = os.path.join(tempfile.gettempdir(), "ftpcap-oracle-nat-%d.nft" % os.getpid())  # ftpcap
    with open(p, "w") as f:
        f.write(conf)
    sh("nft -f %s" % p, ns=NR)
    os.unlink(p)
    pass
    os.makedirs(PCAPDIR, exist_ok=True)
    pc_in = os.path.join(PCAPDIR, "nat_client_side.pcap")
    pc_out = os.path.join(PCAPDIR, "nat_server_side.pcap")
    t1 = start_tcpdump(NC, "kav2", pc_in, "tcp")
    t2 = start_tcpdump(NSV, "kav5", pc_out, "tcp")
    out = dict(steps=[])
    with InNS(NSV):
        ls = socket.socket()
        ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        ls.bind(("10.77.200.2", 21))
        ls.listen(4)
        pasv_l = socket.socket()
        pasv_l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        pasv_l.bind(("10.77.200.2", 1026))
        pasv_l.listen(4)
    with InNS(NC):
        act_l = socket.socket()
        act_l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        act_l.bind(("10.77.1.2", 1025))
        act_l.listen(4)
    conns = []

    def new_conn():
        with InNS(NC):
            c = socket.socket()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.connect(("10.77.200.2", 21))
        sv, _ = ls.accept()
        sv.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.setblocking(False)
        sv.setblocking(False)
        conns.append(dict(c=c, s=sv, rx_c=bytearray(), rx_s=bytearray()))

    new_conn()
    script = [(0, "s", b"220 nat test\r\n"), (0, "c", b"USER a\r\n"), (0, "s", b"331 ok\r\n"),
              (0, "c", b"PORT 10,77,1,2,4,1\r\n"), (0, "s", b"200 PORT ok\r\n"),
              (0, "c", b"NOOP\r\n"), (0, "s", b"200 ok\r\n"),
              (0, "c", b"PASV\r\n"), (0, "s", b"227 Entering Passive Mode (10,77,200,2,4,2)\r\n"),
              (0, "c", b"EPRT |1|10.77.1.2|1025|\r\n"), (0, "s", b"200 EPRT ok\r\n"),
              # 2nd control connection asks for the same port while conn 0's expectation
              # (10.77.200.2 -> 10.77.200.1:1025) still exists: NAT must pick another port
              ("new", None, None),
              (1, "s", b"220 second control connection\r\n"), (1, "c", b"USER b\r\n"), (1, "s", b"331 ok\r\n"),
              (1, "c", b"PORT 10,77,1,2,4,1\r\n"), (1, "s", b"200 PORT ok\r\n"),
              (0, "c", b"PASV\r\n"), (0, "s", b"227 Entering Passive Mode (010,077,200,002,004,003)\r\n"),
              (0, "c", b"EPSV\r\n"), (0, "s", b"229 Entering Extended Passive Mode (!!!1028!)\r\n")]
    for ci, d, data in script:
        if ci == "new":
            new_conn()
            continue
        cn = conns[ci]
        snd = cn["c"] if d == "c" else cn["s"]
        snd.setblocking(True)
        snd.sendall(data)
        snd.setblocking(False)
        time.sleep(0.2)
        for x in conns:
            drain(x["s"], x["rx_s"])
            drain(x["c"], x["rx_c"])
        got = (cn["rx_s"] if d == "c" else cn["rx_c"]).split(b"\r\n")
        out["steps"].append(dict(conn=ci, dir=d, sent=esc(data, 200),
                                 received=esc(got[-2] + b"\r\n", 200) if len(got) > 1 else "",
                                 exp_router=list_exp(NR)))
        if ci == 0 and data.startswith(b"PORT"):
            # active data connection: server connects to the address it was told
            told = bytes(cn["rx_s"]).split(b"\r\n")[-2]
            m = re.search(rb"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", told)
            ip = ".".join(x.decode() for x in m.groups()[:4])
            prt = int(m.group(5)) * 256 + int(m.group(6))
            with InNS(NSV):
                ds = socket.socket()
            ds.settimeout(2)
            try:
                ds.connect((ip, prt))
                act_l.settimeout(2)
                a, peer = act_l.accept()
                out["active_data_conn"] = "server connected to %s:%d -> accepted by client from %s:%d" % (
                    ip, prt, peer[0], peer[1])
                a.close()
            except OSError as e:
                out["active_data_conn"] = "server connect to %s:%d failed: %s" % (ip, prt, e)
            ds.close()
            out["ct_router_after_active"] = sh("conntrack -L 2>/dev/null", ns=NR, check=False)
        if ci == 0 and data.startswith(b"227 Entering Passive Mode (10,77"):
            with InNS(NC):
                dc = socket.socket()
            dc.settimeout(2)
            try:
                dc.connect(("10.77.200.2", 1026))
                pasv_l.settimeout(2)
                a, peer = pasv_l.accept()
                out["passive_data_conn"] = "client connected to 10.77.200.2:1026, server saw peer %s:%d" % peer
                a.close()
            except OSError as e:
                out["passive_data_conn"] = "client connect failed: %s" % e
            dc.close()
    cs, ss = conns[0]["c"], conns[0]["s"]
    rx_s, rx_c = conns[0]["rx_s"], conns[0]["rx_c"]
    out["conn1_server_received"] = esc(bytes(conns[1]["rx_s"]), 400)
    for x in conns[1:]:
        x["c"].close()
        x["s"].close()
    out["server_received"] = esc(bytes(rx_s), 400)
    out["client_received"] = esc(bytes(rx_c), 400)
    for s in (cs, ss, act_l, pasv_l, ls):
        s.close()
    stop_tcpdump(t1)
    stop_tcpdump(t2)
    for name, pc in (("client_side", pc_in), ("server_side", pc_out)):
        w = wire_summary(parse_pcap(pc), 21)
        out[name] = ["%s seq+%d len %d%s %s" % (x["dir"], x["rel"], x["len"],
                                                 " RTX" if x["rtx"] else "", esc(x["data"], 60))
                     for x in w if x["port"] != 0]
    teardown_ns([NC, NR, NSV])
    return out


# ---------------------------------------------------------------- report
def md_table(results):
    lines = ["| id | dir | key segment(s) sent (escaped; \\x7c = '|') | expectation(s) created (src>dst:dport; sport wildcard) | helper drop? | predicted | notes |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        sends = [s for s in r["steps"] if s.get("op", "send") == "send"]
        key = [s for s in sends if s.get("key")] or sends[-1:]
        dirs = "/".join(sorted(set(s["dir"] for s in key)))
        byt = " + ".join("`%s`" % s["bytes"].replace("`", "'") for s in key)
        seen = []
        for e in [e for s in r["steps"] for e in s["exp_after"]] + r["final_exp"]:
            if e not in seen:
                seen.append(e)
        exp = ", ".join(seen) or "none"
        if seen and sorted(seen) != r["final_exp"]:
            exp += " (at end: %s)" % (", ".join(r["final_exp"]) or "none")
        drop = "DROP" if r["dropped"] else "no"
        if r["helper_log"]:
            drop += " (log)"
        pred = ""
        if "exp_ok" in r:
            pred = "exp %s" % ("OK" if r["exp_ok"] else "MISMATCH")
        if "drop_ok" in r:
            pred += ", drop %s" % ("OK" if r["drop_ok"] else "MISMATCH")
        notes = r["desc"]
        dc = [s["data_conn"] + ("/RELATED" if s.get("related_pkts") else "/not related")
              for s in r["steps"] if s.get("op") == "data_connect"]
        if dc:
            notes += " [data conn: %s]" % ", ".join(dc)
        if r["retransmitted_segments"]:
            notes += " [wire: %d retransmitted data segs; delivered %s]" % (
                r["retransmitted_segments"], "; ".join("c->s %s s->c %s" % (d["c2s"], d["s2c"]) for d in r["delivered"]))
        lines.append("| %s | %s | %s | %s | %s | %s | %s |" % (r["id"], dirs, byt, exp, drop, pred, notes))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", default=os.path.join(HERE, "cases.json"))
    ap.add_argument("--only", default="")
    ap.add_argument("--nat", action="store_true", help="also run the NAT (masquerade) scenario")
    ap.add_argument("--nat-only", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep namespaces afterwards")
    ap.add_argument("--json", default=os.path.join(HERE, "results.json"))
    ap.add_argument("--md", default=os.path.join(HERE, "results.md"))
    ap.add_argument("--render", help="only re-render the markdown table from an existing results json")
    a = ap.parse_args()
    if a.render:
        with open(a.render) as f:
            d = json.load(f)
        print(md_table(d["results"]))
        return
    if os.geteuid() != 0:
        sys.exit("must run as root")
    with open(a.cases) as f:
        cases = json.load(f)
    if a.only:
        want = set(a.only.split(","))
        cases = [c for c in cases if c["id"] in want]
    lock = open(LOCK, "w")  # ftpcap: one run at a time (loose is global)
    fcntl.flock(lock, fcntl.LOCK_EX)
    log_all_orig = read_file(LOG_ALL)
    loose_orig = read_file(LOOSE)
    results, nat = [], None
    write_file(LOG_ALL, 1)     # let the helper's nf_log "dropping packet" lines from our netns reach dmesg
    KMSG.start()
    try:
        if not a.nat_only:
            setup()
            print("env:", json.dumps({k: v for k, v in ENV.items()}), file=sys.stderr)
            for c in cases:
                r = run_case(c)
                results.append(r)
                flag = ""
                if r.get("exp_ok") is False or r.get("drop_ok") is False:
                    flag = "   <-- differs from prediction"
                print("%-28s exp=%-45s drop=%-5s%s" % (r["id"], ",".join(r["final_exp"]) or "none",
                                                       r["dropped"], flag), file=sys.stderr)
        if a.nat or a.nat_only:
            nat = run_nat()
    finally:
        write_file(LOG_ALL, log_all_orig)
        if read_file(LOOSE) != loose_orig:
            write_file(LOOSE, loose_orig)
        if not a.keep:
            teardown_ns([NS_C, NS_S])
    meta = dict(kernel=os.uname().release, uname_r=sh("uname -r").strip(),  # ftpcap: uname -r
                cases_file=os.path.basename(a.cases), loose_param=read_file(LOOSE),
                ports_param=read_file("/sys/module/nf_conntrack_ftp/parameters/ports"), env=ENV)
    with open(a.json, "w") as f:
        json.dump(dict(meta=meta, results=results, nat=nat), f, indent=1, default=str)
    with open(a.md, "w") as f:
        f.write("kernel %s, ports=%s, loose(default)=%s\n\n" % (meta["kernel"], meta["ports_param"], meta["loose_param"]))
        f.write(md_table(results) + "\n")
        if nat:
            f.write("\n## NAT scenario\n```\n%s\n```\n" % json.dumps(nat, indent=1))
    print(md_table(results))
    if nat:
        print(json.dumps(nat, indent=1))


if __name__ == "__main__":
    main()
