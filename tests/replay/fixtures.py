#!/usr/bin/env python3
# Build the replay test's extra captures from the real ones in tests/data
# (same packets, other framing), and the broken ones.  Standard library
# only; run from the top of the tree:  python3 tests/replay/fixtures.py
import struct

SRC = "tests/data/"
DST = "tests/replay/captures/"


def read_pcap(path):
    d = open(path, "rb").read()
    assert d[:4] == b"\xd4\xc3\xb2\xa1", path      # little-endian, usec
    linktype = struct.unpack("<I", d[20:24])[0]
    off, out = 24, []
    while off < len(d):
        sec, usec, incl, orig = struct.unpack("<IIII", d[off:off + 16])
        out.append((sec, usec, d[off + 16:off + 16 + incl], orig))
        off += 16 + incl
    return linktype, out


def write_pcap(path, linktype, pkts):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144,
                            linktype))
        for sec, usec, data, orig in pkts:
            f.write(struct.pack("<IIII", sec, usec, len(data), orig))
            f.write(data)


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write_pcapng(path, linktype, pkts):
    with open(path, "wb") as f:
        f.write(block(0x0a0d0d0a, struct.pack("<IHHq", 0x1a2b3c4d, 1, 0,
                                              -1)))
        f.write(block(1, struct.pack("<HHI", linktype, 0, 262144)))
        for sec, usec, data, orig in pkts:
            ts = sec * 1000000 + usec
            f.write(block(6, struct.pack("<IIIII", 0, ts >> 32,
                                         ts & 0xffffffff, len(data), orig)
                          + data))


def strip_eth(pkts):
    return [(s, u, d[14:], o - 14) for s, u, d, o in pkts]


def vlan(pkts, tags):
    out = []
    for s, u, d, o in pkts:
        t = b"".join(struct.pack(">HH", tpid, vid) for tpid, vid in tags)
        out.append((s, u, d[:12] + t + d[12:], o + 4 * len(tags)))
    return out


lt, tls = read_pcap(SRC + "tls-curl.pcap")
write_pcapng(DST + "tls-curl.pcapng", lt, tls)
lt, dns = read_pcap(SRC + "dns-udp.pcap")
write_pcap(DST + "dns-udp-vlan.pcap", lt, vlan(dns, [(0x8100, 42)]))
write_pcap(DST + "dns-udp-qinq.pcap", lt,
           vlan(dns, [(0x88a8, 7), (0x8100, 42)]))
lt, http = read_pcap(SRC + "http-curl.pcap")
write_pcap(DST + "http-curl-raw.pcap", 101, strip_eth(http))
# the TLS capture cut in the middle of its third packet (the ClientHello)
whole = open(SRC + "tls-curl.pcap", "rb").read()
third = 24
for i in range(2):
    third += 16 + struct.unpack("<I", whole[third + 8:third + 12])[0]
open(DST + "truncated.pcap", "wb").write(whole[:third + 16 + 40])
# DNS: the answer's record header claims 2 GB
d = bytearray(open(SRC + "dns-udp.pcap", "rb").read())
second = 24 + 16 + struct.unpack("<I", d[32:36])[0]
d[second + 8:second + 12] = struct.pack("<I", 0x7fffffff)
open(DST + "corrupt.pcap", "wb").write(bytes(d))
open(DST + "not-a-capture.pcap", "wb").write(b"GET / HTTP/1.1\r\n\r\n")
# 802.11 frames: a link type the replay does not read
write_pcap(DST + "wifi.pcap", 105, [(1795857600, 0, b"\x80\0" * 12, 24)])
# a UDP flow that is not DNS (the query's bytes, sent to port 443): the
# firewall queues its first packet only; the reply and the rest are not
# queued (capture_not_queued 3)


def port443(frame, reply):
    b = bytearray(frame)
    t = 14 + (b[14] & 15) * 4
    b[t + (0 if reply else 2):t + (2 if reply else 4)] = b"\x01\xbb"
    return bytes(b)


udp = [(s, u, port443(d, i == 1), o) for i, (s, u, d, o) in
       enumerate(dns)]
write_pcap(DST + "udp-flow.pcap", 1, [udp[0], udp[1], udp[0], udp[0]])
