#!/usr/bin/env python3
"""
tls_rate.py: new TLS connections per second, for the packet-path
benchmark.  Several processes each open a TCP connection, complete a
TLS handshake with a server name from the list (rotating), close, and
count, for a fixed time.

  tls_rate.py HOST PORT SECONDS PROCS NAME...

Prints "handshakes N seconds S rate R failed F".  Only used inside the
benchmark's own network namespaces.
"""
import multiprocessing
import socket
import ssl
import sys
import time


def worker(host, port, seconds, names, out):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    done = failed = i = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        name = names[i % len(names)]
        i += 1
        try:
            with socket.create_connection((host, port), timeout=2) as s:
                with ctx.wrap_socket(s, server_hostname=name):
                    done += 1
        except (OSError, ssl.SSLError):
            failed += 1
    out.put((done, failed))


def main():
    host, port, seconds, procs = (sys.argv[1], int(sys.argv[2]),
                                  float(sys.argv[3]), int(sys.argv[4]))
    names = sys.argv[5:]
    out = multiprocessing.Queue()
    ps = [multiprocessing.Process(target=worker,
                                  args=(host, port, seconds, names, out))
          for _ in range(procs)]
    start = time.monotonic()
    for p in ps:
        p.start()
    res = [out.get() for _ in ps]
    for p in ps:
        p.join()
    took = time.monotonic() - start
    done = sum(r[0] for r in res)
    failed = sum(r[1] for r in res)
    print("handshakes %d seconds %.1f rate %.1f failed %d" %
          (done, took, done / took, failed))


main()
