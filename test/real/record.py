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
from lab import (NS_C, NS_R, NS_S, OUT, PASSWORD, RUN, USER, Capture, Proftpd, PureFtpd, Vsftpd,  # noqa: E402
                 capture_info, expect, ftplib_client, local_file, mode_of, netem, nft, nft_counters, nft_set,
                 reset_root, run_client, size_on_server, teardown, topo_direct, topo_routed, transcript_commands,
                 version, write_truth, xfer_for)

SCENARIOS = {}


def scenario(fn):
    SCENARIOS[fn.__name__.replace("_", "-")] = fn
    return fn


#SCENARIOS_HERE

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
