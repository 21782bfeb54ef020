#!/bin/sh
# Your own iptables rules for embargod on a gateway (mangle FORWARD),
# default marks, queue 0, IPv4 and IPv6; see embargo-firewall(8),
# WRITING YOUR OWN RULES.  `sh iptables-gateway.sh -D` removes them.
# For a host, use OUTPUT instead of FORWARD.
set -e
op=${1:--A}
M=0x30000000
SAVE="CONNMARK --save-mark --nfmask $M --ctmask $M"
Q="NFQUEUE --queue-num 0 --queue-bypass"
for ipt in ${IPTABLES:-iptables} ${IP6TABLES:-ip6tables}; do
	t="$ipt -w -t mangle"
	if [ "$op" = -A ]; then
		$t -N EMBARGO_OWN
		$t -A EMBARGO_OWN -m connmark --mark 0x30000000/$M -j DROP
		$t -A EMBARGO_OWN -m connmark --mark 0x20000000/$M -j RETURN
		$t -A EMBARGO_OWN -m mark --mark 0x30000000/$M -j $SAVE
		$t -A EMBARGO_OWN -m mark --mark 0x30000000/$M -j DROP
		$t -A EMBARGO_OWN -m mark --mark 0x20000000/$M -j $SAVE
		$t -A EMBARGO_OWN -m mark --mark 0x20000000/$M -j RETURN
		$t -A EMBARGO_OWN -m mark --mark 0x10000000/$M -j RETURN
		$t -A EMBARGO_OWN -p udp --dport 53 -j $Q
		$t -A EMBARGO_OWN -p udp --sport 53 -j $Q
		$t -A EMBARGO_OWN -p udp -m conntrack --ctstate NEW -j $Q
		$t -A EMBARGO_OWN -p udp --dport 443 -m conntrack --ctdir ORIGINAL -j $Q
		$t -A EMBARGO_OWN -p tcp -m conntrack --ctdir ORIGINAL -j $Q
		$t -I FORWARD 1 -j EMBARGO_OWN
	else
		$t -D FORWARD -j EMBARGO_OWN
		$t -F EMBARGO_OWN
		$t -X EMBARGO_OWN
	fi
done
