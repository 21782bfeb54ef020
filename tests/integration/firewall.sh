#!/bin/sh
# scripts/embargo-firewall alone, without the daemon, run inside the
# gateway namespace of lib.sh's topology: what print shows, what start
# installs (iptables and ip6tables, gateway and host mode, one queue and
# a range), that start twice leaves one copy and stop leaves the rule
# sets as they were, that bad arguments exit 1 and failed installs exit
# 2 leaving nothing behind, the nft ruleset as far as this kernel can
# check it, and that with the rules in place and no daemon listening
# DNS and HTTPS still pass (--queue-bypass).
#
# The kernel here has no nft queue expression, so nft start is run for
# real only to see it fail cleanly; a wrapper that turns queue
# statements into accept stands in for a kernel that has one.  Nor has
# it flowtables: the flow offloading rules (-O) are parsed, checked
# without them, and never loaded.  The OpenWrt fw4 include is checked
# with nft -c, with and without rules to include.
#
# With EMBARGO_TEST_BUSYBOX=1 (tests/integration/firewall-busybox.sh)
# the script runs under busybox ash with a PATH of BusyBox applets and
# iptables, ip6tables and nft only, as on OpenWrt.
# Most functions here run through check(), which shellcheck cannot see.
# shellcheck disable=SC2317
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
# shellcheck source=tests/integration/lib.sh
. "$here/lib.sh"
FW=$top_srcdir/scripts/embargo-firewall
EXPECTED=$here/expected
unset IPTABLES IP6TABLES NFT

need_root_or_skip
need_cmd iptables ip6tables iptables-save ip6tables-save ss timeout \
    dnsmasq nginx openssl dig curl
[ -x "$FW" ] || setup_error "$FW is not executable"

topo_up
dns_up
tls_up

# The shell that runs the script: sh, or busybox ash with BusyBox's
# applets and the netfilter tools alone in PATH.
FW_SH=sh
if [ -n "${EMBARGO_TEST_BUSYBOX:-}" ]; then
	need_cmd busybox
	. "$top_srcdir/tests/tools/busybox-path.sh"
	tools="iptables ip6tables"
	command -v nft >/dev/null 2>&1 && tools="$tools nft"
	# shellcheck disable=SC2086
	busybox_path "$EMBT_TMP/bb" $tools || setup_error "no BusyBox PATH"
	FW_SH="env PATH=$EMBT_TMP/bb $(command -v busybox) ash"
	echo "== BusyBox: $(busybox | head -n 1); PATH of applets and $tools"
fi

# Run embargo-firewall in the gateway namespace, with the environment
# settings in FW_ENV (VAR=value words).
FW_ENV=
fw() {
	# shellcheck disable=SC2086
	in_gw env $FW_ENV $FW_SH "$FW" "$@"
}

# Succeed when nft is installed (the nft checks need it).
have_nft() {
	command -v nft >/dev/null 2>&1
}

# Save the gateway's rule sets under prefix $1: iptables-save and
# ip6tables-save without comments and counters, and nft's stateless
# listing.
snapshot() {
	in_gw iptables-save | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//' \
	    >"$1.v4"
	in_gw ip6tables-save | grep -v '^#' | sed 's/ \[[0-9]*:[0-9]*\]$//' \
	    >"$1.v6"
	if have_nft; then
		in_gw nft -s list ruleset >"$1.nft" 2>/dev/null
	else
		: >"$1.nft"
	fi
}

# Succeed when the gateway's rule sets equal snapshot $1; show the
# difference otherwise.
same_as() {
	snapshot "$EMBT_TMP/now"
	rc=0
	for s in v4 v6 nft; do
		diff -u "$1.$s" "$EMBT_TMP/now.$s" || rc=1
	done
	return "$rc"
}

# Print the rules the script installed with tool $1, as $1 -S lists them.
ours() {
	in_gw "$1" -w -t mangle -S |
	    grep -E -- '^-N EMBARGO$|--comment embargo( |$)'
}

