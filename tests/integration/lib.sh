# tests/integration/lib.sh: network namespaces and services for the
# integration tests.  POSIX sh (dash and bash); source it from a test:
#
#	. "$(dirname "$0")/lib.sh"
#	need_root_or_skip
#	need_cmd dig
#	topo_up			# also installs topo_down as the exit trap
#	dns_up; tls_up; http_up
#	EMBT_CLEANUP=my_cleanup	# optional: run first by topo_down
#	check "client resolves" in_client dig ...
#	finish
#
# Topology (every interface lives inside the namespaces; nothing is
# routed or translated toward the machine's own interfaces):
#
#	client c0 ------------ g1 gateway g2 ------------ s0 server
#	10.77.1.2/24        10.77.1.1   10.77.2.1      10.77.2.2/24, .3
#	fd00:77:1::2/64   fd00:77:1::1 fd00:77:2::1  fd00:77:2::2/64, ::3
#
# The client and the server route everything through the gateway, which
# forwards IPv4 and IPv6.  Namespace names carry the test's PID, so runs
# never collide.  Exit status: 0 pass, 1 fail, 77 skip, 99 setup error.

# The system's tools first (see TESTS_ENVIRONMENT in Makefile.am).
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export PATH

EMBT_ID=${EMBT_ID:-$$}
NS_C=embt-c-$EMBT_ID
NS_G=embt-g-$EMBT_ID
NS_S=embt-s-$EMBT_ID
EMBT_TMP=
EMBT_CLEANUP=${EMBT_CLEANUP:-}

C4=10.77.1.2	C6=fd00:77:1::2
G4C=10.77.1.1	G6C=fd00:77:1::1
G4S=10.77.2.1	G6S=fd00:77:2::1
S4=10.77.2.2	S6=fd00:77:2::2
S4B=10.77.2.3	S6B=fd00:77:2::3

# Names dns_up answers when given none.
EMBT_DNS_NAMES="allowed.example www.example.org s12.upd.kaspersky.com
ds.kaspersky.com dnl-03.geo.kaspersky.com ksn-file-geo.kaspersky-labs.com
kaspersky.com.example.org notkaspersky.com"

EMBT_PASSED=0
EMBT_FAILED=0

# ------------------------------------------------------------ reporting

# Skip the whole test: automake counts exit 77 as SKIP.
skip() {
	echo "skip: $*"
	exit 77
}

# Abort on a broken test environment: automake counts exit 99 as ERROR.
setup_error() {
	echo "ERROR: $*" >&2
	exit 99
}

# Report a check that passed.
ok() {
	echo "ok: $*"
	EMBT_PASSED=$((EMBT_PASSED + 1))
}

# Report a check that failed; the test goes on and finish exits 1.
not_ok() {
	echo "FAIL: $*"
	EMBT_FAILED=$((EMBT_FAILED + 1))
}

# Run CMD...; report DESC as ok or FAIL by its exit status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# Succeed when CMD... (a command or a shell function) fails: for checks
# that something is refused.  Not "sh -c '! ...'", which cannot see the
# test's functions and so would pass on "not found".
fails() {
	! "$@"
}

# Print the tally and exit 0 when every check passed, 1 otherwise.
finish() {
	echo "$EMBT_PASSED passed, $EMBT_FAILED failed"
	[ "$EMBT_FAILED" -eq 0 ] || exit 1
	[ "$EMBT_PASSED" -gt 0 ] || { echo "FAIL: no check ran"; exit 1; }
	exit 0
}

# ------------------------------------------------------------ preconditions

# The Debian package that provides command $1, for skip messages.
embt_pkg() {
	case $1 in
	dig) echo bind9-dnsutils ;;
	dnsmasq) echo dnsmasq-base ;;
	nginx) echo nginx-light ;;
	gnutls-cli) echo gnutls-bin ;;
	ip|ss) echo iproute2 ;;
	iptables*|ip6tables*) echo iptables ;;
	nft) echo nftables ;;
	*) echo "$1" ;;
	esac
}

# Skip unless every command named is installed.
need_cmd() {
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
		    skip "$c not installed (apt-get install $(embt_pkg "$c"))"
	done
}

# Skip unless we may build network namespaces: root, a kernel and an
# ip(8) that can, and no EMBARGO_SKIP_INTEGRATION=1.
need_root_or_skip() {
	[ "${EMBARGO_SKIP_INTEGRATION:-0}" != 1 ] ||
	    skip "EMBARGO_SKIP_INTEGRATION=1"
	[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces)"
	need_cmd ip
	probe=embt-p-$EMBT_ID
	ip netns add "$probe" 2>/dev/null ||
	    skip "ip netns add fails: no network namespaces here"
	ip netns del "$probe"
}

# ------------------------------------------------------------ topology

