#!/usr/bin/env python3
"""
gen_cases.py -- writes cases.json: ftpcap's own kernel-oracle cases, in the
case format of shared/oracle (see ftp_oracle.py next to this file).

Reproducible: every random choice comes from random.Random("<SEED>:<category>"),
so re-running this script gives the same cases.json byte for byte, and changing
one category does not reshuffle the others.

    python3 gen_cases.py            # rewrites cases.json
    python3 gen_cases.py --check    # exit 1 if cases.json is not what it would write

Categories (id prefix):
  fuzz_port_*      random PORT lines (digits, separators, spaces, case, octets > 255,
                   missing / extra / empty fields, terminators), IPv4, loose on or off
  fuzz_eprt_*      random EPRT |1| lines
  fuzz_eprt6_*     random EPRT |2| lines on IPv6 (spellings of the link-local address)
  fuzz_227_*       random 227 replies, each twice: *_srv (helper on the server, as
                   shared/oracle: a dropped reply never reaches the wire) and *_cli
                   (helper on the client: the dropped reply is on the capture)
  fuzz_229_*       random 229 replies, *_srv and *_cli, IPv4 and IPv6
  split_port_bNN   "PORT 10,77,0,1,4,NN\\r\\n" written in two parts, split after byte NN
  split_227_bNN_*  "227 Entering Passive Mode (10,77,0,2,4,NN)\\r\\n" split after byte NN,
                   _srv and _cli
  v6_*             IPv6: PORT/227 on IPv6 (fe80:0000 prefix, loose), EPRT/229, data connections
  loose_*          the address check with loose=N and loose=Y
  clash_*          second (and third) control connections: -EBUSY clashes, replacement, use
  hp_*             helper ports vs server port
  line_*           line-start bookkeeping (segments without LF, several lines per segment)
  eprt6_addr_*     one IPv6 EPRT per spelling of the address (in6_pton quirks), loose=N
  eprt4_addr_*     the same for EPRT |1| (try_number quirks)
  epsv_port_*      229 port edge cases (16-bit wrap, zeros, signs), helper on the client
  data_*           data connections using (or not) the expectation

Not covered: expectation expiry (300 s; too slow to run live).
"""
import json
import os
import random
import sys

SEED = 20260526
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "cases.json")

# Fixed by ftp_oracle.py (veth MACs 02:00:00:00:00:01/02)
CIP, SIP = "10.77.0.1", "10.77.0.2"
CIP6, SIP6 = "fe80::ff:fe00:1", "fe80::ff:fe00:2"

DROP_WAIT = 1.0  # long enough for a few retransmissions / an unanswered PASV


def s(data, **kw):
    d = {"dir": "s", "data": data}
    d.update(kw)
    return d


def c(data, **kw):
    d = {"dir": "c", "data": data}
    d.update(kw)
    return d


def pre_ctrl(conn=None):
    k = {} if conn is None else {"conn": conn}
    return [s("220 ready\r\n", **k), c("USER a\r\n", **k), s("331 ok\r\n", **k)]


def pre_pasv(cmd="PASV", conn=None):
    k = {} if conn is None else {"conn": conn}
    return pre_ctrl(conn) + [c("PASS x\r\n", **k), s("230 ok\r\n", **k), c(cmd + "\r\n", **k)]


def case(id, desc, steps, family=4, server_port=21, helper_ports=(21,), loose=False,
         nconn=1, final_wait=DROP_WAIT, helper_host="server", nodelay=True):
    d = dict(id=id, desc=desc, family=family, server_port=server_port,
             helper_ports=list(helper_ports), loose=bool(loose), nconn=nconn,
             steps=steps, final_wait=final_wait)
    if helper_host != "server":
        d["helper_host"] = helper_host
    if not nodelay:
        d["nodelay"] = False
    return d


def key(step):
    step["key"] = True
    return step


def rand_case(rng, word):
    while True:
        w = "".join(ch.lower() if rng.random() < 0.5 else ch for ch in word)
        if w != word:
            return w


def foreign_v4(rng):
    return rng.choice(["192.168.7.9", "0.0.0.0", "255.255.255.255", "127.0.0.1",
                       "10.77.0.9", "10.77.0.2", "172.16.%d.%d" % (rng.randint(0, 255), rng.randint(1, 254))])


def pad0(rng, v):
    return "0" * rng.randint(1, 4) + v


# ------------------------------------------------------------------ PORT / 227 fields
NUMBER_OPS = ["octet_over", "port_over", "huge", "zeros", "empty", "missing", "extra", "sep",
              "space", "sign", "foreign", "random_digits", "hex"]