# Succeed when tool $1 shows exactly the rules in expected file $2.
ours_are() {
	ours "$1" | diff -u "$EXPECTED/$2" -
}

# Succeed when tool $1 shows none of our rules.
none_with() {
	! ours "$1" >/dev/null
}

# Succeed when command $2... prints exactly expected file $1.
prints() {
	exp=$1
	shift
	"$@" 2>/dev/null | diff -u "$EXPECTED/$exp" -
}

# Succeed when fw $@ exits 1 and says something about option $1 (the
# first word of the expected message).
refused() {
	want=$1
	shift
	fw "$@" >/dev/null 2>"$EMBT_TMP/err"
	rc=$?
	[ "$rc" -eq 1 ] && grep -q -e "$want" "$EMBT_TMP/err" && return 0
	echo "exit $rc, stderr: $(cat "$EMBT_TMP/err")"
	return 1
}

# Succeed when command $@ fails.
not() {
	! "$@" >/dev/null
}

# Succeed when fw $@ exits with status $1.
exits() {
	want=$1
	shift
	fw "$@" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, not $want"; return 1; }
}

# The packet count of our NFQUEUE rule for protocol $2 (udp or tcp) as
# tool $1 lists it.
queued() {
	in_gw "$1" -w -t mangle -L EMBARGO -n -v -x |
	    awk -v p="$2" '$3 == "NFQUEUE" && ($4 == p || \
		(p == "udp" && $4 == "17") || (p == "tcp" && $4 == "6")) \
		{ n += $1 } END { print n + 0 }'
}

# Succeed when the client, asking server $1 for name $2 (type $3, dig
# options $4), gets the answer $5 through the gateway.
resolves() {
	srv=$1 name=$2 type=$3 opts=$4 want=$5
	# shellcheck disable=SC2086
	got=$(in_client timeout 10 dig +time=2 +tries=1 +short $opts \
	    "@$srv" "$name" "$type")
	[ "$got" = "$want" ] || { echo "dig @$srv $name: '$got'"; return 1; }
}

# Succeed when the client fetches https://$2/ from address $1 (the name
# sent as SNI) and the server saw that SNI.
fetches() {
	case $1 in *:*) a="[$1]" ;; *) a=$1 ;; esac
	got=$(in_client curl -sk --max-time 5 --resolve "$2:443:$a" \
	    "https://$2/")
	[ "$got" = "embargo tls $2" ] ||
	    { echo "curl $2 at $1: '$got'"; return 1; }
}

# ------------------------------------------------------------ print

check "print -b iptables (gateway) matches expected" \
    prints iptables-gateway.txt fw -b iptables print
check "print -b iptables -m host matches expected" \
    prints iptables-host.txt fw -b iptables -m host print
check "print -b nft (gateway) matches expected" \
    prints nft-gateway.txt fw -b nft print
check "print -b nft -m host matches expected" \
    prints nft-host.txt fw -b nft -m host print
check "print -O (own flowtable, hardware) matches expected" \
    prints nft-offload.txt fw -O veth-x,lo -H print

# The user's own rules, in every chain that start uses, as on a real
# firewall.  iptables-nft makes a table or built-in chain when a rule
# first needs it, and iptables cannot tell afterwards who made it, so
# stop leaves such an empty table or chain in place: iptables-save
# shows no difference, nft's listing would.  The rule commented
# embargo-user must survive stop; the filter rule drops DNS to $S4B.
for t in iptables ip6tables; do
	for c in INPUT FORWARD OUTPUT; do
		in_gw $t -t mangle -A $c -p tcp --dport 9 \
		    -m comment --comment "user rule" -j ACCEPT
	done
	in_gw $t -t mangle -A OUTPUT -m comment --comment embargo-user -j ACCEPT
done
in_gw iptables -t filter -A FORWARD -d "$S4B" -p udp --dport 53 -j DROP
snapshot "$EMBT_TMP/before"

fw print >/dev/null 2>&1
fw -b nft print >/dev/null 2>&1
check "print changes no rule" same_as "$EMBT_TMP/before"

# ------------------------------------------------------------ arguments

