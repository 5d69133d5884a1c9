#!/usr/bin/env bash
# Re-record the real-FTP captures in fixtures/real (root; a manual step, never run by CI).
#   test/real/record.sh all          every scenario
#   test/real/record.sh <name>...    some scenarios;  test/real/record.sh --list
# Installs what it needs from Debian (vsftpd, lftp, tnftp, tshark's capinfos/dumpcap, nftables,
# conntrack, iproute2, tcpdump) and unpacks proftpd-core and pure-ftpd, which conflict with
# vsftpd as packages, under /var/tmp/ftpcap-real-servers. Creates the local user 'ftpcap'.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "record.sh: run as root" >&2; exit 2; }

cleanup() {
  for ns in ftpr-c ftpr-s ftpr-r; do
    if ip netns list | grep -qw "$ns"; then
      for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null || true; done
      ip netns del "$ns" 2>/dev/null || true
    fi
  done
}
trap cleanup EXIT INT TERM

SERVERS=/var/tmp/ftpcap-real-servers
need=()
for pair in vsftpd:vsftpd lftp:lftp tnftp:tnftp tcpdump:tcpdump dumpcap:wireshark-common capinfos:wireshark-common \
            nft:nftables conntrack:conntrack tc:iproute2 curl:curl openssl:openssl ethtool:ethtool; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair#*:}")
done
if [ ${#need[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
if [ ! -x "$SERVERS/root/usr/sbin/proftpd" ] || [ ! -x "$SERVERS/root/usr/sbin/pure-ftpd" ]; then
  export DEBIAN_FRONTEND=noninteractive
  mkdir -p "$SERVERS/debs"
  (cd "$SERVERS/debs" && apt-get download proftpd-core pure-ftpd pure-ftpd-common)
  for deb in "$SERVERS"/debs/*.deb; do dpkg -x "$deb" "$SERVERS/root"; done
  # proftpd-core's shared-library dependencies (the package itself is not installed)
  apt-get install -y -qq --no-install-recommends libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3 >/dev/null
fi

cleanup
/usr/bin/python3 test/real/record.py "$@"
