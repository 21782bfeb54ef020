#!/bin/sh
# The example rules of embargo-firewall(8), WRITING YOUR OWN RULES
# (examples/rules/): the nft files pass `nft -c` (on a kernel without
# the nft queue expression only the queue statements may be refused,
# and nft's parser has read them by then), the fw4 snippet as fw4
# includes it (inside its table), and the iptables script installs and
# removes cleanly in a namespace of its own.  lenient.sh runs traffic
# through the iptables rules.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
EX=$top_srcdir/examples/rules

need_root_or_skip
need_cmd nft iptables ip6tables
topo_up

# nft -c on a file; 0 when it passes, or fails only at queue statements
# on a kernel that has no nft queue.
nft_ok() {	# file
	out=$(in_gw nft -c -f "$1" 2>&1) && return 0
	echo "$out" | grep 'Error:' | grep -v 'Could not process rule' && return 1
	# every refused rule is a queue rule
	echo "$out" | grep -A1 'Could not process rule' | grep -v -- '--' |
	    grep -v 'Could not process rule' | grep -vq 'queue num' && return 1
	return 0
}

check "gateway.nft passes nft -c" nft_ok "$EX/gateway.nft"
check "host.nft passes nft -c" nft_ok "$EX/host.nft"
printf 'table inet fw4 {\n\tinclude "%s"\n}\n' "$EX/fw4.nft" >"$EMBT_TMP/fw4.nft"
check "fw4.nft passes nft -c inside fw4's table" nft_ok "$EMBT_TMP/fw4.nft"
check "iptables-gateway.sh installs" in_gw sh "$EX/iptables-gateway.sh" -A
check "iptables-gateway.sh: the queue rules are there" \
    sh -c "ip netns exec $NS_G iptables -t mangle -S EMBARGO_OWN | grep -q NFQUEUE"
check "iptables-gateway.sh removes" in_gw sh "$EX/iptables-gateway.sh" -D
check "iptables-gateway.sh: nothing left" \
    fails sh -c "ip netns exec $NS_G iptables -t mangle -S 2>/dev/null | grep -q EMBARGO_OWN"
finish
