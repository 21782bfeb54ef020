#!/bin/sh
# Enforcement that holds, on a gateway (iptables), IPv4 and IPv6: the
# reject action (DNS answered at once, TCP reset), addresses learned
# from the daemon's own c-ares lookups and from DNS answers (CNAME
# chains too), bare-address and SNI-less flows to them blocked while an
# allowed name passes, an IP list's prefixes, a second resolver, the
# DoH canary, HTTPS-record refusals, and a resolver that never answers.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
EMBARGOCTL=$top_builddir/src/embargoctl
FIREWALL=$top_srcdir/scripts/embargo-firewall

need_root_or_skip
need_cmd dig curl openssl python3 dnsmasq nginx iptables

# More server addresses: LRN (the listed host the daemon looks up), ALS
# (where a CNAME to a blocked name leads), NET (inside the IP list).
LRN4=10.77.2.4		LRN6=fd00:77:2::4
ALS4=10.77.2.6		ALS6=fd00:77:2::6
NET4=10.77.2.9		NET6=fd00:77:2::109
DEAD4=10.77.2.99	# a resolver that never answers

topo_up
embt_addr "$NS_S" s0 "$LRN4/24" "$LRN6/64" "$ALS4/24" "$ALS6/64" \
    "$NET4/24" "$NET6/64" "$DEAD4/24"
in_server iptables -A INPUT -d "$DEAD4" -p udp --dport 53 -j DROP &&
    in_server iptables -A INPUT -d "$DEAD4" -p tcp --dport 53 -j DROP ||
    setup_error "cannot silence $DEAD4"
EMBT_DNS_EXTRA="--host-record=ksn-learn.kaspersky.com,$LRN4,$LRN6
--host-record=dnl-07.geo.kaspersky.com,$ALS4,$ALS6
--cname=cdn-alias.example.net,dnl-07.geo.kaspersky.com"
# shellcheck disable=SC2086
dns_up $EMBT_DNS_NAMES use-application-dns.net audit-me.kaspersky-labs.com
tls_up
http_up
# the same servers on the other addresses
embt_nginx_conf nginx-more 'embargo more $ssl_server_name$host' \
    "$LRN4:443 ssl" "[$LRN6]:443 ssl" "$LRN4:80" "[$LRN6]:80" \
    "$ALS4:443 ssl" "[$ALS6]:443 ssl" "$NET4:443 ssl" "[$NET6]:443 ssl"
embt_nginx nginx-more
embt_wait_server tcp 443 "$LRN4" "$LRN6" "$ALS4" "$ALS6" "$NET4" "$NET6"
embt_wait_server tcp 80 "$LRN4" "$LRN6"

LISTS=$EMBT_TMP/lists
mkdir -p "$LISTS"
cat >"$LISTS/reject.list" <<'EOF'
@vendor Kaspersky
upd.kaspersky.com
exact ds.kaspersky.com
EOF
cat >"$LISTS/block.list" <<'EOF'
@vendor Kaspersky
exact ksn-learn.kaspersky.com
geo.kaspersky.com
EOF
cat >"$LISTS/audit.list" <<'EOF'
exact audit-me.kaspersky-labs.com
EOF
cat >"$LISTS/net.cidr" <<'EOF'
@vendor Kaspersky
10.77.2.8/29
fd00:77:2::100/120
EOF

CONF=$EMBT_TMP/embargod.conf
EVENTS=$EMBT_TMP/events.json
SOCK=$EMBT_TMP/ctl.sock
write_conf() {	# extra lines
	cat >"$CONF" <<CONF
lists-dir "$LISTS"
list kl-reject "reject.list" action reject
list kl-block "block.list"
list kl-audit "audit.list" action audit
iplist kl-net "net.cidr"
resolver $S4
canary yes
events "$EVENTS"
control socket "$SOCK"
metrics listen 127.0.0.1 port 9471
$1
CONF
}

