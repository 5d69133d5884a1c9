#!/usr/bin/env python3
"""
Record real FTP sessions with known truth (run as root through record.sh).

Each scenario builds throw-away network namespaces joined by veth links, starts a real FTP
server (vsftpd, proftpd, pure-ftpd), runs a real client (lftp, curl, tnftp, Python's
ftplib), captures with tcpdump or dumpcap, and writes fixtures/real/<capture> with
<capture-stem>.truth.json beside it. The lab (namespaces, servers, clients) is lab.py.

The truth never comes from ftpcap: it is read from the client's transcript and exit status,
the server's transfer log (vsftpd xferlog, proftpd TransferLog, pure-ftpd's stats log), the
file sizes on disk, and for firewall and NAT scenarios from nft sets in which the firewall
itself records every data-connection SYN it let through as RELATED or dropped.

Usage: record.py all | <scenario>... | --list     (record.sh wraps it with a cleanup trap)
"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lab import *  # noqa: E402,F401,F403
from lab import (lossy_link, NS_C, NS_R, NS_S, OUT, PASSWORD, RUN, USER, Capture, Proftpd, PureFtpd, Vsftpd,  # noqa: E402
                 capture_info, expect, ftplib_client, local_file, mode_of, netem, nft, nft_counters, nft_set,
                 reset_root, run_client, size_on_server, teardown, topo_direct, topo_routed, transcript_commands,
                 version, write_truth, xfer_for)

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__.replace("_", "-")] = fn
    return fn


TRANSFER_COMMANDS = ("RETR", "STOR", "APPE", "STOU", "LIST", "NLST", "MLSD")
SETUP_COMMANDS = ("PASV", "EPSV", "PORT", "EPRT")


def dialog(text, sent, received=None):
    """The client's transcript as [('>', line) | ('<', line)]. received=None: bare reply lines."""
    out = []
    for line in text.splitlines():
        if line.startswith(sent):
            out.append((">", line[len(sent):].strip()))
        elif received is not None and line.startswith(received):
            out.append(("<", line[len(received):].strip()))
        elif received is None and re.match(r"^\d{3}[ -]", line):
            out.append(("<", line.strip()))
    return out


def transfers_from_dialog(lines):
    """Transfers as the client's own transcript tells them: command, argument, the setup
    before it and the port it announced or was told, and the final reply code."""
    transfers, setups = [], []
    setup = None
    current = None
    for d, text in lines:
        if d == ">":
            word = text.split(" ", 1)[0].upper()
            arg = text[len(word):].strip()
            if word in SETUP_COMMANDS:
                setup = {"command": word, "port": None, "reply": None, "used": False}
                setups.append(setup)
                if word == "PORT":
                    f = arg.split(",")
                    setup["port"] = int(f[4]) * 256 + int(f[5])
                    setup["address"] = ".".join(f[:4])
                elif word == "EPRT":
                    parts = arg.split(arg[0])
                    setup["port"], setup["address"] = int(parts[3]), parts[2]
                current = None
            elif word in TRANSFER_COMMANDS:
                current = {"command": word, "argument": arg, "setup": setup, "reply": None, "replies": []}
                if setup is not None:
                    setup["used"] = True
                transfers.append(current)
                setup = None
            elif word == "ABOR" or word.endswith("ABOR"):
                pass
            else:
                if current is not None and current["reply"] is not None:
                    current = None
        else:
            m = re.match(r"^(\d{3})([ -])(.*)", text)
            if not m or m.group(2) != " ":
                continue
            code = int(m.group(1))
            if setup is not None and setup["reply"] is None and not setup["used"]:
                setup["reply"] = code
                if code == 227:
                    nums = re.findall(r"\d+", m.group(3))
                    p = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", m.group(3))
                    if p:
                        setup["address"] = ".".join(p.group(i) for i in range(1, 5))
                        setup["port"] = int(p.group(5)) * 256 + int(p.group(6))
                    del nums
                elif code == 229:
                    p = re.search(r"\((.)\1\1(\d+)\1\)", m.group(3))
                    if p:
                        setup["port"] = int(p.group(2))
                continue
            if current is not None:
                current["replies"].append(code)
                if code >= 200 and current["reply"] is None:
                    current["reply"] = code
    return transfers, setups


def capture_pair(caps):
    for c in caps:
        c.start()
    return caps


def truth_doc(name, doc, cap, srv, client_program, client_exit, ips, transfers, extra=None, vantage=None):
    t = {
        "scenario": name,
        "description": " ".join(doc.split()),
        "capture": capture_info(cap),
        "vantage": vantage or "client host",
        "server": {"program": srv.program, "address": ips["server"], "port": srv.port, "transferLog": srv.log_format},
        "client": {"program": client_program, "address": ips["client"], "exit": client_exit},
        "control": {"client": ips.get("controlClient", ips["client"]), "server": ips.get("controlServer", ips["server"]),
                    "serverPort": ips.get("controlPort", srv.port)},
        "user": USER, "userInClear": True, "tls": False,
        "transfers": transfers,
        "setupsWithoutTransfer": [],
    }
    t.update(extra or {})
    return t


def xfer_check(srv, name, direction, size, status="complete"):
    rows = xfer_for(srv, name, direction)
    expect(len(rows) >= 1, "server log has a %s of %s: %s" % (direction, name, srv.xfers()))
    row = rows[-1]
    expect(row["bytes"] == size, "server log bytes %s == %s for %s" % (row["bytes"], size, name))
    if status and row["status"] is not None:
        expect(row["status"] == status, "server log status %s for %s" % (row["status"], name))
    return row


def clean_local(name):
    p = os.path.join(RUN, "client", name)
    os.makedirs(os.path.dirname(p), exist_ok=True)
    if os.path.exists(p):
        os.unlink(p)
    return p


LFTP_BASE = "set net:max-retries 2; set net:timeout 10; set net:reconnect-interval-base 1; set ftp:ssl-allow no; "


