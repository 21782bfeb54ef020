#!/usr/bin/env python3
"""
evasion.py: crafted TCP connections (scapy) that try to get a name past
embargod by the ways stream reassembly is evaded, and whether the server
answered.  Run in the client namespace, with the client kernel's own
RSTs for the ports used dropped (iptables OUTPUT), since the kernel
knows nothing of these connections.  Each CASE is one argument, its
fields separated by commas; for each one a line is printed:

	CASE reached|blocked|error [notes]

An argument "--" waits for the cases before it to end before the
cases after it start.

reached: the server answered the message that carries NAME (a TLS
ServerHello, or an HTTP 200 whose body, "embargo HOST", names it);
then the TLS handshake is finished, where the ClientHello is as the
client made it, and / asked for: the notes say "server saw SNI" when
the answer ("embargo SNI") came back;
blocked: no such answer within a bounded wait (the last data is sent
again once, as a real stack would).  The cases run at once, each in a
thread with connections of its own.  The exit status is 0 unless a
case could not be run.  Source ports are taken one after another from
$EVASION_PORTS (else from a random one), one for each connection.

  plain,ADDR,PORT,NAME		the ClientHello in one segment, after the
	handshake
  tfo,ADDR,PORT,NAME		the ClientHello (443) or GET (80) in the SYN
  tfosplit,ADDR,PORT,NAME	the ClientHello up to the middle of the
	server name in the SYN, the rest after the handshake
  overlap,ADDR,PORT,NAME,DECOY,ORDER
	a copy with DECOY (same length) in place of NAME, from just before
	the server name (443) or the Host line (80) to a little past it,
	and the real ClientHello or request from the same place to its
	end; ORDER decoy-first or real-first; then the start.  The Linux
	receiver keeps the real copy either way.
  scatter,ADDR,PORT,NAME,N	N disjoint pieces out of order (the one
	with the server name first), then the whole ClientHello in order
  buffers,ADDR,PORT,NAME,HELD	HELD connections each holding an
	out-of-order piece of a ClientHello (www.example.org); then one
	that sends its piece with NAME out of order, then its start
  flood,ADDR,PORT,NAME,SYNS	a connection is opened, SYNS SYNs from
	other ports follow, then the ClientHello on the first connection
  big,ADDR,PORT,NAME,SIZE	a ClientHello of SIZE bytes (a padding
	extension), in records of at most 16384 bytes, in order
  bighttp,ADDR,PORT,NAME,SIZE	an HTTP request head of over SIZE bytes
	(4000-byte headers), its Host last
  rst,ADDR,PORT,NAME		an in-window RST 1000 bytes ahead of the
	sequence, then the ClientHello: second half first, then the start
  idle,ADDR,PORT,NAME,SECS	the ClientHello SECS seconds after the
	handshake
  keepalive,ADDR,PORT,FIRST,SECOND,MODE	two GETs on one connection,
	Host FIRST then Host SECOND, MODE sequential (the second after the
	first's answer) or pipelined (both in one segment); notes say
	whether FIRST was answered

Used by tests/integration/evasion.sh, only inside network namespaces
that the test creates.
"""
import os
import random
import re
import select
import ssl
import sys
import threading
import time

from scapy.all import IP, IPv6, TCP, conf

conf.verb = 0
MSS = 1400
WAIT = 1.5			# seconds for an answer, twice at most
_next_port = [int(os.environ.get("EVASION_PORTS", "0")) or
              random.randint(20000, 40000)]
_port_lock = threading.Lock()
_sessions = {}			# ClientHello bytes: (SSLObject, in, out)


def next_port(n=1):
    """The first of n source ports of our own."""
    with _port_lock:
        _next_port[0] += n
        return _next_port[0] - n + 1


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
    hello = out.read()
    if hello[0] != 0x16 or int.from_bytes(hello[3:5], "big") != \
            len(hello) - 5:
        raise RuntimeError("expected one handshake record")
    _sessions[hello] = (tls, inc, out)
    return hello


