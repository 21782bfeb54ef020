#!/bin/sh
# queues.sh: does a second queue (and core) give embargod more DNS
# throughput?  Side by side in one run, through the namespace topology
# of the integration tests:
#   (1) embargo-firewall -q 0 and embargod -q 0,
#   (2) embargo-firewall -q 0-1 (NFQUEUE --queue-balance 0:1) and
#       embargod -q 0-1 (a thread per queue),
# with a workload that makes the daemon the bottleneck: every query
# names a subdomain of one of 1,000,000 listed names, the daemon runs in
# audit mode and writes an ECS JSON event for each (the SOC set-up:
# the most work a query can cost it), and the firewall queues the
# answers too.  The kernel's --queue-balance picks a queue by a hash of
# the addresses alone (xt_NFQUEUE, hash_v4/hash_v6: source and
# destination address and protocol; no ports), so one client talking
# to one resolver always lands on one queue.  A router's LAN has many
# clients: here CLIENTS (8) client addresses each run a dnsperf at full
# speed for SECONDS (20).
# Prints queries per second, the ratio (2)/(1), the CPU each embargod
# thread, dnsmasq and dnsperf used, and how the kernel split the
# packets between the queues (/proc/net/netfilter/nfnetlink_queue).
# Not a test: timing is never pass or fail.
#
# usage: tests/bench/queues.sh [SECONDS] [CLIENTS]	(as root, from a build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${EMBARGOD:=$top_builddir/src/embargod}"
SECONDS_EACH=${1:-20}
CLIENTS=${2:-8}
. "$top_srcdir/tests/integration/lib.sh"
need_root_or_skip
need_cmd dnsperf python3 dnsmasq iptables
[ -x "$top_builddir/tests/bench/bench_match" ] ||
    setup_error "build first (make): tests/bench/bench_match"

topo_up
dns_up
i=0
while [ $i -lt "$CLIENTS" ]; do
	ip -n "$NS_C" addr add "10.77.1.$((100 + i))/24" dev c0 ||
	    setup_error "client address"
	i=$((i + 1))
done
FIREWALL=$top_srcdir/scripts/embargo-firewall
PID=
cleanup() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

"$top_builddir/tests/bench/bench_match" -n 1000000 -w "$EMBT_TMP/big.list" ||
    setup_error "cannot write the 1M-name list"
# 2000 names below listed ones: every query is judged and logged
sed -n '1~500p' "$EMBT_TMP/big.list" | head -2000 |
    sed 's/^/q./; s/$/ A/' >"$EMBT_TMP/queries.txt"
cat >"$EMBT_TMP/embargod.conf" <<CONF
lists-dir "$top_srcdir/lists"
profile default
list million "$EMBT_TMP/big.list" format domains
mode audit
events "$EMBT_TMP/events.json"
control socket "$EMBT_TMP/ctl.sock"
resolver none
CONF

ticks() {	# utime + stime of process or task $1
	awk '{ print $14 + $15 }' "$1/stat" 2>/dev/null || echo 0
}
qseq() {	# packets the kernel queued so far on each queue: "q0 q1"
	in_gw awk '$1 == 0 { a = $8 } $1 == 1 { b = $8 }
	    END { print a + 0, b + 0 }' /proc/net/netfilter/nfnetlink_queue
}
pct() { python3 -c "print('%.0f' % (($2 - $1) * 100 / $(getconf CLK_TCK) / $SECONDS_EACH))"; }

# Wait for the dnsperf clients (each ends after SECONDS_EACH).
wait_clients() {
	n=0
	while pgrep -f "dnsperf -s $S4 -a 10.77.1.1" >/dev/null; do
		n=$((n + 1))
		[ $n -lt $((SECONDS_EACH * 10 + 100)) ] ||
		    setup_error "dnsperf did not finish"
		sleep 0.1
	done
}

# Run one set-up: queues $1 (0 or 0-1); sets r_qps, r_cpu, r_split.
run() {
	in_gw "$FIREWALL" -m gateway -q "$1" -b iptables start >/dev/null ||
	    setup_error "firewall -q $1"
	: >"$EMBT_TMP/embargod.log"
	ip netns exec "$NS_G" "$EMBARGOD" -d -f "$EMBT_TMP/embargod.conf" \
	    -q "$1" >"$EMBT_TMP/embargod.log" 2>&1 &
	PID=$!
	n=0
	until grep -q started: "$EMBT_TMP/embargod.log"; do
		n=$((n + 1)); [ $n -lt 300 ] || setup_error "embargod did not start"
		sleep 0.1
	done
	dm=$(cat "$EMBT_TMP/dnsmasq.pid")
	s0=$(qseq)
	d0=$(ticks /proc/$dm)
	for t in /proc/$PID/task/*; do echo "$t $(ticks "$t")"; done \
	    >"$EMBT_TMP/t0"
	i=0
	while [ $i -lt "$CLIENTS" ]; do
		in_client dnsperf -s $S4 -a "10.77.1.$((100 + i))" \
		    -d "$EMBT_TMP/queries.txt" -l "$SECONDS_EACH" -c 2 \
		    -q 100 -t 1 >"$EMBT_TMP/dnsperf.$i" 2>&1 &
		i=$((i + 1))
	done
	wait_clients
	r_qps=$(cat "$EMBT_TMP"/dnsperf.[0-9]* |
	    awk '/Queries per second:/ { s += $4 } END { printf "%.0f", s }')
	d1=$(ticks /proc/$dm)
	s1=$(qseq)
	r_cpu=
	while read -r t v; do
		v1=$(ticks "$t")
		p=$(pct "$v" "$v1")
		[ "$p" -lt 2 ] || r_cpu="$r_cpu $p"
	done <"$EMBT_TMP/t0"
	r_cpu="embargod threads:$r_cpu %, dnsmasq $(pct "$d0" "$d1") %"
	r_lost=$(cat "$EMBT_TMP"/dnsperf.[0-9]* |
	    awk '/Queries lost:/ { s += $3 } END { print s + 0 }')
	set -- $s0 $s1
	r_split="queue 0: $(($3 - $1)), queue 1: $(($4 - $2)) packets"
	kill "$PID"; wait "$PID" 2>/dev/null; PID=
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}

echo "one queue ..."
run 0
one_qps=$r_qps one_cpu=$r_cpu one_split=$r_split one_lost=$r_lost
echo "two queues ..."
run 0-1
two_qps=$r_qps two_cpu=$r_cpu two_split=$r_split two_lost=$r_lost
ratio=$(python3 -c "a, b = float('${two_qps:-0}' or 0), float('${one_qps:-0}' or 0); print('%.2f' % (a / b) if b else 'n/a')")
echo
echo "(1) -q 0:   $one_qps queries/s ($one_lost lost); $one_cpu; $one_split"
echo "(2) -q 0-1: $two_qps queries/s ($two_lost lost); $two_cpu; $two_split"
echo "(2)/(1): $ratio (goal >= 1.7)"
echo "processors: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
topo_down