check "-q abc refused" refused -q -q abc start
check "-q 5-2 refused" refused -q -q 5-2 start
check "-q 70000 refused" refused -q -q 70000 start
check "-q 1-x refused" refused -q -q 1-x print
check "-q without a value refused" refused -q -q
check "-m router refused" refused -m -m router start
check "-b pf refused" refused -b -b pf start
check "-M 0 refused" refused -M -M 0 start
check "-M 0x100000000 refused" refused -M -M 0x100000000 start
check "-S outside the mask refused" refused -S -S 0x40000000 start
check "-S 08 (leading zero) refused" refused -S -S 08 start
check "-B 0 refused" refused -B -B 0 start
check "-M 0x1 (too narrow for the default marks) refused" \
    refused -M -M 0x1 start
check "-A equal to -S refused" refused "-S and -A" -A 0x10000000 start
check "-A equal to -B refused" refused "-A and -B" -A 0x30000000 start
check "unknown option refused" refused -x -x start
check "no command refused" refused "no command"
check "unknown command refused" refused "'go'" go
check "two commands refused" refused "one command" start stop
check "-O with -m host refused" refused "-O: flow offloading is for" \
    -m host -O eth0 print
check "-O with -b iptables refused" refused "-O: flow offloading needs" \
    -b iptables -O eth0 print
check "-O with a bad device name refused" refused "-O '0eth'" -O 0eth print
check "-O with a quote refused" refused "not a network device" \
    -O 'eth"0' print
check "-H without -O refused" refused "-H: needs -O" -H print
check "-h exits 0" exits 0 -h
check "refused arguments changed no rule" same_as "$EMBT_TMP/before"

# ------------------------------------------------------------ iptables

check "start (iptables, gateway) exits 0" exits 0 -b iptables start
check "iptables: chain and jumps as expected" \
    ours_are iptables mangle-gateway.txt
check "ip6tables: chain and jumps as expected" \
    ours_are ip6tables mangle-gateway.txt
check "the FORWARD jump comes before the user's rule" \
    test "$(in_gw iptables -t mangle -S FORWARD | sed -n 2p)" = \
    "-A FORWARD -m comment --comment embargo -j EMBARGO"
check "start again exits 0" exits 0 -b iptables start
check "start again: iptables still holds one copy" \
    ours_are iptables mangle-gateway.txt
check "start again: ip6tables still holds one copy" \
    ours_are ip6tables mangle-gateway.txt
check "restart exits 0" exits 0 -b iptables restart
check "restart: one copy" ours_are iptables mangle-gateway.txt
check "status exits 0 with rules installed" exits 0 status
check "status shows counters for both families" test "$(fw status |
    grep -c -e '^== ip6\{0,1\}tables' -e 'pkts *bytes')" -ge 6

# --queue-bypass: nothing listens on queue 0, traffic must still pass.
check "bypass: DNS over UDP (IPv4) through the gateway" \
    resolves "$S4" allowed.example A "" "$S4"
check "bypass: DNS over UDP (IPv6) through the gateway" \
    resolves "$S6" ds.kaspersky.com AAAA "" "$S6"
check "bypass: DNS over TCP through the gateway" \
    resolves "$S4" www.example.org A +tcp "$S4"
check "bypass: HTTPS (IPv4) completes" fetches "$S4" allowed.example
check "bypass: HTTPS (IPv6) completes" fetches "$S6" s12.upd.kaspersky.com
check "bypass: iptables queued UDP and TCP packets" \
    test "$(queued iptables udp)" -gt 0 -a "$(queued iptables tcp)" -gt 0
check "bypass: ip6tables queued UDP and TCP packets" \
    test "$(queued ip6tables udp)" -gt 0 -a "$(queued ip6tables tcp)" -gt 0
check "the user's filter rule still applies after our mangle rules" \
    not resolves "$S4B" allowed.example A "+time=1" "$S4"