def finish_tls(c, hello, name):
    """Go on with the handshake that sent hello, over c, then ask for /
    and read which server name the server saw ("embargo SNI").  Only
    works when the server kept the ClientHello's bytes as sent."""
    tls, inc, out = _sessions[hello]
    fed, done, plain = 0, False, b""
    end = time.monotonic() + 3
    try:
        while True:
            inc.write(c.rx[fed:])
            fed = len(c.rx)
            try:
                if not done:
                    tls.do_handshake()
                    done = True
                    tls.write(get(name))
                plain += tls.read(4096)
                m = re.search(rb"embargo ([^\n]*)\n", plain)
                if m:
                    return "server saw " + m.group(1).decode("ascii",
                                                              "replace")
            except ssl.SSLWantReadError:
                pass
            data = out.read()
            if data:
                c.send(c.end, data)
            left = end - time.monotonic()
            if left <= 0 or not c.poll(left, lambda: len(c.rx) > fed):
                return "no answer to the request" if done else \
                    "handshake not finished"
    except (ssl.SSLError, OSError) as e:
        return "handshake failed: %s" % e.__class__.__name__


def tls_verdict(c, hello, name, notes=""):
    """Did the server answer hello?  Then finish the handshake to learn
    which name it saw."""
    if not c.answered(lambda: is_tls(c)):
        return "blocked", notes
    if hello in _sessions:
        notes = (notes + "; " if notes else "") + finish_tls(c, hello, name)
    return "reached", notes


def padded_hello(sni, size):
    """A ClientHello whose handshake message is SIZE bytes, with a
    padding extension (RFC 7685) at the end in place of the one
    OpenSSL may add, in records of at most 16384 bytes."""
    rec = client_hello(sni)
    hs = rec[5:]
    # handshake header 4, version 2, random 32, session id
    p = 4 + 2 + 32
    p += 1 + hs[p]
    p += 2 + int.from_bytes(hs[p:p + 2], "big")		# cipher suites
    p += 1 + hs[p]					# compression
    head, end = hs[:p], p + 2 + int.from_bytes(hs[p:p + 2], "big")
    exts, p = b"", p + 2
    while p < end:
        n = 4 + int.from_bytes(hs[p + 2:p + 4], "big")
        if hs[p:p + 2] != b"\x00\x15":
            exts += hs[p:p + n]
        p += n
    pad = size - len(head) - 2 - len(exts) - 4
    if pad < 0:
        raise RuntimeError("ClientHello already over %d bytes" % size)
    exts += b"\x00\x15" + pad.to_bytes(2, "big") + bytes(pad)
    hs = bytearray(head + len(exts).to_bytes(2, "big") + exts)
    hs[1:4] = (len(hs) - 4).to_bytes(3, "big")
    out = b""
    for i in range(0, len(hs), 16384):
        part = bytes(hs[i:i + 16384])
        out += b"\x16" + rec[1:3] + len(part).to_bytes(2, "big") + part
    return out