# ---------------------------------------------------------------- 1
@scenario
def passive_download_lftp(name):
    """lftp downloads one file in passive mode (PASV/227) from vsftpd; tcpdump on the client's eth0
    (pcap, Ethernet). lftp first tries AUTH TLS, which vsftpd without ssl refuses with 530."""
    ips = topo_direct()
    reset_root({"report.bin": 48_213})
    srv = Vsftpd(name, NS_S, ips["server"]).start()
    cap = Capture(NS_C, "eth0", name + ".pcap").start()
    dst = clean_local("report.bin")
    cl = run_client(["lftp", "-d", "-c",
                     "set ftp:passive-mode on; set ftp:prefer-epsv no; set net:max-retries 2; set net:timeout 10; "
                     "open -u %s,%s ftp://%s; get report.bin -o %s; bye" % (USER, PASSWORD, ips["server"], dst)], name=name)
    cap.stop()
    srv.stop()
    tr, _ = transfers_from_dialog(dialog(cl["stderr"], "---> ", "<--- "))
    expect(cl["exit"] == 0, "lftp exit 0")
    row = xfer_check(srv, "report.bin", "download", 48_213)
    expect(os.path.getsize(dst) == 48_213, "client file size")
    expect(len(tr) == 1 and tr[0]["setup"]["command"] == "PASV" and tr[0]["reply"] == 226, "PASV then RETR: %s" % tr)
    write_truth(name, truth_doc(name, passive_download_lftp.__doc__, cap, srv, version("lftp --version"), cl["exit"], ips, [
        {"command": "RETR", "file": tr[0]["argument"], "mode": "passive", "bytes": 48_213, "complete": True,
         "dataConnected": True, "dataPort": tr[0]["setup"]["port"], "reply": 226}], {
        "evidence": {"xferlog": [row["line"]], "clientFileSize": os.path.getsize(dst)},
        "howObtained": {
            "transfers": "lftp -d transcript: the commands it sent (---> lines) and the 227 it got",
            "bytes": "vsftpd xferlog size, equal to the size lftp wrote to disk",
            "complete": "xferlog completion status 'c', reply 226 and lftp exit status 0",
        }}))


def curl_dialog(stderr):
    return dialog(stderr, "> ", "< ")


# ---------------------------------------------------------------- 2
@scenario
def active_upload_curl_port(name):
    """curl uploads a file in active mode with PORT (-P - --disable-eprt) to proftpd; the server
    connects back from port 20. dumpcap on the client's eth0 (pcapng, Ethernet)."""
    ips = topo_direct()
    reset_root({})
    src = local_file("upload.dat", 123_457)
    srv = Proftpd(name, NS_S, ips["server"]).start()
    cap = Capture(NS_C, "eth0", name + ".pcapng", tool="dumpcap").start()
    cl = run_client(["curl", "-v", "-sS", "-P", "-", "--disable-eprt", "-u", "%s:%s" % (USER, PASSWORD),
                     "-T", src, "ftp://%s/upload.dat" % ips["server"]], name=name)
    cap.stop()
    srv.stop()
    tr, _ = transfers_from_dialog(curl_dialog(cl["stderr"]))
    expect(cl["exit"] == 0, "curl exit 0: %s" % cl["stderr"][-500:])
    row = xfer_check(srv, "upload.dat", "upload", 123_457)
    expect(size_on_server("upload.dat") == 123_457, "size on server")
    expect(len(tr) == 1 and tr[0]["setup"]["command"] == "PORT" and tr[0]["reply"] == 226, "PORT then STOR: %s" % tr)
    write_truth(name, truth_doc(name, active_upload_curl_port.__doc__, cap, srv, version("curl --version"), cl["exit"], ips, [
        {"command": "STOR", "file": tr[0]["argument"], "mode": "active", "bytes": 123_457, "complete": True,
         "dataConnected": True, "dataPort": tr[0]["setup"]["port"], "reply": 226}], {
        "evidence": {"xferlog": [row["line"]], "sizeOnServer": size_on_server("upload.dat")},
        "howObtained": {
            "transfers": "curl -v transcript ('> ' lines sent, '< ' replies)",
            "bytes": "proftpd TransferLog size, equal to the file size on the server's disk and the local file",
            "complete": "TransferLog status 'c', reply 226 and curl exit status 0",
        }}))


def ftplib_truth(res, plan_steps):
    """Per step of the ftplib client: the transfer the client made, from its own record."""
    out = []
    for st in res["result"]["steps"]:
        out.append(st)
    return out


# ---------------------------------------------------------------- 3
@scenario
def ipv6_eprt_epsv(name):
    """IPv6 between fd88::1 and fd88::2: Python's ftplib downloads with EPSV (229) and uploads
    with EPRT |2|, to vsftpd listening on IPv6. tcpdump on the client's 'any' interface (pcap,
    Linux cooked capture v2)."""
    ips = topo_direct(v6=True)
    ips = {"client": "fd88::1", "server": "fd88::2"}
    reset_root({"v6-down.bin": 70_001})
    src = local_file("v6-up.bin", 33_333)
    dst = clean_local("v6-down.bin")
    srv = Vsftpd(name, NS_S, ips["server"], ipv6=True).start()
    cap = Capture(NS_C, "any", name + ".pcap").start()
    res = ftplib_client({"host": ips["server"], "port": 21, "family": 6, "user": USER, "password": PASSWORD, "timeout": 10,
                         "steps": [{"op": "retr", "file": "v6-down.bin", "local": dst, "passive": True},
                                   {"op": "stor", "file": "v6-up.bin", "local": src, "passive": False}]}, name=name)
    cap.stop()
    srv.stop()
    expect(res["exit"] == 0, "ftplib exit 0: %s" % res["stdout"][-800:])
    r1 = xfer_check(srv, "v6-down.bin", "download", 70_001)
    r2 = xfer_check(srv, "v6-up.bin", "upload", 33_333)
    tr, _ = transfers_from_dialog(dialog("\n".join(res["result"]["transcript"]), ">>> ", "<<< "))
    expect([t["setup"]["command"] for t in tr] == ["EPSV", "EPRT"], "EPSV then EPRT: %s" % tr)
    write_truth(name, truth_doc(name, ipv6_eprt_epsv.__doc__, cap, srv, "Python %s ftplib" % sys.version.split()[0], res["exit"], ips, [
        {"command": "RETR", "file": "v6-down.bin", "mode": "extended-passive", "bytes": 70_001, "complete": True,
         "dataConnected": True, "dataPort": tr[0]["setup"]["port"], "reply": 226},
        {"command": "STOR", "file": "v6-up.bin", "mode": "extended-active", "bytes": 33_333, "complete": True,
         "dataConnected": True, "dataPort": tr[1]["setup"]["port"], "reply": 226}], {
        "evidence": {"xferlog": [r1["line"], r2["line"]], "client": res["result"]["steps"]},
        "howObtained": {
            "transfers": "ftplib_client.py's own record of each command, reply and data socket",
            "bytes": "vsftpd xferlog sizes, equal to what the client read/wrote",
            "complete": "xferlog status 'c' and reply 226",
        }}))


