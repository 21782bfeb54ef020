#!/bin/sh
# embargod in host mode: the daemon and embargo-firewall (OUTPUT chain)
# run in the client's own namespace, on two queues (-q 0-1, flows spread
# by --queue-balance).  One DNS and one TLS case each way, both queues
# used, counters on SIGUSR2, the event file reopened on SIGUSR1, and
# the daemon's own lookups of its lists' names, which its host-mode
# rules would queue were they not marked.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
EMBARGOCTL=$top_builddir/src/embargoctl
FIREWALL=$top_srcdir/scripts/embargo-firewall

need_root_or_skip
need_cmd dig curl dnsmasq nginx iptables
topo_up
dns_up
tls_up

# The daemon runs as nobody (never as root), which must reach its
# socket's directory and reopen the event file in a directory of its own.
id nobody >/dev/null 2>&1 || skip "no user nobody"
chmod 755 "$EMBT_TMP"
mkdir "$EMBT_TMP/log" && chown nobody "$EMBT_TMP/log"
CONF=$EMBT_TMP/embargod.conf
EVENTS=$EMBT_TMP/log/events.json
LOG=$EMBT_TMP/embargod.log
cat >"$CONF" <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
queue 0-1
user nobody
events "$EVENTS"
control socket "$EMBT_TMP/run/ctl.sock"
resolver $S4
CONF
DPID=

cleanup() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID"; }
	in_client "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

resolves() {	# name [dig options]
	n=$1
	shift
	out=$(in_client dig +time=1 +tries=1 +short "$@" @$S4 "$n" 2>&1)
	[ -n "$out" ] && ! echo "$out" | grep -q 'timed out'
}

tls_ok() {	# name
	in_client curl -sk --max-time 3 -o /dev/null \
	    --resolve "$1:443:$S4" "https://$1/" 2>/dev/null
}

wait_log() {	# pattern: bounded wait for a line in the daemon's log
	n=0
	until grep -q "$1" "$LOG" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le 50 ] || return 1
		sleep 0.1
	done
}

in_client "$FIREWALL" -m host -q 0-1 -b iptables start ||
    setup_error "embargo-firewall start failed"
# controls: without the daemon these succeed (queue bypass)
check "control: s12 resolves" resolves s12.upd.kaspersky.com
check "control: ksn-file-geo over TCP resolves" \
    resolves ksn-file-geo.kaspersky-labs.com +tcp
check "control: dnl-03 TLS completes" tls_ok dnl-03.geo.kaspersky.com
ip netns exec "$NS_C" "$EMBARGOD" -d -f "$CONF" >"$LOG" 2>&1 &
DPID=$!
wait_log 'started: queues 0-1' || setup_error "embargod: $(cat "$LOG")"

check "host: allowed name resolves" resolves allowed.example
check "host: blocked name does not" fails resolves s12.upd.kaspersky.com
check "host: blocked name over TCP does not" \
    fails resolves ksn-file-geo.kaspersky-labs.com +tcp
check "host: allowed SNI completes" tls_ok www.example.org
check "host: blocked SNI fails" fails tls_ok dnl-03.geo.kaspersky.com

# ds.kaspersky.com, an exact rule, is looked up through the test
# resolver and answered: the lookup passed the daemon's own rules
lookups_answered() {
	n=0
	until in_client "$EMBARGOCTL" -s "$EMBT_TMP/run/ctl.sock" status |
	    grep -q 'lookups of list names: [1-9][0-9]* answered'; do
		n=$((n + 1))
		[ $n -le 50 ] || return 1
		sleep 0.1
	done
}
check "host: the daemon's own lookups get answers" lookups_answered

# --queue-balance hashes the address pair (with a per-boot seed), so
# queries from 16 more client addresses reach both queues but with odds
# of 2^-15
for i in $(seq 10 25); do
	in_client ip addr add 10.77.1.$i/24 dev c0 2>/dev/null
	in_client dig +time=1 +tries=1 +short -b 10.77.1.$i @$S4 \
	    allowed.example >/dev/null 2>&1
done
both_queues_used() {
	in_client awk '$1 == 0 && $8 > 0 { a = 1 } $1 == 1 && $8 > 0 { b = 1 }
	    END { exit !(a && b) }' /proc/net/netfilter/nfnetlink_queue
}
check "two queues: both carried packets" both_queues_used

kill -USR2 "$DPID"
check "SIGUSR2 logs the counters" wait_log 'counters: packets='
check "the counters saw DNS and TLS" \
    sh -c "grep 'counters: ' '$LOG' | grep -q 'proto_dns=.*proto_tls='"

mv "$EVENTS" "$EVENTS.1"
kill -USR1 "$DPID"
wait_log 'event file reopened'
resolves s12.upd.kaspersky.com
check "SIGUSR1: events go to a new file after a rotation" \
    grep -q '"name":"s12.upd.kaspersky.com"' "$EVENTS"
check "SIGUSR1: the old file kept its events" \
    grep -q '"server_name":"dnl-03.geo.kaspersky.com"' "$EVENTS.1"

kill "$DPID"
wait "$DPID"
check "SIGTERM: exit 0" test $? -eq 0
DPID=
finish
