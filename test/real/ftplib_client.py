#!/usr/bin/env python3
"""
A scripted FTP client on Python's ftplib, run inside the client namespace by record.py.

Reads a plan (JSON) from argv[1], runs it on one control connection, and prints one JSON
document with what happened to every step: the command as sent, the final reply, the
bytes the client moved over the data connection, the data connection's endpoints as the
client's socket saw them, and the error if any. That document is part of the truth.

Plan: {"host", "port", "family": 4|6, "user", "password", "timeout",
       "steps": [{"op": "list"|"nlst"|"retr"|"stor"|"appe"|"abort-retr",
                  "file", "local", "passive": bool, "abortAfter": bytes}]}
"""
import ftplib
import json
import socket
import sys
import time

plan = json.load(open(sys.argv[1]))
log = []  # every line sent and received, as the client saw it


class Client(ftplib.FTP):
    data_endpoints = None

    def putline(self, line):
        log.append(">>> " + (line if not line.upper().startswith("PASS ") else "PASS ****"))
        super().putline(line)

    def getline(self):
        line = super().getline()
        log.append("<<< " + line)
        return line

    def ntransfercmd(self, cmd, rest=None):
        conn, size = super().ntransfercmd(cmd, rest)
        self.data_endpoints = {"local": list(conn.getsockname()[:2]), "peer": list(conn.getpeername()[:2])}
        return conn, size


def data_port(ftp, passive):
    ep = ftp.data_endpoints or {}
    if not ep:
        return None
    return ep["peer"][1] if passive else ep["local"][1]


result = {"steps": [], "login": None, "error": None}
ftp = Client(timeout=plan.get("timeout", 10))
try:
    ftp.connect(plan["host"], plan["port"])
    ftp.login(plan["user"], plan["password"])
    result["login"] = "ok"
    ftp.voidcmd("TYPE I")
    for step in plan["steps"]:
        op = step["op"]
        ftp.set_pasv(step.get("passive", True))
        ftp.data_endpoints = None
        rec = {"op": op, "file": step.get("file"), "passive": step.get("passive", True), "bytes": 0,
               "reply": None, "error": None}
        chunks = []
        try:
            if op in ("list", "nlst"):
                cmd = "LIST" if op == "list" else "NLST"
                if step.get("file"):
                    cmd += " " + step["file"]
                rec["command"] = cmd
                rec["reply"] = ftp.retrbinary(cmd, chunks.append)
                rec["bytes"] = sum(len(c) for c in chunks)
            elif op == "retr":
                rec["command"] = "RETR " + step["file"]
                with open(step["local"], "wb") as out:
                    def keep(b):
                        rec["bytes"] += len(b)
                        out.write(b)
                    rec["reply"] = ftp.retrbinary(rec["command"], keep)
            elif op in ("stor", "appe"):
                rec["command"] = ("STOR " if op == "stor" else "APPE ") + step["file"]
                with open(step["local"], "rb") as src:
                    data = src.read()
                rec["bytes"] = len(data)
                import io
                rec["reply"] = ftp.storbinary(rec["command"], io.BytesIO(data))
            elif op == "abort-retr":
                # Read part of a download, then ABOR, keep draining the data connection until
                # the server closes it, and read the 426 and the ABOR's own reply.
                rec["command"] = "RETR " + step["file"]
                conn = ftp.transfercmd(rec["command"])
                got = 0
                while got < step["abortAfter"]:
                    b = conn.recv(8192)
                    if not b:
                        break
                    got += len(b)
                rec["bytesBeforeAbort"] = got
                # RFC 959 section 4.1.3 / BSD ftp's abort: Telnet IP, then IAC DM as urgent
                # data (Synch), then the ABOR line in the normal stream.
                log.append(">>> IAC IP, IAC DM (urgent), ABOR")
                ftp.sock.sendall(b"\xff\xf4\xff")
                ftp.sock.sendall(b"\xf2", socket.MSG_OOB)
                ftp.sock.sendall(b"ABOR\r\n")
                conn.settimeout(5)
                try:
                    while True:
                        b = conn.recv(65536)
                        if not b:
                            break
                        got += len(b)
                    rec["dataEnd"] = "fin"
                except ConnectionResetError:
                    rec["dataEnd"] = "reset"
                except socket.timeout:
                    rec["dataEnd"] = "timeout"
                conn.close()
                rec["bytes"] = got
                # Servers answer an ABOR during a transfer twice (4xx for the transfer, 2xx for
                # the ABOR), in either order (proftpd 1.3.8 sends 226 first); after a finished
                # transfer once. Read until both kinds came or nothing more does.
                replies = [ftp.getmultiline()]
                ftp.sock.settimeout(3)
                try:
                    while not (any(r[:1] == "2" for r in replies) and any(r[:1] in "45" for r in replies)):
                        replies.append(ftp.getmultiline())
                except socket.timeout:
                    rec["abortReplyTimeout"] = True
                ftp.sock.settimeout(plan.get("timeout", 10))
                rec["reply"] = next((r for r in replies if r[:1] in "45"), replies[0])
                rec["abortReplies"] = replies
        except (ftplib.Error, OSError) as e:
            rec["error"] = "%s: %s" % (type(e).__name__, e)
            # A timed-out passive connect leaves no command outstanding; an active one may.
        rec["dataEndpoints"] = ftp.data_endpoints
        rec["dataPort"] = data_port(ftp, rec["passive"])
        result["steps"].append(rec)
    try:
        ftp.quit()
    except (ftplib.Error, OSError) as e:
        result["quitError"] = str(e)
except (ftplib.Error, OSError) as e:
    result["error"] = "%s: %s" % (type(e).__name__, e)
finally:
    try:
        ftp.close()
    except OSError:
        pass
result["transcript"] = log
print(json.dumps(result, indent=1))
sys.exit(1 if result["error"] or any(s["error"] for s in result["steps"]) else 0)
