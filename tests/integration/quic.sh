#!/bin/sh
# QUIC through the gateway: ngtcp2's gtlsclient (HTTP/3) against
# gtlsserver in the server namespace, the daemon and embargo-firewall
# (gateway mode, iptables) in between, IPv4 and IPv6.  A blocked SNI
# gets no handshake, an allowed one completes; a Chrome-shaped
# ClientHello spread over two Initials (tests/tools/quic_chrome.py) is
# read through the real queue; with reject the client is told at once
# (ICMP port unreachable, seen by a client on a connected socket); with
# "quic block" no QUIC handshake completes
# while TLS over TCP still works.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
FIREWALL=$top_srcdir/scripts/embargo-firewall
CHROME=$top_srcdir/tests/tools/quic_chrome.py

need_root_or_skip
need_cmd gtlsclient gtlsserver curl openssl python3 nginx iptables
python3 -c 'import cryptography' 2>/dev/null ||
    skip "python3-cryptography is not installed"
topo_up
tls_up
for a in $S4 $S6; do
	in_server gtlsserver -q "$a" 443 "$EMBT_TMP/key.pem" \
	    "$EMBT_TMP/cert.pem" >>"$EMBT_TMP/gtlsserver.log" 2>&1 &
done
embt_wait_server udp 443 "$S4" "$S6"

# gtlsclient sends "localhost" as the SNI of a numeric host, whatever
# --sni says: the client namespace gets a hosts file of its own, which
# ip-netns(8) binds over /etc/hosts.  One name, one address family.
HOSTS=/etc/netns/$NS_C
mkdir -p "$HOSTS" || setup_error "cannot make $HOSTS"
cat >"$HOSTS/hosts" <<HOSTS
$S4 s12.upd.kaspersky.com
$S6 ds.kaspersky.com
$S4 allowed4.example
$S6 allowed6.example
$S4 dnl-03.geo.kaspersky.com
$S6 ksn-file-geo.kaspersky-labs.com
HOSTS

CONF=$EMBT_TMP/embargod.conf
EVENTS=$EMBT_TMP/events.json
conf() {	# the daemon's configuration, with extra statements $@
	cat >"$CONF" <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list" $UPDATE
list kaspersky-ksn "kaspersky-ksn.list"
events "$EVENTS"
control socket "$EMBT_TMP/ctl.sock"
resolver none
CONF
	for s in "$@"; do
		echo "$s" >>"$CONF"
	done
}

cleanup() {
	embt_daemon_stop -TERM
	in_gw "$FIREWALL" stop >/dev/null 2>&1
	rm -rf "$HOSTS"
}
EMBT_CLEANUP=cleanup

# An HTTP/3 request to https://NAME/: 0 when the handshake completed.
# gtlsclient exits 0 either way; its log says how far it got.
quic_ok() {	# name
	out=$(in_client timeout 8 gtlsclient --timeout=3s \
	    --handshake-timeout=3s --exit-on-all-streams-close "$1" 443 \
	    "https://$1/" 2>&1)
	echo "$out" >>"$EMBT_TMP/gtlsclient.log"
	echo "$out" | grep -q 'QUIC handshake has completed'
}

queued() {	# packets the gateway's kernel has queued so far (queue 0)
	in_gw awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue
}

tls_ok() {	# addr name
	case $1 in *:*) a="[$1]" ;; *) a=$1 ;; esac
	in_client curl -sk --max-time 3 -o /dev/null \
	    --resolve "$2:443:$a" "https://$2/" 2>/dev/null
}

# An event in the JSON file for QUIC, SNI $1, action $2.
quic_event() {	# name action
	python3 - "$EVENTS" "$1" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if (e["network"]["protocol"] == "quic" and
            e["network"]["transport"] == "udp" and
            e.get("tls", {}).get("client", {}).get("server_name") ==
            sys.argv[2] and e["event"]["action"] == sys.argv[3] and
            e["embargo"]["quic"]["version"] == "1"):
        sys.exit(0)
sys.exit(1)
PY
}

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall start failed"

# Controls: without the daemon (queue bypass) every handshake completes.
check "control: quic v4 s12.upd.kaspersky.com" quic_ok s12.upd.kaspersky.com
check "control: quic v6 ds.kaspersky.com" quic_ok ds.kaspersky.com
check "control: quic v4 allowed" quic_ok allowed4.example

# --- block
conf
embt_daemon_start
check "quic v4: allowed name completes" quic_ok allowed4.example
check "quic v6: allowed name completes" quic_ok allowed6.example
check "quic v4: blocked name gets no handshake" \
    fails quic_ok s12.upd.kaspersky.com
check "quic v6: blocked name gets no handshake" \
    fails quic_ok ds.kaspersky.com
check "quic v4: the block is an event" \
    quic_event s12.upd.kaspersky.com block
