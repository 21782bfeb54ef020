#!/bin/sh
#
# capture.sh: remake the captures in tests/data with real clients talking
# to real servers inside a private network namespace.  Run as root.
#
# Only addresses from 10.88.0.0/16 and fd00:88::/32 on the namespace's own
# loopback are used: nothing is sent anywhere else.  The client is
# 10.88.0.1 / fd00:88::1; the servers are .43 (TLS), .53 (DNS) and .80
# (HTTP).  Each capture holds only the packets its filter names.
#
#	sh capture.sh			remake every capture
#	sh capture.sh FILE...		remake only these (e.g. dns-cname.pcap)
#
# Needs: iproute2 tcpdump dnsmasq-base bind9-dnsutils curl openssl
# gnutls-bin python3.
#
set -eu

here=$(cd "$(dirname "$0")" && pwd)
only="$*"
NS=embA-$$
tmp=$(mktemp -d)
pids=""

cleanup()
{
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
	ip netns del "$NS" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Only for commands in the foreground: a function in the background is a
# subshell, and its pid is not the command's.
in_ns()
{
	ip netns exec "$NS" "$@"
}

# cap FILE LINKTYPE FILTER CLIENT...: capture what CLIENT makes.
cap()
{
	file=$1 lt=$2 filter=$3
	shift 3
	if [ -n "$only" ]; then
		case " $only " in
		*" $file "*) ;;
		*) return 0 ;;
		esac
	fi
	case $lt in
	EN10MB)	dev="-i lo" ;;
	*)	dev="-i any -y $lt" ;;
	esac
	# shellcheck disable=SC2086
	ip netns exec "$NS" tcpdump -Z root --immediate-mode -U -s 0 $dev \
	    -w "$here/$file" "$filter" 2>/dev/null &
	tp=$!
	sleep 1
	in_ns "$@" || echo "capture.sh: $file: client failed" >&2
	sleep 1
	kill -INT "$tp"
	wait "$tp" || true
	echo "== $file"
	tcpdump -nr "$here/$file" 2>/dev/null
}

# ---------------------------------------------------------------- network
ip netns add "$NS"
in_ns ip link set lo up
for a in 1 43 53 80; do
	in_ns ip addr add "10.88.0.$a/32" dev lo
	in_ns ip -6 addr add "fd00:88::$a/128" dev lo nodad
done
# Traffic to a local address leaves from that same address unless told:
# make the client address the source for every server address.
for a in 43 53 80; do
	in_ns ip route replace table local local "10.88.0.$a" dev lo \
	    proto kernel scope host src 10.88.0.1
	in_ns ip -6 route del table local local "fd00:88::$a" dev lo
	in_ns ip -6 route add table local local "fd00:88::$a" dev lo \
	    src fd00:88::1
done

# ---------------------------------------------------------------- servers
ip netns exec "$NS" dnsmasq -k --conf-file=/dev/null --no-resolv --no-hosts \
    --bind-interfaces --listen-address=10.88.0.53,fd00:88::53 \
    --address=/kaspersky.com/10.88.0.80 \
    --address=/kaspersky-labs.com/10.88.0.80 \
    --host-record=dnl-07.geo.kaspersky.com,10.88.0.80,fd00:88::80 \
    --cname=cdn-alias.example.net,cdn-edge.example.net \
    --cname=cdn-edge.example.net,dnl-07.geo.kaspersky.com \
    --pid-file= --user=root 2>/dev/null &
pids="$pids $!"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj /CN=s12.upd.kaspersky.com -days 2 \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null
ip netns exec "$NS" openssl s_server -quiet -accept 443 -www \
    -cert "$tmp/cert.pem" -key "$tmp/key.pem" >/dev/null 2>&1 &
pids="$pids $!"

mkdir "$tmp/www"
(cd "$tmp/www" && exec ip netns exec "$NS" \
    python3 -m http.server --bind 10.88.0.80 80 >/dev/null 2>&1) &
pids="$pids $!"
(cd "$tmp/www" && exec ip netns exec "$NS" \
    python3 -m http.server --bind fd00:88::80 8080 >/dev/null 2>&1) &