# ---------------------------------------------------------------- 4
@scenario
def nonstandard_port_pureftpd_tnftp(name):
    """pure-ftpd listens on port 2121; tnftp (NetBSD ftp) logs in, lists the directory and
    downloads a file in passive mode. tcpdump on the client's 'any' interface forced to
    LINUX_SLL (pcap, Linux cooked capture v1)."""
    ips = topo_direct()
    reset_root({"notes.txt": 9_876, "other.bin": 1_000})
    dst = clean_local("notes.txt")
    srv = PureFtpd(name, NS_S, ips["server"], port=2121).start()
    cap = Capture(NS_C, "any", name + ".pcap", linktype="LINUX_SLL").start()
    script = "user %s %s\nbinary\npassive on\nls\nget notes.txt %s\nquit\n" % (USER, PASSWORD, dst)
    cl = run_client(["ftp", "-n", "-v", "-d", ips["server"], "2121"], stdin=script, name=name)
    cap.stop()
    srv.stop()
    tr, _ = transfers_from_dialog(dialog(cl["stdout"], "---> "))
    expect(cl["exit"] == 0, "tnftp exit 0")
    expect(os.path.getsize(dst) == 9_876, "client file size")
    row = xfer_check(srv, "notes.txt", "download", 9_876, status=None)
    expect([t["command"] for t in tr] == ["LIST", "RETR"] and all(t["reply"] == 226 for t in tr), "LIST, RETR: %s" % tr)
    listing = re.findall(r"^[-d][rwx-]{9}.*$", cl["stdout"], re.M)
    write_truth(name, truth_doc(name, nonstandard_port_pureftpd_tnftp.__doc__, cap, srv, "tnftp " + (version("dpkg-query -W -f '${Version}' tnftp") or ""), cl["exit"], ips, [
        {"command": "LIST", "file": tr[0]["argument"], "mode": mode_of(tr[0]["setup"]["command"]), "bytes": None,
         "bytesNote": "the listing's size is not logged by the server; tnftp prints it reformatted", "complete": True,
         "dataConnected": True, "dataPort": tr[0]["setup"]["port"], "reply": 226},
        {"command": "RETR", "file": tr[1]["argument"], "mode": mode_of(tr[1]["setup"]["command"]), "bytes": 9_876, "complete": True,
         "dataConnected": True, "dataPort": tr[1]["setup"]["port"], "reply": 226}], {
        "evidence": {"transferLog": [row["line"]], "clientFileSize": os.path.getsize(dst), "listingLines": len(listing)},
        "howObtained": {
            "transfers": "tnftp -d transcript (---> lines and the replies it printed)",
            "bytes": "pure-ftpd stats log size, equal to the size tnftp wrote to disk",
            "complete": "reply 226 and the whole file on disk",
        }}))


# ---------------------------------------------------------------- 5
@scenario
def abort_retr_ftplib(name):
    """Python's ftplib starts a passive download from a rate-limited proftpd (TransferRate 64 KB/s),
    reads about 96 kB, then aborts as RFC 959 and BSD ftp do (Telnet IP, IAC DM as urgent data,
    then ABOR in the normal stream) and drains the data
    connection until the server closes it; proftpd answers 226 for the ABOR first and then 426
    for the RETR, and a LIST follows on the same session. dumpcap on the client's 'any' interface (pcapng,
    Linux cooked capture). (vsftpd 3.0.3 ignores this ABOR while rate-limiting and finishes.)"""
    ips = topo_direct()
    reset_root({"big.iso": 900_000})
    dst = clean_local("big.iso")
    srv = Proftpd(name, NS_S, ips["server"], extra="TransferRate RETR 64\n").start()
    cap = Capture(NS_C, "any", name + ".pcapng", tool="dumpcap").start()
    res = ftplib_client({"host": ips["server"], "port": 21, "family": 4, "user": USER, "password": PASSWORD, "timeout": 10,
                         "steps": [{"op": "abort-retr", "file": "big.iso", "passive": True, "abortAfter": 96_000},
                                   {"op": "list", "passive": True}]}, name=name)
    cap.stop()
    srv.stop()
    steps = res["result"]["steps"]
    expect(res["exit"] == 0, "ftplib exit 0: %s" % res["stdout"][-800:])
    rows = xfer_for(srv, "big.iso", "download")
    expect(len(rows) == 1 and rows[0]["status"] == "incomplete", "xferlog: incomplete download %s" % rows)
    got = steps[0]["bytes"]
    logged = rows[0]["bytes"]
    expect(got <= logged < 900_000, "client read %d <= server logged %d < file" % (got, logged))
    expect(steps[0]["reply"].startswith("426"), "426 for the RETR")
    expect([x[:3] for x in steps[0]["abortReplies"]] == ["226", "426"], "proftpd's order: %s" % steps[0]["abortReplies"])
    bytes_truth = {"bytes": got} if steps[0]["dataEnd"] == "fin" and got == logged else {"bytes": None, "bytesMin": got, "bytesMax": logged}
    tr = {"command": "RETR", "file": "big.iso", "mode": "passive", "complete": False, "dataConnected": True,
          "dataPort": steps[0]["dataPort"], "reply": 426,
          "note": "the 226 right after ABOR answers the ABOR, the 426 that follows answers the RETR (proftpd's order)"}
    tr.update(bytes_truth)
    write_truth(name, truth_doc(name, abort_retr_ftplib.__doc__, cap, srv, "Python %s ftplib" % sys.version.split()[0], res["exit"], ips, [
        tr,
        {"command": "LIST", "file": "", "mode": "passive", "bytes": steps[1]["bytes"], "complete": True,
         "dataConnected": True, "dataPort": steps[1]["dataPort"], "reply": 226}], {
        "evidence": {"xferlog": [r["line"] for r in rows], "client": steps},
        "howObtained": {
            "bytes": "RETR: bytes the client read until the server closed the data connection (it drains after ABOR), "
                     "which equals the xferlog count when vsftpd closed with FIN; LIST: bytes the client read",
            "complete": "xferlog status 'i' (incomplete) and reply 426; the LIST got 226",
        }}))