def mutate_fields(rng, ops, fields, seps, loose_hint):
    """fields: list of str (4 address, 2 port); seps: list of str between them."""
    notes = []
    for op in ops:
        if op == "missing" and len(fields) > 1:
            i = rng.randrange(len(fields))
            del fields[i]
            del seps[min(i, len(seps) - 1)]
            notes.append("field %d missing" % (i + 1))
        elif op == "extra":
            i = rng.randint(0, len(fields))
            fields.insert(i, str(rng.randint(0, 300)))
            seps.insert(min(i, len(seps)), ",")
            notes.append("extra field at %d" % (i + 1))
    for op in ops:
        if op in ("missing", "extra"):
            continue
        n = len(fields)
        if op == "octet_over":
            i = rng.randrange(min(4, n))
            fields[i] = str(int(fields[i] or 0) + 256 * rng.randint(1, 4))
            notes.append("octet %d > 255" % (i + 1))
        elif op == "port_over" and n >= 6:
            i = rng.choice([4, 5])
            fields[i] = str(int(fields[i] or 0) + 256 * rng.randint(1, 300))
            notes.append("port byte %d > 255" % (i - 3))
        elif op == "huge":
            i = rng.randrange(n)
            fields[i] = str(rng.randint(10 ** 9, 10 ** 12))
            notes.append("field %d huge (u32 wrap)" % (i + 1))
        elif op == "zeros":
            for i in rng.sample(range(n), rng.randint(1, n)):
                fields[i] = pad0(rng, fields[i])
            notes.append("leading zeros")
        elif op == "empty":
            i = rng.randrange(n)
            fields[i] = ""
            notes.append("field %d empty" % (i + 1))
        elif op == "sep" and seps:
            j = rng.randrange(len(seps))
            seps[j] = rng.choice([".", ";", " ", ",,", "|", ", ", "/", "\t"])
            notes.append("separator %d is %r" % (j + 1, seps[j]))
        elif op == "space":
            i = rng.randrange(n)
            fields[i] = " " + fields[i] if rng.random() < 0.5 else fields[i] + " "
            notes.append("space at field %d" % (i + 1))
        elif op == "sign":
            i = rng.randrange(n)
            fields[i] = rng.choice("+-") + fields[i]
            notes.append("sign on field %d" % (i + 1))
        elif op == "foreign" and n >= 4:
            fields[0:4] = foreign_v4(rng).split(".")
            notes.append("foreign address")
        elif op == "random_digits":
            for i in range(n):
                fields[i] = str(rng.randint(0, 999))
            notes.append("random numbers")
        elif op == "hex":
            i = rng.randrange(n)
            fields[i] = "0x%x" % int(fields[i] or 0)
            notes.append("hex field %d" % (i + 1))
    return notes


def join_fields(fields, seps):
    out = fields[0]
    for i, f in enumerate(fields[1:]):
        out += (seps[i] if i < len(seps) else ",") + f
    return out


def fuzz_port(rng, n):
    out, seen = [], set()
    while len(out) < n:
        k = len(out)
        p1, p2 = rng.randint(1, 250), rng.randint(0, 255)
        fields = ["10", "77", "0", "1", str(p1), str(p2)]
        seps = [","] * 5
        kw, after, term = "PORT", " ", "\r\n"
        ops = rng.sample(NUMBER_OPS + ["case", "kw", "after", "term", "term", "paren"],
                         rng.choice([1, 1, 2, 2, 2, 3]))
        notes = mutate_fields(rng, ops, fields, seps, False)
        if "case" in ops:
            kw = rand_case(rng, "PORT")
            notes.append("keyword %r" % kw)
        if "kw" in ops:
            kw = rng.choice(["PORTS", "PORT_", "PORTPORT", "P0RT", "PORt", "pORTX"])
            notes.append("keyword %r" % kw)
        if "after" in ops:
            after = rng.choice(["  ", "\t", "", " (", "=", " \t", "   ", ": "])
            notes.append("after keyword %r" % after)
        if "term" in ops:
            term = rng.choice(["\n", "\r", " \r\n", "\r\r\n", "\t\r\n", "", ")\r\n", "\r\nNOOP\r\n",
                               "\n\r", "\r\n\r\n", "\x00\r\n", ",\r\n", "x\r\n"])
            notes.append("terminator %r" % term)
        if "paren" in ops:
            after, term = after + "(", ")" + term
            notes.append("in parentheses")
        line = kw + after + join_fields(fields, seps) + term
        loose = rng.random() < 0.3
        if line in seen:
            continue
        seen.add(line)
        out.append(case("fuzz_port_%02d" % k, "PORT fuzz: " + "; ".join(notes),
                        pre_ctrl() + [key(c(line))], loose=loose))
    return out


def fuzz_227(rng, n):
    lines, seen = [], set()
    while len(lines) < n:
        k = len(lines)
        p1, p2 = rng.randint(1, 250), rng.randint(0, 255)
        fields = ["10", "77", "0", "2", str(p1), str(p2)]
        seps = [","] * 5
        kw, text, open_, close, term = "227 ", "Entering Passive Mode ", "(", ")", "\r\n"
        ops = rng.sample(NUMBER_OPS + ["kw", "text", "text", "parens", "close", "term"],
                         rng.choice([1, 1, 2, 2, 2, 3]))
        notes = mutate_fields(rng, ops, fields, seps, False)
        if "kw" in ops:
            kw = rng.choice(["227-", "2270 ", "227\t", " 227 ", "227  ", "227", "227 227 "])
            notes.append("code %r" % kw)
        if "text" in ops:
            text = rng.choice(["", "Entering Passive Mode v2 ", "OK ", "Entering passive mode. ",
                               "=", "Passive (EPSV unsupported) ", "at 10:00 ", "Entering Passive Mode: ",
                               "ENTERING PASSIVE MODE ", "Entering Passive Mode\r\n "])
            notes.append("text %r" % text)
        if "parens" in ops:
            open_, close = rng.choice([("", ""), ("[", "]"), ("(", ""), ("", ")"), ("=", "")])
            notes.append("brackets %r%r" % (open_, close))
        if "close" in ops:
            close = rng.choice(["", ".", "))", " ", ",", ")."])
            notes.append("after numbers %r" % close)
        if "term" in ops:
            term = rng.choice(["\n", "", "\r", "\r\n227 Entering Passive Mode (10,77,0,2,9,9)\r\n", "\r\n\r\n"])
            notes.append("terminator %r" % term)
        line = kw + text + open_ + join_fields(fields, seps) + close + term
        loose = rng.random() < 0.3
        if line in seen:
            continue
        seen.add(line)
        lines.append(("fuzz_227_%02d" % k, "227 fuzz: " + "; ".join(notes), line, loose))
    out = []
    for cid, desc, line, loose in lines:
        for host in ("srv", "cli"):
            out.append(case("%s_%s" % (cid, host), desc + " [helper on %s]" % ("server" if host == "srv" else "client"),
                            pre_pasv() + [key(s(line))], loose=loose,
                            helper_host="server" if host == "srv" else "client"))
    return out


