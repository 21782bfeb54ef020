#!/usr/bin/env python3
"""Load for the side paths (tests/integration/sidepaths.sh).

  slowclients.py hold TARGET N SECONDS [reconnect]
      Open N connections to TARGET (host:port, or a UNIX socket path)
      and keep them slow: each sends one byte of a request that never
      ends, once a second, for SECONDS.  Connections the server ends
      are not reopened, unless "reconnect" is given: then each is
      opened again at once (100,000 times at most).  Prints one line
      of figures.
  slowclients.py bigline TARGET LIMIT
      Send an HTTP request whose header line never ends, until the
      server closes the connection or LIMIT bytes went out.  Prints the
      bytes sent.

Bounded in count and time; talks only to the TARGET it is given
(loopback or a test namespace).
"""
import errno
import selectors
import socket
import sys
import time


def connect(target):
    if target.startswith("/"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = target
    else:
        host, port = target.rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (host, int(port))
    s.setblocking(False)
    try:
        s.connect(addr)
    except BlockingIOError:
        pass
    except OSError as e:
        if e.errno not in (errno.EINPROGRESS, errno.EAGAIN):
            s.close()
            return None
    return s


def hold(target, n, seconds, reconnect=False):
    n = min(int(n), 5000)
    seconds = min(float(seconds), 120.0)
    sel = selectors.DefaultSelector()
    socks, refused = [], 0
    for _ in range(n):
        s = connect(target)
        if s is None:
            refused += 1
            continue
        socks.append(s)
        sel.register(s, selectors.EVENT_READ)
    print("holding %d" % len(socks), flush=True)
    end = time.monotonic() + seconds
    closed, sent, tick, reopened = 0, 0, 0.0, 0
    alive = set(socks)

    def again():
        nonlocal reopened
        if not reconnect or reopened >= 100000:
            return
        s = connect(target)
        if s is None:
            return
        reopened += 1
        socks.append(s)
        alive.add(s)
        sel.register(s, selectors.EVENT_READ)
    while time.monotonic() < end and alive:
        now = time.monotonic()
        if now >= tick:
            tick = now + 1.0
            for s in list(alive):
                try:
                    s.send(b"G" if sent == 0 else b"X")
                    sent += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    alive.discard(s)
                    sel.unregister(s)
                    s.close()
                    closed += 1
                    again()
        for key, _ in sel.select(timeout=0.2):
            s = key.fileobj
            try:
                data = s.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:
                alive.discard(s)
                sel.unregister(s)
                s.close()
                closed += 1
                again()
    print("opened %d refused %d closed_by_server %d still_open %d "
          "bytes_sent %d reopened %d" % (len(socks), refused, closed,
                                         len(alive), sent, reopened))
    for s in alive:
        s.close()


def bigline(target, limit):
    limit = min(int(limit), 64 << 20)
    s = connect(target)
    s.setblocking(True)
    s.settimeout(15)
    s.sendall(b"GET /metrics HTTP/1.1\r\nX-Long: ")
    chunk = b"a" * 65536
    sent = 0
    try:
        while sent < limit:
            sent += s.send(chunk)
    except OSError as e:
        print("sent %d bytes, then %s" % (sent, e.strerror or e))
        return
    print("sent %d bytes, the limit, connection still open" % sent)


if __name__ == "__main__":
    if len(sys.argv) in (5, 6) and sys.argv[1] == "hold":
        hold(sys.argv[2], sys.argv[3], sys.argv[4],
             len(sys.argv) == 6 and sys.argv[5] == "reconnect")
    elif len(sys.argv) == 4 and sys.argv[1] == "bigline":
        bigline(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