pids="$pids $!"
sleep 2

# ---------------------------------------------------------------- DNS
cap dns-udp.pcap EN10MB 'port 53' \
    dig -b 10.88.0.1 @10.88.0.53 +tries=1 +noedns ds.kaspersky.com A
cap dns-tcp.pcap LINUX_SLL 'port 53' \
    dig -6 -b fd00:88::1 @fd00:88::53 +tries=1 +tcp \
    s12.upd.kaspersky.com AAAA
cap dns-upper.pcap EN10MB 'port 53' \
    dig -b 10.88.0.1 @10.88.0.53 +tries=1 +noedns \
    DS.Update.KSN.Kaspersky-Labs.COM TXT
cap dns-edns.pcap LINUX_SLL2 'port 53' \
    dig -b 10.88.0.1 @10.88.0.53 +tries=1 +edns=0 +cookie +nsid \
    +bufsize=1232 s12.upd.kaspersky.com HTTPS
cap dns-root.pcap EN10MB 'port 53' \
    dig -b 10.88.0.1 @10.88.0.53 +tries=1 . NS
cap dns-cname.pcap EN10MB 'port 53' \
    dig -b 10.88.0.1 @10.88.0.53 +tries=1 cdn-alias.example.net A
cap dns-cname6.pcap LINUX_SLL 'port 53' \
    dig -6 -b fd00:88::1 @fd00:88::53 +tries=1 cdn-alias.example.net AAAA

# ---------------------------------------------------------------- TLS
cap tls-curl.pcap EN10MB 'tcp dst port 443' \
    curl -sS -k -o /dev/null --interface 10.88.0.1 \
    --resolve s12.upd.kaspersky.com:443:10.88.0.43 \
    https://s12.upd.kaspersky.com/
cap tls-openssl.pcap LINUX_SLL2 'tcp dst port 443' \
    sh -c 'openssl s_client -connect 10.88.0.43:443 \
    -servername s12.upd.kaspersky.com </dev/null >/dev/null 2>&1'
cap tls-gnutls.pcap LINUX_SLL 'tcp dst port 443' \
    sh -c 'gnutls-cli --insecure --sni-hostname=ksn-a.kaspersky-labs.com \
    --alpn=h2 --alpn=http/1.1 -p 443 fd00:88::43 </dev/null >/dev/null 2>&1'
cap tls-split-segments.pcap EN10MB 'tcp dst port 443' \
    python3 "$here/../tools/split_hello.py" segments 10.88.0.43 443 \
    s12.upd.kaspersky.com
cap tls-split-records.pcap EN10MB 'tcp dst port 443' \
    python3 "$here/../tools/split_hello.py" records 10.88.0.43 443 \
    s12.upd.kaspersky.com 2

# ---------------------------------------------------------------- HTTP
cap http-curl.pcap EN10MB 'tcp dst port 80' \
    curl -sS -o /dev/null --interface 10.88.0.1 \
    --resolve dnl-01.geo.kaspersky.com:80:10.88.0.80 \
    http://dnl-01.geo.kaspersky.com/bases/av/kdb/i386/kdb-i386-0607g.xml
cap http-port.pcap EN10MB 'tcp dst port 8080' \
    curl -sS -o /dev/null --interface fd00:88::1 \
    -H 'Host: S12.UPD.Kaspersky.COM:8080' 'http://[fd00:88::80]:8080/'
cap http-ipv6.pcap EN10MB 'tcp dst port 8080' \
    curl -sS -o /dev/null --interface fd00:88::1 \
    'http://[fd00:88::80]:8080/index.html'
cap http-ipv4.pcap EN10MB 'tcp dst port 80' \
    curl -sS -o /dev/null --interface 10.88.0.1 http://10.88.0.80/
cap http-proxy.pcap EN10MB 'tcp dst port 80' \
    curl -sS -o /dev/null --interface 10.88.0.1 -x http://10.88.0.80:80 \
    http://s12.upd.kaspersky.com/diffs/updcfg.xml