DELIMS = list("!#$%&*+-./:;<=>?@^_~aZ")


def fuzz_eprt(rng, n, family):
    out, seen = [], set()
    while len(out) < n:
        k = len(out)
        port = str(rng.randint(1024, 65535))
        d = "|"
        fam = "1" if family == 4 else "2"
        addr = CIP if family == 4 else CIP6
        kw, after, term = "EPRT", " ", "\r\n"
        ds = [None, None, None, None]  # overrides
        ops = rng.sample(["delim", "delim_mismatch", "family", "addr", "port", "port",
                          "missing_final", "after", "term", "case", "short"] + ["addr"] * (1 if family == 4 else 4),
                         rng.choice([1, 1, 2, 2, 3]))
        if ops.count("addr") > 1:
            ops = [op for op in ops if op != "addr"] + ["addr"]
        notes = []
        for op in ops:
            if op == "delim":
                d = rng.choice(DELIMS + [" ", "5", "\x7f", "\xa6"])
                notes.append("delimiter %r" % d)
            elif op == "delim_mismatch":
                ds[rng.randrange(1, 4)] = rng.choice(["!", "|", "/", ""])
                notes.append("mismatched delimiter")
            elif op == "family":
                fam = rng.choice(["0", "2" if family == 4 else "1", "3", "11", "", " 1", "a", "12"])
                notes.append("family %r" % fam)
            elif op == "addr":
                if family == 4:
                    o = CIP.split(".")
                    m = rng.choice(["over", "three", "five", "zeros", "empty", "foreign", "space", "huge", "trail",
                                    "v6"])
                    if m == "over":
                        i = rng.randrange(4)
                        o[i] = str(int(o[i]) + 256 * rng.randint(1, 3))
                    elif m == "three":
                        o = o[:3]
                    elif m == "five":
                        o = o + ["7"]
                    elif m == "zeros":
                        o = [pad0(rng, x) for x in o]
                    elif m == "empty":
                        o[rng.randrange(4)] = ""
                    elif m == "foreign":
                        o = foreign_v4(rng).split(".")
                    elif m == "space":
                        o[rng.randrange(4)] += " "
                    elif m == "huge":
                        o = ["0", "0", "0", str(0x0A4D0001 if rng.random() < 0.5 else rng.randint(2 ** 32, 2 ** 34))]
                    elif m == "trail":
                        o = o + [""]
                    elif m == "v6":
                        o = [CIP6]
                    addr = ".".join(o)
                else:
                    addr = rng.choice([
                        "FE80::FF:FE00:1", "fe80:0:0:0:0:ff:fe00:1", "fe80:0000:0000:0000:0000:00ff:fe00:0001",
                        "fe80::ff:254.0.0.1", "fe80::0ff:fe00:0001", "fe80::ff:fe00:1%kcv0", "fe80::ff::1",
                        "fe80:0:0:0:0:0:ff:fe00:1", "fe80::ff:fe00:00001", "::", SIP6, "::ffff:10.77.0.1",
                        CIP, "fe80::ff:fe00:1:", "[fe80::ff:fe00:1]", "fe80::ff:fe00:g1", "", "fe80::1",
                        "fe80:0::ff:fe00:1", "Fe80::fF:Fe00:1", ":fe80::ff:fe00:1", "fe80::ff:fe00:1.2.3.4"])
                notes.append("address %r" % addr)
            elif op == "port":
                port = rng.choice(["0", "65535", "65536", "70000", str(65536 * rng.randint(1, 9) + rng.randint(1, 65535)),
                                   "99999999", "000" + port, "", port + "x", "-" + port, port + " ", " " + port,
                                   "1", "0" * 7 + "21"])
                notes.append("port %r" % port)
            elif op == "missing_final":
                ds[3] = ""
                notes.append("no closing delimiter")
            elif op == "after":
                after = rng.choice(["  ", "\t", "", "=", " \t"])
                notes.append("after keyword %r" % after)
            elif op == "term":
                term = rng.choice(["\n", "", "\r", " junk\r\n", "|\r\n", "\r\nNOOP\r\n"])
                notes.append("terminator %r" % term)
            elif op == "case":
                kw = rand_case(rng, "EPRT")
                notes.append("keyword %r" % kw)
            elif op == "short":
                notes.append("argument cut to 3 bytes")
        dl = [d if x is None else x for x in ds]
        dl[0] = d if ds[0] is None else ds[0]
        arg = dl[0] + fam + dl[1] + addr + dl[2] + port + dl[3]
        if "short" in ops:
            arg = arg[:3]
        line = kw + after + arg + term
        loose = rng.random() < 0.3
        if line in seen:
            continue
        seen.add(line)
        out.append(case("fuzz_eprt%s_%02d" % ("" if family == 4 else "6", k),
                        "EPRT%s fuzz: %s" % ("" if family == 4 else " (IPv6)", "; ".join(notes) or "plain"),
                        pre_ctrl() + [key(c(line))], family=family, loose=loose))
    return out


