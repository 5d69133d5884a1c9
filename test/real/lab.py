#!/usr/bin/env python3
"""
The lab for test/real/record.py: namespaces, veth links, nft, captures, servers, clients.

Each scenario builds throw-away network namespaces joined by veth links (addresses from
10.88.0.0/16, 192.168.50/60.0/24 and the documentation ranges 198.51.100.0/24 and
203.0.113.0/24, IPv6 fd88::/64), starts a real FTP server (vsftpd, proftpd, pure-ftpd), runs
a real client (lftp, curl, tnftp, Python's ftplib), captures with tcpdump or dumpcap, and
writes fixtures/real/<capture> with <scenario>.truth.json beside it.

The truth never comes from ftpcap: it is read from the client's transcript and exit status,
the server's transfer log (vsftpd xferlog, proftpd TransferLog, pure-ftpd's stats log), the
file sizes on disk, and for firewall and NAT scenarios from nft sets that record every
data-connection SYN the firewall let through as RELATED or dropped.

"""
import hashlib
import json
import os
import random
import re
import select
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
OUT = os.path.join(REPO, "fixtures", "real")
RUN = os.environ.get("FTPCAP_REAL_RUN", "/tmp/ftpcap-real")
SERVERS = os.environ.get("FTPCAP_REAL_SERVERS", "/var/tmp/ftpcap-real-servers/root")
FTPROOT = "/srv/ftpcap-real"          # home directory of the test user
USER, PASSWORD = "ftpcap", "real-pw-1"
NS_C, NS_S, NS_R = "ftpr-c", "ftpr-s", "ftpr-r"
ALL_NS = (NS_C, NS_S, NS_R)

PROCS = []          # every process this run started (Popen), killed by PID at cleanup
CONTROL_PORTS = [21, 2121]


# ---------------------------------------------------------------- shell
def sh(cmd, ns=None, check=True, timeout=60):
    if ns:
        cmd = "ip netns exec %s %s" % (ns, cmd)
    r = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise RuntimeError("command failed (%d): %s\n%s%s" % (r.returncode, cmd, r.stdout, r.stderr))
    return r.stdout


def spawn(argv, ns=None, **kw):
    if ns:
        argv = ["ip", "netns", "exec", ns] + argv
    p = subprocess.Popen(argv, **kw)
    PROCS.append(p)
    return p


def stop(p, sig=signal.SIGTERM, wait=5):
    if p.poll() is None:
        try:
            os.kill(p.pid, sig)
            p.wait(wait)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.kill(p.pid, signal.SIGKILL)
                p.wait(5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass


def version(cmd):
    try:
        out = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=10).stdout
    except subprocess.TimeoutExpired:
        return None
    line = out.strip().splitlines()[0] if out.strip() else ""
    return line[:120]


# ---------------------------------------------------------------- namespaces
def teardown():
    for p in PROCS:
        stop(p)
    existing = sh("ip netns list", check=False)
    for n in ALL_NS:
        if re.search(r"^%s\b" % re.escape(n), existing, re.M):
            # Server children (one per session) live in the namespace; they are ours.
            for pid in sh("ip netns pids %s" % n, check=False).split():
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            sh("ip netns del %s" % n, check=False)
    PROCS.clear()


def ns_base(ns):
    sh("ip netns add %s" % ns)
    sh("ip link set lo up", ns=ns)
    # Bounded connect failures: 1 s + 2 s + 4 s of SYN retries instead of two minutes.
    sh("sysctl -qw net.ipv4.tcp_syn_retries=2", ns=ns)
    sh("sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0", ns=ns)


def link(ns_a, if_a, ns_b, if_b):
    sh("ip link add %s netns %s type veth peer name %s netns %s" % (if_a, ns_a, if_b, ns_b))


def addr(ns, dev, cidr):
    fam = "-6" if ":" in cidr else "-4"
    sh("ip %s addr add %s dev %s%s" % (fam, cidr, dev, " nodad" if fam == "-6" else ""), ns=ns)
    sh("ip link set %s up" % dev, ns=ns)


