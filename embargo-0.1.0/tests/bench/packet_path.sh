#!/bin/sh
# packet_path.sh: the packet path's cost, side by side in one run.
#
# Through the namespace topology of the integration tests (client,
# gateway, server), three set-ups on the gateway:
#   (a) no queue: no rules, no daemon;
#   (b) nfq_accept: the firewall rules and a minimal libmnl program that
#       drains and batch-accepts every packet (the ceiling);
#   (c) embargod with the default lists and 1,000,000 more names; the
#       half-blocked DNS mix again in audit mode and with the Kaspersky
#       lists' action reject (refused queries answered at once).
# For each: DNS queries per second with dnsperf (an allowed mix and a
# mix where half the names are blocked, SECONDS each), new TLS
# connections per second (tls_rate.py), and a bulk TCP transfer with
# iperf3; with the daemon's CPU time.  Ratios at the end.  Not a test:
# timing is never pass or fail.
#
# usage: tests/bench/packet_path.sh [SECONDS]	(as root, from a build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
SECONDS_EACH=${1:-10}
. "$top_srcdir/tests/integration/lib.sh"
need_root_or_skip
need_cmd dnsperf iperf3 python3 dnsmasq nginx iptables
[ -x "$top_builddir/tests/bench/nfq_accept" ] &&
    [ -x "$top_builddir/tests/bench/bench_match" ] ||
    setup_error "build first (make): tests/bench/nfq_accept, bench_match"

topo_up
dns_up
tls_up
FIREWALL=$top_srcdir/scripts/embargo-firewall
PID=
cleanup() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
	in_gw "$FIREWALL" stop >/dev/null 2>&1
	[ -z "${IPERF:-}" ] || kill "$IPERF" 2>/dev/null
}
EMBT_CLEANUP=cleanup

# --- inputs
"$top_builddir/tests/bench/bench_match" -n 1000000 -w "$EMBT_TMP/big.list" ||
    setup_error "cannot write the 1M-name list"
ALLOWED="allowed.example www.example.org notkaspersky.com kaspersky.com.example.org"
BLOCKED="s12.upd.kaspersky.com ds.kaspersky.com dnl-03.geo.kaspersky.com ksn-file-geo.kaspersky-labs.com"
# allowed mix: known names and names on no list; blocked mix: half blocked
{
	for i in $(seq 1 250); do
		for n in $ALLOWED; do echo "$n A"; done
	done
	head -1000 "$EMBT_TMP/big.list" | sed 's/^/x-/; s/$/ A/'
} >"$EMBT_TMP/allowed.txt"
{
	for i in $(seq 1 250); do
		for n in $ALLOWED $BLOCKED; do echo "$n A"; done
	done
} >"$EMBT_TMP/blocked.txt"
cat >"$EMBT_TMP/embargod.conf" <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
list kaspersky-activation "kaspersky-activation.list"
list kaspersky-management "kaspersky-management.list"
list kaspersky-statistics "kaspersky-statistics.list"
list million "$EMBT_TMP/big.list" format domains
control socket "$EMBT_TMP/ctl.sock"
resolver none
CONF
# the same lists, Kaspersky's with action reject: refused queries are
# answered at once (NXDOMAIN) instead of dropped
sed 's/^\(list kaspersky-[a-z]* "[^"]*"\)$/\1 action reject/' \
    "$EMBT_TMP/embargod.conf" >"$EMBT_TMP/reject.conf"

in_server iperf3 -s -B $S4 -D -I "$EMBT_TMP/iperf.pid" >/dev/null 2>&1
sleep 0.5
IPERF=$(cat "$EMBT_TMP/iperf.pid" 2>/dev/null)

