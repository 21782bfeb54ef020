#!/usr/bin/env python3
"""
split_hello.py: make a real ClientHello with Python's ssl module (OpenSSL)
through a MemoryBIO, send it split, then finish the handshake.

  split_hello.py segments HOST PORT SNI
	two send() calls with TCP_NODELAY and a 0.2 s pause between them;
	the cut falls in the middle of the server name
  split_hello.py records HOST PORT SNI CUT
	the handshake message rewritten into two TLS records, the first
	holding its first CUT bytes, both sent in one send()

Used by tests/data/capture.sh and tests/integration/gateway.sh, only
inside network namespaces they create.
"""
import socket
import ssl
import sys
import time


def client_hello(sni):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2", "http/1.1"])
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = ctx.wrap_bio(inc, out, server_hostname=sni)
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return tls, inc, out, out.read()


def two_records(hello, cut):
    if hello[0] != 0x16 or int.from_bytes(hello[3:5], "big") != len(hello) - 5:
        raise SystemExit("expected one handshake record")
    ver, body = hello[1:3], hello[5:]
    recs = b""
    for part in (body[:cut], body[cut:]):
        recs += b"\x16" + ver + len(part).to_bytes(2, "big") + part
    return recs


def finish(s, tls, inc, out):
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            data = out.read()
            if data:
                s.sendall(data)
            chunk = s.recv(65536)
            if not chunk:
                raise SystemExit("server closed the connection")
            inc.write(chunk)
    data = out.read()
    if data:
        s.sendall(data)
    print("handshake done:", tls.version(), tls.selected_alpn_protocol())


def main():
    mode, host, port, sni = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
        sys.argv[4]
    tls, inc, out, hello = client_hello(sni)
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.connect((host, port))
    if mode == "segments":
        cut = hello.index(sni.encode()) + len(sni) // 2
        s.send(hello[:cut])
        time.sleep(0.2)
        s.send(hello[cut:])
        print("ClientHello of %d bytes cut at %d" % (len(hello), cut))
    elif mode == "records":
        cut = int(sys.argv[5])
        s.sendall(two_records(hello, cut))
        print("handshake of %d bytes in records of %d and %d" %
              (len(hello) - 5, cut, len(hello) - 5 - cut))
    else:
        raise SystemExit("usage: split_hello.py segments|records ...")
    finish(s, tls, inc, out)
    s.close()


main()