class Conn:
    """One crafted connection: our side of TCP, by hand."""

    def __init__(self, addr, port):
        self.addr, self.port = addr, port
        self.sport = next_port()
        self.v6 = ":" in addr
        self.ip = IPv6(dst=addr) if self.v6 else IP(dst=addr)
        flt = "tcp and src port %d and dst port %d" % (port, self.sport)
        self.sock = conf.L3socket(filter=flt)
        self.isn = random.getrandbits(32)
        self.start = (self.isn + 1) & 0xffffffff	# seq of data byte 0
        self.rcv_nxt = None
        self.acked = None		# the server's ack of our bytes
        self.ooo = {}
        self.rx = b""
        self.reset = False
        self.pure_acks = 0		# segments from the server without data
        self.last = []			# (off, data) of the last sends
        self.end = 0			# past the last byte sent

    def close(self):
        """End the connection at the server (a RST where it expects the
        next byte) so that it holds no worker connection; a blocked
        flow's RST is dropped like the rest of it."""
        try:
            if self.acked is not None:
                self.rst(self.acked)
            self.sock.close()
        except OSError:
            pass

    def tcp(self, flags, seq, payload=b"", **kw):
        t = TCP(sport=self.sport, dport=self.port, flags=flags,
                seq=seq & 0xffffffff, window=65535, **kw)
        if self.rcv_nxt is not None and "A" in flags:
            t.ack = self.rcv_nxt
        return self.ip / t / payload if payload else self.ip / t

    def syn(self, data=b"", tfo=False, sport=None):
        opts = [("MSS", 1460), ("SAckOK", b""), ("WScale", 7)]
        if tfo:
            opts.append((34, b""))		# Fast Open, no cookie
        isn = self.isn if sport is None else random.getrandbits(32)
        p = self.tcp("S", isn, data, options=opts)
        if sport is not None:
            p[TCP].sport = sport
        self.sock.send(p)

    def handshake(self, data=b"", tfo=False):
        """SYN (with data for TFO), SYN-ACK, ACK.  False: no SYN-ACK."""
        for _ in range(2):
            self.syn(data, tfo)
            self.poll(WAIT, lambda: self.rcv_nxt is not None)
            if self.rcv_nxt is not None:
                break
        if self.rcv_nxt is None:
            return False
        if data and self.acked == len(data):
            self.end = len(data)
        self.sock.send(self.tcp("A", self.start + self.end))
        if data and self.acked != len(data):
            self.send(0, data)		# the server did not take it
        return True

    def take(self, t):
        if t.flags.R:
            self.reset = True
            return
        if t.flags.S and t.flags.A:
            if self.rcv_nxt is None:
                self.rcv_nxt = (t.seq + 1) & 0xffffffff
            self.acked = (t.ack - self.start) & 0xffffffff
            return
        if self.rcv_nxt is None:
            return
        if t.flags.A:
            self.acked = (t.ack - self.start) & 0xffffffff
        data = bytes(t.payload)
        if not data:
            self.pure_acks += 1 if t.flags.A else 0
            return
        self.ooo[t.seq] = data
        progress = True
        while progress:
            progress = False
            for s in list(self.ooo):
                d = self.ooo[s]
                off = (self.rcv_nxt - s) & 0xffffffff
                if off >= 0x80000000:
                    continue		# beyond what we have: later
                del self.ooo[s]
                if off < len(d):
                    self.rx += d[off:]
                    self.rcv_nxt = (self.rcv_nxt + len(d) - off) & \
                        0xffffffff
                progress = True
        self.sock.send(self.tcp("A", self.start + self.end))

    def poll(self, timeout, done):
        end = time.monotonic() + timeout
        while not done():
            left = end - time.monotonic()
            if left <= 0:
                return False
            r, _, _ = select.select([self.sock], [], [], left)
            if not r:
                return False
            p = self.sock.recv()
            if p is not None and TCP in p:
                self.take(p[TCP])
        return True

    def send(self, off, data):
        """Data byte off onward (relative to the stream's start), cut
        into MSS-sized segments; remembered to be sent again."""
        self.last = []
        for i in range(0, len(data), MSS):
            piece = data[i:i + MSS]
            self.sock.send(self.tcp("PA", self.start + off + i, piece))
            self.last.append((off + i, piece))
        self.end = max(self.end, off + len(data))

    def rst(self, off):
        self.sock.send(self.tcp("R", self.start + off))

    def answered(self, done):
        """Wait for done(); send the last data again once on the way."""
        if self.poll(WAIT, done):
            return True
        for off, piece in self.last:
            self.sock.send(self.tcp("PA", self.start + off, piece))
        return self.poll(WAIT, done)


def is_tls(c):
    return c.rx[:1] == b"\x16"


def body_names(name):
    want = b"embargo " + name.encode().lower() + b"\n"
    return lambda c: b"HTTP/1.1 200" in c.rx and want in c.rx


def get(host, more=b""):
    return b"GET / HTTP/1.1\r\nHost: " + host.encode() + b"\r\n" + more + \
        b"\r\n"


def verdict(ok):
    return "reached" if ok else "blocked"


def sni_at(hello, name):
    p = hello.find(name.encode())
    if p < 0 or hello.count(name.encode()) != 1:
        raise RuntimeError("server name not found once in the ClientHello")
    return p