check "quic v6: the block is an event" quic_event ds.kaspersky.com block
check "tls v4: the fallback to TCP is blocked too" \
    fails tls_ok $S4 s12.upd.kaspersky.com
# Chrome's shape: the ClientHello spans two Initials, shuffled frames.
# Only the second (the one that completes it) can carry the verdict, so
# an event for its name shows that the second Initial was queued too.
in_client python3 "$CHROME" send $S4 443 dnl-03.geo.kaspersky.com \
    --count 3 >/dev/null 2>&1
in_client python3 "$CHROME" send $S6 443 ksn-file-geo.kaspersky-labs.com \
    --count 3 >/dev/null 2>&1
sleep 0.5
check "chrome-shaped v4: ClientHello over two Initials read and blocked" \
    quic_event dnl-03.geo.kaspersky.com block
check "chrome-shaped v6: ClientHello over two Initials read and blocked" \
    quic_event ksn-file-geo.kaspersky-labs.com block
# Every datagram of a flow is queued while conntrack calls it NEW, that
# is until the server answers: an incomplete ClientHello (a piece left
# out) sent three times over, six Initials, to an address where nothing
# listens, so that no answer comes.
before=$(queued)
in_client python3 "$CHROME" send $S4B 443 dnl-03.geo.kaspersky.com --gap \
    --resend 2 >/dev/null 2>&1
sleep 0.3
after=$(queued)
check "firewall: all 6 Initials of an unanswered flow queued ($before -> $after)" \
    test $((after - before)) -eq 6
# A client that holds its last Initial back until the server has
# answered: conntrack no longer calls the flow NEW, and the Initial that
# completes the ClientHello is still queued and judged.  The answerer
# on $S4B replies to the first datagram and counts what reaches it.
held() {	# name: the answerer's count of datagrams
	in_server python3 "$CHROME" answer $S4B 443 >"$EMBT_TMP/answer.out" &
	ap=$!
	embt_wait_server udp 443 "$S4B"
	in_client python3 "$CHROME" send $S4B 443 "$1" --hold 5 \
	    >"$EMBT_TMP/hold.out" 2>&1
	wait $ap
	cat "$EMBT_TMP/hold.out" "$EMBT_TMP/answer.out"
}
held allowed4.example >"$EMBT_TMP/held-allowed.out"
check "held-back Initial: the allowed name's both Initials arrive" \
    grep -q "datagrams 2" "$EMBT_TMP/held-allowed.out"
held dnl-03.geo.kaspersky.com >"$EMBT_TMP/held-blocked.out"
check "held-back Initial: the blocked name's second Initial is dropped" \
    grep -q "datagrams 1" "$EMBT_TMP/held-blocked.out"
check "held-back Initial: the client did hold it back" \
    grep -q "^held" "$EMBT_TMP/held-blocked.out"
embt_daemon_stop -TERM

# --- reject: an ICMP port unreachable, the client gives up at once
UPDATE="action reject"
conf
: >"$EVENTS"
embt_daemon_start
check "reject v4: gtlsclient gets no handshake" \
    fails quic_ok s12.upd.kaspersky.com
check "reject v6: gtlsclient gets no handshake" fails quic_ok ds.kaspersky.com
check "reject v4: the event says reject" \
    quic_event s12.upd.kaspersky.com reject
# gtlsclient ignores ICMP errors and waits out its timeout; a client on
# a connected socket (as browsers use) learns at once.  The bound is
# generous: the point is "an answer", not its speed.
for a in $S4 $S6; do
	out=$(in_client python3 "$CHROME" send $a 443 s12.upd.kaspersky.com \
	    --wait 5 2>&1)
	rc=$?
	echo "# reject via $a: $out"
	check "reject ($a): the client is told the port is unreachable" \
	    test $rc -eq 3
	ms=$(echo "$out" | sed -n 's/.* after \([0-9]*\) ms/\1/p')
	check "reject ($a): it knew in under 2.5 s (${ms:-?} ms)" \
	    test "${ms:-9999}" -lt 2500
done
embt_daemon_stop -TERM
UPDATE=

# --- quic block: no QUIC at all, TLS over TCP as before
conf "quic block"
embt_daemon_start
check "quic block: allowed name gets no QUIC handshake (v4)" \
    fails quic_ok allowed4.example
check "quic block: allowed name gets no QUIC handshake (v6)" \
    fails quic_ok allowed6.example
check "quic block: curl over TCP still works (v4)" tls_ok $S4 allowed4.example
check "quic block: curl over TCP still works (v6)" tls_ok $S6 allowed6.example
embt_daemon_stop -TERM
check "quic block: counted" grep -q 'quic_blocked=[1-9]' \
    "$EMBT_TMP/embargod.log.new"

finish
