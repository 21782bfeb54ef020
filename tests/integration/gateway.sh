#!/bin/sh
# embargod on a gateway: real clients in one namespace, real servers in
# another, the daemon and embargo-firewall (gateway mode, iptables) in
# between.  Covers DNS over UDP and TCP, TLS SNI (whole and split
# ClientHellos), HTTP Host, IPv4 and IPv6, look-alike names, audit mode
# with its JSON events, flows leaving the queue once decided, and
# fail-open when the daemon dies.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
FIREWALL=$top_srcdir/scripts/embargo-firewall
SPLIT=$top_srcdir/tests/tools/split_hello.py

need_root_or_skip
need_cmd dig curl openssl python3 dnsmasq nginx iptables
topo_up
dns_up
tls_up
http_up

CONF=$EMBT_TMP/embargod.conf
EVENTS=$EMBT_TMP/events.json
cat >"$CONF" <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
list kaspersky-activation "kaspersky-activation.list"
list kaspersky-management "kaspersky-management.list"
list kaspersky-statistics "kaspersky-statistics.list"
events "$EVENTS"
control socket "$EMBT_TMP/ctl.sock"
resolver none
CONF

cleanup() {
	embt_daemon_stop -TERM
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

split_ok() {	# addr sni
	in_client timeout 4 python3 "$SPLIT" segments "$1" 443 "$2" \
	    >/dev/null 2>&1
}

queued() {	# packets the gateway's kernel has queued so far (queue 0)
	in_gw awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue
}

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall start failed"

# Controls: without the daemon (queue bypass) every request that must
# be blocked later succeeds, so a later failure is the daemon's doing.
check "control: dns udp s12.upd.kaspersky.com" \
    resolves $S4 s12.upd.kaspersky.com
check "control: dns tcp ds.kaspersky.com" resolves $S4 ds.kaspersky.com +tcp
check "control: dns DNL-03.GEO.Kaspersky.COM." \
    resolves $S4 DNL-03.GEO.Kaspersky.COM.
check "control: dns at the second address" \
    resolves $S4B ksn-file-geo.kaspersky-labs.com
check "control: dns6 udp" resolves $S6 s12.upd.kaspersky.com
check "control: dns6 tcp" resolves $S6 s12.upd.kaspersky.com +tcp
check "control: tls curl" tls_ok $S4 s12.upd.kaspersky.com
check "control: tls s_client" s_client_ok $S4 cm.k.kaspersky-labs.com
check "control: tls split" split_ok $S4 s12.upd.kaspersky.com
check "control: tls upper-case SNI" s_client_ok $S4 DS.KASPERSKY.COM
check "control: tls6" tls_ok $S6 dnl-03.geo.kaspersky.com
check "control: tls6 split" split_ok $S6 ksn-file-geo.kaspersky-labs.com
check "control: http" http_ok $S4 touch.kaspersky.com
check "control: http6" http_ok $S6 touch.kaspersky.com

embt_daemon_start

# --- DNS
check "dns udp: allowed name answered" resolves $S4 allowed.example
check "dns udp: blocked name gets no answer" \
    fails resolves $S4 s12.upd.kaspersky.com
check "dns tcp: allowed name answered" resolves $S4 allowed.example +tcp
check "dns tcp: blocked name gets no answer" \
    fails resolves $S4 ds.kaspersky.com +tcp
check "dns: upper case and trailing dot still blocked" \
    fails resolves $S4 DNL-03.GEO.Kaspersky.COM.
check "dns: kaspersky.com.example.org is not blocked" \
    resolves $S4 kaspersky.com.example.org
check "dns: notkaspersky.com is not blocked" resolves $S4 notkaspersky.com
check "dns: a second resolver address is judged the same" \
    fails resolves $S4B ksn-file-geo.kaspersky-labs.com
check "dns6 udp: allowed name answered" resolves $S6 allowed.example
check "dns6 udp: blocked name gets no answer" \
    fails resolves $S6 s12.upd.kaspersky.com
check "dns6 tcp: blocked name gets no answer" \
    fails resolves $S6 s12.upd.kaspersky.com +tcp

# --- TLS
check "tls: curl to an allowed SNI completes" tls_ok $S4 allowed.example
check "tls: curl to a blocked SNI fails" \
    fails tls_ok $S4 s12.upd.kaspersky.com
check "tls: openssl s_client, allowed SNI" s_client_ok $S4 www.example.org
check "tls: openssl s_client, blocked SNI" \
    fails s_client_ok $S4 cm.k.kaspersky-labs.com
check "tls: ClientHello in two segments, allowed SNI, completes" \
    split_ok $S4 www.example.org
check "tls: ClientHello in two segments, blocked SNI, blocked" \
    fails split_ok $S4 s12.upd.kaspersky.com
check "tls: upper-case SNI blocked" fails s_client_ok $S4 DS.KASPERSKY.COM
check "tls: notkaspersky.com allowed" tls_ok $S4 notkaspersky.com
check "tls: kaspersky.com.example.org allowed" \
    tls_ok $S4 kaspersky.com.example.org
check "tls6: allowed SNI completes" tls_ok $S6 allowed.example
check "tls6: blocked SNI fails" fails tls_ok $S6 dnl-03.geo.kaspersky.com
check "tls6: split ClientHello, blocked SNI, blocked" \
    fails split_ok $S6 ksn-file-geo.kaspersky-labs.com

# --- HTTP
check "http: allowed Host served" http_ok $S4 allowed.example
check "http: blocked Host (touch.kaspersky.com) fails" \
    fails http_ok $S4 touch.kaspersky.com
check "http6: blocked Host fails" fails http_ok $S6 touch.kaspersky.com

# --- a decided flow leaves the queue: a 4 MB download is mostly unqueued
before=$(queued)
in_client curl -sk --max-time 10 -o "$EMBT_TMP/big" \
    --resolve allowed.example:443:$S4 https://allowed.example/big >/dev/null
after=$(queued)
size=$(stat -c %s "$EMBT_TMP/big" 2>/dev/null || echo 0)
check "decided flow: 4 MB arrived" test "$size" -ge 4000000
check "decided flow: at most 10 of its packets queued ($before -> $after)" \
    test $((after - before)) -le 10

# --- SIGKILL: with bypass, traffic passes; restarted, blocking resumes
embt_daemon_stop -KILL
check "daemon killed: blocked name passes (queue bypass)" \
    resolves $S4 s12.upd.kaspersky.com
check "daemon killed: TLS passes" tls_ok $S4 s12.upd.kaspersky.com
embt_daemon_start
check "daemon restarted: blocked name blocked again" \
    fails resolves $S4 s12.upd.kaspersky.com
embt_daemon_stop -TERM
check "daemon logged its counters at exit" \
    grep -q 'exiting; counters: packets=' "$EMBT_TMP/embargod.log.new"

# --- audit mode: everything passes, each match is one JSON event
: >"$EVENTS"
embt_daemon_start -a
check "audit: blocked DNS name answered" resolves $S4 s12.upd.kaspersky.com
check "audit: blocked SNI completes" tls_ok $S4 ds.kaspersky.com
check "audit: blocked Host served" http_ok $S6 touch.kaspersky.com
embt_daemon_stop -TERM
check "audit: three events with ECS fields" python3 - "$EVENTS" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
want = [("dns", "s12.upd.kaspersky.com", "kaspersky-update"),
        ("tls", "ds.kaspersky.com", "kaspersky-update"),
        ("http", "touch.kaspersky.com", "kaspersky-statistics")]
got = []
for e in ev:
    assert e["event"]["action"] == "audit", e
    p = e["network"]["protocol"]
    name = {"dns": lambda: e["dns"]["question"]["name"],
            "tls": lambda: e["tls"]["client"]["server_name"],
            "http": lambda: e["url"]["domain"]}[p]()
    assert e["source"]["ip"] in ("10.77.1.2", "fd00:77:1::2"), e
    assert e["destination"]["port"] in (53, 443, 80), e
    got.append((p, name, e["rule"]["ruleset"]))
for w in want:
    assert w in got, (w, got)
print(len(ev), "events")
PY

finish
