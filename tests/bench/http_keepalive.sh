#!/bin/sh
# http_keepalive.sh: what judging every request of a kept-alive plain
# HTTP connection costs.  Through the integration topology, side by
# side in one run: (a) no queue, (b) the firewall rules and the
# accept-all nfq_accept program, (c) embargod with the default lists.
# One curl downloads /big (4 MiB) N times over one connection; for each
# set-up: the packets the kernel queued (the cost: with every request
# judged, a plain-HTTP connection is never decided, so each of the
# client's packets, ACKs included, crosses the queue) and the seconds
# the downloads took.  HTTPS, decided at its first message, for
# comparison.  Not a test: timing is never pass or fail.
#
# usage: tests/bench/http_keepalive.sh [N]	(as root, from a build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
N=${1:-5}
. "$top_srcdir/tests/integration/lib.sh"
need_root_or_skip
need_cmd curl nginx iptables
[ -x "$top_builddir/tests/bench/nfq_accept" ] ||
    setup_error "build first (make): tests/bench/nfq_accept"
topo_up
tls_up
http_up
FIREWALL=$top_srcdir/scripts/embargo-firewall
PID=
cleanup() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup
cat >"$EMBT_TMP/embargod.conf" <<CONF
lists-dir "$top_srcdir/lists"
profile default
control socket none
resolver none
CONF

queued() {
	in_gw awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue \
	    2>/dev/null || echo 0
}

# downloads SCHEME: N times /big over one connection; "queued seconds"
downloads() {
	urls=
	i=0
	while [ $i -lt "$N" ]; do
		urls="$urls $1://www.example.org/big"
		i=$((i + 1))
	done
	q0=$(queued)
	t0=$(date +%s.%N)
	# shellcheck disable=SC2086 # the URLs
	in_client curl -sk --max-time 60 -o /dev/null -o /dev/null \
	    -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
	    -o /dev/null -o /dev/null -o /dev/null -o /dev/null \
	    --resolve "www.example.org:80:$S4" \
	    --resolve "www.example.org:443:$S4" $urls
	t1=$(date +%s.%N)
	echo "$(( $(queued) - ${q0:-0} )) $(echo "$t1 - $t0" | bc)"
}

run() {	# label
	set -- "$1" $(downloads http) $(downloads https)
	printf '%-28s %10s %9.2f s %10s %9.2f s\n' "$1" "$2" "$3" "$4" "$5"
}

printf '%-28s %10s %11s %10s %11s\n' "$N x 4 MiB, one connection" \
    "http q'd" "http time" "https q'd" "https time"
run "(a) no queue"
in_gw "$FIREWALL" -m gateway -q 0 -b iptables start >/dev/null ||
    setup_error "firewall"
ip netns exec "$NS_G" "$top_builddir/tests/bench/nfq_accept" -q 0 \
    2>"$EMBT_TMP/nfq_accept.log" &
PID=$!
sleep 0.5
run "(b) nfq_accept"
kill "$PID"; wait "$PID" 2>/dev/null; PID=
ip netns exec "$NS_G" "$top_builddir/src/embargod" -d \
    -f "$EMBT_TMP/embargod.conf" >"$EMBT_TMP/embargod.log" 2>&1 &
PID=$!
n=0
until grep -q started: "$EMBT_TMP/embargod.log"; do
	n=$((n + 1)); [ $n -lt 300 ] || setup_error "embargod did not start"
	sleep 0.1
done
run "(c) embargod, every request"
exit 0
