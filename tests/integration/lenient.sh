#!/bin/sh
# embargod behind rules a user writes, against messages real servers
# take.  No embargo-firewall here: the plain NFQUEUE rules of the
# iptables-extensions manual, which do not skip marked packets.  Checks
# that no packet loops (the kernel's id_sequence stays within 3x the
# packets the client sent), with `verdict repeat` and `verdict accept`;
# that names with bytes outside LDH are judged by their valid labels
# (TLS SNI, HTTP Host, DNS labels); and that the shapes real dnsmasq and
# nginx accept (DNS pointers forward and into the header, names over 255
# octets, five questions; TLS empty records and ":443"; HTTP leading
# CRLF, odd methods, two Host headers, many and long headers) never get
# a blocked name answered, while the same shapes with allowed names are.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
CTL=$top_builddir/src/embargoctl
ODD=$top_srcdir/tests/tools/odd_client.py

need_root_or_skip
need_cmd dig curl python3 dnsmasq nginx iptables ip6tables
topo_up
dns_up
tls_up
http_up

CONF=$EMBT_TMP/embargod.conf
EVENTS=$EMBT_TMP/events.json
SOCK=$EMBT_TMP/ctl.sock
write_conf() {	# verdict repeat|accept
	cat >"$CONF" <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
list kaspersky-activation "kaspersky-activation.list"
events "$EVENTS"
control socket "$SOCK"
resolver none
verdict $1
CONF
}

# The rules as the iptables-extensions manual teaches them, and a
# counter of what the client sends that those rules queue.
RULES="-p udp --dport 53
-p tcp -m multiport --dports 53,80,443"
rules() {	# -I | -D
	for ipt in iptables ip6tables; do
		echo "$RULES" | while read -r r; do
			# shellcheck disable=SC2086 # the rule's words
			in_gw $ipt "$1" FORWARD $r -j NFQUEUE --queue-num 0 \
			    --queue-bypass
			# shellcheck disable=SC2086
			in_client $ipt "$1" OUTPUT $r
		done
	done
}

cleanup() {
	embt_daemon_stop -TERM
	rules -D 2>/dev/null
}
EMBT_CLEANUP=cleanup

odd() { in_client python3 "$ODD" "$@" >/dev/null 2>&1; }

queued() {	# the kernel's id_sequence of queue 0 in the gateway
	in_gw awk '$1 == 0 { print $8 }' /proc/net/netfilter/nfnetlink_queue
}

