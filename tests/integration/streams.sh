#!/bin/sh
# Evasions of the stream reassembly with real clients and servers:
# TCP Fast Open (curl --tcp-fastopen puts the request, or the
# ClientHello, in the SYN; nginx with fastopen takes it), and the
# exception counters that show in embargoctl stats.  IPv4 and IPv6,
# HTTP and HTTPS; blocked names blocked, allowed names served.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
CTL=$top_builddir/src/embargoctl
FIREWALL=$top_srcdir/scripts/embargo-firewall

need_root_or_skip
need_cmd curl nginx iptables
topo_up
embt_cert
# clients send data in the SYN without a cookie (0x1 | 0x4), servers
# take it without one (0x2 | 0x200): every connection is a TFO one
embt_sysctl "$NS_C" ipv4/tcp_fastopen 5 ||
    skip "no TCP Fast Open in this kernel"
embt_sysctl "$NS_S" ipv4/tcp_fastopen 514 ||
    skip "no TCP Fast Open in this kernel"
# shellcheck disable=SC2016 # nginx variables
embt_nginx_conf nginx-tfo 'embargo $host' "$S4:443 ssl fastopen=64" \
    "[$S6]:443 ssl fastopen=64" "$S4:80 fastopen=64" "[$S6]:80 fastopen=64"
embt_nginx nginx-tfo
embt_wait_server tcp 443 "$S4" "$S6"
embt_wait_server tcp 80 "$S4" "$S6"

CONF=$EMBT_TMP/embargod.conf
SOCK=$EMBT_TMP/ctl.sock
cat >"$CONF" <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
control socket "$SOCK"
resolver none
CONF

cleanup() {
	embt_daemon_stop -TERM
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

get() {	# scheme addr name
	case $2 in *:*) a="[$2]" ;; *) a=$2 ;; esac
	port=80
	[ "$1" = https ] && port=443
	in_client curl -sk --tcp-fastopen --max-time 3 -o /dev/null \
	    --resolve "$3:$port:$a" "$1://$3/" 2>/dev/null
}

stat() {	# counter name from embargoctl stats
	"$CTL" -s "$SOCK" stats | awk -v k="$1" '$1 == k { print $2; exit }'
}

syn_data() {	# SYNs with data the server took, in the server namespace
	in_server nstat -az TcpExtTCPFastOpenPassive 2>/dev/null |
	    awk '$1 == "TcpExtTCPFastOpenPassive" { print $2 }'
}

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall start failed"
check "control: https tfo blocked name, no daemon" \
    get https $S4 s12.upd.kaspersky.com
check "control: http tfo blocked name, no daemon" \
    get http $S4 s12.upd.kaspersky.com
tfo=$(syn_data)
check "control: the server took data in SYNs ($tfo)" test "${tfo:-0}" -gt 0

embt_daemon_start
for addr in $S4 $S6; do
	check "https tfo $addr: allowed name served" get https "$addr" www.example.org
	check "https tfo $addr: blocked name refused" \
	    fails get https "$addr" s12.upd.kaspersky.com
	check "http tfo $addr: allowed name served" get http "$addr" www.example.org
	check "http tfo $addr: blocked name refused" \
	    fails get http "$addr" dnl-01.geo.kaspersky.com
done
check "data in SYNs counted ($(stat tcp_fast_open))" \
    test "$(stat tcp_fast_open)" -gt 0
check "no flow was judged mid-stream" test "$(stat midstream_flows)" -eq 0
finish
