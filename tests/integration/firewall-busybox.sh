#!/bin/sh
# tests/integration/firewall.sh again, with embargo-firewall run by
# busybox ash and a PATH of BusyBox applets, iptables, ip6tables and nft
# only, as on OpenWrt.
here=$(cd "$(dirname "$0")" && pwd)
command -v busybox >/dev/null 2>&1 ||
    { echo "skip: busybox not installed (apt-get install busybox)"; exit 77; }
EMBARGO_TEST_BUSYBOX=1 exec sh "$here/firewall.sh"