in_client timeout 5 dig +time=1 +tries=1 "@$G4C" allowed.example >/dev/null
check "DNS to the gateway itself goes through the INPUT jump" \
    test "$(in_gw iptables -t mangle -L INPUT -n -v -x |
    awk '/udp dpt:53/ { print $1 }')" -gt 0

check "stop exits 0" exits 0 stop
check "stop: rule sets as before start" same_as "$EMBT_TMP/before"
check "stop again exits 0" exits 0 stop
check "stop again: nothing changed" same_as "$EMBT_TMP/before"
check "status exits 3 with nothing installed" exits 3 status

# Without privilege the script cannot see the rules: it must not claim
# that nothing is installed.  The script comes on standard input, as
# the user nobody may not be able to read the source tree.
as_nobody() {
	# shellcheck disable=SC2086
	in_gw setpriv --reuid=65534 --regid=65534 --clear-groups \
	    $FW_SH -s -- "$@" <"$FW" >/dev/null 2>&1
	rc=$?
	[ "$rc" -eq 2 ] || { echo "exit $rc, not 2"; return 1; }
}
if command -v setpriv >/dev/null 2>&1; then
	check "stop without privilege exits 2" as_nobody stop
	check "status without privilege exits 2" as_nobody status
else
	echo "skip: setpriv not installed: no unprivileged checks"
fi

check "start -m host exits 0" exits 0 -b iptables -m host start
check "host mode: iptables as expected" ours_are iptables mangle-host.txt
check "host mode: ip6tables as expected" ours_are ip6tables mangle-host.txt
check "host mode: start again, one copy" exits 0 -b iptables -m host start
check "host mode: still one copy" ours_are iptables mangle-host.txt
check "host mode: stop exits 0" exits 0 stop
check "host mode: rule sets as before" same_as "$EMBT_TMP/before"

check "start -q 2-3 exits 0" exits 0 -b iptables -q 2-3 start
for t in iptables ip6tables; do
	check "$t: -q 2-3 balances the flows over queues 2 and 3" test \
	    "$(ours $t | grep -c -- '-j NFQUEUE --queue-balance 2:3 --queue-bypass$')" \
	    -eq 5 -a "$(ours $t | grep -c -- '--queue-num')" -eq 0
done
check "start -q 4-4 exits 0" exits 0 -b iptables -q 4-4 start
check "-q 4-4 is queue 4 alone" test "$(ours iptables |
    grep -c -- '-j NFQUEUE --queue-num 4 --queue-bypass$')" -eq 5

check "start -4 exits 0" exits 0 -b iptables -4 start
check "-4: IPv4 only" test "$(ours iptables | wc -l)" -eq 17 -a \
    "$(ours ip6tables | wc -l)" -eq 0
check "start -6 exits 0" exits 0 -b iptables -6 start
check "-6: IPv6 only" test "$(ours ip6tables | wc -l)" -eq 17 -a \
    "$(ours iptables | wc -l)" -eq 0

check "start with other marks exits 0" exits 0 -b iptables -M 0xff00 \
    -S 256 -A 0x200 -B 0x300 start
check "other marks: -S 256 is 0x100 under mask 0xff00" test \
    "$(ours iptables | grep -c -e '--mark 0x100/0xff00 ' \
    -e '--mark 0x200/0xff00 ' -e '--mark 0x300/0xff00 ' \
    -e '--nfmask 0xff00 --ctmask 0xff00$')" -eq 7
check "-M 0xff00 alone: the marks are 0x100, 0x200 and 0x300" test \
    "$(fw -b iptables -M 0xff00 print)" = \
    "$(fw -b iptables -M 0xff00 -S 0x100 -A 0x200 -B 0x300 print)"
check "stop after the variants exits 0" exits 0 stop
check "stop after the variants: as before" same_as "$EMBT_TMP/before"

# A failing ip6tables: start exits 2 and takes the IPv4 rules back.
cat >"$EMBT_TMP/ip6tables-broken" <<'EOF'
#!/bin/sh
case " $* " in
*" -A "*) echo "ip6tables-broken: refused" >&2; exit 1 ;;
esac
exec ip6tables "$@"
EOF
chmod +x "$EMBT_TMP/ip6tables-broken"
FW_ENV="IP6TABLES=$EMBT_TMP/ip6tables-broken"
check "start with a failing ip6tables exits 2" exits 2 -b iptables start
FW_ENV=
check "failed start: the IPv4 rules were taken back" \
    same_as "$EMBT_TMP/before"

