#!/usr/bin/env python3
# Generate a large Ethernet pcap for tests/bench/replay.sh from the real
# packets in tests/data: per unit, a DNS query and its answer, a TLS
# connection's client packets (handshake and all) with a download's
# worth of server packets, and an HTTP request; each unit from its own
# client address and ports.  One unit in five names a Kaspersky host
# (blocked); the others carry look-alike names of the same length.
# Checksums are left as they were (no reader here checks them).
#     python3 tests/bench/gen_capture.py [-n packets] [-o file]
import getopt
import os
import struct
import sys

TOP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SWAPS = [(b"s12.upd.kaspersky.com", b"img.example-store.com"),
         (b"dnl-01.geo.kaspersky.com", b"cdn0001.example-blog.com"),
         (b"\x02ds\x09kaspersky\x03com", b"\x02ds\x09examplezz\x03net")]
BULK, BULKLEN = 8, 1000


def read_pcap(name):
    d = open(os.path.join(TOP, "tests", "data", name), "rb").read()
    assert struct.unpack("<I", d[20:24])[0] == 1, name     # EN10MB
    off, out = 24, []
    while off < len(d):
        incl = struct.unpack("<I", d[off + 8:off + 12])[0]
        out.append(d[off + 16:off + 16 + incl])
        off += 16 + incl
    return out


def retarget(frame, client, sport, toward_client):
    """Set the client's address and port (source, or destination)."""
    b = bytearray(frame)
    ihl = (b[14] & 15) * 4
    a = 14 + (16 if toward_client else 12)
    b[a:a + 4] = client
    p = 14 + ihl + (2 if toward_client else 0)
    b[p:p + 2] = struct.pack(">H", sport)
    return bytes(b)


def reply(frame):
    """A server packet of a flow, from the client's first packet."""
    b = bytearray(frame)
    ihl = (b[14] & 15) * 4
    src, dst = b[26:30], b[30:34]
    b[26:30], b[30:34] = dst, src
    t = 14 + ihl
    sp, dp = b[t:t + 2], b[t + 2:t + 4]
    b[t:t + 2], b[t + 2:t + 4] = dp, sp
    b[t + 12] = 5 << 4
    b[t + 13] = 0x10                                        # ACK
    body = bytes(b[:t + 20]) + bytes(BULKLEN)
    b = bytearray(body)
    b[16:18] = struct.pack(">H", len(body) - 14)
    return bytes(b)


def main():
    opts, _ = getopt.getopt(sys.argv[1:], "n:o:")
    o = dict(opts)
    want = int(o.get("-n", "1000000"))
    path = o.get("-o", "replay-bench.pcap")
    dns, tls, http = (read_pcap("dns-udp.pcap"), read_pcap("tls-curl.pcap"),
                      read_pcap("http-curl.pcap"))
    plain = []
    for pk in (dns, tls, http):
        q = []
        for f in pk:
            for a, b in SWAPS:
                f = f.replace(a, b)
            q.append(f)
        plain.append(q)
    n, unit, usec = 0, 0, 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))

        def put(frame):
            nonlocal n, usec
            usec += 250
            f.write(struct.pack("<IIII", 1795857600 + usec // 1000000,
                                usec % 1000000, len(frame), len(frame)))
            f.write(frame)
            n += 1
        while n < want:
            d, t, h = (dns, tls, http) if unit % 5 == 0 else plain
            client = bytes([10, 100 + (unit >> 16) % 100, (unit >> 8) & 255,
                            unit & 255 or 1])
            base = 1024 + (unit * 3) % 60000
            put(retarget(d[0], client, base, False))
            put(retarget(d[1], client, base, True))
            for i, fr in enumerate(t):
                put(retarget(fr, client, base + 1, False))
                if i == 3:      # after the ClientHello: the download
                    for _ in range(BULK):
                        put(reply(retarget(t[0], client, base + 1, False)))
            for fr in h:
                put(retarget(fr, client, base + 2, False))
            unit += 1
    print("%s: %d packets, %d units" % (path, n, unit))


main()