def fuzz_229(rng, n):
    lines, seen = [], set()
    while len(lines) < n:
        k = len(lines)
        family = 6 if k % 3 == 2 else 4
        port = str(rng.randint(1024, 65535))
        kw, text, open_, d, close, term = "229 ", "Entering Extended Passive Mode ", "(", "|", ")", "\r\n"
        mid = None
        ops = rng.sample(["kw", "text", "open", "delim", "delims", "port", "port", "close", "term", "eprt_form"],
                         rng.choice([1, 1, 2, 2, 3]))
        notes = []
        for op in ops:
            if op == "kw":
                kw = rng.choice(["229-", "2290 ", "229\t", "229  ", "229", "229(", " 229 "])
                notes.append("code %r" % kw)
            elif op == "text":
                text = rng.choice(["", "Entering Extended Passive Mode v2 ", "EPSV ok ", "Extended (really) ",
                                   "ENTERING EXTENDED PASSIVE MODE "])
                notes.append("text %r" % text)
            elif op == "open":
                open_ = rng.choice(["", "[", "( ", "(("])
                notes.append("open %r" % open_)
            elif op == "delim":
                d = rng.choice(DELIMS + [" ", "7", "\x7f"])
                notes.append("delimiter %r" % d)
            elif op == "delims":
                mid = rng.choice(["||", "||||", "|!|", "|| |", "|1|"])
                notes.append("delimiters %r" % mid)
            elif op == "port":
                port = rng.choice(["0", "65535", "65536", "70000", str(65536 * rng.randint(1, 9) + rng.randint(1, 65535)),
                                   "00" + port, "", port + "x", port + " ", "12a4"])
                notes.append("port %r" % port)
            elif op == "close":
                close = rng.choice(["", ".", "))", " ", "|)"])
                notes.append("close %r" % close)
            elif op == "term":
                term = rng.choice(["\n", "", "\r"])
                notes.append("terminator %r" % term)
            elif op == "eprt_form":
                mid = "|%d|%s|" % (1 if family == 4 else 2, SIP if family == 4 else SIP6)
                notes.append("address inside (EPRT form)")
        body = (mid if mid is not None else d * 3) + port + d
        line = kw + text + open_ + body + close + term
        loose = rng.random() < 0.3
        if (line, family) in seen:
            continue
        seen.add((line, family))
        lines.append(("fuzz_229_%02d" % k, "229 fuzz%s: %s" % (" (IPv6)" if family == 6 else "", "; ".join(notes)),
                      line, loose, family))
    out = []
    for cid, desc, line, loose, family in lines:
        for host in ("srv", "cli"):
            out.append(case("%s_%s" % (cid, host), desc + " [helper on %s]" % ("server" if host == "srv" else "client"),
                            pre_pasv("EPSV") + [key(s(line))], loose=loose, family=family,
                            helper_host="server" if host == "srv" else "client"))
    return out


# ------------------------------------------------------------------ splits
def split_port():
    line = "PORT 10,77,0,1,4,77\r\n"   # 21 bytes, port 1101
    out = []
    for b in range(1, len(line)):
        out.append(case("split_port_b%02d" % b, "PORT split after byte %d: %r + %r" % (b, line[:b], line[b:]),
                        pre_ctrl() + [key(c(line[:b])), key(c(line[b:]))]))
    return out


def split_227():
    line = "227 Entering Passive Mode (10,77,0,2,4,88)\r\n"   # 44 bytes, port 1112
    out = []
    for b in range(1, len(line)):
        for host in ("srv", "cli"):
            out.append(case("split_227_b%02d_%s" % (b, host),
                            "227 split after byte %d: %r + %r [helper on %s]" % (
                                b, line[:b], line[b:], "server" if host == "srv" else "client"),
                            pre_pasv() + [key(s(line[:b])), key(s(line[b:]))],
                            helper_host="server" if host == "srv" else "client"))
    return out


