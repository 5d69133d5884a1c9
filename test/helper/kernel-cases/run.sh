#!/bin/sh
# Re-records ftpcap's kernel cases on this machine (root; iproute2, nftables, conntrack,
# tcpdump, python3): regenerates cases.json from the seeded generator, replays every case
# through the kernel and rewrites results.json, results.md and pcaps/ next to this script.
# About 20 minutes. For a subset, call ftp_oracle.py directly with --only and a --json /
# ORACLE_PCAPDIR outside this folder, so the recorded set stays whole.
set -eu
cd "$(dirname "$0")"
python3 gen_cases.py
rm -rf pcaps
exec python3 ftp_oracle.py --cases cases.json --json results.json --md results.md