def topo_direct(v6=False):
    """client eth0 10.88.0.1 (fd88::1) <-> server eth0 10.88.0.2 (fd88::2)"""
    teardown()
    for n in (NS_C, NS_S):
        ns_base(n)
    link(NS_C, "eth0", NS_S, "eth0")
    addr(NS_C, "eth0", "10.88.0.1/24")
    addr(NS_S, "eth0", "10.88.0.2/24")
    if v6:
        addr(NS_C, "eth0", "fd88::1/64")
        addr(NS_S, "eth0", "fd88::2/64")
    return {"client": "10.88.0.1", "server": "10.88.0.2", "client6": "fd88::1", "server6": "fd88::2"}


def topo_routed(client_cidr, router_client_cidr, router_server_cidr, server_cidr):
    """client eth0 <-> router lan0 / wan0 <-> server eth0, default routes via the router"""
    teardown()
    for n in (NS_C, NS_S, NS_R):
        ns_base(n)
    link(NS_C, "eth0", NS_R, "cside0")
    link(NS_S, "eth0", NS_R, "sside0")
    addr(NS_C, "eth0", client_cidr)
    addr(NS_R, "cside0", router_client_cidr)
    addr(NS_R, "sside0", router_server_cidr)
    addr(NS_S, "eth0", server_cidr)
    sh("ip route add default via %s" % router_client_cidr.split("/")[0], ns=NS_C)
    sh("ip route add default via %s" % router_server_cidr.split("/")[0], ns=NS_S)
    sh("sysctl -qw net.ipv4.ip_forward=1", ns=NS_R)
    return {"client": client_cidr.split("/")[0], "server": server_cidr.split("/")[0],
            "routerClientSide": router_client_cidr.split("/")[0], "routerServerSide": router_server_cidr.split("/")[0]}


def netem(ns, dev, spec):
    sh("tc qdisc add dev %s root netem %s" % (dev, spec), ns=ns)


def lossy_link(ns, dev, loss_pct, reorder_pct, slow_rate="2mbit"):
    """Loss and reordering without sch_netem (this kernel has no netem): nft drops loss_pct %
    of the TCP packets this namespace sends (in the output hook, so before they reach the wire),
    and marks reorder_pct % into a slow HTB class (skb->priority 1:20) where they queue behind
    each other while the rest overtakes them. Returns the commands, for the truth file."""
    cmds = ["ethtool -K %s tso off gso off gro off" % dev,  # wire-sized segments, not 64 kB GSO frames
            "tc qdisc add dev %s root handle 1: htb default 10" % dev,
            "tc class add dev %s parent 1: classid 1:10 htb rate 10gbit" % dev,
            "tc class add dev %s parent 1: classid 1:20 htb rate %s ceil %s" % (dev, slow_rate, slow_rate)]
    for c in cmds:
        sh(c, ns=ns)
    rules = """table inet lossy {
  chain out { type filter hook output priority filter; policy accept;
    oifname "%(dev)s" meta l4proto tcp numgen random mod 1000 < %(loss)d counter drop comment "loss"
    oifname "%(dev)s" meta l4proto tcp numgen random mod 1000 < %(reorder)d counter meta priority set 1:20 comment "reorder"
  }
}
""" % {"dev": dev, "loss": int(loss_pct * 10), "reorder": int(reorder_pct * 10)}
    nft(ns, rules, "lossy-" + ns)
    return cmds + ["nft -f - <<< '%s'" % rules.strip()]


def nft(ns, ruleset, name):
    path = os.path.join(RUN, name + ".nft")
    with open(path, "w") as f:
        f.write(ruleset)
    sh("nft -f %s" % path, ns=ns)
    return ruleset


def nft_set(ns, table, set_name):
    """Elements of an nft set as 'src dst dport' strings (the firewall's own record)."""
    out = sh("nft -j list set %s %s" % (table, set_name), ns=ns, check=False)
    found = []
    try:
        doc = json.loads(out)
    except ValueError:
        return found
    for item in doc.get("nftables", []):
        s = item.get("set")
        if not s:
            continue
        for el in s.get("elem", []):
            v = el.get("elem", {}).get("val", el) if isinstance(el, dict) else el
            if isinstance(v, dict) and "concat" in v:
                found.append(" ".join(str(x) for x in v["concat"]))
    return sorted(found)


def nft_counters(ns, table):
    out = sh("nft list table %s" % table, ns=ns, check=False)
    res = {}
    for line in out.splitlines():
        m = re.search(r"counter packets (\d+) bytes \d+.*comment \"([^\"]+)\"", line)
        if m:
            res[m.group(2)] = int(m.group(1))
    return res


