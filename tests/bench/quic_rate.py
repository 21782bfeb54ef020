#!/usr/bin/env python3
"""
quic_rate.py: QUIC client handshakes per second through the gateway, for
the packet-path benchmark.  The sender cycles through 64 Chrome-shaped
handshakes (tests/tools/quic_chrome.py: two Initials each, ClientHello
over both, each with its own connection ID so that no key cache hides
the derivation), each from a new socket (a new flow), for a fixed time;
the sink counts the datagrams that arrive.

  quic_rate.py sink HOST PORT		count until 2 s of silence
  quic_rate.py send HOST PORT SECONDS NAME...

The sink prints "datagrams N"; the sender "handshakes N seconds S".
Only used inside the benchmark's own network namespaces.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "tools"))
import quic_chrome  # noqa: E402


def family(host):
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def sink(host, port):
    s = socket.socket(family(host), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((host, port))
    n = 0
    s.settimeout(60)
    try:
        while True:
            s.recv(65535)
            n += 1
            s.settimeout(2)
    except socket.timeout:
        pass
    print("datagrams %d" % n, flush=True)


def send(host, port, seconds, names):
    hs = [quic_chrome.handshake(names[i % len(names)], 1, 7000 + i)
          for i in range(64)]
    done = 0
    start = time.monotonic()
    end = start + seconds
    while time.monotonic() < end:
        s = socket.socket(family(host), socket.SOCK_DGRAM)
        for d in hs[done % len(hs)]:
            s.sendto(d, (host, port))
        s.close()
        done += 1
    print("handshakes %d seconds %.1f" % (done, time.monotonic() - start))


def main():
    if sys.argv[1] == "sink":
        sink(sys.argv[2], int(sys.argv[3]))
    else:
        send(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5:])


main()
