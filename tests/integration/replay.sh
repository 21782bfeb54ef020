#!/bin/sh
# Live equals replay: tcpdump on the gateway's client-side interface
# while DNS (UDP and TCP), TLS and HTTP cases, IPv4 and IPv6, blocked,
# audited and allowed, run through embargod; then embargod -r on that
# capture, as an ordinary user, must give the same events: the same
# name, client, destination, action, rule and list, in the same order
# (times aside: the live daemon stamps when it judged, the replay when
# the packet was captured).
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
FIREWALL=$top_srcdir/scripts/embargo-firewall

need_root_or_skip
need_cmd dig curl openssl python3 dnsmasq nginx iptables tcpdump
topo_up
dns_up allowed.example www.example.org s12.upd.kaspersky.com \
    ds.kaspersky.com dnl-03.geo.kaspersky.com touch.kaspersky.com \
    activation-v2.kaspersky.com ksn-file-geo.kaspersky-labs.com
tls_up
http_up

CONF=$EMBT_TMP/embargod.conf
EVENTS=$EMBT_TMP/live.json
CAP=$EMBT_TMP/gateway.pcap
lists() {
	cat <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
list kaspersky-statistics "kaspersky-statistics.list"
list kaspersky-activation "kaspersky-activation.list" action audit
resolver none
CONF
}
{ lists; echo "events \"$EVENTS\""; } >"$CONF"
# the replay writes to standard output: the same lists, no event file
lists >"$EMBT_TMP/replay.conf"
chmod 755 "$EMBT_TMP"
chmod 644 "$EMBT_TMP/replay.conf"

TPID=
cleanup() {
	[ -n "$TPID" ] && kill -TERM "$TPID" 2>/dev/null
	embt_daemon_stop -TERM
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall start failed"
# g1 only: on "any" each forwarded packet would be seen twice.  Not
# through in_gw: $! must be tcpdump itself (ip netns exec execs it).
ip netns exec "$NS_G" tcpdump -i g1 -s 0 -U --immediate-mode -w "$CAP" \
    >"$EMBT_TMP/tcpdump.log" 2>&1 &
TPID=$!
n=0
until grep -q 'listening on' "$EMBT_TMP/tcpdump.log"; do
	n=$((n + 1))
	[ $n -le 50 ] || setup_error "tcpdump did not start"
	sleep 0.1
done
embt_daemon_start

check "dns udp: allowed" resolves $S4 allowed.example
check "dns udp: blocked" fails resolves $S4 s12.upd.kaspersky.com
check "dns tcp: blocked" fails resolves $S4 ds.kaspersky.com +tcp
check "dns6 udp: blocked" fails resolves $S6 dnl-03.geo.kaspersky.com
check "dns udp: audited" resolves $S4 activation-v2.kaspersky.com
check "dns udp: second resolver, ksn" \
    fails resolves $S4B ksn-file-geo.kaspersky-labs.com
check "tls: allowed" tls_ok $S4 www.example.org
check "tls: blocked" fails tls_ok $S4 s12.upd.kaspersky.com
check "tls s_client: blocked" fails s_client_ok $S4 ds.kaspersky.com
check "tls6: blocked" fails tls_ok $S6 dnl-03.geo.kaspersky.com
check "tls: audited" tls_ok $S4 activation-v2.kaspersky.com
check "http: allowed" http_ok $S4 www.example.org
check "http: blocked" fails http_ok $S4 touch.kaspersky.com
check "http6: blocked" fails http_ok $S6 s12.upd.kaspersky.com
check "http6: audited" http_ok $S6 activation-v2.kaspersky.com

embt_daemon_stop -TERM
sleep 1		# the last packets on their way to the file
kill -TERM "$TPID"
wait "$TPID" 2>/dev/null
TPID=

# the replay needs no privileges: run it as nobody when there is one
chmod 644 "$CAP"
AS=
id nobody >/dev/null 2>&1 && command -v setpriv >/dev/null &&
    AS="setpriv --reuid=nobody --regid=nogroup --clear-groups"
$AS "$EMBARGOD" -f "$EMBT_TMP/replay.conf" -r "$CAP" \
    >"$EMBT_TMP/replay.json" 2>"$EMBT_TMP/replay.err"
check "replay exits 0" test $? = 0
check "replay printed the counters" \
    grep -q '^capture_packets  *[1-9]' "$EMBT_TMP/replay.err"

check "live and replay events are the same" python3 - "$EVENTS" \
    "$EMBT_TMP/replay.json" "$CAP" <<'PY'
import json, sys

def key(e):
    name = (e.get("dns", {}).get("question", {}).get("name") or
            e.get("tls", {}).get("client", {}).get("server_name") or
            e.get("url", {}).get("domain"))
    return (e["network"]["protocol"], name, e["source"]["ip"],
            e["destination"]["ip"], e["destination"]["port"],
            e["event"]["action"], e["rule"]["name"], e["rule"]["ruleset"])

live = [json.loads(l) for l in open(sys.argv[1])]
replay = [json.loads(l) for l in open(sys.argv[2])]
a, b = [key(e) for e in live], [key(e) for e in replay]
if a != b:
    for x in a:
        print("live  ", x)
    for x in b:
        print("replay", x)
    sys.exit(1)
protos = {k[0] for k in a}
actions = {k[5] for k in a}
assert protos == {"dns", "tls", "http"}, protos
assert actions == {"block", "audit"}, actions
for e in replay:
    c = e["embargo"]["capture"]
    assert c["file"] == sys.argv[3] and c["packet"] >= 1, c
    assert "queue" not in e["embargo"], e
print(len(a), "events alike; protocols", sorted(protos),
      "actions", sorted(actions))
PY
finish