# ------------------------------------------------------------ nft

# Check the nft ruleset of fw -b nft $@ in the kernel, with the queue
# statements turned into accept (this kernel has no queue expression).
nft_accepted() {
	fw -b nft "$@" print | sed 's/queue num [0-9-]* bypass/accept/' |
	    in_gw nft -c -f -
}

# Succeed when nft parses the queue statements of fw -b nft $2... into
# five "queue num $1 bypass" expressions, and the kernel either accepts
# them or refuses them only for the missing queue expression.
nft_queue_parses() {
	want=$1
	shift
	fw -b nft "$@" print | in_gw nft --debug=netlink -c -f - \
	    >"$EMBT_TMP/nft-debug" 2>&1
	n=$(grep -cF "[ queue num $want bypass ]" "$EMBT_TMP/nft-debug")
	errs=$(grep -c 'Error:' "$EMBT_TMP/nft-debug")
	enoent=$(grep -c \
	    'Error: Could not process rule: No such file or directory' \
	    "$EMBT_TMP/nft-debug")
	[ "$n" -eq 5 ] && [ "$errs" -eq "$enoent" ] &&
	    { [ "$errs" -eq 0 ] || [ "$errs" -eq 5 ]; } && return 0
	cat "$EMBT_TMP/nft-debug"
	return 1
}

# Succeed when the kernel accepts the -O ruleset without what it lacks
# (flowtable, flow add, queue), and nft parses the flowtable and the
# flow add expression, the kernel refusing at most those.
nft_offload_checks() {
	devs=$(in_gw ip -o link show | awk -F': ' '$2 != "lo" { sub(/@.*/, "", $2); print $2; exit }')
	fw -O "$devs,lo" print >"$EMBT_TMP/offload.nft" || return 1
	sed -e '/flowtable ft {/,/^\t}/d' -e '/flow add @ft/d' \
	    -e 's/queue num [0-9-]* bypass/accept/' "$EMBT_TMP/offload.nft" |
	    in_gw nft -c -f - || return 1
	in_gw nft --debug=netlink -c -f "$EMBT_TMP/offload.nft" \
	    >"$EMBT_TMP/offload-debug" 2>"$EMBT_TMP/offload-err"
	grep -q '\[ flow_offload flowtable ft \]' "$EMBT_TMP/offload-debug" &&
	    grep -q 'ct load mark' "$EMBT_TMP/offload-debug" ||
	    { cat "$EMBT_TMP/offload-debug" "$EMBT_TMP/offload-err"; return 1; }
	bad=$(grep 'Error:' "$EMBT_TMP/offload-err" |
	    grep -v 'No such file or directory' | head -n 3)
	[ -z "$bad" ] || { echo "$bad"; return 1; }
}

# The fw4 include (service/openwrt/embargod.nft), pointed at $1: nft
# accepts it with the directory empty or missing, and with the rules
# the init script writes there; a broken file there is refused, so the
# include was read.
fw4_include_checks() {
	inc=$EMBT_TMP/50-embargod.nft
	sed "s|\"/var/run/embargo-firewall/|\"$1/|" \
	    "$top_srcdir/service/openwrt/embargod.nft" >"$inc"
	grep -q "include \"$1/\*.nft\"" "$inc" || return 1
	in_gw nft -c -f "$inc" || { echo "missing directory"; return 1; }
	mkdir -p "$1"
	in_gw nft -c -f "$inc" || { echo "empty directory"; return 1; }
	fw -b nft print | sed 's/queue num [0-9-]* bypass/accept/' \
	    >"$1/embargod.nft"
	in_gw nft -c -f "$inc" || { echo "with the rules"; return 1; }
	echo "table inet embargo { chain x { nonsense } }" >"$1/embargod.nft"
	if in_gw nft -c -f "$inc" 2>/dev/null; then
		echo "a broken included file was accepted"
		return 1
	fi
	rm -f "$1/embargod.nft"
}