cleanup() {
	embt_daemon_stop -TERM
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

ctl() { in_gw "$EMBARGOCTL" -s "$SOCK" "$@"; }

# dig from the client; prints dig's whole answer.
ask() {	# server name [dig options]
	srv=$1 name=$2
	shift 2
	in_client dig +time=1 +tries=1 "$@" @"$srv" "$name" 2>&1
}

# Succeed when the answer has status $1 and came within 100 ms: the
# best of three tries, so that one slow moment on a busy machine does
# not count.
answered() {	# status server name [dig options]
	want=$1
	shift
	for try in 1 2 3; do
		out=$(ask "$@")
		ms=$(echo "$out" | sed -n 's/^;; Query time: \([0-9]*\) msec$/\1/p')
		echo "$out" | grep -q "status: $want," &&
		    [ -n "$ms" ] && [ "$ms" -lt 100 ] && return 0
	done
	echo "$out"
	return 1
}

# Succeed when the answer holds address $1 (dig +short).
gives() {	# address server name [dig options]
	want=$1
	shift
	ask "$@" +short | grep -qxF "$want"
}

no_answer() {	# server name [dig options]
	ask "$@" | grep -q 'timed out'
}

url_host() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

tls_ok() {	# addr sni
	in_client curl -sk --max-time 3 -o /dev/null \
	    --resolve "$2:443:$(url_host "$1")" "https://$2/" 2>/dev/null
}

# curl exits 35 or 56 with "Connection reset by peer" at once when the
# flow is reset, 28 when it times out.
tls_reset() {	# addr sni
	out=$(in_client curl -sSk --max-time 3 -o /dev/null \
	    --resolve "$2:443:$(url_host "$1")" "https://$2/" 2>&1)
	rc=$?
	[ $rc -ne 0 ] && [ $rc -ne 28 ] && echo "$out" | grep -q 'reset' &&
	    return 0
	echo "curl exit $rc: $out"
	return 1
}

# A TLS handshake without SNI (openssl s_client -noservername).
bare_tls_ok() {	# addr
	echo | in_client timeout 3 openssl s_client -connect \
	    "$(url_host "$1"):443" -noservername 2>/dev/null |
	    grep -q '^New, TLS'
}

# HTTP to the bare address: the Host header is the address.
bare_http_ok() {	# addr
	in_client curl -s --max-time 3 -o /dev/null \
	    "http://$(url_host "$1")/" 2>/dev/null
}

# curl https to the bare address: curl sends no SNI for an address.
bare_https_ok() {	# addr
	in_client curl -sk --max-time 3 -o /dev/null \
	    "https://$(url_host "$1")/" 2>/dev/null
}

# One UDP datagram from the client to addr, port 4433.
udp_send() {	# addr
	in_client python3 -c 'import socket, sys
a = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in a else socket.AF_INET,
    socket.SOCK_DGRAM)
s.sendto(b"hello", (a, 4433))' "$1"
}

# Succeed when the events file has an event matching every key=value
# (dotted ECS paths) given.
has_event() {
	python3 - "$EVENTS" "$@" <<'PY'
import json, sys
want = [a.split("=", 1) for a in sys.argv[2:]]
def get(e, path):
    for k in path.split("."):
        if not isinstance(e, dict) or k not in e:
            return None
        e = e[k]
    return e
for line in open(sys.argv[1]):
    e = json.loads(line)
    if all(str(get(e, k)) == v or (isinstance(get(e, k), list) and
           v in get(e, k)) for k, v in want):
        sys.exit(0)
print("no event with", want)
sys.exit(1)
PY
}

