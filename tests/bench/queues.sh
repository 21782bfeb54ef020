#!/bin/sh
# queues.sh: does a second queue (and core) give embargod more DNS
# throughput?  Side by side in one run, through the namespace topology
# of the integration tests:
#   (1) embargo-firewall -q 0 and embargod -q 0,
#   (2) embargo-firewall -q 0-1 (NFQUEUE --queue-balance 0:1) and
#       embargod -q 0-1 (a thread per queue),
# with a workload that puts the work on the daemon: every query names a
# subdomain of one of 1,000,000 listed names, so every one is judged
# and written as an ECS JSON event, and
#   WORKLOAD reject (the default): the list's action is reject; the
#       daemon answers each query NXDOMAIN itself (raw socket) and drops
#       it, so the resolver never sees one: per query the daemon
#       parses, matches, formats and writes the event and builds and
#       sends the answer, while the rest of the machine only forwards
#       packets and runs the clients;
#   WORKLOAD audit: audit mode, the queries pass to dnsmasq, whose
#       answers (NXDOMAIN) the firewall queues and the daemon judges
#       too (the SOC set-up; dnsmasq and its query log then cost about
#       as much CPU as the daemon).
# The load comes from tests/bench/dns_load (batched sendmmsg/recvmmsg,
# 100 queries in flight a client address), or from one dnsperf a client
# address with LOADGEN=dnsperf, which costs more CPU per query than the
# daemon does and so takes the core a second queue thread needs.
# The kernel's --queue-balance picks a queue by a hash of the addresses
# alone (xt_NFQUEUE, hash_v4/hash_v6: source and destination address
# and protocol; no ports), so one client talking to one resolver always
# lands on one queue.  A router's LAN has many clients: here CLIENTS
# (8) client addresses send at full speed for SECONDS
# (20).  The pool of 4 x CLIENTS addresses is sorted by the queue the
# kernel's hash gives each (one query each) and CLIENTS of them are
# taken, half for each queue, so that (2) offers both threads the same
# load; how unevenly the pool itself split is printed too.
# Prints queries per second, the ratio (2)/(1), the CPU each embargod
# thread and dnsmasq used, how busy the whole machine was, the CPU the
# daemon and everything else spent per query, and how the kernel split
# the packets between the queues (/proc/net/netfilter/nfnetlink_queue)
# and the daemon's packets a batch (embargoctl stats).
# The load generators share the machine's cores with the daemon, so two
# queues can give at most cores / (daemon + rest per query) queries a
# second: the script prints that bound beside the ratio.  Not a test:
# timing is never pass or fail.
#
# usage: tests/bench/queues.sh [SECONDS] [CLIENTS] [WORKLOAD]
#	(as root, from a build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${EMBARGOD:=$top_builddir/src/embargod}"
: "${EMBARGOCTL:=$top_builddir/src/embargoctl}"
SECONDS_EACH=${1:-20}
CLIENTS=${2:-8}
WORKLOAD=${3:-reject}
DNS_LOAD=$top_builddir/tests/bench/dns_load
# the load generator: dns_load (batched, light) unless LOADGEN=dnsperf
: "${LOADGEN:=dns_load}"
case $WORKLOAD in
reject|audit) ;;
*) echo "usage: $0 [SECONDS] [CLIENTS] [reject | audit]" >&2; exit 2 ;;
esac
. "$top_srcdir/tests/integration/lib.sh"
need_root_or_skip
need_cmd dnsperf python3 dnsmasq iptables
[ -x "$top_builddir/tests/bench/bench_match" ] && [ -x "$DNS_LOAD" ] ||
    setup_error "build first (make): tests/bench/bench_match, dns_load"

topo_up
dns_up
# A pool of client addresses, from which the calibration below picks.
POOL=$((CLIENTS * 4))
[ $POOL -le 150 ] || POOL=150
i=0
while [ $i -lt $POOL ]; do
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
if [ "$WORKLOAD" = reject ]; then
	listopt="action reject" mode=block
else
	listopt= mode=audit