# ---------------------------------------------------------------- 6
@scenario
def multi_transfer_ftplib_proftpd(name):
    """One proftpd session from Python's ftplib with five data transfers in both modes: LIST
    (PASV), RETR (PORT), STOR (PASV), APPE to the same file (PORT), NLST (PASV). tcpdump on the
    client's eth0 (pcap, Ethernet)."""
    ips = topo_direct()
    reset_root({"alpha.txt": 2_048, "beta.bin": 77_777})
    dst = clean_local("beta.bin")
    up1 = local_file("gamma.log", 12_000)
    up2 = local_file("gamma-tail.log", 3_333)
    srv = Proftpd(name, NS_S, ips["server"]).start()
    cap = Capture(NS_C, "eth0", name + ".pcap").start()
    res = ftplib_client({"host": ips["server"], "port": 21, "family": 4, "user": USER, "password": PASSWORD, "timeout": 10,
                         "steps": [{"op": "list", "passive": True},
                                   {"op": "retr", "file": "beta.bin", "local": dst, "passive": False},
                                   {"op": "stor", "file": "gamma.log", "local": up1, "passive": True},
                                   {"op": "appe", "file": "gamma.log", "local": up2, "passive": False},
                                   {"op": "nlst", "passive": True}]}, name=name)
    cap.stop()
    srv.stop()
    steps = res["result"]["steps"]
    expect(res["exit"] == 0, "ftplib exit 0: %s" % res["stdout"][-800:])
    r_retr = xfer_check(srv, "beta.bin", "download", 77_777)
    ups = xfer_for(srv, "gamma.log", "upload")
    expect(len(ups) == 2 and [u["bytes"] for u in ups] == [12_000, 3_333] and all(u["status"] == "complete" for u in ups), "uploads %s" % ups)
    expect(size_on_server("gamma.log") == 15_333, "gamma.log is 12000 + 3333 bytes on the server")
    modes = ["passive", "active", "passive", "active", "passive"]
    cmds = ["LIST", "RETR", "STOR", "APPE", "NLST"]
    files = ["", "beta.bin", "gamma.log", "gamma.log", ""]
    transfers = []
    for st, m, c, f in zip(steps, modes, cmds, files):
        transfers.append({"command": c, "file": f, "mode": m, "bytes": st["bytes"], "complete": True, "dataConnected": True,
                          "dataPort": st["dataPort"], "reply": 226})
    write_truth(name, truth_doc(name, multi_transfer_ftplib_proftpd.__doc__, cap, srv, "Python %s ftplib" % sys.version.split()[0], res["exit"], ips,
                                transfers, {
        "evidence": {"xferlog": [r_retr["line"]] + [u["line"] for u in ups], "sizeOnServer": {"gamma.log": size_on_server("gamma.log")},
                     "client": steps},
        "howObtained": {
            "bytes": "RETR/STOR/APPE: proftpd TransferLog, equal to the client's counts and the file on disk (APPE grew it to 15333); "
                     "LIST/NLST: bytes the client read (proftpd does not log listings)",
            "complete": "reply 226 for every transfer; TransferLog status 'c' for RETR/STOR/APPE",
        }}))


# ---------------------------------------------------------------- 7
@scenario
def lossy_large_curl(name):
    """curl downloads 1.2 MB from vsftpd over a lossy, reordering link (3 % of TCP packets dropped
    each way, 10 % of the server's held back in a slow HTB class so later ones overtake them: nft
    numgen + tc htb, because this kernel has no sch_netem), with EPSV (curl's default on IPv4). tcpdump on the
    client's eth0 with snaplen 200 and nanosecond timestamps (pcap-ns, Ethernet): the data
    segments are cut, so byte counts must come from TCP sequence numbers."""
    ips = topo_direct()
    size = 1_200_000
    reset_root({"large.tar": size})
    dst = clean_local("large.tar")
    link_cmds = {"client": lossy_link(NS_C, "eth0", 3, 0), "server": lossy_link(NS_S, "eth0", 3, 10)}
    srv = Vsftpd(name, NS_S, ips["server"]).start()
    cap = Capture(NS_C, "eth0", name + ".pcap", snaplen=200, nano=True).start()
    cl = run_client(["curl", "-v", "-sS", "-u", "%s:%s" % (USER, PASSWORD), "-o", dst,
                     "ftp://%s/large.tar" % ips["server"]], name=name, timeout=300)
    cap.stop()
    srv.stop()
    tr, _ = transfers_from_dialog(curl_dialog(cl["stderr"]))
    expect(cl["exit"] == 0, "curl exit 0")
    expect(os.path.getsize(dst) == size, "client file size")
    row = xfer_check(srv, "large.tar", "download", size)
    stats = {"server": nft_counters(NS_S, "inet lossy"), "client": nft_counters(NS_C, "inet lossy")}
    write_truth(name, truth_doc(name, lossy_large_curl.__doc__, cap, srv, version("curl --version"), cl["exit"], ips, [
        {"command": "RETR", "file": tr[0]["argument"], "mode": mode_of(tr[0]["setup"]["command"]), "bytes": size, "complete": True,
         "dataConnected": True, "dataPort": tr[0]["setup"]["port"], "reply": 226}], {
        "link": link_cmds,
        "evidence": {"xferlog": [row["line"]], "clientFileSize": os.path.getsize(dst), "lossyLinkCounters": stats},
        "howObtained": {
            "bytes": "vsftpd xferlog size, equal to the size curl wrote to disk",
            "complete": "xferlog status 'c', reply 226, curl exit status 0",
        }}))