in_client() { ip netns exec "$NS_C" "$@"; }
in_gw() { ip netns exec "$NS_G" "$@"; }
in_server() { ip netns exec "$NS_S" "$@"; }

# Write sysctl $2 (a /proc/sys path below net/) = $3 in namespace $1.
embt_sysctl() {
	ip netns exec "$1" sh -c "echo $3 >/proc/sys/net/$2"
}

# Create the three namespaces, the two veth links, the addresses and
# the routes; make the temporary directory; install the traps.  IPv6
# addresses skip duplicate address detection so they work at once.
topo_up() {
	EMBT_TMP=$(mktemp -d "${TMPDIR:-/tmp}/embt.XXXXXX") ||
	    setup_error "mktemp failed"
	trap 'embt_on_exit' EXIT
	trap 'embt_on_signal 129' HUP
	trap 'embt_on_signal 130' INT
	trap 'embt_on_signal 141' PIPE
	trap 'embt_on_signal 143' TERM
	for ns in "$NS_C" "$NS_G" "$NS_S"; do
		ip netns add "$ns" || setup_error "ip netns add $ns failed"
		ip -n "$ns" link set lo up
	done
	if ! ip -n "$NS_C" link add c0 type veth peer name g1 netns "$NS_G" ||
	    ! ip -n "$NS_S" link add s0 type veth peer name g2 netns "$NS_G"
	then
		setup_error "cannot create veth links"
	fi
	embt_addr "$NS_C" c0 "$C4/24" "$C6/64"
	embt_addr "$NS_G" g1 "$G4C/24" "$G6C/64"
	embt_addr "$NS_G" g2 "$G4S/24" "$G6S/64"
	embt_addr "$NS_S" s0 "$S4/24" "$S6/64" "$S4B/24" "$S6B/64"
	if ! ip -n "$NS_C" route add default via "$G4C" ||
	    ! ip -n "$NS_C" -6 route add default via "$G6C" ||
	    ! ip -n "$NS_S" route add default via "$G4S" ||
	    ! ip -n "$NS_S" -6 route add default via "$G6S"; then
		setup_error "cannot add the default routes"
	fi
	if ! embt_sysctl "$NS_G" ipv4/ip_forward 1 ||
	    ! embt_sysctl "$NS_G" ipv6/conf/all/forwarding 1; then
		setup_error "cannot turn forwarding on in $NS_G"
	fi
	embt_prime
}

# Resolve every neighbour once (ARP, and NDP which can take a moment on
# a loaded machine), so that a test's first packet does not wait for
# it.  Bounded: a few tries of one ping per address family.
embt_prime() {
	for a in $S4 $S4B $S6 $S6B; do
		n=0
		until in_client ping -c 1 -W 1 "$a" >/dev/null 2>&1; do
			n=$((n + 1))
			[ $n -lt 5 ] || setup_error "$a unreachable from the client"
		done
	done
}

# Bring link $2 of namespace $1 up with the addresses $3...
embt_addr() {
	ns=$1 dev=$2
	shift 2
	for a in "$@"; do
		case $a in
		*:*) ip -n "$ns" addr add "$a" dev "$dev" nodad ;;
		*) ip -n "$ns" addr add "$a" dev "$dev" ;;
		esac || setup_error "cannot add $a to $dev in $ns"
	done
	ip -n "$ns" link set "$dev" up || setup_error "cannot bring $dev up"
}

# End every process inside namespace $1, by PID: TERM, then KILL
# after at most two seconds.
embt_kill_ns() {
	pids=$(ip netns pids "$1" 2>/dev/null) || return 0
	[ -n "$pids" ] || return 0
	# shellcheck disable=SC2086
	kill $pids 2>/dev/null
	n=20
	while [ $n -gt 0 ]; do
		pids=$(ip netns pids "$1" 2>/dev/null)
		[ -n "$pids" ] || return 0
		sleep 0.1
		n=$((n - 1))
	done
	# shellcheck disable=SC2086
	kill -9 $pids 2>/dev/null
	sleep 0.1
}

# Run the test's own cleanup (EMBT_CLEANUP, once), stop the services
# and delete the namespaces and the temporary directory.  Idempotent:
# safe to call again, and when topo_up failed half way.
topo_down() {
	if [ -n "$EMBT_CLEANUP" ]; then
		c=$EMBT_CLEANUP
		EMBT_CLEANUP=
		$c
	fi
	for ns in "$NS_C" "$NS_G" "$NS_S"; do
		[ -e "/run/netns/$ns" ] || continue
		embt_kill_ns "$ns"
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "$EMBT_TMP" ] && rm -rf "$EMBT_TMP"
	EMBT_TMP=
	return 0
}