# Succeed when the kernel accepts an nft queue statement.
kernel_has_queue() {
	fw -b nft print | in_gw nft -c -f - >/dev/null 2>&1
}

# Succeed when fw print, backend auto, says it chose backend $1.
auto_picks() {
	fw print 2>&1 >/dev/null | grep -q "backend $1"
}

# Succeed when the nft table is the one saved in $EMBT_TMP/nft-once.
nft_same_table() {
	in_gw nft -s list table inet embargo | diff -u "$EMBT_TMP/nft-once" -
}

# Start, start again and stop with the nft backend (label $1): one
# table, counters in status, -b auto choosing nft, nothing left after.
nft_cycle() {
	check "$1: start exits 0" exits 0 -b nft start
	in_gw nft -s list table inet embargo >"$EMBT_TMP/nft-once"
	check "$1: table inet embargo holds the three chains" test "$(grep -c \
	    -e 'chain inspect {' -e 'chain forward {' -e 'chain input {' \
	    "$EMBT_TMP/nft-once")" -eq 3
	check "$1: start again exits 0" exits 0 -b nft start
	check "$1: start again leaves one copy" nft_same_table
	check "$1: status shows the table with counters" test "$(fw status |
	    grep -c -e '^table inet embargo' -e 'counter packets')" -ge 13
	check "$1: no iptables rules besides" none_with iptables
	check "$1: -b auto picks nft" auto_picks nft
	check "$1: stop exits 0" exits 0 stop
	check "$1: stop: rule sets as before start" same_as "$EMBT_TMP/before"
	check "$1: stop again exits 0" exits 0 stop
}

# nft with queue statements turned into accept: a stand-in for a
# kernel that has the queue expression.
cat >"$EMBT_TMP/nft-queue-as-accept" <<'EOF'
#!/bin/sh
if [ "$#" -eq 2 ] && [ "$1" = -f ] && [ "$2" = - ]; then
	sed 's/queue num [0-9-]* bypass/accept/' | exec nft -f -
fi
exec nft "$@"
EOF
chmod +x "$EMBT_TMP/nft-queue-as-accept"

if have_nft; then
	for v in "" "-m host" "-4 -q 2-3" "-6 -m host -q 7"; do
		# shellcheck disable=SC2086
		check "nft -c accepts the ruleset ($v), queue aside" \
		    nft_accepted $v
	done
	check "nft parses 'queue num 0 bypass' as queue 0 with bypass" \
	    nft_queue_parses 0
	check "nft parses 'queue num 2-3 bypass' as queues 2-3 with bypass" \
	    nft_queue_parses 2-3 -q 2-3
	check "-O: flowtable and flow add parse, the rest is accepted" \
	    nft_offload_checks
	check "the fw4 include loads nothing, or the rules, never errors" \
	    fw4_include_checks "$EMBT_TMP/fw4"
	if kernel_has_queue; then
		nft_cycle "nft"
	else
		check "nft start exits 2 without kernel queue support" \
		    exits 2 -b nft start
		check "failed nft start left nothing" same_as "$EMBT_TMP/before"
		check "-b auto picks iptables without kernel queue support" \
		    auto_picks iptables
	fi
	FW_ENV="NFT=$EMBT_TMP/nft-queue-as-accept"
	nft_cycle "nft (queue as accept)"
	check "switch: start with iptables exits 0" exits 0 -b iptables start
	check "switch: start with nft exits 0" exits 0 -b nft start
	check "switch: nft start removed the iptables rules" \
	    none_with iptables
	check "switch: and the ip6tables rules" none_with ip6tables
	check "switch: stop exits 0" exits 0 stop
	check "switch: rule sets as before" same_as "$EMBT_TMP/before"
	FW_ENV=
else
	echo "skip: nft not installed: no nft checks (apt-get install nftables)"
fi

finish
