#!/usr/bin/env python3
"""quic_chrome.py: client Initials shaped like Chrome's, for the tests.

Chrome (since 124) offers a post-quantum key share, X25519MLKEM768: 1216
bytes of key share make its ClientHello about 1.8 KB, more than one
Initial holds.  It also "chaos-protects" the CRYPTO data: the
ClientHello is cut into small CRYPTO frames sent out of order, with
PING and PADDING frames between them.  This tool builds such a
handshake: a ClientHello for the given name, cut in pieces, spread over
two Initial packets (QUIC v1 by default, or v2), protected as RFC 9001
and RFC 9369 say, with python3-cryptography (Debian's package).  The key
share is random bytes of the right size: no one completes a handshake
with it; the tests only read it.

    quic_chrome.py pcap FILE NAME [--version 1|2] [--seed N] [--gap]
        [--retry]
        write the two datagrams as IPv4/UDP packets 10.88.0.1:50443 ->
        10.88.0.43:443 to a pcap file (LINKTYPE_RAW).  --gap leaves one
        CRYPTO piece out, so the ClientHello never completes.  --retry
        puts first the first Initial of another handshake (another
        DCID), as a client that got a Retry starts again with the
        connection ID the Retry gave, and keys derived from it.
    quic_chrome.py send HOST PORT NAME [--version 1|2] [--seed N]
        [--count N] [--bind ADDR] [--wait SECONDS] [--resend N] [--gap]
        send the datagrams (repeated, new connection IDs, count times)
        over UDP to HOST PORT, from one socket each time; --resend sends
        each handshake's datagrams N more times from the same socket,
        as a client retransmits Initials that got no answer.  With --wait,
        from a connected socket, then wait for the server's answer:
        exit 0 when one came, 3 when the kernel reported the port
        unreachable (an ICMP error), 2 after SECONDS of silence; the
        time waited is printed.
"""

import argparse
import random
import socket
import struct
import sys
import time

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

VERSIONS = {
    1: (0x00000001, bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),
        "quic", 0),
    2: (0x6b3343cf, bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),
        "quicv2", 1),
}


def hkdf_extract(salt, ikm):
    h = hmac.HMAC(salt, hashes.SHA256())
    h.update(ikm)
    return h.finalize()


def hkdf_expand_label(secret, label, length):
    full = b"tls13 " + label.encode()
    info = struct.pack("!HB", length, len(full)) + full + b"\x00"
    out, t, i = b"", b"", 1
    while len(out) < length:
        h = hmac.HMAC(secret, hashes.SHA256())
        h.update(t + info + bytes([i]))
        t = h.finalize()
        out += t
        i += 1
    return out[:length]


def client_keys(version, dcid):
    _, salt, prefix, _ = VERSIONS[version]
    client = hkdf_expand_label(hkdf_extract(salt, dcid), "client in", 32)
    return (hkdf_expand_label(client, prefix + " key", 16),
            hkdf_expand_label(client, prefix + " iv", 12),
            hkdf_expand_label(client, prefix + " hp", 16))


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack("!H", 0x4000 | v)
    return struct.pack("!I", 0x80000000 | v)


def vec(n, data):
    return len(data).to_bytes(n, "big") + data


def ext(etype, data):
    return struct.pack("!HH", etype, len(data)) + data