# ---------------------------------------------------------------- 8
@scenario
def ftps_explicit_lftp_vsftpd(name):
    """Explicit FTPS: lftp sends AUTH TLS before USER (ftp:ssl-force), vsftpd with ssl_enable and
    a self-signed certificate requires TLS for login and data (PROT P); one passive download.
    Nothing after the 234 reply is readable. dumpcap on the client's eth0 (pcapng, Ethernet)."""
    ips = topo_direct()
    reset_root({"secret.pdf": 25_000})
    dst = clean_local("secret.pdf")
    d = os.path.join(RUN, name)
    os.makedirs(d, exist_ok=True)
    cert, key = os.path.join(d, "cert.pem"), os.path.join(d, "key.pem")
    sh("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=ftpcap-real -keyout %s -out %s 2>/dev/null" % (key, cert))
    srv = Vsftpd(name, NS_S, ips["server"], extra={
        "ssl_enable": "YES", "rsa_cert_file": cert, "rsa_private_key_file": key, "force_local_logins_ssl": "YES",
        "force_local_data_ssl": "YES", "require_ssl_reuse": "NO", "ssl_ciphers": "HIGH", "allow_anon_ssl": "NO"}).start()
    cap = Capture(NS_C, "eth0", name + ".pcapng", tool="dumpcap").start()
    cl = run_client(["lftp", "-d", "-c",
                     "set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:verify-certificate no; "
                     "set ftp:passive-mode on; set net:max-retries 2; set net:timeout 10; "
                     "open -u %s,%s ftp://%s; get secret.pdf -o %s; bye" % (USER, PASSWORD, ips["server"], dst)], name=name)
    cap.stop()
    srv.stop()
    expect(cl["exit"] == 0, "lftp exit 0: %s" % cl["stderr"][-600:])
    expect(os.path.getsize(dst) == 25_000, "client file size")
    row = xfer_check(srv, "secret.pdf", "download", 25_000)
    tr, _ = transfers_from_dialog(dialog(cl["stderr"], "---> ", "<--- "))
    sent = [t for d_, t in dialog(cl["stderr"], "---> ", "<--- ") if d_ == ">"]
    expect(sent.index("AUTH TLS") < min(i for i, t in enumerate(sent) if t.startswith("USER")), "AUTH TLS before USER")
    t = truth_doc(name, ftps_explicit_lftp_vsftpd.__doc__, cap, srv, version("lftp --version"), cl["exit"], ips, [
        {"command": "RETR", "file": tr[0]["argument"], "mode": mode_of(tr[0]["setup"]["command"]), "bytes": 25_000,
         "complete": True, "dataConnected": True, "dataPort": tr[0]["setup"]["port"], "reply": 226, "encrypted": True,
         "note": "the RETR, its setup and the data are inside TLS: not visible in the capture"}], {
        "evidence": {"xferlog": [row["line"]], "clientCommands": [s if not s.startswith("PASS") else "PASS ****" for s in sent]},
        "howObtained": {
            "tls": "lftp transcript: AUTH TLS answered 234, sent before USER",
            "transfers": "lftp -d transcript (it logs the commands before encrypting them) and vsftpd's xferlog",
        }})
    t["tls"] = True
    t["userInClear"] = False
    write_truth(name, t)


# ---------------------------------------------------------------- NAT and firewall routers
def router_rules(helper_ports, dnat=None, masquerade_out=None, new_rules=()):
    """nft ruleset for the router: optional DNAT/masquerade, the helper on helper_ports, and a
    forward chain that admits established and RELATED traffic plus new_rules, and drops the rest.
    Sets record every SYN it let through as RELATED and every SYN it dropped: the firewall's
    own account of each data connection."""
    parts = ["table ip ftpr {",
             '  ct helper ftp-std { type "ftp" protocol tcp; }',
             "  set related_syn { type ipv4_addr . ipv4_addr . inet_service; flags dynamic; }",
             "  set dropped_syn { type ipv4_addr . ipv4_addr . inet_service; flags dynamic; }",
             "  set input_syn { type ipv4_addr . ipv4_addr . inet_service; flags dynamic; }",
             "  chain input_filter { type filter hook input priority filter; policy accept;",
             '    tcp flags & (syn | ack) == syn add @input_syn { ip saddr . ip daddr . tcp dport } counter comment "syn-to-router"',
             "  }"]
    if dnat:
        parts.append("  chain dstnat { type nat hook prerouting priority dstnat; policy accept;")
        parts.append('    iifname "cside0" tcp dport %d dnat to %s' % (dnat[0], dnat[1]))
        parts.append("  }")
    if masquerade_out:
        parts.append("  chain srcnat { type nat hook postrouting priority srcnat; policy accept;")
        parts.append('    oifname "%s" masquerade' % masquerade_out)
        parts.append("  }")
    parts.append("  chain helpers { type filter hook prerouting priority filter; policy accept;")
    if helper_ports:
        parts.append('    tcp dport { %s } ct helper set "ftp-std"' % ", ".join(str(p) for p in helper_ports))
    parts.append("  }")
    parts.append("  chain forward_filter { type filter hook forward priority filter; policy drop;")
    parts.append('    ct state established counter accept comment "established"')
    parts.append('    ct state related tcp flags & (syn | ack) == syn add @related_syn { ip saddr . ip daddr . tcp dport } counter accept comment "related-syn"')
    parts.append('    ct state related counter accept comment "related-other"')
    for rule, comment in new_rules:
        parts.append('    %s counter accept comment "%s"' % (rule, comment))
    parts.append('    tcp flags & (syn | ack) == syn add @dropped_syn { ip saddr . ip daddr . tcp dport } counter drop comment "dropped-syn"')
    parts.append('    counter drop comment "dropped-other"')
    parts.append("  }")
    parts.append("}")
    return "\n".join(parts) + "\n"


def firewall_record():
    return {"relatedSyn": nft_set(NS_R, "ip ftpr", "related_syn"), "droppedSyn": nft_set(NS_R, "ip ftpr", "dropped_syn"),
            "synToRouter": nft_set(NS_R, "ip ftpr", "input_syn"),
            "counters": nft_counters(NS_R, "ip ftpr")}


def syn_in(entries, dport):
    return [e for e in entries if e.split()[-1] == str(dport)]


def server_nat(name, helper):
    ips = topo_routed("198.51.100.10/24", "198.51.100.1/24", "192.168.50.1/24", "192.168.50.2/24")
    rules = nft(NS_R, router_rules([21] if helper else [], dnat=(21, "192.168.50.2"), masquerade_out="cside0",
                                   new_rules=[('ct status dnat ct state new', "new-dnat"),
                                              ('iifname "sside0" ct state new', "new-from-server-lan")]), name)
    return ips, rules