# Wait (10 s at most) until the daemon has learned at least $1 addresses.
learned() {
	n=0
	while [ $n -lt 100 ]; do
		got=$(ctl -j status 2>/dev/null | python3 -c \
		    'import json, sys; print(json.load(sys.stdin)["learned"]["addresses"])' \
		    2>/dev/null)
		[ -n "$got" ] && [ "$got" -ge "$1" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	echo "learned: ${got:-?} addresses, wanted $1"
	return 1
}

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall start failed"

# Controls: without the daemon every request that must fail later works.
check "control: dig ds.kaspersky.com answered" gives "$S4" "$S4" ds.kaspersky.com
check "control: dig use-application-dns.net answered" \
    gives "$S4" "$S4" use-application-dns.net
check "control: curl to s12.upd.kaspersky.com completes" \
    tls_ok "$S4" s12.upd.kaspersky.com
check "control: TLS without SNI to the listed host completes" \
    bare_tls_ok "$LRN4"
check "control: HTTP to the listed host's address is served" \
    bare_http_ok "$LRN4"
check "control: https to an address inside the IP list completes" \
    bare_https_ok "$NET4"

write_conf ""
embt_daemon_start

# --- reject: an answer at once, a reset at once
check "reject: dig gets NXDOMAIN in under 100 ms" \
    answered NXDOMAIN "$S4" ds.kaspersky.com
check "reject: dig over IPv6 gets NXDOMAIN in under 100 ms" \
    answered NXDOMAIN "$S6" s12.upd.kaspersky.com -t AAAA
check "reject: the answer keeps the EDNS OPT record" \
    sh -c "ip netns exec $NS_C dig +time=1 +tries=1 +edns=0 @$S4 \
    ds.kaspersky.com | grep -q 'OPT PSEUDOSECTION'"
check "reject: curl to a blocked SNI is reset" \
    tls_reset "$S4" s12.upd.kaspersky.com
check "reject: curl over IPv6 to a blocked SNI is reset" \
    tls_reset "$S6" ds.kaspersky.com
check "reject: an allowed name still resolves" gives "$S4" "$S4" allowed.example
check "reject: an allowed SNI still completes" tls_ok "$S4" allowed.example

# --- a second resolver address is judged the same
check "second resolver: a reject name gets NXDOMAIN" \
    answered NXDOMAIN "$S4B" ds.kaspersky.com
check "second resolver (IPv6): a block name gets no answer" \
    no_answer "$S6B" dnl-03.geo.kaspersky.com

# --- DoH canary and HTTPS/SVCB records
check "canary: use-application-dns.net gets NXDOMAIN" \
    answered NXDOMAIN "$S4" use-application-dns.net
check "block list: A query for dnl-03.geo.kaspersky.com gets no answer" \
    no_answer "$S4" dnl-03.geo.kaspersky.com
check "block list: its HTTPS (type 65) query is REFUSED at once" \
    answered REFUSED "$S4" dnl-03.geo.kaspersky.com -t TYPE65
check "block list: its SVCB (type 64) query over IPv6 is REFUSED" \
    answered REFUSED "$S6" dnl-03.geo.kaspersky.com -t TYPE64

# --- addresses learned by the daemon's own lookups (c-ares, resolver S4)
check "c-ares: the exact name's A and AAAA were learned" learned 2
check "learned: TLS without SNI to the listed host is blocked" \
    fails bare_tls_ok "$LRN4"
check "learned: HTTP to the bare address is blocked" \
    fails bare_http_ok "$LRN4"
check "learned: the same address with an allowed SNI completes" \
    tls_ok "$LRN4" www.example.org
check "learned (IPv6): TLS without SNI is blocked" fails bare_tls_ok "$LRN6"
check "learned (IPv6): HTTP to the bare address is blocked" \
    fails bare_http_ok "$LRN6"
check "learned (IPv6): an allowed SNI completes" \
    tls_ok "$LRN6" www.example.org
check "learned: the block event names the name it was learned for" \
    has_event event.action=block embargo.match=learned \
    rule.name=ksn-learn.kaspersky.com rule.ruleset=kl-block \
    destination.ip="$LRN4" network.protocol=tls
check "learned: the allowed flow's event says why" \
    has_event event.action=allow embargo.match=learned \
    tls.client.server_name=www.example.org destination.ip="$LRN6" \
    "event.reason=the flow names a host no rule blocks"

# --- addresses learned from DNS answers: a CNAME to a blocked name
check "answer: a CNAME to a blocked name gets no answer" \
    no_answer "$S4" cdn-alias.example.net
check "answer: its event names the question and the chain" \
    has_event dns.type=answer dns.question.name=cdn-alias.example.net \
    rule.name=geo.kaspersky.com "event.reason=reached through a CNAME" \
    dns.resolved_ip="$ALS4"
check "answer: the alias's address is learned; no SNI is blocked" \
    fails bare_tls_ok "$ALS4"
check "answer: an audited name's answer lists its addresses" \
    sh -c "ip netns exec $NS_C dig +short @$S4 \
    audit-me.kaspersky-labs.com AAAA | grep -qxF $S6"
check "answer: ... in its event" has_event dns.type=answer \
    event.action=audit dns.question.name=audit-me.kaspersky-labs.com \
    dns.resolved_ip="$S6"

# --- the IP list
check "IP list: https to an address inside a prefix is blocked" \
    fails bare_https_ok "$NET4"
check "IP list (IPv6): https to an address inside a prefix is blocked" \
    fails bare_https_ok "$NET6"
check "IP list: logged with the list's name and prefix" \
    has_event event.action=block rule.ruleset=kl-net \
    rule.name=10.77.2.8/29 embargo.match=prefix destination.ip="$NET4"
check "IP list: an allowed SNI on the same address completes" \
    tls_ok "$NET4" www.example.org
udp_send "$NET6"
check "IP list: a new UDP flow to a prefix is blocked and logged" \
    has_event event.action=block network.transport=udp \
    rule.name=fd00:77:2::100/120 destination.port=4433

# --- the counters reach the metrics
metric() {	# the value of one exact series
	in_gw curl -s --max-time 3 http://127.0.0.1:9471/metrics |
	    awk -v k="$1" '$1 == k { print $2 }'
}
for m in embargo_rejects_sent_total embargo_canary_answers_total \
    embargo_dns_answers_total embargo_addresses_learned_total \
    'embargo_events_total{action="allow"}' embargo_learned_addresses; do
	check "metrics: $m above 0" test "$(metric "$m")" -gt 0
done
check "metrics: no reject failed to send" \
    test "$(metric embargo_reject_send_errors_total)" = 0

# --- sink answers, after a reload
write_conf "reject dns sink ttl 5"
ctl reload >/dev/null
check "reload: reject dns sink answers A with 0.0.0.0" \
    gives 0.0.0.0 "$S4" ds.kaspersky.com
check "reload: ... and AAAA with ::" gives :: "$S6" ds.kaspersky.com -t AAAA
check "reload: learned addresses survive a reload" \
    fails bare_tls_ok "$LRN4"
embt_daemon_stop -TERM

# --- a resolver that never answers does not hold up the packet path;
# a hundred names more are looked up a few at a time, not all at once
for i in $(seq 1 100); do echo "exact host$i.kaspersky.com"; done \
    >"$LISTS/many.list"
write_conf "resolver $DEAD4
list kl-many \"many.list\""
sed -i "/^resolver $S4\$/d" "$CONF"
in_server iptables -Z INPUT
embt_daemon_start
sleep 1		# c-ares retries after 3 s: these are first tries
sent=$(in_server iptables -nvxL INPUT |
    awk '$3 == "DROP" && $4 == "17" { n += $1 } END { print n + 0 }')
check "dead resolver: at most 16 lookups (32 queries) at once ($sent)" \
    test "$sent" -gt 0 -a "$sent" -le 32
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	gives "$S4" "$S4" allowed.example && ok=$((ok + 1))
done
check "dead resolver: 10 of 10 allowed queries answered ($ok)" test $ok -eq 10
check "dead resolver: blocked names still refused" \
    answered NXDOMAIN "$S4" ds.kaspersky.com
check "dead resolver: the control socket answers meanwhile" ctl status
# verdicts did not wait for the lookups: none has ended yet
check "dead resolver: the lookups were still pending all along" \
    sh -c "ip netns exec $NS_G $EMBARGOCTL -s $SOCK status |
    grep -q ' 0 answered, 0 failed'"
n=0
until ctl status | grep -q 'answered, [1-9][0-9]* failed'; do
	n=$((n + 1))
	[ $n -lt 150 ] || break
	sleep 0.1
done
check "dead resolver: the failed lookups are counted" \
    sh -c "ip netns exec $NS_G $EMBARGOCTL -s $SOCK status |
    grep -q 'answered, [1-9][0-9]* failed'"
embt_daemon_stop -TERM

finish
