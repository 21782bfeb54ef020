#!/bin/sh
# Evasions of the stream reassembly with crafted TCP (scapy, from the
# client namespace), toward real nginx (TLS and HTTP, Fast Open on) and
# dnsmasq, with the default profile: data in the SYN; overlapping
# copies that differ; the bounds (pieces, gather buffers, the flow
# table, ClientHellos over 16 KiB); an in-window RST that is not in
# sequence, and idle time; HTTP keep-alive and pipelining.  For each
# shape a blocked name must not get an answer from the server and the
# same shape with an allowed name must; the counters and events of the
# exception policies are checked.  IPv4, and IPv6 for the cheap shapes.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
CTL=$top_builddir/src/embargoctl
FIREWALL=$top_srcdir/scripts/embargo-firewall
EV=$top_srcdir/tests/tools/evasion.py
PY=/usr/bin/python3		# Debian's, with python3-scapy

need_root_or_skip
need_cmd dig nginx dnsmasq iptables ip6tables tcpdump
[ -x "$PY" ] && "$PY" -c 'import scapy.all' 2>/dev/null ||
    skip "no scapy for $PY (apt-get install python3-scapy)"
topo_up
dns_up
embt_cert
# servers take data in a SYN without a cookie (0x2 | 0x200)
embt_sysctl "$NS_S" ipv4/tcp_fastopen 514 ||
    skip "no TCP Fast Open in this kernel"
# shellcheck disable=SC2016 # an nginx variable
embt_nginx_conf nginx-ev 'embargo $host' "$S4:443 ssl fastopen=64" \
    "[$S6]:443 ssl fastopen=64" "$S4:80 fastopen=64" "[$S6]:80 fastopen=64"
