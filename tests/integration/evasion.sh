#!/bin/sh
# Evasions of the stream reassembly with crafted TCP (scapy, from the
# client namespace; tests/tools/evasion.py), toward real nginx (TLS and
# HTTP, Fast Open on) and dnsmasq, with the default profile (issue 11,
# items 1-5): data in the SYN; overlapping copies that differ; the
# bounds (pieces, gather buffers, the flow table, ClientHellos over
# 16 KiB), also toward an address learned for a blocked name; an
# in-window RST that is not in sequence, and idle time; HTTP keep-alive
# and pipelining.  Each shape is first sent without the daemon, to show
# that the server takes it and sees the blocked name.  Then a blocked
# name must get no answer from the server, and the same shape with an
# allowed name must; the counters and the exception events are
# checked.  IPv4, and IPv6 for the cheap shapes.  About 40 s.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
CTL=$top_builddir/src/embargoctl
FIREWALL=$top_srcdir/scripts/embargo-firewall
EV=$top_srcdir/tests/tools/evasion.py
PY=/usr/bin/python3		# Debian's, with python3-scapy

need_root_or_skip
need_cmd dig nginx dnsmasq iptables ip6tables
# scapy, and a packet socket with a BPF filter (libpcap compiles it)
if ! [ -x "$PY" ] || ! "$PY" -c 'from scapy.all import conf
conf.L3socket(filter="tcp").close()' 2>/dev/null; then
	skip "no scapy packet socket for $PY (apt-get install python3-scapy libpcap0.8)"
fi
topo_up
# ds.kaspersky.com, an exact name of the default profile, lives on the
# second server address: the daemon's own lookup (resolver) learns it
EMBT_DNS_EXTRA="--host-record=ds.kaspersky.com,$S4B,$S6B"
dns_up www.example.org allowed.example s12.upd.kaspersky.com
embt_cert
# servers take data in a SYN without a cookie (0x2 | 0x200)
embt_sysctl "$NS_S" ipv4/tcp_fastopen 514 ||
    skip "no TCP Fast Open in this kernel"
# TLS answers with the server name it saw, HTTP with the Host
# shellcheck disable=SC2016 # nginx variables
embt_nginx_conf nginx-tls 'embargo $ssl_server_name' \
    "$S4:443 ssl fastopen=64" "[$S6]:443 ssl fastopen=64" "$S4B:443 ssl"
# shellcheck disable=SC2016
embt_nginx_conf nginx-http 'embargo $host' "$S4:80 fastopen=64" \
    "[$S6]:80 fastopen=64"
embt_nginx nginx-tls
embt_nginx nginx-http
embt_wait_server tcp 443 "$S4" "$S6" "$S4B"
embt_wait_server tcp 80 "$S4" "$S6"

# The client's kernel knows nothing of the crafted connections: its
# RSTs toward the servers' ports would end them.
for ipt in iptables ip6tables; do
	in_client $ipt -A OUTPUT -p tcp -m multiport --dports 80,443 \
	    --tcp-flags RST RST -j DROP ||
	    setup_error "cannot drop the client's own RSTs"
done

CONF=$EMBT_TMP/embargod.conf
SOCK=$EMBT_TMP/ctl.sock
EVENTS=$EMBT_TMP/events.json
BUFFERS=24			# limit gather-buffers
write_conf() {	# extra statements
	cat >"$CONF" <<CONF
lists-dir "$top_srcdir/lists"
profile default
events "$EVENTS"
control socket "$SOCK"
resolver $S4
limit flows 64
limit gather-buffers $BUFFERS
$*
CONF
}