# ------------------------------------------------------------------ hand-written
def ipv6_cases():
    out = []
    both = lambda cid, desc, steps, **kw: [case(cid + "_srv", desc + " [helper on server]", steps, **kw),
                                            case(cid + "_cli", desc + " [helper on client]", steps,
                                                 helper_host="client", **kw)]
    out.append(case("v6_port_fe80_prefix", "IPv6 PORT 254,128,0,0 = fe80:0000: only the first 4 bytes are "
                    "overwritten, so the address equals the client's link-local one",
                    pre_ctrl() + [key(c("PORT 254,128,0,0,4,21\r\n"))], family=6))
    out.append(case("v6_port_loose", "IPv6 PORT with loose=Y: expectation to a bogus address (4 bytes replaced)",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,22\r\n"))], family=6, loose=True))
    out.append(case("v6_port_strict", "IPv6 PORT with loose=N: ignored",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,23\r\n"))], family=6))
    out.append(case("v6_port_bad_term", "IPv6 PORT ending in bare LF: still parsed, so dropped",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,24\n"))], family=6))
    out += both("v6_227_fe80_prefix", "IPv6 227 (254,128,0,0,...): equals the server's link-local prefix",
                pre_pasv() + [key(s("227 Entering Passive Mode (254,128,0,0,4,25)\r\n"))], family=6)
    out += both("v6_227_loose", "IPv6 227 with loose=Y: expectation to a bogus address",
                pre_pasv() + [key(s("227 Entering Passive Mode (10,77,0,2,4,26)\r\n"))], family=6, loose=True)
    out += both("v6_229_basic", "IPv6 229", pre_pasv("EPSV") + [key(s("229 Entering Extended Passive Mode (|||1051|)\r\n"))],
                family=6)
    out.append(case("v6_eprt_foreign_loose", "IPv6 EPRT naming another address, loose=Y",
                    pre_ctrl() + [key(c("EPRT |2|fe80::1234|1052|\r\n"))], family=6, loose=True))
    out.append(case("v6_eprt_foreign_strict", "IPv6 EPRT naming another address, loose=N",
                    pre_ctrl() + [key(c("EPRT |2|fe80::1234|1053|\r\n"))], family=6))
    out.append(case("v6_eprt_v4_loose", "IPv6 EPRT |1| with loose=Y: family check still fails",
                    pre_ctrl() + [key(c("EPRT |1|10.77.0.1|1054|\r\n"))], family=6, loose=True))
    out.append(case("v6_eprt_then_data", "IPv6 EPRT, then the server connects: expectation used",
                    pre_ctrl() + [key(c("EPRT |2|%s|1055|\r\n" % CIP6)), {"op": "data_connect", "port": 1055, "active": True}],
                    family=6, final_wait=0.4))
    out.append(case("v6_epsv_then_data", "IPv6 229, then the client connects: expectation used",
                    pre_pasv("EPSV") + [key(s("229 Entering Extended Passive Mode (|||1056|)\r\n")),
                                        {"op": "data_connect", "port": 1056, "active": False}],
                    family=6, final_wait=0.4))
    out.append(case("v6_eprt_first_segment", "IPv6 EPRT as the client's first segment: not parsed",
                    [s("220 ready\r\n"), key(c("EPRT |2|%s|1057|\r\n" % CIP6))], family=6))
    out.append(case("v6_clash_eprt", "IPv6: two control connections, EPRT to the same port: 2nd clashes",
                    pre_ctrl(0) + pre_ctrl(1) + [key(c("EPRT |2|%s|1058|\r\n" % CIP6, conn=0)),
                                                 key(c("EPRT |2|%s|1058|\r\n" % CIP6, conn=1))],
                    family=6, nconn=2))
    return out


def loose_cases():
    out = []
    for lo in (False, True):
        t = "Y" if lo else "N"
        out.append(case("loose_%s_port_foreign" % t, "PORT to 192.168.7.9",
                        pre_ctrl() + [key(c("PORT 192,168,7,9,4,31\r\n"))], loose=lo))
        out.append(case("loose_%s_port_zero_addr" % t, "PORT 0,0,0,0",
                        pre_ctrl() + [key(c("PORT 0,0,0,0,4,32\r\n"))], loose=lo))
        out.append(case("loose_%s_port_server_addr" % t, "PORT naming the server itself",
                        pre_ctrl() + [key(c("PORT 10,77,0,2,4,33\r\n"))], loose=lo))
        out.append(case("loose_%s_port_alias_foreign" % t, "PORT 10,77,256,9: OR-wraps to 10.77.1.9",
                        pre_ctrl() + [key(c("PORT 10,77,256,9,4,34\r\n"))], loose=lo))
        out.append(case("loose_%s_eprt_foreign" % t, "EPRT naming 192.168.7.9",
                        pre_ctrl() + [key(c("EPRT |1|192.168.7.9|1059|\r\n"))], loose=lo))
        out.append(case("loose_%s_eprt_alias" % t, "EPRT 10.77.0.257: 257 sets bit 8, OR gives 10.77.1.1",
                        pre_ctrl() + [key(c("EPRT |1|10.77.0.257|1060|\r\n"))], loose=lo))
        for host in ("srv", "cli"):
            out.append(case("loose_%s_227_foreign_%s" % (t, host), "227 naming 192.168.7.9 [helper on %s]" % host,
                            pre_pasv() + [key(s("227 Entering Passive Mode (192,168,7,9,4,35)\r\n"))], loose=lo,
                            helper_host="server" if host == "srv" else "client"))
    out.append(case("loose_N_port_alias_first_octet", "PORT 266,77,0,1: 266<<24 wraps to 10<<24, own address",
                    pre_ctrl() + [key(c("PORT 266,77,0,1,4,36\r\n"))]))
    out.append(case("loose_N_port_u32_address", "PORT 0,0,0,172818433: one field holds all of 10.77.0.1",
                    pre_ctrl() + [key(c("PORT 0,0,0,172818433,4,37\r\n"))]))
    out.append(case("loose_N_port_u32_wrap", "PORT 4294967306,77,0,1: field wraps mod 2^32 to 10",
                    pre_ctrl() + [key(c("PORT 4294967306,77,0,1,4,38\r\n"))]))
    out.append(case("loose_N_227_alias_own", "227 (10,76,256,2): OR-wraps to the server's address",
                    pre_pasv() + [key(s("227 Entering Passive Mode (10,76,256,2,4,39)\r\n"))], helper_host="client"))
    out.append(case("loose_Y_port_port_zero", "PORT 10,77,0,1,0,0: port 0 is not checked for PORT",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,0,0\r\n"))], loose=True))
    out.append(case("loose_Y_229", "229 with loose=Y (no address in 229)",
                    pre_pasv("EPSV") + [key(s("229 Entering Extended Passive Mode (|||1061|)\r\n"))], loose=True))
    return out


def clash_cases():
    out = []
    P = lambda port, conn: c("PORT 10,77,0,1,%d,%d\r\n" % (port >> 8, port & 255), conn=conn)
    out.append(case("clash_port_same", "2 control connections, same PORT: 2nd dropped (-EBUSY)",
                    pre_ctrl(0) + pre_ctrl(1) + [key(P(1201, 0)), key(P(1201, 1))], nconn=2))
    out.append(case("clash_port_different", "2 control connections, different ports: both kept",
                    pre_ctrl(0) + pre_ctrl(1) + [key(P(1202, 0)), key(P(1203, 1))], nconn=2, final_wait=0.4))
    out.append(case("clash_port_eprt", "conn 0 PORT, conn 1 EPRT to the same port: same tuple, clash",
                    pre_ctrl(0) + pre_ctrl(1) + [key(P(1204, 0)), key(c("EPRT |1|10.77.0.1|1204|\r\n", conn=1))],
                    nconn=2))
    for host in ("srv", "cli"):
        hh = "server" if host == "srv" else "client"
        out.append(case("clash_227_same_%s" % host, "2 control connections, same 227 port: 2nd clashes [helper on %s]" % hh,
                        pre_pasv(conn=0) + pre_pasv(conn=1) + [
                            key(s("227 Entering Passive Mode (10,77,0,2,4,181)\r\n", conn=0)),
                            key(s("227 Entering Passive Mode (10,77,0,2,4,181)\r\n", conn=1))],
                        nconn=2, helper_host=hh))
        out.append(case("clash_229_same_%s" % host, "2 control connections, same 229 port [helper on %s]" % hh,
                        pre_pasv("EPSV", conn=0) + pre_pasv("EPSV", conn=1) + [
                            key(s("229 Entering Extended Passive Mode (|||1206|)\r\n", conn=0)),
                            key(s("229 Entering Extended Passive Mode (|||1206|)\r\n", conn=1))],
                        nconn=2, helper_host=hh))
        out.append(case("clash_227_vs_229_%s" % host, "conn 0 227, conn 1 229 to the same port [helper on %s]" % hh,
                        pre_pasv(conn=0) + pre_pasv("EPSV", conn=1) + [
                            key(s("227 Entering Passive Mode (10,77,0,2,4,183)\r\n", conn=0)),
                            key(s("229 Entering Extended Passive Mode (|||1207|)\r\n", conn=1))],
                        nconn=2, helper_host=hh))
    out.append(case("clash_after_use", "conn 0 PORT, its data connection uses it, then conn 1 same PORT: no clash",
                    pre_ctrl(0) + pre_ctrl(1) + [key(P(1208, 0)), {"op": "data_connect", "port": 1208, "active": True},
                                                 key(P(1208, 1))], nconn=2, final_wait=0.4))
    out.append(case("clash_after_replace", "conn 0 PORT p then PORT q, conn 1 PORT p: p was replaced, no clash",
                    pre_ctrl(0) + pre_ctrl(1) + [key(P(1209, 0)), key(P(1210, 0)), key(P(1209, 1))],
                    nconn=2, final_wait=0.4))
    out.append(case("clash_then_freed", "conn 1 clashes, conn 0's expectation is used, "
                    "conn 1's retransmission then registers",
                    pre_ctrl(0) + pre_ctrl(1) + [key(P(1211, 0)), dict(key(P(1211, 1)), sleep=0.05),
                                                 {"op": "data_connect", "port": 1211, "active": True}],
                    nconn=2, final_wait=1.5))
    out.append(case("clash_loose_foreign", "loose=Y: both connections PORT the same foreign host and port",
                    pre_ctrl(0) + pre_ctrl(1) + [key(c("PORT 192,168,7,9,4,188\r\n", conn=0)),
                                                 key(c("PORT 192,168,7,9,4,188\r\n", conn=1))],
                    nconn=2, loose=True))
    out.append(case("clash_three_conns", "3 connections: p, q, p: the third clashes",
                    pre_ctrl(0) + pre_ctrl(1) + pre_ctrl(2) + [key(P(1213, 0)), key(P(1214, 1)), key(P(1213, 2))],
                    nconn=3))
    out.append(case("clash_port_vs_227", "conn 0 PORT p (server->client:p), conn 1 227 p (client->server:p): no clash",
                    pre_ctrl(0) + pre_pasv(conn=1) + [key(P(1215, 0)),
                                                      key(s("227 Entering Passive Mode (10,77,0,2,4,191)\r\n", conn=1))],
                    nconn=2, final_wait=0.4))
    out.append(case("clash_same_conn_twice", "one connection sends the same PORT twice: re-registration, no drop",
                    pre_ctrl() + [key(P(1216, 0)), key(P(1216, 0))], final_wait=0.4))
    out.append(case("clash_ignored_does_not_clash", "conn 1's PORT names a foreign host (ignored, loose=N): "
                    "no expectation, so no clash",
                    pre_ctrl(0) + pre_ctrl(1) + [key(P(1217, 0)), key(c("PORT 10,77,0,9,4,193\r\n", conn=1))],
                    nconn=2, final_wait=0.4))
    return out


def hp_cases():
    out = []
    out.append(case("hp_2121_rule_server21", "server on 21, rule only for 2121: not attached",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,201\r\n"))], helper_ports=[2121]))
    out.append(case("hp_2121_rule_server2121", "server on 2121 with a rule for 2121",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,202\r\n"))], server_port=2121, helper_ports=[2121]))
    out.append(case("hp_no_rule", "no helper rule at all", pre_ctrl() + [key(c("PORT 10,77,0,1,4,203\r\n"))],
                    helper_ports=[]))
    out.append(case("hp_multi_990", "rule for 21, 990, 2121; server on 990",
                    pre_ctrl() + [key(c("EPRT |1|10.77.0.1|1228|\r\n"))], server_port=990, helper_ports=[21, 990, 2121]))
    out.append(case("hp_2121_bad_port_line", "server on 2121, rule for 2121: a broken PORT is dropped there too",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,205\n"))], server_port=2121, helper_ports=[2121]))
    out.append(case("hp_8021_unattached_bad_line", "server on 8021, rule for 21 only: a broken PORT passes",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,206\n"))], server_port=8021, helper_ports=[21]))
    for host in ("srv", "cli"):
        out.append(case("hp_2121_227_%s" % host, "server on 2121 with a rule for 2121, 227 [helper on %s]" % host,
                        pre_pasv() + [key(s("227 Entering Passive Mode (10,77,0,2,4,207)\r\n"))],
                        server_port=2121, helper_ports=[2121], helper_host="server" if host == "srv" else "client"))
    return out


def line_cases():
    out = []
    out.append(case("line_bare_cr_then_port", "'NOOP\\r' (no LF), then PORT: not at a known line start",
                    pre_ctrl() + [c("NOOP\r"), key(c("PORT 10,77,0,1,4,211\r\n"))]))
    out.append(case("line_cr_then_lf_then_port", "PORT ending in CR, a lone LF, then PORT: the 1st and 3rd parsed",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,212\r")), c("\n"), key(c("PORT 10,77,0,1,4,213\r\n"))]))
    out.append(case("line_two_ports_one_segment", "two PORT lines in one segment: only the first is seen",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,214\r\nPORT 10,77,0,1,4,215\r\n"))]))
    out.append(case("line_port_then_partial", "PORT line followed by 'NOO' in the same segment, then 'P\\r\\n', then PORT",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,216\r\nNOO")), c("P\r\n"), key(c("PORT 10,77,0,1,4,217\r\n"))]))
    out.append(case("line_long_segment", "PORT at byte 0 of a 1400-byte segment that ends in LF",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,218\r\n" + "NOOP\r\n" * 229 + "X\r\n"))]))
    out.append(case("line_eprt_after_junk_lf", "junk without CR but with LF, then EPRT",
                    pre_ctrl() + [c("XYZZY\n"), key(c("EPRT |1|10.77.0.1|1243|\r\n"))]))
    out.append(case("line_nagle_burst", "Nagle on, NOOP and PORT written back to back",
                    pre_ctrl() + [c("NOOP\r\n", sleep=0), key(c("PORT 10,77,0,1,4,220\r\n"))], nodelay=False))
    out.append(case("line_nagle_burst_port_first", "Nagle on, PORT and NOOP written back to back",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,4,221\r\n", sleep=0)), c("NOOP\r\n")], nodelay=False))
    out.append(case("line_227_first_server_segment_cli", "227 as the server's first segment [helper on client]",
                    [key(s("227 Entering Passive Mode (10,77,0,2,4,222)\r\n")), c("PASV\r\n"),
                     key(s("227 Entering Passive Mode (10,77,0,2,4,223)\r\n"))], helper_host="client"))
    out.append(case("line_227_multiline_cli", "'227-' then '227 ' in one segment [helper on client]",
                    pre_pasv() + [key(s("227-Entering\r\n227 Passive Mode (10,77,0,2,4,224)\r\n"))], helper_host="client"))
    out.append(case("line_229_after_noop_reply_cli", "200 reply without LF, then 229 [helper on client]",
                    pre_pasv("EPSV") + [s("200 ok\r"), key(s("229 Entering Extended Passive Mode (|||1249|)\r\n"))],
                    helper_host="client"))
    return out


def address_spelling_cases():
    """EPRT addresses spelled every which way (in6_pton / try_number quirks), loose=N: an equal
    address gives an expectation, a different one is ignored, an unparsable one is dropped."""
    out = []
    v6 = [
        ("canonical", CIP6), ("upper", "FE80::FF:FE00:1"), ("mixed_case", "Fe80::fF:Fe00:1"),
        ("expanded", "fe80:0:0:0:0:ff:fe00:1"), ("full", "fe80:0000:0000:0000:0000:00ff:fe00:0001"),
        ("five_digit_zero_group", "fe80::ff:fe00:00001"), ("six_digit_zero_group", "fe80::00ff:fe00:000001"),
        ("five_digit_group", "fe80::ff:fe00:10001"), ("dotted_tail", "fe80::ff:254.0.0.1"),
        ("dotted_tail_zeros", "fe80::ff:254.000.0.01"), ("dotted_tail_256", "fe80::ff:254.0.0.256"),
        ("dotted_tail_short", "fe80::ff:254.0.1"), ("full_dotted", "fe80:0:0:0:0:ff:254.0.0.1"),
        ("zone", "fe80::ff:fe00:1%kcv0"), ("trailing_colon", "fe80::ff:fe00:1:"),
        ("leading_colon", ":fe80::ff:fe00:1"), ("two_double_colons", "fe80::ff::1"),
        ("triple_colon", "fe80:::ff:fe00:1"), ("nine_groups", "fe80:0:0:0:0:0:ff:fe00:1"),
        ("seven_groups", "fe80:0:0:0:ff:fe00:1"), ("eight_groups_and_dc", "fe80:0:0:0:0:ff:fe00::1"),
        ("double_colon_end", "fe80::ff:fe00:1::"), ("brackets", "[fe80::ff:fe00:1]"),
        ("trailing_space", "fe80::ff:fe00:1 "), ("leading_space", " fe80::ff:fe00:1"),
        ("unspecified", "::"), ("server", SIP6), ("v4_mapped", "::ffff:10.77.0.1"), ("plain_v4", CIP),
        ("empty", ""), ("bad_hex", "fe80::ff:fe00:g1"), ("dc_zero_run", "fe80:0::0:ff:fe00:1"),
    ]
    for name, addr in v6:
        out.append(case("eprt6_addr_%s" % name, "IPv6 EPRT address spelled %r" % addr,
                        pre_ctrl() + [key(c("EPRT |2|%s|1301|\r\n" % addr))], family=6))
    v4 = [
        ("zeros", "010.077.000.001"), ("trailing_dot", "10.77.0.1."), ("leading_dot", ".10.77.0.1"),
        ("double_dot", "10..77.0.1"), ("three_octets", "10.77.1"), ("five_octets", "10.77.0.0.1"),
        ("octet_256", "10.77.0.257"), ("u32_in_last", "0.0.0.172818433"), ("wrap_first", "266.77.0.1"),
        ("hex", "0xa.77.0.1"), ("space", "10.77.0.1 "), ("v6", CIP6),
    ]
    for name, addr in v4:
        out.append(case("eprt4_addr_%s" % name, "EPRT |1| address spelled %r" % addr,
                        pre_ctrl() + [key(c("EPRT |1|%s|1302|\r\n" % addr))]))
    for name, port in [("65535", "65535"), ("65536", "65536"), ("65537", "65537"), ("131072", "131072"),
                       ("zeros", "0000000000000001025"), ("u32_wrap", "4294968321"), ("empty", ""),
                       ("plus", "+1025"), ("space", " 1025")]:
        out.append(case("epsv_port_%s" % name, "229 port %r [helper on client]" % port,
                        pre_pasv("EPSV") + [key(s("229 Entering Extended Passive Mode (|||%s|)\r\n" % port))],
                        helper_host="client"))
    return out


def data_cases():
    """Data connections (on the capture since the runner captures all TCP): RELATED uses the expectation up."""
    out = []
    dc = lambda port, active: {"op": "data_connect", "port": port, "active": active}
    out.append(case("data_port_used", "PORT, the server connects: expectation used",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,5,1\r\n")), dc(1281, True)], final_wait=0.4))
    out.append(case("data_port_wrong_port", "PORT, the server connects to another port: expectation stays",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,5,2\r\n")), dc(1283, True)], final_wait=0.4))
    out.append(case("data_port_replaced_old_port", "PORT p, PORT q, the server connects to p: q stays",
                    pre_ctrl() + [key(c("PORT 10,77,0,1,5,4\r\n")), key(c("PORT 10,77,0,1,5,5\r\n")), dc(1284, True)],
                    final_wait=0.4))
    out.append(case("data_eprt_used_then_port", "EPRT used by a data connection, then a new PORT",
                    pre_ctrl() + [key(c("EPRT |1|10.77.0.1|1286|\r\n")), dc(1286, True), key(c("PORT 10,77,0,1,5,7\r\n"))],
                    final_wait=0.4))
    for host in ("srv", "cli"):
        hh = "server" if host == "srv" else "client"
        out.append(case("data_227_used_%s" % host, "227, the client connects: expectation used [helper on %s]" % hh,
                        pre_pasv() + [key(s("227 Entering Passive Mode (10,77,0,2,5,8)\r\n")), dc(1288, False)],
                        final_wait=0.4, helper_host=hh))
        out.append(case("data_229_twice_%s" % host, "229, two client connections: the 2nd is not related [helper on %s]" % hh,
                        pre_pasv("EPSV") + [key(s("229 Entering Extended Passive Mode (|||1289|)\r\n")), dc(1289, False),
                                            dc(1289, False)], final_wait=0.4, helper_host=hh))
    out.append(case("data_loose_foreign_unused", "loose=Y, 227 to a foreign host: the client connects to the server instead",
                    pre_pasv() + [key(s("227 Entering Passive Mode (192,168,7,9,5,10)\r\n")), dc(1290, False)],
                    final_wait=0.4, loose=True, helper_host="client"))
    return out


def build():
    R = lambda cat: random.Random("%d:%s" % (SEED, cat))
    cases = []
    cases += fuzz_port(R("port"), 36)
    cases += fuzz_eprt(R("eprt"), 16, 4)
    cases += fuzz_eprt(R("eprt6"), 14, 6)
    cases += fuzz_227(R("227"), 24)
    cases += fuzz_229(R("229"), 15)
    cases += split_port()
    cases += split_227()
    cases += ipv6_cases()
    cases += loose_cases()
    cases += clash_cases()
    cases += hp_cases()
    cases += line_cases()
    cases += address_spelling_cases()
    cases += data_cases()
    ids = [x["id"] for x in cases]
    assert len(ids) == len(set(ids)), "duplicate ids"
    return cases


def main():
    text = json.dumps(build(), indent=1, ensure_ascii=True) + "\n"
    if "--check" in sys.argv:
        with open(OUT) as f:
            sys.exit(0 if f.read() == text else 1)
    with open(OUT, "w") as f:
        f.write(text)
    print("%d cases -> %s" % (len(json.loads(text)), OUT), file=sys.stderr)


if __name__ == "__main__":
    main()
