#!/usr/bin/env python3
"""notifysock.py PATH SECONDS: be systemd's end of $NOTIFY_SOCKET.

Binds a datagram socket at PATH (writable by anyone: the daemon sends
after it gave up root) and writes each message received to standard
output, one line each, flushed, for SECONDS (60 at most).
"""
import os
import socket
import sys
import time

path, seconds = sys.argv[1], min(float(sys.argv[2]), 60.0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)
end = time.monotonic() + seconds
while True:
    left = end - time.monotonic()
    if left <= 0:
        break
    s.settimeout(left)
    try:
        msg = s.recv(4096)
    except socket.timeout:
        break
    print(msg.decode("ascii", "replace"), flush=True)