# ---------------------------------------------------------------- capture
class Capture:
    """tcpdump (pcap) or dumpcap (pcapng) inside a namespace; waits for the listening line."""

    def __init__(self, ns, iface, name, tool="tcpdump", snaplen=None, linktype=None, bpf=None, nano=False):
        self.ns, self.iface, self.name, self.tool, self.nano = ns, iface, name, tool, nano
        self.snaplen, self.linktype, self.bpf = snaplen, linktype, bpf
        self.tmp = os.path.join(RUN, name)
        self.proc = None

    def start(self):
        if os.path.exists(self.tmp):
            os.unlink(self.tmp)
        if self.tool == "tcpdump":
            argv = ["tcpdump", "--immediate-mode", "-U", "-n", "-i", self.iface, "-w", self.tmp]
            if self.nano:
                argv += ["--time-stamp-precision", "nano"]
            ready = "listening on"
        else:
            argv = ["dumpcap", "-q", "-i", self.iface, "-w", self.tmp]
            ready = "Capturing on"
        if self.snaplen:
            argv += ["-s", str(self.snaplen)]
        if self.linktype:
            argv += ["-y", self.linktype]
        if self.bpf:
            argv += ["-f", self.bpf] if self.tool == "dumpcap" else [self.bpf]
        self.proc = spawn(argv, ns=self.ns, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 10
        seen = ""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stderr], [], [], 0.2)
            if r:
                # raw reads: a buffered readline could hold the 'listening' line back from select
                seen += os.read(self.proc.stderr.fileno(), 4096).decode("utf-8", "replace")
                if ready in seen:
                    time.sleep(0.2)
                    return self
            if self.proc.poll() is not None:
                break
        raise RuntimeError("capture did not start: %s" % seen)

    def stop(self):
        time.sleep(1.2)
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                stop(self.proc)
        dst = os.path.join(OUT, self.name)
        shutil.copyfile(self.tmp, dst)
        size = os.path.getsize(dst)
        if size > 1_000_000:
            raise RuntimeError("%s is %d bytes, over the 1 MB budget" % (self.name, size))
        return dst


def capture_info(cap):
    """What the capture is, read with capinfos (Wireshark's tool, not ftpcap)."""
    out = sh("capinfos -T -t -E '%s'" % os.path.join(OUT, cap.name), check=False)
    lines = out.strip().splitlines()
    info = {"file": cap.name, "tool": cap.tool, "interface": cap.iface, "namespace": cap.ns,
            "snaplen": cap.snaplen, "nanosecond": cap.nano}
    if len(lines) >= 2:
        head = lines[0].split("\t")
        vals = lines[1].split("\t")
        row = dict(zip(head, vals))
        info["format"] = row.get("File type")
        info["linkType"] = row.get("File encapsulation")
    return info