# Print every log in the temporary directory, to help explain a failure.
topo_logs() {
	[ -n "$EMBT_TMP" ] || return 0
	for f in "$EMBT_TMP"/*.log; do
		[ -s "$f" ] || continue
		echo "--- ${f##*/}"
		tail -n 40 "$f"
	done >&2
}

# The exit trap: show the logs when the test failed, then tear down.
embt_on_exit() {
	rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || topo_logs
	topo_down
}

# The HUP, INT, PIPE and TERM traps: tear down and exit with status $1.
# PIPE matters: a test piped into "head" would otherwise die on its next
# write and leave its namespaces and servers behind.
embt_on_signal() {
	echo "interrupted; cleaning up" >&2
	trap - EXIT
	topo_down
	exit "$1"
}

# ------------------------------------------------------------ readiness

# Wait until namespace $1 has a socket of protocol $2 (tcp or udp)
# bound to address $3, port $4; give up after $5 seconds.
wait_port() {
	case $3 in
	*:*) want="[$3]:$4" ;;
	*) want="$3:$4" ;;
	esac
	n=$(($5 * 10))
	while [ $n -gt 0 ]; do
		ip netns exec "$1" ss -Hln --"$2" 2>/dev/null |
		    awk '{ print $4 }' | grep -qxF "$want" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	echo "wait_port: nothing listens on $2 $want in $1 after $5 s" >&2
	return 1
}

# Wait for every address $3... to listen on protocol $1, port $2, in
# the server namespace (5 seconds each); a setup error otherwise.
embt_wait_server() {
	proto=$1 port=$2
	shift 2
	for a in "$@"; do
		wait_port "$NS_S" "$proto" "$a" "$port" 5 || {
			topo_logs
			setup_error "server: nothing on $proto $a port $port"
		}
	done
}

# ------------------------------------------------------------ services

# Start dnsmasq in the server namespace on UDP and TCP port 53 of every
# server address, answering the names given (EMBT_DNS_NAMES when none)
# with A $S4 and AAAA $S6, and NXDOMAIN for any other name; more
# dnsmasq options (other records) may come in EMBT_DNS_EXTRA.  It reads
# no configuration, hosts or resolv.conf file and serves no DHCP.
dns_up() {
	# shellcheck disable=SC2086 # a list of names, split on purpose
	[ $# -gt 0 ] || set -- $EMBT_DNS_NAMES
	records=
	for n in "$@"; do
		records="$records --host-record=$n,$S4,$S6"
	done
	# shellcheck disable=SC2086
	in_server dnsmasq --keep-in-foreground --conf-file=/dev/null \
	    --no-hosts --no-resolv --port=53 --bind-interfaces \
	    --listen-address="$S4,$S4B,$S6,$S6B" --local='/#/' \
	    --pid-file="$EMBT_TMP/dnsmasq.pid" --log-facility=- \
	    --log-queries $records ${EMBT_DNS_EXTRA:-} \
	    >"$EMBT_TMP/dnsmasq.log" 2>&1 &
	embt_wait_server udp 53 "$S4" "$S4B" "$S6" "$S6B"
	embt_wait_server tcp 53 "$S4" "$S4B" "$S6" "$S6B"
}

# Make a self-signed certificate for the TLS server (any name: clients
# use -k or an equivalent).
embt_cert() {
	[ -s "$EMBT_TMP/cert.pem" ] && return 0
	(umask 077 && openssl req -x509 -newkey ec \
	    -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
	    -subj /CN=embargo-test \
	    -keyout "$EMBT_TMP/key.pem" -out "$EMBT_TMP/cert.pem" \
	    >"$EMBT_TMP/openssl.log" 2>&1) ||
	    setup_error "openssl could not make a certificate"
}

# Make the files nginx serves: /big, 4 MiB, for bulk transfers.  The
# workers run as nobody, so the directory must be searchable.
embt_www() {
	[ -s "$EMBT_TMP/www/big" ] && return 0
	chmod 711 "$EMBT_TMP"
	if ! mkdir -p "$EMBT_TMP/www" || ! chmod 755 "$EMBT_TMP/www" ||
	    ! head -c 4194304 /dev/zero >"$EMBT_TMP/www/big" ||
	    ! chmod 644 "$EMBT_TMP/www/big"; then
		setup_error "cannot write $EMBT_TMP/www/big"
	fi
}

# Write an nginx configuration named $1 whose server block listens with
# "listen" arguments $3... and answers /big with a 4 MiB file and every
# other request with body $2.
embt_nginx_conf() {
	name=$1 body=$2
	shift 2
	{
		echo "worker_processes 1;"
		echo "pid $EMBT_TMP/$name.pid;"
		echo "error_log $EMBT_TMP/$name.log info;"
		echo "events { worker_connections 64; }"
		echo "http {"
		echo "  access_log $EMBT_TMP/$name-access.log;"
		for t in client_body proxy fastcgi uwsgi scgi; do
			echo "  ${t}_temp_path $EMBT_TMP/$name-$t;"
		done
		echo "  default_type text/plain;"
		echo "  server {"
		for l in "$@"; do
			echo "    listen $l default_server;"
		done
		echo "    server_name _;"
		case "$*" in
		*ssl*)
			echo "    ssl_protocols TLSv1.2 TLSv1.3;"
			echo "    ssl_certificate $EMBT_TMP/cert.pem;"
			echo "    ssl_certificate_key $EMBT_TMP/key.pem;"
			;;
		esac
		printf '    location / { return 200 "%s\\n"; }\n' "$body"
		echo "    location = /big { alias $EMBT_TMP/www/big; }"
		echo "  }"
		echo "}"
	} >"$EMBT_TMP/$name.conf"
}

