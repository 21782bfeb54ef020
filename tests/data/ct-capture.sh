#!/bin/sh
#
# ct-capture.sh: record the kernel's ctnetlink answers that test_ct
# parses (ct-*.bin), inside a private network namespace.  Run as root.
#
# Two entries are made with conntrack(8) in the namespace's own table
# (nothing is sent on any network), then a query for each, and one for
# a connection that is not there, is sent from python3 over a
# NETLINK_NETFILTER socket; the one datagram each answer is is written
# as it came, in this host's byte order (netlink is host-endian).
#
#	sh ct-capture.sh
#
# Needs: iproute2 conntrack python3.
#
set -eu

here=$(cd "$(dirname "$0")" && pwd)
NS=embC-$$

cleanup()
{
	ip netns del "$NS" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS"
ip netns exec "$NS" conntrack -I -p tcp -s 10.88.0.1 -d 10.88.0.43 \
    --sport 40000 --dport 443 --state ESTABLISHED -t 300 -u ASSURED
ip netns exec "$NS" conntrack -I -p tcp -s fd00:88::1 -d fd00:88::43 \
    --sport 40001 --dport 443 --state ESTABLISHED -t 300 -u ASSURED

ip netns exec "$NS" python3 - "$here" <<'EOF'
import socket
import struct
import sys

NETLINK_NETFILTER = 12
CT_GET = (1 << 8) | 1          # NFNL_SUBSYS_CTNETLINK, IPCTNL_MSG_CT_GET
NLA_F_NESTED = 0x8000


def attr(kind, data):
    pad = (4 - len(data) % 4) % 4
    return struct.pack("=HH", 4 + len(data), kind) + data + b"\0" * pad


def query(family, src, dst, sport, dport, seq):
    n = 4 if family == socket.AF_INET else 16
    ip = attr(1 if n == 4 else 3, socket.inet_pton(family, src)) + \
        attr(2 if n == 4 else 4, socket.inet_pton(family, dst))
    proto = attr(1, bytes([6])) + attr(2, struct.pack(">H", sport)) + \
        attr(3, struct.pack(">H", dport))
    tup = attr(1 | NLA_F_NESTED, ip) + attr(2 | NLA_F_NESTED, proto)
    body = struct.pack("=BBH", family, 0, 0) + attr(1 | NLA_F_NESTED, tup)
    return struct.pack("=IHHII", 16 + len(body), CT_GET, 1, seq, 0) + body


s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
s.bind((0, 0))
for name, args in (
        ("ct-entry-v4.bin", (socket.AF_INET, "10.88.0.1", "10.88.0.43",
                             40000, 443, 4242)),
        ("ct-entry-v6.bin", (socket.AF_INET6, "fd00:88::1", "fd00:88::43",
                             40001, 443, 4243)),
        ("ct-enoent.bin", (socket.AF_INET, "10.88.0.1", "10.88.0.43",
                           40002, 443, 4244))):
    s.send(query(*args))
    with open(sys.argv[1] + "/" + name, "wb") as f:
        f.write(s.recv(65536))
EOF
ls -l "$here"/ct-*.bin