# ---------------------------------------------------------------- files and user
def ensure_user():
    if subprocess.run(["id", USER], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
        sh("useradd -M -d %s -s /bin/bash %s" % (FTPROOT, USER))
    sh("echo '%s:%s' | chpasswd" % (USER, PASSWORD))


def reset_root(files):
    """Server directory with deterministic files {name: size}; returns their sha256."""
    if os.path.exists(FTPROOT):
        shutil.rmtree(FTPROOT)
    os.makedirs(FTPROOT)
    sums = {}
    for name, size in files.items():
        data = random.Random(name).randbytes(size)
        with open(os.path.join(FTPROOT, name), "wb") as f:
            f.write(data)
        sums[name] = hashlib.sha256(data).hexdigest()
    sh("chown -R %s: %s" % (USER, FTPROOT))
    return sums


def local_file(name, size):
    path = os.path.join(RUN, "client", name)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(random.Random("upload-" + name).randbytes(size))
    return path


def size_on_server(name):
    p = os.path.join(FTPROOT, name)
    return os.path.getsize(p) if os.path.exists(p) else None


def wait_listen(ns, port, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        out = sh("ss -ltnH", ns=ns, check=False)
        if re.search(r":%d\s" % port, out):
            return
        time.sleep(0.1)
    raise RuntimeError("nothing listens on port %d in %s" % (port, ns))


# ---------------------------------------------------------------- servers
class Server:
    program = None
    log_format = None

    def __init__(self, scenario, ns, address, port):
        self.dir = os.path.join(RUN, scenario)
        os.makedirs(self.dir, exist_ok=True)
        self.ns, self.address, self.port = ns, address, port
        self.xferlog = os.path.join(self.dir, "xferlog")
        for f in os.listdir(self.dir):  # logs of an earlier recording
            if f == "xferlog" or f.endswith(".log") or f.endswith(".stderr"):
                os.unlink(os.path.join(self.dir, f))
        self.proc = None

    def stop(self):
        if self.proc:
            stop(self.proc)
        # session children left behind by the listener
        time.sleep(0.2)

    def xfers(self):
        """The server's transfer log as dicts (xferlog format for vsftpd and proftpd)."""
        if not os.path.exists(self.xferlog):
            return []
        out = []
        for line in open(self.xferlog, errors="replace"):
            f = line.split()
            if len(f) < 18:
                continue
            # weekday month day time year xfer-time host size file type action dir access user service auth authuser status
            out.append({"line": line.rstrip("\n"), "seconds": int(f[5]), "host": f[6], "bytes": int(f[7]), "file": f[8],
                        "direction": {"o": "download", "i": "upload"}.get(f[10 + 1], f[11]), "user": f[13],
                        "status": {"c": "complete", "i": "incomplete"}.get(f[-1], f[-1])})
        return out


class Vsftpd(Server):
    log_format = "vsftpd xferlog (xferlog_std_format)"

    def __init__(self, scenario, ns, address, port=21, ipv6=False, extra=None):
        super().__init__(scenario, ns, address, port)
        conf = {
            "listen": "NO" if ipv6 else "YES", "listen_ipv6": "YES" if ipv6 else "NO",
            ("listen_address6" if ipv6 else "listen_address"): address, "listen_port": str(port),
            "background": "NO", "anonymous_enable": "NO", "local_enable": "YES", "write_enable": "YES",
            "local_umask": "022", "local_root": FTPROOT, "xferlog_enable": "YES", "xferlog_std_format": "YES",
            "xferlog_file": self.xferlog, "dual_log_enable": "YES",
            "vsftpd_log_file": os.path.join(self.dir, "vsftpd.log"), "log_ftp_protocol": "YES",
            "connect_from_port_20": "YES", "secure_chroot_dir": "/var/run/vsftpd/empty",
            "pam_service_name": "vsftpd", "seccomp_sandbox": "NO", "isolate": "NO", "isolate_network": "NO",
            "pasv_min_port": "40000", "pasv_max_port": "40999", "connect_timeout": "10", "accept_timeout": "10",
            "use_localtime": "NO",
        }
        conf.update(extra or {})
        self.conf_path = os.path.join(self.dir, "vsftpd.conf")
        with open(self.conf_path, "w") as f:
            for k, v in conf.items():
                f.write("%s=%s\n" % (k, v))
        self.program = version("vsftpd -v 0>&1") or "vsftpd"

    def start(self):
        self.proc = spawn(["vsftpd", self.conf_path], ns=self.ns, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listen(self.ns, self.port)
        return self


class Proftpd(Server):
    log_format = "proftpd TransferLog (xferlog format)"

    def __init__(self, scenario, ns, address, port=21, extra=""):
        super().__init__(scenario, ns, address, port)
        self.conf_path = os.path.join(self.dir, "proftpd.conf")
        with open(self.conf_path, "w") as f:
            f.write("""ServerName "ftpcap real"
ServerType standalone
DefaultServer on
UseIPv6 off
DefaultAddress %(addr)s
SocketBindTight on
Port %(port)d
User nobody
Group nogroup
Umask 022
MaxInstances 10
WtmpLog off
UseReverseDNS off
RequireValidShell off
AuthOrder mod_auth_unix.c
ScoreboardFile %(dir)s/scoreboard
PidFile %(dir)s/proftpd.pid
TransferLog %(xfer)s
LogFormat cmds "%%t %%a %%m %%J %%s %%b"
ExtendedLog %(dir)s/commands.log ALL cmds
DefaultChdir %(root)s
TimeoutNoTransfer 60
<Directory />
  AllowOverwrite on
  AllowStoreRestart on
</Directory>
%(extra)s
""" % {"addr": address, "port": port, "dir": self.dir, "xfer": self.xferlog, "root": FTPROOT, "extra": extra})
        self.binary = os.path.join(SERVERS, "usr/sbin/proftpd")
        self.program = version("%s --version" % self.binary)

    def start(self):
        self.proc = spawn([self.binary, "-n", "-q", "-c", self.conf_path], ns=self.ns,
                          stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "proftpd.stderr"), "w"))
        wait_listen(self.ns, self.port)
        return self


class PureFtpd(Server):
    log_format = "pure-ftpd altlog (stats format)"

    def __init__(self, scenario, ns, address, port=21, args=()):
        super().__init__(scenario, ns, address, port)
        self.binary = os.path.join(SERVERS, "usr/sbin/pure-ftpd")
        self.args = ["-S", "%s,%d" % (address, port), "-l", "unix", "-E", "-H", "-O", "stats:%s" % self.xferlog,
                     "-p", "41000:41999"] + list(args)
        self.program = version("%s --help 2>&1 | head -1" % self.binary)

    def start(self):
        self.proc = spawn([self.binary] + self.args, ns=self.ns, stdout=subprocess.DEVNULL,
                          stderr=open(os.path.join(self.dir, "pure-ftpd.stderr"), "w"))
        wait_listen(self.ns, self.port)
        return self

    def xfers(self):
        # stats: <time> <session> <user> <ip> <U|D> <size> <duration> <file>
        if not os.path.exists(self.xferlog):
            return []
        out = []
        for line in open(self.xferlog, errors="replace"):
            f = line.split(" ", 7)
            if len(f) < 8:
                continue
            out.append({"line": line.rstrip("\n"), "user": f[2], "host": f[3],
                        "direction": "upload" if f[4] == "U" else "download", "bytes": int(f[5]),
                        "file": f[7].strip(), "status": None})
        return out


# ---------------------------------------------------------------- clients
def run_client(argv, ns=NS_C, timeout=120, stdin=None, name="client"):
    t0 = time.time()
    p = spawn(argv, ns=ns, stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        stop(p)
        out, err = p.communicate()
        err += "\n[record.py: killed after %d s]" % timeout
    res = {"argv": argv, "exit": p.returncode, "stdout": out, "stderr": err, "seconds": round(time.time() - t0, 2)}
    with open(os.path.join(RUN, name + ".transcript"), "w") as f:
        f.write("$ %s\nexit %s\n--- stdout\n%s\n--- stderr\n%s\n" % (" ".join(argv), p.returncode, out, err))
    return res


def ftplib_client(plan, name="ftplib"):
    path = os.path.join(RUN, name + ".plan.json")
    with open(path, "w") as f:
        json.dump(plan, f)
    res = run_client(["/usr/bin/python3", os.path.join(HERE, "ftplib_client.py"), path], name=name, timeout=180)
    try:
        res["result"] = json.loads(res["stdout"])
    except ValueError:
        raise RuntimeError("ftplib client printed no JSON: %s %s" % (res["stdout"], res["stderr"]))
    return res


def transcript_commands(text, sent_prefix):
    """Commands the client says it sent, in order (lftp/tnftp '---> ', curl '> ')."""
    out = []
    for line in text.splitlines():
        if line.startswith(sent_prefix):
            out.append(line[len(sent_prefix):].strip())
    return out


# ---------------------------------------------------------------- truth
def recorded_meta():
    return {"kernel": os.uname().release, "date": time.strftime("%Y-%m-%d"),
            "by": "test/real/record.sh (root, network namespaces on this machine)"}


def write_truth(name, truth):
    truth.setdefault("recorded", recorded_meta())
    path = os.path.join(OUT, name + ".truth.json")
    with open(path, "w") as f:
        json.dump(truth, f, indent=2)
        f.write("\n")
    return path


def mode_of(command):
    return {"PASV": "passive", "EPSV": "extended-passive", "PORT": "active", "EPRT": "extended-active"}[command.split()[0].upper()]


def expect(cond, what):
    if not cond:
        raise RuntimeError("truth check failed: " + what)


def xfer_for(server, name, direction):
    rows = [x for x in server.xfers() if x["file"].endswith("/" + name) or x["file"] == name]
    rows = [x for x in rows if x["direction"] == direction]
    return rows