# Start nginx in the server namespace with configuration $1.
embt_nginx() {
	embt_www
	in_server nginx -p "$EMBT_TMP" -e "$EMBT_TMP/$1.log" \
	    -c "$EMBT_TMP/$1.conf" -g 'daemon off;' \
	    >"$EMBT_TMP/$1-stderr.log" 2>&1 &
}

# Start a TLS server (nginx) on $S4 and $S6 port 443 that completes the
# handshake for any SNI and answers "embargo tls SNI" (and /big).
tls_up() {
	embt_cert
	# shellcheck disable=SC2016 # an nginx variable
	embt_nginx_conf nginx-tls 'embargo tls $ssl_server_name' \
	    "$S4:443 ssl" "[$S6]:443 ssl"
	embt_nginx nginx-tls
	embt_wait_server tcp 443 "$S4" "$S6"
}

# Start plain HTTP (nginx) on $S4 and $S6 port 80, answering any Host
# with 200 and "embargo http HOST" (and /big).
http_up() {
	# shellcheck disable=SC2016 # an nginx variable
	embt_nginx_conf nginx-http 'embargo http $host' "$S4:80" "[$S6]:80"
	embt_nginx nginx-http
	embt_wait_server tcp 80 "$S4" "$S6"
}

# ------------------------------------------------------------ clients

# dig from the client: 0 when an answer with an address came back.
resolves() {	# server name [dig options]
	srv=$1 name=$2
	shift 2
	out=$(in_client dig +time=1 +tries=1 +short "$@" @"$srv" "$name" 2>&1)
	[ -n "$out" ] && ! echo "$out" | grep -q 'timed out'
}

# curl https://NAME through the gateway, SNI NAME, to address ADDR.
tls_ok() {	# addr name
	case $1 in *:*) a="[$1]" ;; *) a=$1 ;; esac
	in_client curl -sk --max-time 3 -o /dev/null \
	    --resolve "$2:443:$a" "https://$2/" 2>/dev/null
}

# curl http://NAME through the gateway, Host NAME, to address ADDR.
http_ok() {	# addr name
	case $1 in *:*) a="[$1]" ;; *) a=$1 ;; esac
	in_client curl -s --max-time 3 -o /dev/null \
	    --resolve "$2:80:$a" "http://$2/" 2>/dev/null
}

# openssl s_client with SNI to ADDR: 0 when the handshake completed.
s_client_ok() {	# addr sni
	echo | in_client timeout 5 openssl s_client -connect "$1:443" \
	    -servername "$2" 2>/dev/null | grep -q '^New, TLS'
}

# ------------------------------------------------------------ the daemon

EMBT_DPID=

# Start $EMBARGOD -d -f $CONF in the gateway namespace with extra
# options $@ and wait (5 s at most) until it has bound its queues.  ip
# netns exec execs the daemon, so $! is the daemon itself.  Its output
# goes to embargod.log.new, appended to embargod.log when it stops.
embt_daemon_start() {
	: >"$EMBT_TMP/embargod.log.new"
	ip netns exec "$NS_G" "$EMBARGOD" -d -f "$CONF" "$@" \
	    >>"$EMBT_TMP/embargod.log.new" 2>&1 &
	EMBT_DPID=$!
	n=0
	until grep -q 'started:' "$EMBT_TMP/embargod.log.new" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le 50 ] || setup_error "embargod did not start: \
$(cat "$EMBT_TMP/embargod.log.new")"
		kill -0 "$EMBT_DPID" 2>/dev/null ||
		    setup_error "embargod exited: \
$(cat "$EMBT_TMP/embargod.log.new")"
		sleep 0.1
	done
}

# Stop the daemon with signal $1 and wait for it; keep its log.
embt_daemon_stop() {
	[ -n "$EMBT_DPID" ] || return 0
	kill "$1" "$EMBT_DPID" 2>/dev/null
	wait "$EMBT_DPID" 2>/dev/null
	EMBT_DPID=
	cat "$EMBT_TMP/embargod.log.new" >>"$EMBT_TMP/embargod.log"
}