sent() {	# packets the client sent that the rules queue
	n=0
	for ipt in iptables ip6tables; do
		c=$(in_client $ipt -L OUTPUT -v -x -n | awk 'NR > 2 { s += $1 }
		    END { print s + 0 }')
		n=$((n + c))
	done
	echo "$n"
}

stat() {	# counter name from embargoctl stats
	"$CTL" -s "$SOCK" stats | awk -v k="$1" '$1 == k { print $2; exit }'
}

# The ordinary cases, v4 and v6: blocked names blocked, allowed ones
# answered.
ordinary() {	# label
	check "$1: dns allowed" resolves $S4 allowed.example
	check "$1: dns blocked" fails resolves $S4 s12.upd.kaspersky.com
	check "$1: dns tcp allowed" resolves $S4 allowed.example +tcp
	check "$1: dns tcp blocked" fails resolves $S4 s12.upd.kaspersky.com +tcp
	check "$1: dns6 allowed" resolves $S6 allowed.example
	check "$1: dns6 blocked" fails resolves $S6 s12.upd.kaspersky.com
	check "$1: tls allowed" tls_ok $S4 www.example.org
	check "$1: tls blocked" fails tls_ok $S4 s12.upd.kaspersky.com
	check "$1: tls6 allowed" tls_ok $S6 www.example.org
	check "$1: tls6 blocked" fails tls_ok $S6 dnl-03.geo.kaspersky.com
	check "$1: http allowed" http_ok $S4 www.example.org
	check "$1: http blocked" fails http_ok $S4 s12.upd.kaspersky.com
	check "$1: http6 allowed" http_ok $S6 www.example.org
	check "$1: http6 blocked" fails http_ok $S6 s12.upd.kaspersky.com
}

# No loop: what the queue took stays within 3x what the client sent.
no_loop() {	# label, id_sequence before, sent before
	q=$(($(queued) - $2))
	s=$(($(sent) - $3))
	echo "$1: $q packets queued for $s sent"
	check "$1: queued $q <= 3 x sent $s" test "$q" -le $((3 * s))
	check "$1: something was queued" test "$q" -gt 0
}

rules -I || setup_error "cannot add the NFQUEUE rules"

# --- verdict repeat (the default) behind the plain rules
write_conf repeat
embt_daemon_start
q0=$(queued) s0=$(sent)
ordinary "repeat"
no_loop "repeat" "$q0" "$s0"
check "repeat: returns counted (requeued)" test "$(stat requeued)" -gt 0
check "repeat: warned once about the rules" \
    test "$(grep -c 'come back to the queue' "$EMBT_TMP/embargod.log.new")" -eq 1

# --- unclean names under a blocked suffix are blocked; under an
# allowed one they pass; events say malformed
check "sni raw utf-8, blocked suffix" \
    fails odd tls $S4 443 raw 'x\xc3\xa9.upd.kaspersky.com'
check "sni raw utf-8, allowed suffix" odd tls $S4 443 raw 'x\xc3\xa9.example.org'
check "sni with a space, blocked suffix" \
    fails odd tls $S4 443 raw 'a b.upd.kaspersky.com'
check "sni with a space, allowed suffix" odd tls $S4 443 raw 'a b.example.org'
check "sni6 with a space, blocked suffix" \
    fails odd tls $S6 443 raw 'a b.upd.kaspersky.com'
check "http host raw utf-8, blocked suffix" \
    fails odd http $S4 80 raw 'x\xc3\xa9.upd.kaspersky.com'
check "http host raw utf-8, allowed suffix" \
    odd http $S4 80 raw 'x\xc3\xa9.example.org'
check "dns label raw utf-8, blocked suffix" \
    fails odd dns $S4 plain 'x\xc3\xa9.upd.kaspersky.com'
check "dns label raw utf-8, allowed suffix" \
    odd dns $S4 plain 'x\xc3\xa9.allowed.example'
check "dns6 label with a space, blocked suffix" \
    fails odd dns $S6 plain 'a b.upd.kaspersky.com'
check "events say malformed" grep -q '"malformed":true' "$EVENTS"
check "events keep the raw name" grep -q '"raw_name":"a b.upd' "$EVENTS"

# --- shapes servers take
for shape in forward header many long; do
	check "dns $shape, blocked" fails odd dns $S4 $shape s12.upd.kaspersky.com
	check "dns $shape, allowed" odd dns $S4 $shape allowed.example
done
check "tls empty record first, blocked" \
    fails odd tls $S4 443 empty-record s12.upd.kaspersky.com
check "tls empty record first, allowed" \
    odd tls $S4 443 empty-record www.example.org
check "tls sni with :443, blocked" \
    fails odd tls $S4 443 raw 'ds.kaspersky.com:443'
check "tls sni with :443, allowed" odd tls $S4 443 raw 'www.example.org:443'
for shape in crlf method two headers long; do
	check "http $shape, blocked" \
	    fails odd http $S4 80 $shape s12.upd.kaspersky.com
	check "http $shape, allowed" odd http $S4 80 $shape www.example.org
done
embt_daemon_stop -TERM

# --- verdict accept: no repeat at all
write_conf accept
embt_daemon_start
q0=$(queued) s0=$(sent)
ordinary "accept"
no_loop "accept" "$q0" "$s0"
check "accept: nothing came back" test "$(stat requeued)" -eq 0
embt_daemon_stop -TERM

# --- the example rules of embargo-firewall(8) skip marked packets:
# nothing comes back, and decided flows leave the queue
rules -D
for ipt in iptables ip6tables; do
	echo "$RULES" | while read -r r; do
		# shellcheck disable=SC2086
		in_client $ipt -I OUTPUT $r
	done
done
in_gw sh "$top_srcdir/examples/rules/iptables-gateway.sh" -A ||
    setup_error "examples/rules/iptables-gateway.sh failed"
write_conf repeat
embt_daemon_start
q0=$(queued) s0=$(sent)
ordinary "own rules"
no_loop "own rules" "$q0" "$s0"
check "own rules: nothing came back" test "$(stat requeued)" -eq 0
embt_daemon_stop -TERM
in_gw sh "$top_srcdir/examples/rules/iptables-gateway.sh" -D

finish