embt_nginx nginx-ev
embt_wait_server tcp 443 "$S4" "$S6"
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
BUFFERS=8			# limit gather-buffers
write_conf() {	# extra statements
	cat >"$CONF" <<CONF
lists-dir "$top_srcdir/lists"
profile default
events "$EVENTS"
control socket "$SOCK"
resolver none
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
# line each ("CASE reached|blocked|error notes"), and shown.
OUT=$EMBT_TMP/cases.out
cases() {
	in_client "$PY" "$EV" "$@" 2>>"$EMBT_TMP/evasion-py.log" |
	    tee -a "$OUT" | sed 's/^/  case: /'
}
line() {	# the last result line of case $1
	awk -v c="$1" '$1 == c { l = $0 } END { print l }' "$OUT"
}
blocked() { [ "$(line "$1" | awk '{ print $2 }')" = blocked ]; }
reached() { [ "$(line "$1" | awk '{ print $2 }')" = reached ]; }
noted() {	# case $1's notes contain $2
	line "$1" | grep -qF -- "$2"
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
event() {	# an event whose reason starts with kind $1
	grep -q "\"reason\":\"$1: " "$EVENTS"
}

B1=ds.kaspersky.com		# blocked, exact in kaspersky-update
B2=s12.upd.kaspersky.com	# blocked, below upd.kaspersky.com
A1=www.example.org		# allowed
D1=abcd.example.org		# allowed, as long as $B1
D2=abcdefghi.example.org	# allowed, as long as $B2

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall start failed"
write_conf
embt_daemon_start

check "dns: the default profile blocks $B2" fails resolves $S4 $B2
check "dns: $A1 resolves" resolves $S4 $A1

# --- 1. TCP Fast Open: the ClientHello or the GET in the SYN
snap
cases "tfo,$S4,443,$B1" "tfo,$S4,443,$A1" "tfo,$S4,80,$B2" "tfo,$S4,80,$A1" \
    "tfo,$S6,443,$B2" "tfo,$S6,443,$A1" "tfo,$S6,80,$B1" "tfo,$S6,80,$A1"
for a in $S4 $S6; do
	check "tfo tls $a: allowed name served" reached "tfo,$a,443,$A1"
	check "tfo tls $a: the server took the data in the SYN" \
	    noted "tfo,$a,443,$A1" "server took the SYN data"
	check "tfo http $a: allowed name served" reached "tfo,$a,80,$A1"
done
check "tfo tls v4: blocked name dropped" blocked "tfo,$S4,443,$B1"
check "tfo http v4: blocked name dropped" blocked "tfo,$S4,80,$B2"
check "tfo tls v6: blocked name dropped" blocked "tfo,$S6,443,$B2"
check "tfo http v6: blocked name dropped" blocked "tfo,$S6,80,$B1"
check "tfo: data in SYNs counted" grew tcp_fast_open

# --- 2. Overlapping copies that differ: the Linux receiver keeps the
# real one, whichever came first
snap
cases "overlap,$S4,443,$B1,$D1,decoy-first" \
    "overlap,$S4,443,$B2,$D2,real-first" \
    "overlap,$S6,443,$B1,$D1,decoy-first" \
    "overlap,$S4,443,$A1,$A1,decoy-first" \
    "overlap,$S6,443,$A1,$A1,real-first"
check "overlap v4: decoy first, blocked name dropped" \
    blocked "overlap,$S4,443,$B1,$D1,decoy-first"
check "overlap v4: real first, blocked name dropped" \
    blocked "overlap,$S4,443,$B2,$D2,real-first"
check "overlap v6: decoy first, blocked name dropped" \
    blocked "overlap,$S6,443,$B1,$D1,decoy-first"
check "overlap v4: equal copies of an allowed name served" \
    reached "overlap,$S4,443,$A1,$A1,decoy-first"
check "overlap v6: equal copies of an allowed name served" \
    reached "overlap,$S6,443,$A1,$A1,real-first"
check "overlap: conflicts counted" grew overlap_conflicts
check "overlap: an event with the overlap reason" event overlap

# --- 3. Bounds.  Nine disjoint pieces: one more than a buffer tracks
snap
cases "scatter,$S4,443,$B1,9" "scatter,$S4,443,$A1,9"
check "9 pieces: blocked name dropped" blocked "scatter,$S4,443,$B1,9"
check "9 pieces: allowed name served" reached "scatter,$S4,443,$A1,9"
check "9 pieces: the segments bound counted" grew bound_segments
check "9 pieces: an event with the segments reason" event segments

# every gather buffer held by a partial ClientHello, then one more
snap
# (one case at a time: the other's holders would free buffers)
cases "buffers,$S4,443,$B2,$((BUFFERS + 1))"
cases "buffers,$S4,443,$A1,$((BUFFERS + 1))"
check "all buffers held: blocked name dropped" \
    blocked "buffers,$S4,443,$B2,$((BUFFERS + 1))"
check "all buffers held: allowed name served" \
    reached "buffers,$S4,443,$A1,$((BUFFERS + 1))"
check "all buffers held: the buffers bound counted" grew bound_gather_buffers
check "all buffers held: an event with the gather-buffers reason" \
    event gather-buffers

# ClientHellos over 16 KiB, which nginx takes: judged by their SNI
snap
cases "big,$S4,443,$B1,17000" "big,$S4,443,$B2,40000" \
    "big,$S4,443,$A1,17000" "big,$S4,443,$A1,40000"
check "17000-byte ClientHello: blocked name dropped" \
    blocked "big,$S4,443,$B1,17000"
check "40000-byte ClientHello: blocked name dropped" \
    blocked "big,$S4,443,$B2,40000"
check "17000-byte ClientHello: allowed name served" \
    reached "big,$S4,443,$A1,17000"
check "40000-byte ClientHello: allowed name served" \
    reached "big,$S4,443,$A1,40000"

# --- 4. Mid-stream: an in-window RST not exactly in sequence (the
# server answers with a challenge ACK and the connection lives on)
snap
cases "rst,$S4,443,$B1" "rst,$S4,443,$A1" "rst,$S6,443,$B2"
check "inexact rst v4: blocked name dropped" blocked "rst,$S4,443,$B1"
check "inexact rst v6: blocked name dropped" blocked "rst,$S6,443,$B2"
check "inexact rst: the connection lived on" \
    noted "rst,$S4,443,$A1" "lived on"
check "inexact rst: allowed name served" reached "rst,$S4,443,$A1"
check "inexact rst: counted" grew rst_fin_out_of_sequence

# --- 5. HTTP keep-alive: every request on the connection is judged
snap
cases "keepalive,$S4,80,$A1,$B1,sequential" \
    "keepalive,$S4,80,$A1,$B2,pipelined" \
    "keepalive,$S6,80,$A1,$B2,sequential" \
    "keepalive,$S4,80,$A1,allowed.example,sequential" \
    "keepalive,$S4,80,$A1,allowed.example,pipelined"
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

# --- 3 again, last: a SYN flood past the flow table (limit flows 64)
# between a connection's handshake and its ClientHello
snap
cases "flood,$S4,443,$B1,100" "flood,$S4,443,$A1,100"
check "flow table flooded: blocked name dropped" \
    blocked "flood,$S4,443,$B1,100"
check "flow table flooded: allowed name served" reached "flood,$S4,443,$A1,100"
check "flow table flooded: the flows bound counted" grew bound_flows
embt_daemon_stop -TERM

# --- 4 again: idle longer than limit flow-timeout while conntrack
# still holds the connection
write_conf "limit flow-timeout 2"
embt_daemon_start
snap
cases "idle,$S4,443,$B1,4" "idle,$S4,443,$A1,4"
check "idle 4 s (flow-timeout 2): blocked name dropped" \
    blocked "idle,$S4,443,$B1,4"
check "idle 4 s (flow-timeout 2): allowed name served" \
    reached "idle,$S4,443,$A1,4"
embt_daemon_stop -TERM

finish