def client_hello(rng, name):
    """A ClientHello as Chrome sends it over QUIC, about 1.8 KB."""
    grease = rng.choice([0x0a0a, 0x1a1a, 0x2a2a, 0x3a3a, 0x4a4a])
    sni = vec(2, b"\x00" + vec(2, name.encode()))
    groups = vec(2, struct.pack("!HHHHH", grease, 0x11ec, 0x001d, 0x0017,
                                0x0018))
    shares = vec(2, struct.pack("!HH", grease, 1) + b"\x00" +
                 struct.pack("!H", 0x11ec) + vec(2, rng.randbytes(1216)) +
                 struct.pack("!H", 0x001d) + vec(2, rng.randbytes(32)))
    sigalgs = vec(2, bytes.fromhex("040308040401050308050501080606010201"))
    tp = b"".join([varint(k) + vec(1, v) for k, v in [
        (0x01, varint(30000)), (0x04, varint(15728640)),
        (0x05, varint(6291456)), (0x06, varint(6291456)),
        (0x07, varint(6291456)), (0x08, varint(100)), (0x09, varint(103)),
        (0x0f, rng.randbytes(0)), (0x20, varint(65536))]])
    exts = [
        ext(0x0000, sni),
        ext(0x000a, groups),
        ext(0x0033, shares),
        ext(0x002b, vec(1, struct.pack("!HH", grease, 0x0304))),
        ext(0x000d, sigalgs),
        ext(0x0010, vec(2, vec(1, b"h3"))),
        ext(0x002d, vec(1, b"\x01")),
        ext(0x001b, vec(1, b"\x00\x02")),
        ext(0x4469, vec(2, vec(1, b"h3"))),
        ext(0x0039, tp),
    ]
    rng.shuffle(exts)
    exts = [ext(grease, b"")] + exts + [ext(grease ^ 0x1010, b"\x00")]
    body = (b"\x03\x03" + rng.randbytes(32) + b"\x00" +
            vec(2, struct.pack("!HHHH", grease, 0x1301, 0x1302, 0x1303)) +
            b"\x01\x00" + vec(2, b"".join(exts)))
    return b"\x01" + len(body).to_bytes(3, "big") + body


def pieces(rng, start, data, n):
    """Cut data (at stream offset start) into n pieces, shuffled."""
    cuts = sorted(rng.sample(range(1, len(data)), n - 1))
    bounds = [0] + cuts + [len(data)]
    out = [(start + a, data[a:b]) for a, b in zip(bounds, bounds[1:])]
    rng.shuffle(out)
    return out


def frames(rng, chunks):
    """CRYPTO frames with PING and PADDING between them."""
    out = b""
    for off, data in chunks:
        out += b"\x06" + varint(off) + varint(len(data)) + data
        r = rng.random()
        if r < 0.3:
            out += b"\x01"
        elif r < 0.6:
            out += b"\x00" * rng.randint(1, 8)
    return out


def protect(version, dcid, scid, pn, payload):
    """One Initial packet, padded to fill a 1250-byte datagram."""
    vnum, _, _, itype = VERSIONS[version]
    key, iv, hp = client_keys(version, dcid)
    pnlen = 2
    hdr_fixed = (bytes([0xc0 | itype << 4 | (pnlen - 1)]) +
                 struct.pack("!I", vnum) + vec(1, dcid) + vec(1, scid) +
                 varint(0))
    room = 1250 - len(hdr_fixed) - 2 - pnlen - 16
    payload += b"\x00" * max(0, room - len(payload))
    length = pnlen + len(payload) + 16
    header = hdr_fixed + struct.pack("!H", 0x4000 | length) + \
        pn.to_bytes(pnlen, "big")
    nonce = bytearray(iv)
    for i in range(8):
        nonce[11 - i] ^= (pn >> (8 * i)) & 0xff
    sealed = AESGCM(key).encrypt(bytes(nonce), payload, header)
    pn_off = len(header) - pnlen
    sample = sealed[4 - pnlen:4 - pnlen + 16]
    enc = Cipher(algorithms.AES(hp), modes.ECB()).encryptor()
    mask = enc.update(sample) + enc.finalize()
    h = bytearray(header)
    h[0] ^= mask[0] & 0x0f
    for i in range(pnlen):
        h[pn_off + i] ^= mask[1 + i]
    return bytes(h) + sealed


