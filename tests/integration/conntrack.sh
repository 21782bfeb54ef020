#!/bin/sh
# An undecided flow is not forgotten while conntrack holds its
# connection.  With `limit flow-timeout 2`, clients connect through the
# gateway, wait 4.5 s, then send their ClientHello (python3's ssl on a
# plain socket): a blocked name (ds.kaspersky.com, IPv4 and IPv6) is
# still blocked by its SNI, not judged as a midstream flow, an allowed
# one is served, and flows_kept_by_conntrack moved.  A connection whose
# conntrack entry is deleted (conntrack -D in the gateway) meanwhile is
# forgotten at flow-timeout as before: its ClientHello comes as a
# midstream flow, judged by the midstream exception.  Real nginx.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
CTL=$top_builddir/src/embargoctl
FIREWALL=$top_srcdir/scripts/embargo-firewall

need_root_or_skip
need_cmd nginx iptables python3 conntrack curl
topo_up
tls_up

CONF=$EMBT_TMP/embargod.conf
SOCK=$EMBT_TMP/ctl.sock
EVENTS=$EMBT_TMP/events.json
cat >"$CONF" <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
events "$EVENTS"
control socket "$SOCK"
metrics listen 127.0.0.1 port 9469
resolver none
limit flow-timeout 2
CONF

cleanup() {
	embt_daemon_stop -TERM
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

# A client that connects from port SPORT, says "connected", waits WAIT
# seconds and then makes its TLS handshake with SNI NAME and asks for
# /: exit 0 when the answer is a 200.
CLIENT=$EMBT_TMP/client.py
cat >"$CLIENT" <<'PY'
import socket
import ssl
import sys
import time

addr, name, sport, wait = sys.argv[1], sys.argv[2], int(sys.argv[3]), \
    float(sys.argv[4])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
s = socket.socket(fam, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("", sport))
s.settimeout(3)
s.connect((addr, 443))
print("connected", flush=True)
time.sleep(wait)
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
try:
    t = ctx.wrap_socket(s, server_hostname=name)
    t.sendall(b"GET / HTTP/1.1\r\nHost: " + name.encode() +
              b"\r\nConnection: close\r\n\r\n")
    line = t.recv(4096).split(b"\r\n")[0]
except (OSError, ssl.SSLError) as e:
    print("failed:", e)
    sys.exit(1)
print(line.decode(errors="replace"))
sys.exit(0 if b" 200 " in line else 1)
PY

# Start a client in the background: name, address, sport; its output
# goes to client-SPORT.out and its exit status to client-SPORT.rc.
client() {	# addr name sport
	(in_client python3 "$CLIENT" "$1" "$2" "$3" 4.5 \
	    >"$EMBT_TMP/client-$3.out" 2>&1
	echo $? >"$EMBT_TMP/client-$3.rc") &
}

# Wait (10 s at most) for file $1 to exist and hold $2.
wait_for() {	# file text
	n=0
	until grep -q "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le 100 ] || return 1
		sleep 0.1
	done
}

served() {	# sport: the client got its 200
	wait_for "$EMBT_TMP/client-$1.rc" . && [ "$(cat "$EMBT_TMP/client-$1.rc")" = 0 ]
}

stat() {	# counter name from embargoctl stats
	"$CTL" -s "$SOCK" stats | awk -v k="$1" '$1 == k { print $2; exit }'
}

metric() {	# the value of a metric line, by its name and labels
	in_gw curl -s --max-time 3 http://127.0.0.1:9469/metrics |
	    awk -v k="$1" '$1 == k { print $2; exit }'
}

# An event from source port SPORT: with action ACTION and either SNI NAME
# (by its name) or an event.reason that starts with "midstream"
# (NAME is "midstream").
event() {	# sport action name
	python3 - "$EVENTS" "$@" <<'PY'
import json, sys
path, sport, action, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], \
    sys.argv[4]
for line in open(path):
    e = json.loads(line)
    if e.get("source", {}).get("port") != sport:
        continue
    if e["event"]["action"] != action:
        continue
    reason = e["event"].get("reason", "")
    sni = e.get("tls", {}).get("client", {}).get("server_name")
    if name == "midstream" and reason.startswith("midstream"):
        sys.exit(0)
    if name != "midstream" and sni == name and \
            not reason.startswith("midstream"):
        sys.exit(0)
sys.exit(1)
PY
}

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall start failed"
embt_daemon_start

# All four at once: 40501-40503 held by conntrack, 40504 deleted.
client $S4 ds.kaspersky.com 40501
client "$S6" ds.kaspersky.com 40502
client $S4 www.example.org 40503
client $S4 ds.kaspersky.com 40504
wait_for "$EMBT_TMP/client-40504.out" connected ||
    setup_error "the client did not connect: $(cat "$EMBT_TMP/client-40504.out")"
check "conntrack -D in the gateway deleted 40504's entry" \
    in_gw conntrack -D -p tcp -s $C4 --sport 40504 -d $S4 --dport 443
for p in 40501 40502 40503 40504; do
	wait_for "$EMBT_TMP/client-$p.rc" . ||
	    setup_error "client $p did not finish"
done
for p in 40501 40502 40503 40504; do
	echo "client $p: $(cat "$EMBT_TMP/client-$p.out")"
done

check "v4 after 4.5 s idle: ds.kaspersky.com refused" fails served 40501
check "v4 after 4.5 s idle: blocked by its SNI" \
    event 40501 block ds.kaspersky.com
check "v6 after 4.5 s idle: ds.kaspersky.com refused" fails served 40502
check "v6 after 4.5 s idle: blocked by its SNI" \
    event 40502 block ds.kaspersky.com
check "v4 after 4.5 s idle: www.example.org served" served 40503
check "held flows: not one judged as midstream" \
    fails event 40501 allow midstream
check "held flows: not one judged as midstream (v6)" \
    fails event 40502 allow midstream
kept=$(stat flows_kept_by_conntrack)
check "flows_kept_by_conntrack counted ($kept)" test "${kept:-0}" -ge 3
check "conntrack could tell every time" \
    test "$(stat conntrack_cannot_tell)" -eq 0
# the deleted one: forgotten after flow-timeout, then seen mid-stream;
# the midstream exception's guard still blocks it by the name its bytes
# hold, read without parsing them as a start
check "deleted entry: forgotten, then blocked mid-stream by the name held" \
    event 40504 block midstream
check "deleted entry: no SNI judged for it" \
    fails event 40504 block ds.kaspersky.com
check "deleted entry: one midstream flow, no more" \
    test "$(stat midstream_flows)" -eq 1
check "metrics: embargo_flows_kept_by_conntrack_total $kept" \
    test "$(metric embargo_flows_kept_by_conntrack_total)" = "$kept"
check "metrics: no conntrack query bound reached" \
    test "$(metric 'embargo_bound_hits_total{bound="conntrack_queries"}')" = 0
check "status shows the conntrack safety net" \
    sh -c "'$CTL' -s '$SOCK' status | grep -q 'kept by conntrack $kept'"
finish