fi
cat >"$EMBT_TMP/embargod.conf" <<CONF
lists-dir "$top_srcdir/lists"
profile default
list million "$EMBT_TMP/big.list" format domains $listopt
mode $mode
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
busy() {	# ticks the whole machine was busy so far (all processors)
	awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# Run load generator $2... in the client namespace as client $1, in
# the background, noting its output and the CPU it used.
client() {
	n=$1; shift
	in_client sh -c '"$@" >"$0" 2>&1
	    awk "{ print \$16 + \$17 }" /proc/$$/stat >"$0.ticks"' \
	    "$EMBT_TMP/dnsperf.$n" "$@" &
	CPIDS="$CPIDS $!"
}

# Wait for the dnsperf clients (each ends after SECONDS_EACH); a
# watchdog ends them should one hang.
wait_clients() {
	(sleep $((SECONDS_EACH + 60)); kill $CPIDS 2>/dev/null) &
	wd=$!
	wait $CPIDS
	kill $wd 2>/dev/null
}

# Start the firewall and embargod on queues $1 (0 or 0-1).
up() {
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
}
down() {
	kill "$PID"; wait "$PID" 2>/dev/null; PID=
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}

# Which queue does --queue-balance give each pool address?  One query
# each, watching the kernel's counters; then CLIENTS addresses, half on
# each queue, so that (2) offers both threads the same load (sets
# ADDRS and r_pool).
calibrate() {
	up 0-1
	on0= on1= n0=0 n1=0 i=0
	while [ $i -lt $POOL ]; do
		a=10.77.1.$((100 + i))
		set -- $(qseq)
		in_client dig +tries=1 +time=2 -b "$a" @$S4 calibrate.example A \
		    >/dev/null 2>&1
		b0=$1 b1=$2
		set -- $(qseq)
		if [ "$2" -gt "$b1" ] && [ "$1" -eq "$b0" ]; then
			n1=$((n1 + 1)) on1="$on1 $a"
		elif [ "$1" -gt "$b0" ]; then
			n0=$((n0 + 1)) on0="$on0 $a"
		fi
		i=$((i + 1))
	done
	down
	r_pool="of $POOL client addresses the kernel's hash put $n0 on queue 0,"
	r_pool="$r_pool $n1 on queue 1"
	ADDRS=$(python3 -c "
a, b, n = '$on0'.split(), '$on1'.split(), $CLIENTS
k = min(n // 2, len(a), len(b))
pick = a[:k] + b[:k]
rest = [x for x in a + b if x not in pick]
print(' '.join(pick + rest[:n - len(pick)]))")
}

# Run one set-up: queues $1 (0 or 0-1); sets r_qps, r_cpu, r_split.
run() {
	up "$1"
	dm=$(cat "$EMBT_TMP/dnsmasq.pid")
	s0=$(qseq)
	d0=$(ticks /proc/$dm)
	e0=$(ticks /proc/$PID)
	m0=$(busy)
	for t in /proc/$PID/task/*; do echo "$t $(ticks "$t")"; done \
	    >"$EMBT_TMP/t0"
	# each client's shell notes the CPU its generator used (cutime,
	# cstime); dnsperf: one a client address; dns_load: two, each with
	# every other address
	i=0 CPIDS=
	rm -f "$EMBT_TMP"/dnsperf.*
	if [ "$LOADGEN" = dnsperf ]; then
		for a in $ADDRS; do
			client "$i" dnsperf -s $S4 -a "$a" \
			    -d "$EMBT_TMP/queries.txt" -l "$SECONDS_EACH" \
			    -c 2 -q 100 -t 1
			i=$((i + 1))
		done
	else
		set -- $ADDRS
		a0= a1=
		while [ $# -gt 0 ]; do
			a0="$a0 -a $1"; shift
			[ $# -eq 0 ] || { a1="$a1 -a $1"; shift; }
		done
		for g in "$a0" "$a1"; do
			[ -n "$g" ] || continue
			# shellcheck disable=SC2086 # options, split on purpose
			client "$i" "$DNS_LOAD" -s $S4 -d "$EMBT_TMP/queries.txt" \
			    -l "$SECONDS_EACH" -w 100 $g
			i=$((i + 1))
		done
	fi
	wait_clients
	p=$(cat "$EMBT_TMP"/dnsperf.*.ticks | awk '{ s += $1 } END { print s }')
	r_qps=$(cat "$EMBT_TMP"/dnsperf.[0-9] "$EMBT_TMP"/dnsperf.[0-9][0-9] 2>/dev/null |
	    awk '/Queries per second:/ { s += $4 } END { printf "%.0f", s }')
	d1=$(ticks /proc/$dm)
	e1=$(ticks /proc/$PID)
	m1=$(busy)
	s1=$(qseq)
	# CPU (us) per answered query: the daemon's, the clients', the
	# resolver's, everything else's (the kernel's softirq work outside
	# these processes, other programs); how busy the machine was (%)
	r_cost=$(python3 -c "
hz, q = $(getconf CLK_TCK), max(1, $r_qps * $SECONDS_EACH)
us = lambda t: t / hz * 1e6 / q
d, c, r, m = us($e1 - $e0), us($p), us($d1 - $d0), us($m1 - $m0)
print('%.1f %.1f %.1f %.1f %.0f' % (d, c, r, m - d - c - r,
    ($m1 - $m0) * 100 / hz / $SECONDS_EACH))")
	r_cpu=
	while read -r t v; do
		v1=$(ticks "$t")
		p=$(pct "$v" "$v1")
		[ "$p" -lt 2 ] || r_cpu="$r_cpu $p"
	done <"$EMBT_TMP/t0"
	r_cpu="embargod threads:$r_cpu %, dnsmasq $(pct "$d0" "$d1") %"
	r_lost=$(cat "$EMBT_TMP"/dnsperf.[0-9] "$EMBT_TMP"/dnsperf.[0-9][0-9] 2>/dev/null |
	    awk '/Queries lost:/ { s += $3 } END { print s + 0 }')
	set -- $s0 $s1
	r_split="queue 0: $(($3 - $1)), queue 1: $(($4 - $2)) packets"
	r_batch=$("$EMBARGOCTL" -s "$EMBT_TMP/ctl.sock" stats 2>/dev/null |
	    awk '$1 == "packets" { p = $2 } $1 == "batches" { b = $2 }
	    END { printf "%.1f", b ? p / b : 0 }')
	down
}

cost() {	# "daemon clients resolver other busy" -> a sentence
	set -- $1
	echo "CPU per query: embargod $1 us, $LOADGEN $2, dnsmasq $3, other $4;" \
	    "machine busy $5 %"
}

echo "workload $WORKLOAD, load from $LOADGEN; calibrating ..."
calibrate
echo "$r_pool; clients: $ADDRS"
echo "one queue ..."
run 0
one_qps=$r_qps one_cpu=$r_cpu one_split=$r_split one_lost=$r_lost
one_cost=$r_cost one_batch=$r_batch
echo "two queues ..."
run 0-1
two_qps=$r_qps two_cpu=$r_cpu two_split=$r_split two_lost=$r_lost
two_cost=$r_cost two_batch=$r_batch
ratio=$(python3 -c "a, b = float('${two_qps:-0}' or 0), float('${one_qps:-0}' or 0); print('%.2f' % (a / b) if b else 'n/a')")
# What (2) could reach if it used every processor at (1)'s cost per
# query: everything counted, or only the benchmark's own processes; and
# the daemon's work per query in (1) over (2) (1.00: the threads do not
# slow each other down).
bounds=$(python3 -c "
d, c, r, o, _ = map(float, '$one_cost'.split())
d2 = float('$two_cost'.split()[0])
q = float('${one_qps:-0}' or 0)
b = lambda w: '%.2f' % ($(nproc) * 1e6 / w / q) if q and w else 'n/a'
print(b(d + c + r + o), b(d + c + r), '%.2f' % (d / d2) if d2 else 'n/a')")
set -- $bounds
echo
echo "(1) -q 0:   $one_qps queries/s ($one_lost lost); $one_cpu; $one_split"
echo "            $(cost "$one_cost"); $one_batch packets a batch"
echo "(2) -q 0-1: $two_qps queries/s ($two_lost lost); $two_cpu; $two_split"
echo "            $(cost "$two_cost"); $two_batch packets a batch"
echo "(2)/(1): $ratio (goal >= 1.7)"
echo "bound on (2)/(1) at (1)'s CPU per query on $(nproc) processors:" \
    "$1 with everything, $2 with only the benchmark's processes"
echo "embargod's CPU per query, (1)/(2): $3 (1.00: no slowdown from" \
    "sharing)"
echo "processors: $(nproc); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
topo_down
