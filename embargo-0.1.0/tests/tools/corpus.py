#!/usr/bin/env python3
"""
corpus.py: write the seed corpora of tests/fuzz/corpus/fuzz_{dns,tls,http,
packet,verdict} from the captures in tests/data.

  python3 tests/tools/corpus.py		(from the top of the tree)

DNS: every UDP message, both ways, and the TCP messages without their
length prefix.  TLS and HTTP: what the client sent, segments joined in
order.  Two crafted DNS queries (compression between questions, a chain
of eight pointers) are added because no capture has compression in a
query.  Packet: every packet whole, from its IP header.  Verdict: the
client's packets of each capture (both directions for the DNS answers
with CNAME chains), each wrapped in an nfnetlink queue message as the
kernel sends it, one run of messages per capture.
"""
import os
import struct

DATA = "tests/data"
CORPUS = "tests/fuzz/corpus"


def packets(path):
    """Each packet of a classic pcap file, from its IP header."""
    d = open(path, "rb").read()
    order = "<" if d[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    link = struct.unpack(order + "I", d[20:24])[0] & 0xffff
    skip = {1: 14, 113: 16, 276: 20, 101: 0}[link]
    off = 24
    while off < len(d):
        incl = struct.unpack(order + "I", d[off + 8:off + 12])[0]
        yield d[off + 16 + skip:off + 16 + incl]
        off += 16 + incl


def payload(ip):
    """(protocol, sport, dport, payload) of an IPv4 or IPv6 packet."""
    if ip[0] >> 4 == 4:
        hl, proto = (ip[0] & 15) * 4, ip[9]
        l4 = ip[hl:struct.unpack(">H", ip[2:4])[0]]
    else:
        proto, l4 = ip[6], ip[40:40 + struct.unpack(">H", ip[4:6])[0]]
    sport, dport = struct.unpack(">HH", l4[:4])
    if proto == 6:
        return "tcp", sport, dport, l4[(l4[12] >> 4) * 4:]
    return "udp", sport, dport, l4[8:]


def payloads(name):
    for ip in packets(os.path.join(DATA, name + ".pcap")):
        p = payload(ip)
        if p[3]:
            yield p


def queue_msg(pid, ip):
    """An NFQNL_MSG_PACKET message: packet header, mark, payload."""
    def attr(kind, body):
        a = struct.pack("=HH", 4 + len(body), kind) + body
        return a + b"\0" * (-len(a) % 4)
    hdr = attr(1, struct.pack(">IHB", pid, 0x0800, 3) + b"\0")  # PACKET_HDR
    body = (struct.pack("=BBH", 0, 0, 0) + hdr +
            attr(3, struct.pack(">I", 0x40000000)) +           # MARK
            attr(10, ip))                                       # PAYLOAD
    return struct.pack("=IHHII", 16 + len(body), (3 << 8) | 0, 0, 0, 0) + body


def write(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    with open(os.path.join(CORPUS, target, name), "wb") as f:
        f.write(data)


def main():
    for name in ("dns-udp", "dns-upper", "dns-edns", "dns-root",
                 "dns-cname", "dns-cname6"):
        for _, _, dport, data in payloads(name):
            write("fuzz_dns", name + ("-query" if dport == 53 else
                                      "-response"), data)
    for _, _, dport, data in payloads("dns-tcp"):
        write("fuzz_dns", "dns-tcp" + ("-query" if dport == 53 else
                                       "-response"), data[2:])
    write("fuzz_dns", "crafted-compression",
          bytes([0x12, 0x34, 1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 9]) +
          b"kaspersky" + bytes([3]) + b"com" + bytes([0, 0, 1, 0, 1, 3]) +
          b"WWW" + bytes([0xc0, 12, 0, 28, 0, 1]))
    write("fuzz_dns", "crafted-pointer-chain",
          bytes([0, 0x34, 1, 0, 0, 4, 0, 0, 0, 0, 0, 0,
                 0, 0xc0, 12, 0xc0, 13, 0xc0, 15, 0xc0, 17, 0xc0, 19,
                 0xc0, 21, 0xc0, 23, 0xc0, 25, 0xc0, 25, 0, 1, 0, 1]))
    for name in ("tls-curl", "tls-openssl", "tls-gnutls",
                 "tls-split-segments", "tls-split-records"):
        write("fuzz_tls", name, b"".join(
            p[3] for p in payloads(name) if p[2] == 443))
    for name, port in (("http-curl", 80), ("http-port", 8080),
                       ("http-ipv6", 8080), ("http-ipv4", 80),
                       ("http-proxy", 80)):
        write("fuzz_http", name, b"".join(
            p[3] for p in payloads(name) if p[2] == port))


def queue_corpora():
    names = ("dns-udp", "dns-tcp", "tls-curl", "tls-gnutls",
             "tls-split-segments", "tls-split-records", "http-proxy",
             "http-port")
    for name in names:
        pkts = list(packets(os.path.join(DATA, name + ".pcap")))
        for i, ip in enumerate(pkts[:4]):
            write("fuzz_packet", "%s-%d" % (name, i), ip)
        client = [ip for ip in pkts if payload(ip)[1] >= 1024 and
                  payload(ip)[1] != 8080]
        write("fuzz_verdict", name, b"".join(
            queue_msg(i + 1, ip) for i, ip in enumerate(client)))
    # the DNS answers are queued too: both directions
    for name in ("dns-cname", "dns-cname6"):
        pkts = list(packets(os.path.join(DATA, name + ".pcap")))
        write("fuzz_verdict", name, b"".join(
            queue_msg(i + 1, ip) for i, ip in enumerate(pkts)))


main()
queue_corpora()
