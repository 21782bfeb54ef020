#!/bin/sh
# latency.sh: the round-trip latency embargod adds, at a fixed load.
#
# Through the namespace topology of the integration tests (client,
# gateway, server with dnsmasq): first the accept-all loop
# (tests/bench/nfq_accept) at full speed, to find its throughput; then,
# at RATE_PCT (80) % of that rate, for SECONDS (60) each:
#   (a) no queue, (b) nfq_accept, (c) embargod with the default lists
#   and 1,000,000 more names,
# every query's round trip as dnsperf -v reports it, and from them p50
# and p99; the added latency is (c) - (b) (and (c) - (a)).  The kernel's
# drops on the queue (/proc/net/netfilter/nfnetlink_queue: queue full,
# socket full) over the run, dnsperf's lost queries, and embargod's own
# verdict latency histogram (embargoctl stats) close the report.  Not a
# test: timing is never pass or fail.
#
# usage: tests/bench/latency.sh [SECONDS] [RATE_PCT]	(as root, from a build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${EMBARGOD:=$top_builddir/src/embargod}"
: "${EMBARGOCTL:=$top_builddir/src/embargoctl}"
SECONDS_EACH=${1:-60}
RATE_PCT=${2:-80}
. "$top_srcdir/tests/integration/lib.sh"
need_root_or_skip
need_cmd dnsperf python3 dnsmasq iptables
[ -x "$top_builddir/tests/bench/nfq_accept" ] &&
    [ -x "$top_builddir/tests/bench/bench_match" ] ||
    setup_error "build first (make): tests/bench/nfq_accept, bench_match"

topo_up
dns_up
FIREWALL=$top_srcdir/scripts/embargo-firewall
PID=
cleanup() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

"$top_builddir/tests/bench/bench_match" -n 1000000 -w "$EMBT_TMP/big.list" ||
    setup_error "cannot write the 1M-name list"
ALLOWED="allowed.example www.example.org notkaspersky.com kaspersky.com.example.org"
{
	for i in $(seq 1 250); do
		for n in $ALLOWED; do echo "$n A"; done
	done
	head -1000 "$EMBT_TMP/big.list" | sed 's/^/x-/; s/$/ A/'
} >"$EMBT_TMP/allowed.txt"
cat >"$EMBT_TMP/embargod.conf" <<CONF
lists-dir "$top_srcdir/lists"
profile default
list million "$EMBT_TMP/big.list" format domains
control socket "$EMBT_TMP/ctl.sock"
resolver none
CONF

# Full speed: completed queries per second.
dns_qps() {
	in_client dnsperf -s $S4 -d "$EMBT_TMP/allowed.txt" -l 10 -c 8 \
	    -q 200 -t 1 2>/dev/null | awk '/Queries per second:/ { print $4 }'
}
# The kernel's drop counters of queue 0 in the gateway: "full user".
qdrops() {
	in_gw awk '$1 == 0 { print $6, $7 }' \
	    /proc/net/netfilter/nfnetlink_queue 2>/dev/null || echo "- -"
}
# At $1 queries per second for SECONDS_EACH: "p50_us p99_us lost sent".
dns_latency() {
	in_client dnsperf -s $S4 -d "$EMBT_TMP/allowed.txt" \
	    -l "$SECONDS_EACH" -c 8 -q 500 -t 1 -Q "$1" -v 2>/dev/null |
	    python3 -c '
import sys
lat = []
lost = sent = "?"
for line in sys.stdin:
    w = line.split()
    if line.startswith(">") and len(w) >= 5:
        lat.append(float(w[-1]))
    elif "Queries lost:" in line:
        lost = w[2]
    elif "Queries sent:" in line:
        sent = w[2]
lat.sort()
def q(p):
    return lat[min(len(lat) - 1, int(p * len(lat)))] * 1e6 if lat else 0
print("%.0f %.0f %s %s" % (q(0.50), q(0.99), lost, sent))'
}
start_embargod() {
	: >"$EMBT_TMP/embargod.log"
	ip netns exec "$NS_G" "$EMBARGOD" -d -f "$EMBT_TMP/embargod.conf" \
	    >"$EMBT_TMP/embargod.log" 2>&1 &
	PID=$!
	n=0
	until grep -q started: "$EMBT_TMP/embargod.log"; do
		n=$((n + 1)); [ $n -lt 300 ] || setup_error "embargod did not start"
		sleep 0.1
	done
}
stop_pid() { kill "$PID"; wait "$PID" 2>/dev/null; PID=; }

# --- (b) at full speed: the rate to run at
in_gw "$FIREWALL" -m gateway -q 0 -b iptables start >/dev/null ||
    setup_error "firewall"
ip netns exec "$NS_G" "$top_builddir/tests/bench/nfq_accept" -q 0 \
    2>"$EMBT_TMP/nfq_accept.log" &
PID=$!
sleep 0.5
full=$(dns_qps)
rate=$(python3 -c "print(int(float('${full:-0}') * $RATE_PCT / 100))")
echo "nfq_accept at full speed: $full queries/s; measuring at $rate/s" \
    "($RATE_PCT %), $SECONDS_EACH s each"
[ "$rate" -gt 0 ] || setup_error "no throughput through nfq_accept"
set -- $(dns_latency "$rate")
b_p50=$1 b_p99=$2 b_lost=$3 b_sent=$4
stop_pid
in_gw "$FIREWALL" stop >/dev/null 2>&1

# --- (a) no queue
set -- $(dns_latency "$rate")
a_p50=$1 a_p99=$2 a_lost=$3 a_sent=$4

# --- (c) embargod, 1M names
in_gw "$FIREWALL" -m gateway -q 0 -b iptables start >/dev/null ||
    setup_error "firewall"
start_embargod
d0=$(qdrops)
set -- $(dns_latency "$rate")
c_p50=$1 c_p99=$2 c_lost=$3 c_sent=$4
d1=$(qdrops)
"$EMBARGOCTL" -s "$EMBT_TMP/ctl.sock" stats | sed -n '/^verdict_latency/,$p' \
    >"$EMBT_TMP/hist.txt"
stop_pid

echo
printf '%-28s %10s %10s %10s %12s\n' "" "p50 us" "p99 us" "lost" "sent"
printf '%-28s %10s %10s %10s %12s\n' "(a) no queue" "$a_p50" "$a_p99" "$a_lost" "$a_sent"
printf '%-28s %10s %10s %10s %12s\n' "(b) nfq_accept" "$b_p50" "$b_p99" "$b_lost" "$b_sent"
printf '%-28s %10s %10s %10s %12s\n' "(c) embargod 1M names" "$c_p50" "$c_p99" "$c_lost" "$c_sent"
echo "added by embargod over nfq_accept: p50 $((c_p50 - b_p50)) us," \
    "p99 $((c_p99 - b_p99)) us (goal p99 <= 100 us)"
echo "added over no queue: p50 $((c_p50 - a_p50)) us, p99 $((c_p99 - a_p99)) us"
set -- $d0 $d1
echo "kernel queue drops during (c): queue full $(($3 - $1)), socket full" \
    "$(($4 - $2)) (goal 0)"
echo "embargod's own view (receipt to verdict):"
cat "$EMBT_TMP/hist.txt"
topo_down