# ---------------------------------------------------------------- 9
@scenario
def nat_server_helper(name):
    """The server (vsftpd, 192.168.50.2) sits behind a router that port-forwards 21 (DNAT) and
    masquerades, with the FTP helper attached on the router; lftp (public 198.51.100.10, told to
    trust the 227 address) downloads in passive mode. vsftpd announces its private address; the
    router's nf_nat_ftp rewrites the 227 to 198.51.100.1 and the data connection is RELATED.
    Two captures: the client's eth0 (pcap, Ethernet) and the server's 'any' (pcapng from
    dumpcap, Linux cooked capture)."""
    ips, rules = server_nat(name, helper=True)
    reset_root({"invoice.pdf": 31_415})
    dst = clean_local("invoice.pdf")
    srv = Vsftpd(name, NS_S, ips["server"]).start()
    cap_c = Capture(NS_C, "eth0", name + ".client-side.pcap")
    cap_s = Capture(NS_S, "any", name + ".server-side.pcapng", tool="dumpcap")
    capture_pair([cap_c, cap_s])
    cl = run_client(["lftp", "-d", "-c", LFTP_BASE +
                     "set ftp:passive-mode on; set ftp:prefer-epsv no; set ftp:fix-pasv-address no; "
                     "open -u %s,%s ftp://198.51.100.1; get invoice.pdf -o %s; bye" % (USER, PASSWORD, dst)], name=name)
    fw = firewall_record()
    cap_c.stop()
    cap_s.stop()
    srv.stop()
    expect(cl["exit"] == 0, "lftp exit 0: %s" % cl["stderr"][-600:])
    row = xfer_check(srv, "invoice.pdf", "download", 31_415)
    tr, _ = transfers_from_dialog(dialog(cl["stderr"], "---> ", "<--- "))
    expect(len(tr) == 1 and tr[0]["setup"]["command"] == "PASV", "one PASV transfer: %s" % tr)
    port = tr[0]["setup"]["port"]
    expect(tr[0]["setup"]["address"] == "198.51.100.1", "the client saw the rewritten 227: %s" % tr[0]["setup"])
    expect(len(syn_in(fw["relatedSyn"], port)) == 1 and not fw["droppedSyn"], "router: data SYN related %s" % fw)
    for cap, vantage, control in ((cap_c, "client side of the router", ("198.51.100.10", "198.51.100.1")),
                                  (cap_s, "server side of the router", ("198.51.100.10", "192.168.50.2"))):
        ips2 = dict(ips, controlClient=control[0], controlServer=control[1])
        stem = cap.name.rsplit(".", 1)[0]
        write_truth(stem, truth_doc(stem, nat_server_helper.__doc__, cap, srv, version("lftp --version"), cl["exit"], ips2, [
            {"command": "RETR", "file": tr[0]["argument"], "mode": "passive", "bytes": 31_415, "complete": True,
             "dataConnected": True, "dataPort": port, "reply": 226}], {
            "vantage": vantage, "group": name,
            "firewall": {"where": "router (ftpr-r), forward chain", "helperPorts": [21], "loose": False,
                         "nat": "DNAT 198.51.100.1:21 -> 192.168.50.2:21, masquerade out of the client side",
                         "dataAllowed": [True], "dataAttemptVisible": [True], "ruleset": rules, "record": fw},
            "evidence": {"xferlog": [row["line"]], "client227": tr[0]["setup"]},
            "howObtained": {
                "dataAllowed": "the router's nft set related_syn holds the data connection's SYN (the helper's expectation matched)",
                "bytes": "vsftpd xferlog, equal to the size lftp wrote",
            }}))


# ---------------------------------------------------------------- 10
@scenario
def nat_server_nohelper(name):
    """Same port-forwarding router as nat-server-helper but without the helper: vsftpd's 227
    announces 192.168.50.2, lftp (ftp:fix-pasv-address off, so it trusts the 227) connects there;
    the router drops the SYNs (new, not DNATed), lftp times out, tries once more with a new PASV,
    and never sends RETR; lftp then reconnects and fails the same way (two sessions). (tnftp refuses such a 227 outright: 'Passive mode address mismatch'.)
    tcpdump on the client's eth0 (pcap, Ethernet)."""
    ips, rules = server_nat(name, helper=False)
    reset_root({"invoice.pdf": 31_415})
    dst = clean_local("invoice.pdf")
    srv = Vsftpd(name, NS_S, ips["server"]).start()
    cap = Capture(NS_C, "eth0", name + ".pcap").start()
    cl = run_client(["lftp", "-d", "-c", "set net:max-retries 2; set net:timeout 8; set net:reconnect-interval-base 1; "
                     "set ftp:ssl-allow no; set ftp:passive-mode on; set ftp:prefer-epsv no; set ftp:fix-pasv-address no; "
                     "open -u %s,%s ftp://198.51.100.1; get invoice.pdf -o %s; bye" % (USER, PASSWORD, dst)], name=name, timeout=120)
    fw = firewall_record()
    cap.stop()
    srv.stop()
    d = dialog(cl["stderr"], "---> ", "<--- ")
    tr, setups = transfers_from_dialog(d)
    expect(not os.path.exists(dst) or os.path.getsize(dst) == 0, "nothing downloaded")
    expect(not xfer_for(srv, "invoice.pdf", "download"), "no transfer in xferlog")
    pasv = [s for s in setups if s["command"] == "PASV"]
    expect(pasv and all(s["address"] == "192.168.50.2" for s in pasv), "227 announced the private address: %s" % setups)
    # lftp's transcript shows '---> RETR' and '---> ABOR' after the timeout, but it closes the
    # socket first: only Telnet IP/DM bytes reach the wire. vsftpd's protocol log is the truth.
    received = [l for l in open(os.path.join(RUN, name, "vsftpd.log")) if "FTP command:" in l]
    expect(not any('"RETR' in l for l in received), "vsftpd received no RETR")
    sessions = sum(1 for l in open(os.path.join(RUN, name, "vsftpd.log")) if "CONNECT:" in l)
    for s in pasv:
        expect(syn_in(fw["droppedSyn"], s["port"]), "router dropped the data SYN to %d: %s" % (s["port"], fw))
    expect(not fw["relatedSyn"], "nothing related")
    expect(cl["exit"] != 0, "lftp failed")
    write_truth(name, truth_doc(name, nat_server_nohelper.__doc__, cap, srv, version("lftp --version"), cl["exit"],
                                dict(ips, controlClient="198.51.100.10", controlServer="198.51.100.1"),
                                [], {
        "sessions": sessions,
        "setupsWithoutTransfer": [{"command": "PASV", "reply": 227, "address": "192.168.50.2", "dataPort": s["port"],
                                   "dataConnected": False, "dataAllowed": False, "dataAttemptVisible": True, "session": i}
                                  for i, s in enumerate(pasv)],
        "firewall": {"where": "router (ftpr-r), forward chain", "helperPorts": [], "loose": False,
                     "nat": "DNAT 198.51.100.1:21 -> 192.168.50.2:21, masquerade out of the client side; no helper",
                     "dataAllowed": [], "ruleset": rules, "record": fw},
        "evidence": {"clientOutput": [l for l in cl["stderr"].splitlines() if "onnect" in l or "227" in l or "rror" in l]},
        "howObtained": {
            "setupsWithoutTransfer": "lftp -d transcript (PASV, 227 with 192.168.50.2, 'Connecting data socket', the timeout) and the router's dropped_syn set",
            "transfers": "none: vsftpd's protocol log (log_ftp_protocol) shows no RETR. lftp's own transcript logs "
                         "'---> RETR' and '---> ABOR' after the timeout, but only Telnet IP and IAC DM reach the wire "
                         "before it closes and reconnects (a second session, same story)",
            "sessions": "vsftpd's protocol log: one CONNECT per control connection",
        }}))