def case_plain(addr, port, name):
    hello = client_hello(name)
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        c.send(0, hello)
        return tls_verdict(c, hello, name)
    finally:
        c.close()


def case_tfo(addr, port, name):
    data = client_hello(name) if port == 443 else get(name)
    ok = is_tls if port == 443 else body_names(name)
    c = Conn(addr, port)
    try:
        c.last = [(0, data)]
        if not c.handshake(data, tfo=True):
            return "blocked", "no SYN-ACK"
        took = "server took the SYN data" if c.acked == len(data) else \
            "server did not take the SYN data"
        if port == 443:
            return tls_verdict(c, data, name, took)
        return verdict(c.answered(lambda: ok(c))), took
    finally:
        c.close()


def case_tfosplit(addr, port, name):
    hello = client_hello(name)
    cut = sni_at(hello, name) + len(name) // 2
    c = Conn(addr, port)
    try:
        c.last = [(0, hello[:cut])]
        if not c.handshake(hello[:cut], tfo=True):
            return "blocked", "no SYN-ACK"
        took = "server took the SYN data" if c.acked == cut else \
            "server did not take the SYN data"
        c.send(cut, hello[cut:])
        return tls_verdict(c, hello, name, took)
    finally:
        c.close()


def case_overlap(addr, port, name, decoy, order):
    if len(decoy) != len(name):
        raise RuntimeError("the decoy must be as long as the name")
    if port == 443:
        real = client_hello(name)
        p = sni_at(real, name)
        cut = p - 9			# the server name extension's start
    else:
        real = get(name, b"User-Agent: evasion\r\nAccept: */*\r\n")
        p = real.index(name.encode())
        cut = p - 6			# the Host line's start
    fake = real[:p] + decoy.encode() + real[p + len(name):]
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        short = (cut, fake[cut:p + len(name) + 8])
        long = (cut, real[cut:])
        for off, data in ((short, long) if order == "decoy-first" else
                          (long, short)):
            c.send(off, data)
            time.sleep(0.05)
        c.send(0, real[:cut])
        c.last = [(0, real)]
        if port == 443:
            return tls_verdict(c, real, name)
        ok = c.answered(lambda: body_names(name)(c))
        return verdict(ok), "server saw " + name if ok else ""
    finally:
        c.close()


def case_scatter(addr, port, name, n):
    hello = client_hello(name)
    p = sni_at(hello, name)
    first = (p - 9, p + len(name))
    lo, hi = first[1] + 2, len(hello) - 1
    step = (hi - lo) // (n - 1)
    if step < 3:
        raise RuntimeError("ClientHello too short for %d pieces" % n)
    pieces = [first] + [(lo + i * step, lo + i * step + 2)
                        for i in range(n - 1)]
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        for a, b in pieces:
            c.send(a, hello[a:b])
            time.sleep(0.02)
        c.send(0, hello)
        return tls_verdict(c, hello, name, "%d pieces" % len(pieces))
    finally:
        c.close()


def hold_piece(c, hello):
    """Send a piece of hello out of order: gathered, never whole."""
    c.send(40, hello[40:80])


def case_buffers(addr, port, name, held):
    decoy = client_hello("www.example.org")
    holders = []
    try:
        for _ in range(held):
            h = Conn(addr, port)
            holders.append(h)
            if not h.handshake():
                return "error", "no handshake for a holder"
            hold_piece(h, decoy)
        time.sleep(0.1)
        hello = client_hello(name)
        cut = sni_at(hello, name) - 9
        c = Conn(addr, port)
        holders.append(c)
        if not c.handshake():
            return "error", "no handshake"
        c.send(cut, hello[cut:])
        time.sleep(0.05)
        c.send(0, hello[:cut])
        c.last = [(0, hello)]
        return tls_verdict(c, hello, name, "%d held" % held)
    finally:
        for h in holders:
            h.close()		# holders: in sequence, ends the gathering


