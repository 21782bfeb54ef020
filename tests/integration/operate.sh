#!/bin/sh
# Operating embargod, as its users do: the daemon on the gateway runs as
# nobody (started as root) with a control socket and metrics.  Checks
# its privileges in /proc; client policies (exempt, audit, default
# block) on real traffic; embargoctl status, stats, test, flows, top in
# text and JSON; reload with a changed list and with a broken
# configuration; reopen; Prometheus metrics with exact values after
# known traffic; who may use the socket; and embargoctl with no daemon.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
CTL=$top_builddir/src/embargoctl
FIREWALL=$top_srcdir/scripts/embargo-firewall

need_root_or_skip
need_cmd dig curl python3 dnsmasq nginx iptables
id nobody >/dev/null 2>&1 || skip "no user nobody"
topo_up
dns_up
tls_up
chmod 755 "$EMBT_TMP"		# nobody reads the configuration on reload

LISTS=$EMBT_TMP/lists
mkdir "$LISTS"
cp "$top_srcdir"/lists/*.list "$top_srcdir"/lists/*.profile "$LISTS"/
printf '@vendor Test\n@category local\n' >"$LISTS/local.list"
chmod -R a+rX "$LISTS"
SOCK=$EMBT_TMP/run/embargod.sock
EVENTS=$EMBT_TMP/log/events.json
mkdir -p "$EMBT_TMP/log" && chown nobody "$EMBT_TMP/log"
CONF=$EMBT_TMP/embargod.conf
write_conf() {	# extra lines
	cat >"$CONF" <<CONF
lists-dir "$LISTS"
profile default
list local "local.list"
user nobody
control socket "$SOCK" mode 0660
metrics listen 127.0.0.1 port 9469
events "$EVENTS"
client 10.77.1.50 exempt
client 10.77.1.60 audit
resolver none
$1
CONF
	chmod 644 "$CONF"
}
write_conf ""
in_client ip addr add 10.77.1.50/24 dev c0
in_client ip addr add 10.77.1.60/24 dev c0
LOG=$EMBT_TMP/embargod.log
DPID=
cleanup() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID"; }
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

ctl() { "$CTL" -s "$SOCK" "$@"; }
resolves() {	# name [dig options]
	n=$1
	shift
	out=$(in_client dig +time=1 +tries=1 +short "$@" @$S4 "$n" 2>&1)
	[ -n "$out" ] && ! echo "$out" | grep -q 'timed out'
}
metric() {	# the value of one exact series
	in_gw curl -s --max-time 3 http://127.0.0.1:9469/metrics |
	    awk -v k="$1" '$1 == k { print $2 }'
}
json_ok() {	# embargoctl -j arguments...: the answer is one JSON document
	ctl -j "$@" | python3 -m json.tool >/dev/null
}
wait_log() {
	n=0
	until grep -q "$1" "$LOG" 2>/dev/null; do
		n=$((n + 1)); [ $n -le 100 ] || return 1; sleep 0.1
	done
}

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall"
check "control: s12 resolves without the daemon" \
    resolves s12.upd.kaspersky.com
ip netns exec "$NS_G" "$EMBARGOD" -d -f "$CONF" >"$LOG" 2>&1 &
DPID=$!
wait_log 'started:' || setup_error "embargod: $(cat "$LOG")"

# privileges, as the kernel sees them
st() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DPID/status"; }
check "runs as nobody" test "$(st Uid)" = "$(id -u nobody)"
check "only CAP_NET_ADMIN effective" test "$(st CapEff)" = 0000000000001000
check "only CAP_NET_ADMIN permitted" test "$(st CapPrm)" = 0000000000001000
check "bounding set CAP_NET_ADMIN only" test "$(st CapBnd)" = 0000000000001000
check "no_new_privs" test "$(st NoNewPrivs)" = 1
check "seccomp filter on" test "$(st Seccomp)" = 2

# client policies: default block, exempt, audit
check "default client: blocked" fails resolves s12.upd.kaspersky.com
check "exempt client: answered" resolves s12.upd.kaspersky.com -b 10.77.1.50
check "audit client: answered" resolves s12.upd.kaspersky.com -b 10.77.1.60
check "audit client: an audit event" wait_log \
    'audit dns s12.upd.kaspersky.com from 10.77.1.60'
check "exempt client: no event" fails grep -q 'from 10.77.1.50' "$LOG"

# embargoctl
check "status" sh -c "'$CTL' -s '$SOCK' status | grep -q 'queue 0: bound'"
check "status -j parses, names the lists" sh -c "'$CTL' -s '$SOCK' -j status |
    python3 -c 'import json,sys; d=json.load(sys.stdin);
assert d[\"queues\"][0][\"bound\"] and len(d[\"lists\"]) == 6, d'"
check "stats -j parses" json_ok stats
check "stats counts the DNS seen" sh -c "'$CTL' -s '$SOCK' -j stats |
    python3 -c 'import json,sys; c=json.load(sys.stdin)[\"counters\"];
assert c[\"proto_dns\"] >= 2 and c[\"events_block\"] == 1, c'"
check "stats: the verdict latency has a sample per packet" sh -c "'$CTL' -s '$SOCK' -j stats |
    python3 -c 'import json,sys; d=json.load(sys.stdin); l=d[\"verdict_latency\"];
assert l[\"count\"] == d[\"counters\"][\"packets\"] > 0, d
assert l[\"buckets\"][\"+Inf\"] == l[\"count\"] and l[\"sum_seconds\"] > 0, l'"
check "stats: the latency in words" sh -c "'$CTL' -s '$SOCK' stats |
    grep -q '^verdict_latency  *[1-9][0-9]* packets'"
check "test" sh -c "'$CTL' -s '$SOCK' test ds.kaspersky.com |
    grep -q '^ds.kaspersky.com: blocked by list kaspersky-update'"
check "test -j parses" json_ok test www.example.org dnl-00.geo.kaspersky.com
check "top: the blocked name and its client" sh -c "'$CTL' -s '$SOCK' -j top |
    python3 -c 'import json,sys; d=json.load(sys.stdin);
assert d[\"names\"][0][\"key\"] == \"s12.upd.kaspersky.com\", d
assert {c[\"key\"] for c in d[\"clients\"]} == {\"10.77.1.2\", \"10.77.1.60\"}, d'"
# a TCP connection that sends nothing stays an open flow.  The client
# says when it is connected and holds the connection until told to go,
# so neither a slow start nor a slow check can race the other.
in_client python3 -c 'import socket, sys, time
s = socket.create_connection(("10.77.2.2", 443))
open(sys.argv[1], "w").close()
time.sleep(30)' "$EMBT_TMP/held" &
HOLD=$!
until_true() {	# command...: true within 10 s
	n=0
	until "$@"; do
		n=$((n + 1)); [ $n -le 100 ] || return 1; sleep 0.1
	done
}
flow_listed() {
	ctl flows | grep -q 'open .*10.77.1.2 port [0-9]* -> 10.77.2.2 port 443'
}
until_true test -e "$EMBT_TMP/held" || setup_error "no connection to 10.77.2.2:443"
check "flows shows the open connection" until_true flow_listed
check "flows has a header line" sh -c "'$CTL' -s '$SOCK' flows |
    head -1 | grep -q '^QUEUE PROTO STATE'"
check "flows -j parses" json_ok flows
kill $HOLD 2>/dev/null; wait $HOLD 2>/dev/null
check "top has a header line" sh -c "'$CTL' -s '$SOCK' top |
    sed -n 2p | grep -q 'MATCHES  NAME'"
check "an unknown command is an error, exit 1" sh -c \
    "'$CTL' -s '$SOCK' frobnicate >/dev/null; test \$? -eq 1"
check "an extra argument is refused, exit 1" sh -c \
    "'$CTL' -s '$SOCK' status now >'$EMBT_TMP/extra.out'; test \$? -eq 1"
check "an extra argument: the usage comes back" \
    grep -q '^usage: status$' "$EMBT_TMP/extra.out"
check "status -j: the control socket's connections" sh -c "'$CTL' -s '$SOCK' -j status |
    python3 -c 'import json,sys; c=json.load(sys.stdin)[\"control\"];
assert c[\"clients\"] == 16 and c[\"open\"] == 1 and c[\"answered\"] >= 5, c'"

# reload: a changed list takes effect on real traffic
check "before: www.example.org resolves" resolves www.example.org
echo www.example.org >>"$LISTS/local.list"
check "embargoctl reload" sh -c "'$CTL' -s '$SOCK' reload | grep -q reloaded"
check "after: www.example.org blocked" fails resolves www.example.org
# a broken configuration: refused, said, and nothing changes
write_conf "qeue 1"
ctl reload >"$EMBT_TMP/reload.out"
check "broken configuration: embargoctl reload exits 1" test $? -eq 1
check "broken configuration: the error comes back with file:line" \
    grep -q "embargod.conf:11: unknown keyword \"qeue\"" "$EMBT_TMP/reload.out"
check "broken configuration: still blocks www.example.org" \
    fails resolves www.example.org
check "broken configuration: allowed.example still resolves" \
    resolves allowed.example
write_conf ""

# reopen after a rotation
mv "$EVENTS" "$EVENTS.1"
check "embargoctl reopen" sh -c "'$CTL' -s '$SOCK' reopen | grep -q reopened"
resolves ds.kaspersky.com
check "events go to the new file" grep -q '"name":"ds.kaspersky.com"' "$EVENTS"
# a reopen that fails (the directory no longer writable by the daemon's
# user) is said to fail: in the log for SIGUSR1, and in status
chown root "$EMBT_TMP/log" && chmod 755 "$EMBT_TMP/log"
mv "$EVENTS" "$EVENTS.2"
kill -USR1 "$DPID"
check "SIGUSR1: a failed reopen is logged as failed" wait_log 'event file NOT reopened'
check "SIGUSR1: status says the reopen FAILED" sh -c "'$CTL' -s '$SOCK' status |
    grep -q 'last event file reopen: FAILED'"
check "embargoctl reopen fails, exit 1" fails ctl reopen
chown nobody "$EMBT_TMP/log"
check "embargoctl reopen works again" sh -c "'$CTL' -s '$SOCK' reopen | grep -q reopened"
check "status says the reopen is ok" sh -c "'$CTL' -s '$SOCK' status |
    grep -q 'last event file reopen: ok'"

# metrics: exact values after the traffic above (3 blocked queries:
# s12, www.example.org twice; ds; the audit one is not a block)
check "metrics: dropped queries" test "$(metric 'embargo_packets_total{verdict="drop"}')" = 4
check "metrics: block events of kaspersky-update" \
    test "$(metric 'embargo_list_events_total{list="kaspersky-update",action="block"}')" = 2
# the audit client's query, and its answer (with the addresses it gave)
check "metrics: audit events of kaspersky-update" \
    test "$(metric 'embargo_list_events_total{list="kaspersky-update",action="audit"}')" = 2
check "metrics: block events of local" \
    test "$(metric 'embargo_list_events_total{list="local",action="block"}')" = 2
check "metrics: rules of local" test "$(metric 'embargo_list_rules{list="local"}')" = 1
check "metrics: queue 0 bound" test "$(metric 'embargo_queue_bound{queue="0"}')" = 1
check "metrics: reloads ok 1, failed 1" sh -c "test \"$(metric 'embargo_reloads_total{result="ok"}')\" = 1 &&
    test \"$(metric 'embargo_reloads_total{result="failed"}')\" = 1"
check "metrics: exempt packets counted" \
    test "$(metric embargo_exempt_packets_total)" -ge 1
check "metrics: verdict latency histogram, a sample per packet" sh -c "
    test \"$(metric embargo_verdict_latency_seconds_count)\" = \"$(metric embargo_queued_packets_total)\" &&
    test \"$(metric 'embargo_verdict_latency_seconds_bucket{le=\"+Inf\"}')\" = \"$(metric embargo_verdict_latency_seconds_count)\" &&
    test -n \"$(metric 'embargo_verdict_latency_seconds_bucket{le=\"0.0001\"}')\""
check "metrics: only GET /metrics" sh -c "test \"\$(ip netns exec $NS_G curl -s \
    -o /dev/null -w '%{http_code}' http://127.0.0.1:9469/other)\" = 404"

# who may use the socket: root and the socket's group, not nobody.
# nobody runs copies of the programs in the test's own directory: the
# checkout may be where nobody cannot reach (a home directory of mode
# 0700, as Debian creates them).
BIN=$EMBT_TMP/bin
mkdir "$BIN" && cp "$CTL" "$EMBARGOD" "$BIN"/ && chmod 755 "$BIN" "$BIN"/*
check "the socket is mode 0660" test "$(stat -c %a "$SOCK")" = 660
su nobody -s /bin/sh -c "'$BIN/embargoctl' -s '$SOCK' status" >/dev/null 2>&1
check "nobody may not use it (exit 3)" test $? -eq 3

kill "$DPID"; wait "$DPID"; DPID=
ctl status >/dev/null 2>"$EMBT_TMP/ctl.err"
check "no daemon: embargoctl exits 3" test $? -eq 3
check "no daemon: it says so" grep -q 'is embargod running?' "$EMBT_TMP/ctl.err"

# never uid 0 by accident: a configured user that does not exist gives
# way to nobody, with a warning; root only when written
priv_start() {	# user: start with it, wait until started
	sed "s/^user nobody$/user $1/" "$CONF" >"$EMBT_TMP/priv.conf"
	chmod 644 "$EMBT_TMP/priv.conf"
	: >"$LOG"
	ip netns exec "$NS_G" "$EMBARGOD" -d -f "$EMBT_TMP/priv.conf" >"$LOG" 2>&1 &
	DPID=$!
	wait_log 'started:' || setup_error "embargod, user $1: $(cat "$LOG")"
}
priv_start embt-no-such-user
check "missing user: runs as nobody" test "$(st Uid)" = "$(id -u nobody)"
check "missing user: the gid is nogroup's" test "$(st Gid | cut -f1)" = \
    "$(getent group nogroup | cut -d: -f3 || id -g nobody)"
check "missing user: a warning names both" \
    grep -q 'user embt-no-such-user does not exist; running as nobody' "$LOG"
check "missing user: still blocks" fails resolves s12.upd.kaspersky.com
kill "$DPID"; wait "$DPID"; DPID=
priv_start root
check "user root, written: uid 0" test "$(st Uid | cut -f1)" = 0
check "user root: still only CAP_NET_ADMIN" test "$(st CapEff)" = 0000000000001000
check "user root: a warning" grep -q 'running as root' "$LOG"
kill "$DPID"; wait "$DPID"; DPID=

# started unprivileged with CAP_NET_ADMIN alone, as the systemd unit
# does: no user to look up, no raw sockets, and the kernel's queue table
# (mode 0440 root) unreadable, which status says rather than guessing
UNP=$EMBT_TMP/unpriv
mkdir "$UNP" && chown nobody "$UNP"
printf 'lists-dir "%s"\nprofile default\ncontrol socket "%s/ctl.sock"\nresolver none\n' \
    "$LISTS" "$UNP" >"$UNP/embargod.conf"
chmod 644 "$UNP/embargod.conf"
: >"$LOG"
ip netns exec "$NS_G" setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
    --inh-caps=+net_admin --ambient-caps=+net_admin \
    "$BIN/embargod" -d -f "$UNP/embargod.conf" >"$LOG" 2>&1 &
DPID=$!
wait_log 'started:' || setup_error "embargod as nobody: $(cat "$LOG")"
check "unprivileged: no user lookup warning" fails grep -q 'does not exist' "$LOG"
check "unprivileged: still blocks" fails resolves s12.upd.kaspersky.com
check "unprivileged: status says the kernel counters are unknown" \
    sh -c "'$CTL' -s '$UNP/ctl.sock' status | grep -q 'queue 0: kernel counters unknown'"
check "unprivileged: JSON says bound null" sh -c "'$CTL' -s '$UNP/ctl.sock' -j status |
    python3 -c 'import json, sys; assert json.load(sys.stdin)[\"queues\"][0][\"bound\"] is None'"
kill "$DPID"; wait "$DPID"; DPID=
finish