# ---------------------------------------------------------------- 11
@scenario
def nat_client_port_nohelper(name):
    """The client (curl, 192.168.60.2) sits behind a masquerading router without the helper and
    uses active mode: PORT carries its private address. proftpd 1.3.8 (AllowForeignAddress on)
    replaces the private address with the control connection's peer and connects to the router's
    public address 203.0.113.1 on the announced port; nothing there forwards it to the client
    (no helper, no expectation), so the router answers RST, proftpd replies 425 and curl fails. Captures: client's eth0 (pcap, Ethernet) and server's 'any' (pcap, Linux
    cooked capture v2)."""
    ips = topo_routed("192.168.60.2/24", "192.168.60.1/24", "203.0.113.1/24", "203.0.113.2/24")
    rules = nft(NS_R, router_rules([], masquerade_out="sside0",
                                   new_rules=[('iifname "cside0" ct state new', "new-from-client-lan")]), name)
    reset_root({"backup.tgz": 64_000})
    dst = clean_local("backup.tgz")
    srv = Proftpd(name, NS_S, ips["server"], extra="AllowForeignAddress on\n").start()
    cap_c = Capture(NS_C, "eth0", name + ".client-side.pcap")
    cap_s = Capture(NS_S, "any", name + ".server-side.pcap")
    capture_pair([cap_c, cap_s])
    cl = run_client(["curl", "-v", "-sS", "-P", "-", "--disable-eprt", "-u", "%s:%s" % (USER, PASSWORD), "-o", dst,
                     "ftp://%s/backup.tgz" % ips["server"]], name=name, timeout=120)
    fw = firewall_record()
    cap_c.stop()
    cap_s.stop()
    srv.stop()
    tr, _ = transfers_from_dialog(curl_dialog(cl["stderr"]))
    expect(cl["exit"] != 0, "curl failed")
    expect(len(tr) == 1 and tr[0]["setup"]["command"] == "PORT" and tr[0]["reply"] == 425, "PORT, RETR, 425: %s" % tr)
    port = tr[0]["setup"]["port"]
    expect(syn_in(fw["synToRouter"], port) or syn_in(fw["droppedSyn"], port), "router got or dropped proftpd's SYN: %s" % fw)
    refused_by_router = bool(syn_in(fw["synToRouter"], port))
    expect(not xfer_for(srv, "backup.tgz", "download") or xfer_for(srv, "backup.tgz", "download")[0]["bytes"] == 0, "nothing sent")
    for cap, vantage, control, visible in ((cap_c, "client side of the router (private)", ("192.168.60.2", "203.0.113.2"), False),
                                           (cap_s, "server side of the router (public)", ("203.0.113.1", "203.0.113.2"), True)):
        stem = cap.name.rsplit(".", 1)[0]
        write_truth(stem, truth_doc(stem, nat_client_port_nohelper.__doc__, cap, srv, version("curl --version"), cl["exit"],
                                    dict(ips, controlClient=control[0], controlServer=control[1]), [
            {"command": "RETR", "file": tr[0]["argument"], "mode": "active", "bytes": 0, "complete": False,
             "dataConnected": False, "dataPort": port, "reply": 425}], {
            "vantage": vantage, "group": name,
            "firewall": {"where": "router (ftpr-r), forward chain", "helperPorts": [], "loose": False,
                         "nat": "masquerade out of the server side; no helper",
                         "dataAllowed": [False], "dataAttemptVisible": [visible], "ruleset": rules, "record": fw},
            "evidence": {"clientError": cl["stderr"].strip().splitlines()[-1], "port": tr[0]["setup"]},
            "howObtained": {
                "dataAllowed": ("the router's input_syn set holds proftpd's SYN to its own address, port %d: "
                                "with no expectation nothing forwarded it, the router's stack answered RST" % port) if refused_by_router
                               else "the router's dropped_syn set holds proftpd's SYNs to port %d" % port,
                "reply": "curl -v transcript: 425 after RETR; curl exit status %d" % cl["exit"],
            }}))


def related_firewall(name, server_port):
    ips = topo_routed("10.88.1.2/24", "10.88.1.1/24", "10.88.2.1/24", "10.88.2.2/24")
    rules = nft(NS_R, router_rules([21], new_rules=[('iifname "cside0" tcp dport { 21, 2121 } ct state new', "new-control")]), name)
    return ips, rules