def handshake(name, version, seed, gap=False):
    """The two datagrams of one Chrome-shaped client handshake."""
    rng = random.Random(seed)
    dcid, scid = rng.randbytes(8), rng.randbytes(8)
    ch = client_hello(rng, name)
    cut = 1100
    first = pieces(rng, 0, ch[:cut], 6)
    second = pieces(rng, cut, ch[cut:], 5)
    if gap:
        second.pop()
    return [protect(version, dcid, scid, 0, frames(rng, first)),
            protect(version, dcid, scid, 1, frames(rng, second))]


def pcap(path, datagrams):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))
        for i, d in enumerate(datagrams):
            udp = struct.pack("!HHHH", 50443, 443, 8 + len(d), 0) + d
            ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), i, 0,
                             64, 17, 0, bytes([10, 88, 0, 1]),
                             bytes([10, 88, 0, 43]))
            s = sum(struct.unpack("!10H", ip))
            while s >> 16:
                s = (s & 0xffff) + (s >> 16)
            ip = ip[:10] + struct.pack("!H", ~s & 0xffff) + ip[12:]
            pkt = ip + udp
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(pkt),
                                len(pkt)))
            f.write(pkt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["pcap", "send", "answer"])
    ap.add_argument("args", nargs="+")
    ap.add_argument("--version", type=int, default=1, choices=[1, 2])
    ap.add_argument("--seed", type=int, default=9001)
    ap.add_argument("--gap", action="store_true")
    ap.add_argument("--retry", action="store_true")
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--bind")
    ap.add_argument("--wait", type=float)
    ap.add_argument("--resend", type=int, default=0)
    ap.add_argument("--hold", type=float,
                    help="send the second Initial only after an answer")
    a = ap.parse_args()
    if a.mode == "answer":
        return answer(a.args[0], int(a.args[1]))
    if a.mode == "pcap":
        path, name = a.args
        before = handshake(name, a.version, a.seed + 1)[:1] if a.retry \
            else []
        pcap(path, before + handshake(name, a.version, a.seed, a.gap))
        return 0
    host, port, name = a.args
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    if a.wait is not None:
        return probe(fam, host, int(port), name, a)
    if a.hold is not None:
        return hold(fam, host, int(port), name, a)
    for i in range(min(a.count, 1000)):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        if a.bind:
            s.bind((a.bind, 0))
        for _ in range(1 + min(a.resend, 10)):
            for d in handshake(name, a.version, a.seed + i, a.gap):
                s.sendto(d, (host, int(port)))
        s.close()
    return 0


def hold(fam, host, port, name, a):
    """The first Initial, then the second once the server has answered
    (so that conntrack no longer calls the flow NEW)."""
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.connect((host, port))
    s.settimeout(min(a.hold, 10.0))
    first, second = handshake(name, a.version, a.seed, a.gap)
    s.send(first)
    try:
        s.recv(65535)
    except OSError:
        print("no answer")
        return 1
    s.send(second)
    print("held")
    return 0


def answer(host, port):
    """Answer a flow's first datagram once; count what arrives until
    2 s of silence (at most 30 s), as "datagrams N"."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.bind((host, port))
    s.settimeout(30)
    n = 0
    t0 = time.monotonic()
    try:
        while time.monotonic() - t0 < 30:
            _, peer = s.recvfrom(65535)
            n += 1
            if n == 1:
                s.sendto(b"\x40answer", peer)
            s.settimeout(2)
    except OSError:
        pass
    print("datagrams %d" % n)
    return 0


def probe(fam, host, port, name, a):
    """One handshake from a connected socket; how did the server answer?"""
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if a.bind:
        s.bind((a.bind, 0))
    s.connect((host, port))
    s.settimeout(min(a.wait, 30.0))
    t0 = time.monotonic()
    try:
        for d in handshake(name, a.version, a.seed, a.gap):
            s.send(d)
        s.recv(65535)
        rc, what = 0, "answered"
    except ConnectionRefusedError:
        rc, what = 3, "port unreachable"
    except socket.timeout:
        rc, what = 2, "no answer"
    print("%s after %d ms" % (what, (time.monotonic() - t0) * 1000))
    return rc


if __name__ == "__main__":
    sys.exit(main())
