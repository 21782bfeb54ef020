#!/usr/bin/env python3
"""
odd_client.py: send the unusual messages that real servers still take,
and say whether the server answered.  Exit 0: it answered (a DNS
response, a TLS ServerHello, an HTTP status line); 1: it did not.

  odd_client.py dns HOST SHAPE NAME
	SHAPE: plain (NAME as text, '\\xNN' escapes allowed in labels),
	forward (the question's name is a pointer to a copy of NAME after
	the question), header (NAME's last label reached through a pointer
	into the header is not possible, so: a pointer chain starting in
	the header's ID bytes), many (five questions, NAME the fifth),
	long (NAME under four 60-byte labels: over 255 octets)
  odd_client.py tls HOST PORT SHAPE SNI
	SHAPE: plain, raw (SNI bytes as given with '\\xNN' escapes, put in
	place of a placeholder in a real OpenSSL ClientHello), empty-record
	(an empty handshake record first)
  odd_client.py http HOST PORT SHAPE HOST-HEADER
	SHAPE: crlf (empty lines first), method (method FOO), two (an
	allowed Host, then HOST-HEADER), headers (150 headers before Host),
	long (a 7000-byte header before Host), raw (Host bytes with '\\xNN')

Used by tests/integration/lenient.sh, only inside network namespaces
that the test creates.
"""
import socket
import ssl
import struct
import sys


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def labels(name):
    out = b""
    for label in unescape(name).split(b"."):
        out += bytes([len(label)]) + label
    return out + b"\x00"


def dns_message(shape, name):
    qid = 0x4242
    if shape == "plain":
        return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + \
            labels(name) + b"\x00\x01\x00\x01"
    if shape == "forward":
        # question: pointer to offset 18, where the name follows
        return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + \
            b"\xc0\x12\x00\x01\x00\x01" + labels(name)
    if shape == "header":
        # the ID bytes are 0x01 0x61 ("a" as a one-byte label), then
        # flags 0x01 0x00 would read as label... so point at a copy
        # placed after the question through a pointer in the header
        # area: ID = 0xc0 0x12 is itself a pointer to offset 18
        return struct.pack(">HHHHHH", 0xc012, 0x0100, 1, 0, 0, 0) + \
            b"\xc0\x00\x00\x01\x00\x01" + labels(name)
    if shape == "many":
        msg = struct.pack(">HHHHHH", qid, 0x0100, 5, 0, 0, 0)
        for i in range(4):
            msg += labels("q%d.allowed.example" % i) + b"\x00\x01\x00\x01"
        return msg + labels(name) + b"\x00\x01\x00\x01"
    if shape == "long":
        pre = ".".join(["a" * 60] * 4)
        return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + \
            labels(pre + "." + name) + b"\x00\x01\x00\x01"
    raise SystemExit("unknown dns shape " + shape)


def dns(host, shape, name):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.settimeout(1.5)
    msg = dns_message(shape, name)
    for _ in range(2):
        s.sendto(msg, (host, 53))
        try:
            data, _ = s.recvfrom(4096)
            if len(data) >= 12:
                return 0
        except socket.timeout:
            pass
    return 1


def client_hello(sni):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


def tls_bytes(shape, sni):
    if shape == "raw":
        want = unescape(sni)
        holder = ("z" * (len(want) - 4)) + ".com"
        hello = client_hello(holder)
        if hello.count(holder.encode()) != 1:
            raise SystemExit("placeholder not found once")
        return hello.replace(holder.encode(), want)
    hello = client_hello(sni)
    if shape == "empty-record":
        return b"\x16\x03\x01\x00\x00" + hello
    return hello


def tls(host, port, shape, sni):
    data = tls_bytes(shape, sni)
    return answered(host, port, data, lambda b: b[:1] == b"\x16")


def http_bytes(shape, host):
    h = unescape(host)
    if shape == "crlf":
        return b"\r\n\r\nGET / HTTP/1.1\r\nHost: " + h + b"\r\n\r\n"
    if shape == "method":
        return b"FOO / HTTP/1.1\r\nHost: " + h + b"\r\n\r\n"
    if shape == "two":
        return b"GET / HTTP/1.1\r\nHost: allowed.example\r\nHost: " + h + \
            b"\r\n\r\n"
    if shape == "headers":
        pad = b"".join(b"X-Pad-%d: y\r\n" % i for i in range(150))
        return b"GET / HTTP/1.1\r\n" + pad + b"Host: " + h + b"\r\n\r\n"
    if shape == "long":
        return b"GET / HTTP/1.1\r\nX-Long: " + b"a" * 7000 + \
            b"\r\nHost: " + h + b"\r\n\r\n"
    if shape == "raw":
        return b"GET / HTTP/1.1\r\nHost: " + h + b"\r\n\r\n"
    raise SystemExit("unknown http shape " + shape)


def http(host, port, shape, hdr):
    data = http_bytes(shape, hdr)
    return answered(host, port, data, lambda b: b[:5] == b"HTTP/")


def answered(host, port, data, ok):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((host, port))
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.sendall(data)
        reply = s.recv(64)
    except (OSError, socket.timeout):
        return 1
    finally:
        s.close()
    return 0 if ok(reply) else 1


def main(argv):
    if len(argv) == 5 and argv[1] == "dns":
        return dns(argv[2], argv[3], argv[4])
    if len(argv) == 6 and argv[1] == "tls":
        return tls(argv[2], int(argv[3]), argv[4], argv[5])
    if len(argv) == 6 and argv[1] == "http":
        return http(argv[2], int(argv[3]), argv[4], argv[5])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