cleanup() {
	embt_daemon_stop -TERM
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

# Run the crafted cases given; their results are added to $OUT, one
# line each ("CASE reached|blocked|error notes"), and shown.  Each run
# takes source ports of its own (fewer than 1000), so that no
# connection meets a flow or a conntrack entry of an earlier one.
OUT=$EMBT_TMP/cases.out
PORTS=20000
cases() {
	t0=$(date +%s)
	PORTS=$((PORTS + 1000))
	in_client env EVASION_PORTS=$PORTS "$PY" "$EV" "$@" \
	    2>>"$EMBT_TMP/evasion-py.log" |
	    tee -a "$OUT" | sed 's/^/  case: /'
	echo "  (cases run in $(($(date +%s) - t0)) s)"
}
line() {	# the last result line of case $1
	awk -v c="$1" '$1 == c { l = $0 } END { print l }' "$OUT"
}
blocked() { [ "$(line "$1" | awk '{ print $2 }')" = blocked ]; }
reached() { [ "$(line "$1" | awk '{ print $2 }')" = reached ]; }
noted() {	# case $1's notes contain $2
	line "$1" | grep -qF -- "$2"
}
saw() {		# the server finished case $1's handshake and saw name $2
	line "$1" | grep -qF -- "server saw $2"
}

stat() {	# counter name from embargoctl stats
	"$CTL" -s "$SOCK" stats | awk -v k="$1" '$1 == k { print $2; exit }'
}
snap() { "$CTL" -s "$SOCK" stats >"$EMBT_TMP/stats.before"; }
grew() {	# counter $1 grew since snap
	b=$(awk -v k="$1" '$1 == k { print $2; exit }' "$EMBT_TMP/stats.before")
	n=$(stat "$1")
	echo "  $1: ${b:-?} -> ${n:-?}"
	[ -n "$n" ] && [ "$n" -gt "${b:-0}" ]
}
event() {	# an event of exception kind $1 (its rule), with a reason
	grep "\"rule\":{\"name\":\"$1\"" "$EVENTS" | grep -q '"reason":"'
}
learned() {	# wait (10 s at most) until the daemon learned $1 addresses
	n=0
	while [ $n -lt 100 ]; do
		got=$("$CTL" -s "$SOCK" -j status 2>/dev/null | "$PY" -c \
		    'import json, sys; print(json.load(sys.stdin)["learned"]["addresses"])' \
		    2>/dev/null)
		[ -n "$got" ] && [ "$got" -ge "$1" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	echo "  learned: ${got:-?} addresses, wanted $1"
	return 1
}

B1=ds.kaspersky.com		# blocked, exact in kaspersky-update
B2=s12.upd.kaspersky.com	# blocked, below upd.kaspersky.com
A1=www.example.org		# allowed
D1=abcd.example.org		# allowed, as long as $B1
D2=abcdefghi.example.org	# allowed, as long as $B2

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall start failed"

# --- control, no daemon (the queue is bypassed): every shape gets the
# blocked name to the server, which keeps the real copy of overlaps
echo "control: no daemon"
cases "tfo,$S4,443,$B1" "tfo,$S4,80,$B2" "tfo,$S6,443,$B2" \
    "tfosplit,$S4,443,$B2" "overlap,$S4,443,$B1,$D1,decoy-first" \
    "overlap,$S4,443,$B2,$D2,real-first" "scatter,$S4,443,$B1,9" \
    "buffers,$S4,443,$B2,$((BUFFERS + 1))" "big,$S4,443,$B1,17000" \
    "big,$S4,443,$B2,40000" "rst,$S4,443,$B1" "flood,$S4,443,$B1,100" \
    "keepalive,$S4,80,$A1,$B1,sequential" \
    "keepalive,$S4,80,$A1,$B2,pipelined" \
    "overlap,$S4,80,$B1,$D1,decoy-first" "bighttp,$S4,80,$B2,20000"
for c in "tfo,$S4,443,$B1 $B1" "tfo,$S6,443,$B2 $B2" \
    "tfosplit,$S4,443,$B2 $B2" \
    "overlap,$S4,443,$B1,$D1,decoy-first $B1" \
    "overlap,$S4,443,$B2,$D2,real-first $B2" "scatter,$S4,443,$B1,9 $B1" \
    "buffers,$S4,443,$B2,$((BUFFERS + 1)) $B2" "rst,$S4,443,$B1 $B1" \
    "flood,$S4,443,$B1,100 $B1" "overlap,$S4,80,$B1,$D1,decoy-first $B1"; do
	check "control: ${c% *} reaches the server, which saw ${c#* }" \
	    saw "${c% *}" "${c#* }"
done
for c in "tfo,$S4,80,$B2" "big,$S4,443,$B1,17000" "big,$S4,443,$B2,40000" \
    "keepalive,$S4,80,$A1,$B1,sequential" \
    "keepalive,$S4,80,$A1,$B2,pipelined" "bighttp,$S4,80,$B2,20000"; do
	check "control: $c reaches the server" reached "$c"
done

write_conf
embt_daemon_start

check "dns: the default profile blocks $B2" fails resolves $S4 $B2
check "dns: $A1 resolves" resolves $S4 $A1
check "learned: the daemon's lookup of $B1 learned $S4B and $S6B" learned 2

# The shapes that hold at most a few buffers each, all at once (fewer
# than limit gather-buffers, and flows than limit flows); each counter
# checked below grows only by its own shape.
snap
cases "tfo,$S4,443,$B1" "tfo,$S4,443,$A1" "tfo,$S4,80,$B2" "tfo,$S4,80,$A1" \
    "tfo,$S6,443,$B2" "tfo,$S6,443,$A1" "tfo,$S6,80,$B1" "tfo,$S6,80,$A1" \
    "tfosplit,$S4,443,$B2" "tfosplit,$S4,443,$A1" \
    "overlap,$S4,443,$B1,$D1,decoy-first" \
    "overlap,$S4,443,$B2,$D2,real-first" \
    "overlap,$S6,443,$B1,$D1,decoy-first" \
    "overlap,$S4,443,$A1,$A1,decoy-first" \
    "overlap,$S6,443,$A1,$A1,real-first" \
    "overlap,$S4,80,$B1,$D1,decoy-first" "overlap,$S6,80,$B2,$D2,real-first" \
    "overlap,$S4,80,$A1,$A1,decoy-first" \
    "bighttp,$S4,80,$B2,20000" "bighttp,$S4,80,$A1,20000" \
    "scatter,$S4,443,$B1,9" "scatter,$S4,443,$A1,9" \
    "big,$S4,443,$B1,17000" "big,$S4,443,$B2,40000" \
    "big,$S4,443,$A1,17000" "big,$S4,443,$A1,40000" \
    "rst,$S4,443,$B1" "rst,$S4,443,$A1" "rst,$S6,443,$B2" \
    "keepalive,$S4,80,$A1,$B1,sequential" \
    "keepalive,$S4,80,$A1,$B2,pipelined" \
    "keepalive,$S6,80,$A1,$B2,sequential" \
    "keepalive,$S4,80,$A1,allowed.example,sequential" \
    "keepalive,$S4,80,$A1,allowed.example,pipelined" \
    "plain,$S4B,443,$A1" "scatter,$S4B,443,$A1,9"

# --- 1. TCP Fast Open: the ClientHello or the GET in the SYN
for a in $S4 $S6; do
	check "tfo tls $a: allowed name served" saw "tfo,$a,443,$A1" $A1
	check "tfo tls $a: the server took the data in the SYN" \
	    noted "tfo,$a,443,$A1" "server took the SYN data"
	check "tfo http $a: allowed name served" reached "tfo,$a,80,$A1"
done
check "tfo tls v4: blocked name dropped" blocked "tfo,$S4,443,$B1"
check "tfo http v4: blocked name dropped" blocked "tfo,$S4,80,$B2"
check "tfo tls v6: blocked name dropped" blocked "tfo,$S6,443,$B2"
check "tfo http v6: blocked name dropped" blocked "tfo,$S6,80,$B1"
check "tfo, rest after the handshake: blocked name dropped" \
    blocked "tfosplit,$S4,443,$B2"
check "tfo, rest after the handshake: allowed name served" \
    saw "tfosplit,$S4,443,$A1" $A1
check "tfo: data in SYNs counted" grew tcp_fast_open

# --- 2. Overlapping copies that differ: the Linux receiver keeps the
# real one, whichever came first (see the control above)
check "overlap v4: decoy first, blocked name dropped" \
    blocked "overlap,$S4,443,$B1,$D1,decoy-first"
check "overlap v4: real first, blocked name dropped" \
    blocked "overlap,$S4,443,$B2,$D2,real-first"
check "overlap v6: decoy first, blocked name dropped" \
    blocked "overlap,$S6,443,$B1,$D1,decoy-first"
check "overlap v4: equal copies of an allowed name served" \
    saw "overlap,$S4,443,$A1,$A1,decoy-first" $A1
check "overlap v6: equal copies of an allowed name served" \
    saw "overlap,$S6,443,$A1,$A1,real-first" $A1
check "overlap http v4: decoy Host first, blocked Host dropped" \
    blocked "overlap,$S4,80,$B1,$D1,decoy-first"
check "overlap http v6: real Host first, blocked Host dropped" \
    blocked "overlap,$S6,80,$B2,$D2,real-first"
check "overlap http v4: equal copies of an allowed Host served" \
    saw "overlap,$S4,80,$A1,$A1,decoy-first" $A1
check "overlap: conflicts counted" grew overlap_conflicts
check "overlap: an event of the overlap exception" event overlap

# --- 3. Bounds.  Nine disjoint pieces: one more than a buffer tracks
check "9 pieces: blocked name dropped" blocked "scatter,$S4,443,$B1,9"
check "9 pieces: allowed name served" saw "scatter,$S4,443,$A1,9" $A1
check "9 pieces: the segments bound counted" grew bound_segments
check "9 pieces: an event of the segments exception" event segments

# ClientHellos over 16 KiB, which nginx takes: judged by their SNI
check "17000-byte ClientHello: blocked name dropped" \
    blocked "big,$S4,443,$B1,17000"
check "40000-byte ClientHello: blocked name dropped" \
    blocked "big,$S4,443,$B2,40000"
check "17000-byte ClientHello: allowed name served" \
    reached "big,$S4,443,$A1,17000"
check "40000-byte ClientHello: allowed name served" \
    reached "big,$S4,443,$A1,40000"
check "20 KB HTTP head, Host last: blocked Host dropped" \
    blocked "bighttp,$S4,80,$B2,20000"
check "20 KB HTTP head, Host last: allowed Host served" \
    reached "bighttp,$S4,80,$A1,20000"

# toward an address learned for a blocked name, no bound lets a flow
# pass, whatever name it shows
check "learned address: an allowed name, in one piece, served" \
    saw "plain,$S4B,443,$A1" $A1
check "learned address: 9 pieces with an allowed name dropped" \
    blocked "scatter,$S4B,443,$A1,9"

# --- 4. Mid-stream: an in-window RST not exactly in sequence (the
# server answers with a challenge ACK and the connection lives on)
check "inexact rst v4: blocked name dropped" blocked "rst,$S4,443,$B1"
check "inexact rst v6: blocked name dropped" blocked "rst,$S6,443,$B2"
check "inexact rst: the server answered it with a challenge ACK" \
    noted "rst,$S4,443,$A1" "a challenge ACK"
check "inexact rst: allowed name served" saw "rst,$S4,443,$A1" $A1
check "inexact rst: counted" grew rst_fin_out_of_sequence

# --- 5. HTTP keep-alive: every request on the connection is judged
check "keep-alive v4: the first request served" \
    noted "keepalive,$S4,80,$A1,$B1,sequential" "first answered"
check "keep-alive v4: second request, blocked Host, no 200" \
    blocked "keepalive,$S4,80,$A1,$B1,sequential"
check "keep-alive v6: second request, blocked Host, no 200" \
    blocked "keepalive,$S6,80,$A1,$B2,sequential"
check "pipelined v4: second request, blocked Host, no 200" \
    blocked "keepalive,$S4,80,$A1,$B2,pipelined"
check "keep-alive v4: two allowed requests served" \
    reached "keepalive,$S4,80,$A1,allowed.example,sequential"
check "pipelined v4: two allowed requests served" \
    reached "keepalive,$S4,80,$A1,allowed.example,pipelined"
check "keep-alive: next requests counted" grew http_next_requests

# --- 3 again.  Every gather buffer held by a partial ClientHello, then
# one more; one case at a time (the other's holders would free
# buffers).  Then a SYN flood past the flow table (limit flows 64)
# between a connection's handshake and its ClientHello.
snap
cases "buffers,$S4,443,$B2,$((BUFFERS + 1))" -- \
    "buffers,$S4,443,$A1,$((BUFFERS + 1))" -- \
    "flood,$S4,443,$B1,100" "flood,$S4,443,$A1,100" \
    "flood,$S4B,443,$A1,100"
check "all buffers held: blocked name dropped" \
    blocked "buffers,$S4,443,$B2,$((BUFFERS + 1))"
check "all buffers held: allowed name served" \
    saw "buffers,$S4,443,$A1,$((BUFFERS + 1))" $A1
check "all buffers held: the buffers bound counted" grew bound_gather_buffers
check "all buffers held: an event of the gather-buffers exception" \
    event gather-buffers

check "flow table flooded: blocked name dropped" \
    blocked "flood,$S4,443,$B1,100"
check "flow table flooded: allowed name served" \
    saw "flood,$S4,443,$A1,100" $A1
# lone SYNs go first: the connection opened before the flood is kept,
# and judged by its name as without the flood
check "flow table flooded: toward the learned address, allowed name served" \
    saw "flood,$S4B,443,$A1,100" $A1
check "flow table flooded: the flows bound counted" grew bound_flows
embt_daemon_stop -TERM

# --- 4 again: idle longer than limit flow-timeout while conntrack
# still holds the connection
write_conf "limit flow-timeout 2"
embt_daemon_start
cases "idle,$S4,443,$B1,4" "idle,$S4,443,$A1,4"
check "idle 4 s (flow-timeout 2): blocked name dropped" \
    blocked "idle,$S4,443,$B1,4"
check "idle 4 s (flow-timeout 2): allowed name served" \
    saw "idle,$S4,443,$A1,4" $A1
embt_daemon_stop -TERM

finish