def case_flood(addr, port, name, syns):
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        base = next_port(syns)
        for i in range(syns):
            c.syn(sport=base + i)
        time.sleep(0.2)
        hello = client_hello(name)
        c.send(0, hello)
        return tls_verdict(c, hello, name, "%d SYNs" % syns)
    finally:
        c.close()


def case_big(addr, port, name, size):
    data = padded_hello(name, size)
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        c.send(0, data)
        return verdict(c.answered(lambda: is_tls(c))), \
            "%d bytes in records" % len(data)
    finally:
        c.close()


def case_rst(addr, port, name):
    hello = client_hello(name)
    cut = sni_at(hello, name) - 9
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        acks = c.pure_acks
        c.rst(1000)
        challenged = c.poll(0.5, lambda: c.pure_acks > acks)
        c.send(cut, hello[cut:])
        time.sleep(0.05)
        c.send(0, hello[:cut])
        c.last = [(0, hello)]
        return tls_verdict(c, hello, name, "a challenge ACK" if challenged
                           else "no challenge ACK")
    finally:
        c.close()


def case_idle(addr, port, name, secs):
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        time.sleep(secs)
        hello = client_hello(name)
        c.send(0, hello)
        return tls_verdict(c, hello, name, "after %g s" % secs)
    finally:
        c.close()


def case_bighttp(addr, port, name, size):
    pad = b""
    i = 0
    while len(pad) < size:
        pad += b"X-Pad-%d: " % i + b"p" * 4000 + b"\r\n"
        i += 1
    req = b"GET / HTTP/1.1\r\n" + pad + b"Host: " + name.encode() + \
        b"\r\n\r\n"
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        c.send(0, req)
        return verdict(c.answered(lambda: body_names(name)(c))), \
            "a head of %d bytes, Host last" % len(req)
    finally:
        c.close()


def case_keepalive(addr, port, first, second, mode):
    r1, r2 = get(first), get(second)
    c = Conn(addr, port)
    try:
        if not c.handshake():
            return "error", "no handshake"
        if mode == "pipelined":
            c.send(0, r1 + r2)
        else:
            c.send(0, r1)
            c.answered(lambda: body_names(first)(c))
            c.send(len(r1), r2)
        ok = c.answered(lambda: body_names(second)(c))
        got1 = body_names(first)(c)
        return verdict(ok), "first answered" if got1 else \
            "first not answered"
    finally:
        c.close()


CASES = {
    "plain": (case_plain, (str, int, str)),
    "tfo": (case_tfo, (str, int, str)),
    "tfosplit": (case_tfosplit, (str, int, str)),
    "overlap": (case_overlap, (str, int, str, str, str)),
    "scatter": (case_scatter, (str, int, str, int)),
    "buffers": (case_buffers, (str, int, str, int)),
    "flood": (case_flood, (str, int, str, int)),
    "big": (case_big, (str, int, str, int)),
    "rst": (case_rst, (str, int, str)),
    "idle": (case_idle, (str, int, str, float)),
    "bighttp": (case_bighttp, (str, int, str, int)),
    "keepalive": (case_keepalive, (str, int, str, str, str)),
}


def run(spec):
    f = spec.split(",")
    if f[0] not in CASES or len(f) - 1 != len(CASES[f[0]][1]):
        return "error", "unknown case or wrong fields"
    fn, types = CASES[f[0]]
    try:
        return fn(*[t(v) for t, v in zip(types, f[1:])])
    except Exception as e:	# pylint: disable=broad-except
        return "error", repr(e)


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    results = {}

    def one(spec):
        results[spec] = run(spec)

    specs = argv[1:]
    groups = " ".join(specs).split(" -- ")
    for group in groups:
        threads = [threading.Thread(target=one, args=(spec,))
                   for spec in group.split()]
        for t in threads:
            t.start()
            time.sleep(0.02)
        for t in threads:
            t.join()
    bad = 0
    for spec in [x for x in specs if x != "--"]:
        res, notes = results.get(spec, ("error", "did not run"))
        bad |= res == "error"
        print(("%s %s %s" % (spec, res, notes)).rstrip(), flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