# ---------------------------------------------------------------- 12
@scenario
def firewall_related_2121(name):
    """A router firewall that admits only established and RELATED traffic besides new control
    connections to 21 and 2121, with the helper attached to port 21 only; vsftpd listens on 2121.
    Python's ftplib tries an active download (PORT: vsftpd's SYNs are dropped, 425) and then a
    passive one (PASV: the client's SYNs are dropped, it gives up before RETR). Captures: the
    client's eth0 (pcap, Ethernet) and the server's eth0 (pcapng from dumpcap)."""
    ips, rules = related_firewall(name, 2121)
    reset_root({"data.csv": 20_000})
    dst = clean_local("data.csv")
    srv = Vsftpd(name, NS_S, ips["server"], port=2121).start()
    cap_c = Capture(NS_C, "eth0", name + ".client-side.pcap")
    cap_s = Capture(NS_S, "eth0", name + ".server-side.pcapng", tool="dumpcap")
    capture_pair([cap_c, cap_s])
    res = ftplib_client({"host": ips["server"], "port": 2121, "family": 4, "user": USER, "password": PASSWORD, "timeout": 12,
                         "steps": [{"op": "retr", "file": "data.csv", "local": dst, "passive": False},
                                   {"op": "retr", "file": "data.csv", "local": dst, "passive": True}]}, name=name)
    fw = firewall_record()
    cap_c.stop()
    cap_s.stop()
    srv.stop()
    steps = res["result"]["steps"]
    tr, setups = transfers_from_dialog(dialog("\n".join(res["result"]["transcript"]), ">>> ", "<<< "))
    expect(len(tr) == 1 and tr[0]["setup"]["command"] == "PORT" and tr[0]["reply"] == 425, "PORT RETR 425: %s" % tr)
    pasv = [s for s in setups if s["command"] == "PASV"]
    expect(len(pasv) == 1 and not pasv[0]["used"] and steps[1]["error"], "PASV without RETR: %s" % setups)
    aport, pport = tr[0]["setup"]["port"], pasv[0]["port"]
    expect(syn_in(fw["droppedSyn"], aport) and syn_in(fw["droppedSyn"], pport) and not fw["relatedSyn"], "both dropped: %s" % fw)
    logged = xfer_for(srv, "data.csv", "download")
    expect(len(logged) == 1 and logged[0]["bytes"] == 0 and logged[0]["status"] == "incomplete", "one failed RETR in xferlog: %s" % logged)
    for cap, vantage, active_visible, passive_visible in ((cap_c, "client side of the firewall", False, True),
                                                          (cap_s, "server side of the firewall", True, False)):
        stem = cap.name.rsplit(".", 1)[0]
        write_truth(stem, truth_doc(stem, firewall_related_2121.__doc__, cap, srv, "Python %s ftplib" % sys.version.split()[0], res["exit"], ips, [
            {"command": "RETR", "file": "data.csv", "mode": "active", "bytes": 0, "complete": False, "dataConnected": False,
             "dataPort": aport, "reply": 425}], {
            "vantage": vantage, "group": name,
            "setupsWithoutTransfer": [{"command": "PASV", "reply": 227, "address": ips["server"], "dataPort": pport,
                                       "dataConnected": False, "dataAllowed": False, "dataAttemptVisible": passive_visible}],
            "firewall": {"where": "router (ftpr-r), forward chain", "helperPorts": [21], "loose": False, "nat": None,
                         "dataAllowed": [False], "dataAttemptVisible": [active_visible], "ruleset": rules, "record": fw},
            "evidence": {"client": steps, "xferlog": [logged[0]["line"]]},
            "howObtained": {
                "dataAllowed": "the router's dropped_syn set holds the SYNs to %d (active) and %d (passive); related_syn is empty" % (aport, pport),
                "transfers": "ftplib_client.py's record: 425 for the active RETR, a connect timeout after PASV (no RETR sent)",
            }}))


# ---------------------------------------------------------------- 13
@scenario
def firewall_related_21(name):
    """The same RELATED-only router firewall with the helper on port 21, and vsftpd on 21: ftplib's
    passive download (PASV) and active upload (PORT) both become RELATED and pass. Captures: the
    client's eth0 (pcap, Ethernet) and the router's 'any' interface (pcap, Linux cooked capture
    v2), where every forwarded packet appears twice, once per interface."""
    ips, rules = related_firewall(name, 21)
    reset_root({"data.csv": 20_000})
    dst = clean_local("data.csv")
    up = local_file("result.csv", 45_678)
    srv = Vsftpd(name, NS_S, ips["server"]).start()
    cap_c = Capture(NS_C, "eth0", name + ".client-side.pcap")
    cap_r = Capture(NS_R, "any", name + ".router-any.pcap")
    capture_pair([cap_c, cap_r])
    res = ftplib_client({"host": ips["server"], "port": 21, "family": 4, "user": USER, "password": PASSWORD, "timeout": 12,
                         "steps": [{"op": "retr", "file": "data.csv", "local": dst, "passive": True},
                                   {"op": "stor", "file": "result.csv", "local": up, "passive": False}]}, name=name)
    fw = firewall_record()
    cap_c.stop()
    cap_r.stop()
    srv.stop()
    steps = res["result"]["steps"]
    expect(res["exit"] == 0, "ftplib exit 0: %s" % res["stdout"][-600:])
    r1 = xfer_check(srv, "data.csv", "download", 20_000)
    r2 = xfer_check(srv, "result.csv", "upload", 45_678)
    tr, _ = transfers_from_dialog(dialog("\n".join(res["result"]["transcript"]), ">>> ", "<<< "))
    pport, aport = tr[0]["setup"]["port"], tr[1]["setup"]["port"]
    expect(syn_in(fw["relatedSyn"], pport) and syn_in(fw["relatedSyn"], aport) and not fw["droppedSyn"], "both related: %s" % fw)
    for cap, vantage in ((cap_c, "client side of the firewall"), (cap_r, "the firewall itself, all interfaces")):
        stem = cap.name.rsplit(".", 1)[0]
        write_truth(stem, truth_doc(stem, firewall_related_21.__doc__, cap, srv, "Python %s ftplib" % sys.version.split()[0], res["exit"], ips, [
            {"command": "RETR", "file": "data.csv", "mode": "passive", "bytes": 20_000, "complete": True, "dataConnected": True,
             "dataPort": pport, "reply": 226},
            {"command": "STOR", "file": "result.csv", "mode": "active", "bytes": 45_678, "complete": True, "dataConnected": True,
             "dataPort": aport, "reply": 226}], {
            "vantage": vantage, "group": name,
            "firewall": {"where": "router (ftpr-r), forward chain", "helperPorts": [21], "loose": False, "nat": None,
                         "dataAllowed": [True, True], "dataAttemptVisible": [True, True], "ruleset": rules, "record": fw},
            "evidence": {"xferlog": [r1["line"], r2["line"]], "client": steps},
            "howObtained": {
                "dataAllowed": "the router's related_syn set holds both data SYNs (ports %d and %d); dropped_syn is empty" % (pport, aport),
                "bytes": "vsftpd xferlog, equal to the client's counts",
            }}))

# ---------------------------------------------------------------- main
def main(argv):
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        print("scenarios: " + " ".join(SCENARIOS))
        return 2
    if argv[0] == "--list":
        print("\n".join(SCENARIOS))
        return 0
    names = list(SCENARIOS) if argv == ["all"] else argv
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        print("unknown scenario(s): %s\nknown: %s" % (" ".join(unknown), " ".join(SCENARIOS)), file=sys.stderr)
        return 2
    if os.geteuid() != 0:
        print("record.py needs root (network namespaces, nft, tcpdump)", file=sys.stderr)
        return 2
    os.makedirs(OUT, exist_ok=True)
    os.makedirs(RUN, exist_ok=True)
    ensure_user()
    failed = []
    for n in names:
        print("== %s" % n, flush=True)
        try:
            SCENARIOS[n](n)
            print("   ok", flush=True)
        except Exception as e:  # noqa: BLE001 - report and go on with the next scenario
            import traceback
            traceback.print_exc()
            failed.append(n)
        finally:
            teardown()
    if failed:
        print("FAILED: %s" % " ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