# --- measurements (each prints one number)
dns_qps() {	# query file -> completed queries per second
	in_client dnsperf -s $S4 -d "$1" -l "$SECONDS_EACH" -c 8 -q 200 \
	    -t 1 2>/dev/null | awk '/Queries per second:/ { print $4 }'
}
tls_rate() {
	in_client timeout $((SECONDS_EACH + 20)) python3 "$here/tls_rate.py" \
	    $S4 443 "$SECONDS_EACH" 2 $ALLOWED | awk '{ print $6 }'
}
bulk_gbps() {
	in_client timeout $((SECONDS_EACH + 20)) iperf3 -c $S4 \
	    -t "$SECONDS_EACH" -J 2>/dev/null | python3 -c '
import json, sys
print("%.2f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9))'
}
cpu_ticks() {	# utime + stime of process $1
	[ -n "$1" ] && awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null ||
	    echo 0
}

# Measure the four figures for the current set-up into variables $1_*.
measure() {
	t0=$(cpu_ticks "$PID")
	eval "$1_dns=\$(dns_qps $EMBT_TMP/allowed.txt)"
	eval "$1_dnsb=\$(dns_qps $EMBT_TMP/blocked.txt)"
	eval "$1_tls=\$(tls_rate)"
	eval "$1_bulk=\$(bulk_gbps)"
	t1=$(cpu_ticks "$PID")
	eval "$1_cpu=\$(( (t1 - t0) * 100 / $(getconf CLK_TCK) / (4 * SECONDS_EACH) ))"
}

echo "(a) no queue ..."
measure a
echo "(b) nfq_accept ..."
in_gw "$FIREWALL" -m gateway -q 0 -b iptables start >/dev/null ||
    setup_error "firewall"
ip netns exec "$NS_G" "$top_builddir/tests/bench/nfq_accept" -q 0 \
    2>"$EMBT_TMP/nfq_accept.log" &
PID=$!
sleep 0.5
measure b
kill "$PID"; wait "$PID" 2>/dev/null; PID=
# Start embargod on the gateway with configuration $1 and options $2...
start_embargod() {
	conf=$1
	shift
	: >"$EMBT_TMP/embargod.log"
	ip netns exec "$NS_G" "$top_builddir/src/embargod" -d -f "$conf" "$@" \
	    >"$EMBT_TMP/embargod.log" 2>&1 &
	PID=$!
	n=0
	until grep -q started: "$EMBT_TMP/embargod.log"; do
		n=$((n + 1)); [ $n -lt 300 ] || setup_error "embargod did not start"
		sleep 0.1
	done
}

echo "(c) embargod, 1M names ..."
start_embargod "$EMBT_TMP/embargod.conf"
measure c
kill "$PID"; wait "$PID" 2>/dev/null; PID=
echo "(c) again in audit mode: the half-blocked mix judged and logged ..."
start_embargod "$EMBT_TMP/embargod.conf" -a
c_dnsa=$(dns_qps "$EMBT_TMP/blocked.txt")
kill "$PID"; wait "$PID" 2>/dev/null; PID=
audit_events=$(grep -c '^audit dns' "$EMBT_TMP/embargod.log")
echo "(c) again with action reject: the blocked half answered NXDOMAIN ..."
start_embargod "$EMBT_TMP/reject.conf"
c_dnsr=$(dns_qps "$EMBT_TMP/blocked.txt")
kill "$PID"; wait "$PID" 2>/dev/null; PID=
reject_events=$(grep -c '^reject dns' "$EMBT_TMP/embargod.log")

ratio() { python3 -c "a, b = float('$1' or 0), float('$2' or 0); print('%.2f' % (a / b) if b else 'n/a')"; }
echo
printf '%-34s %12s %14s %16s %9s\n' "" "(a) no queue" "(b) nfq_accept" "(c) embargod 1M" "(c)/(b)"
printf '%-34s %12s %14s %16s %9s\n' "DNS allowed mix, answers/s" "$a_dns" "$b_dns" "$c_dns" "$(ratio "$c_dns" "$b_dns")"
printf '%-34s %12s %14s %16s %9s\n' "DNS half-blocked mix, answers/s" "$a_dnsb" "$b_dnsb" "$c_dnsb" "$(ratio "$c_dnsb" "$b_dnsb")"
printf '%-34s %12s %14s %16s %9s\n' "  same mix, embargod -a (audit)" "" "" "$c_dnsa" "$(ratio "$c_dnsa" "$b_dnsb")"
printf '%-34s %12s %14s %16s %9s\n' "  same mix, action reject" "" "" "$c_dnsr" "$(ratio "$c_dnsr" "$b_dnsb")"
printf '%-34s %12s %14s %16s %9s\n' "TLS new connections/s" "$a_tls" "$b_tls" "$c_tls" "$(ratio "$c_tls" "$b_tls")"
printf '%-34s %12s %14s %16s %9s\n' "bulk TCP, Gbit/s" "$a_bulk" "$b_bulk" "$c_bulk" "$(ratio "$c_bulk" "$a_bulk") (c)/(a)"
printf '%-34s %12s %14s %16s\n' "queue process CPU, % of one core" "-" "$b_cpu" "$c_cpu"
echo "(half-blocked mix: under (c) the blocked half is dropped, by design,"
echo " and each drop holds one of dnsperf's outstanding slots for its 1 s"
echo " timeout; in audit mode the same names are judged and logged"
echo " ($audit_events audit events) but answered, which compares with (b);"
echo " with action reject the blocked half is answered NXDOMAIN by the"
echo " daemon at once ($reject_events reject events), and counts as answers)"
topo_down
