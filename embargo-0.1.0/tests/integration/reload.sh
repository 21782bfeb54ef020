#!/bin/sh
# Reload under traffic: embargod on the gateway takes its lists from a
# directory that embargo-update-lists manages.  A published change takes
# effect for real dig and curl after the updater's reload; a broken list
# is refused and blocking stays as it was; and dnsperf running through
# reloads of a 1,000,000-name set loses no query.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
export EMBARGOD		# for embargo-update-lists
FIREWALL=$top_srcdir/scripts/embargo-firewall
UPDATE=$top_srcdir/scripts/embargo-update-lists
HTTPD=$top_srcdir/tests/tools/httpd.py

need_root_or_skip
need_cmd dig curl dnsperf python3 dnsmasq nginx iptables
[ -x "$top_builddir/tests/bench/bench_match" ] ||
    skip "tests/bench/bench_match not built"
topo_up
dns_up
tls_up

LOG=$EMBT_TMP/embargod.log
DPID= HPID=
cleanup() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID"; }
	[ -z "$HPID" ] || kill "$HPID" 2>/dev/null
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

resolves() {	# name
	out=$(in_client dig +time=1 +tries=1 +short @$S4 "$1" 2>&1)
	[ -n "$out" ] && ! echo "$out" | grep -q 'timed out'
}
tls_ok() {	# name
	in_client curl -sk --max-time 3 -o /dev/null \
	    --resolve "$1:443:$S4" "https://$1/" 2>/dev/null
}
count() {	# how many lines of the daemon's log match $1
	grep -c "$1" "$LOG" 2>/dev/null || true
}
wait_count() {	# pattern, count to reach: bounded wait
	n=0
	while [ "$(count "$1")" -lt "$2" ]; do
		n=$((n + 1))
		[ $n -le 100 ] || return 1
		sleep 0.1
	done
}

# the published set: shipped lists plus local.list
PUB=$EMBT_TMP/pub
publish() {	# extra lines for local.list
	mkdir -p "$PUB"
	cp "$top_srcdir"/lists/*.list "$top_srcdir"/lists/*.profile "$PUB"/
	printf '@vendor Test\n@category local\n%s' "$1" >"$PUB/local.list"
	(cd "$PUB" && sha256sum *.list *.profile >MANIFEST)
}
publish ""
python3 "$HTTPD" "$PUB" "$EMBT_TMP/port" &
HPID=$!
n=0
until [ -s "$EMBT_TMP/port" ]; do
	n=$((n + 1)); [ $n -lt 100 ] || setup_error "httpd"; sleep 0.05
done
URL=http://127.0.0.1:$(cat "$EMBT_TMP/port")
CONF=$EMBT_TMP/embargod.conf
printf 'lists-dir "%s/state/lists"\nprofile default\nlist local "local.list"\ncontrol socket "%s/ctl.sock"\nresolver none\n' \
    "$EMBT_TMP" "$EMBT_TMP" >"$CONF"
# the updater's reload command: nothing until the daemon runs (never a
# bare "kill -HUP $DPID" with DPID unset or 0: that is the process group)
RELOADCMD=true
update() {
	"$UPDATE" -c "$CONF" -d "$EMBT_TMP/state" -r "$RELOADCMD" \
	    -t 10 "$URL" >"$EMBT_TMP/update.out" 2>&1
}
update || setup_error "first update: $(cat "$EMBT_TMP/update.out")"

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall"
ip netns exec "$NS_G" "$EMBARGOD" -d -f "$CONF" >"$LOG" 2>&1 &
DPID=$!
RELOADCMD="kill -HUP $DPID"
wait_count 'started:' 1 || setup_error "embargod: $(cat "$LOG")"

check "before: www.example.org resolves" resolves www.example.org
check "before: www.example.org TLS completes" tls_ok www.example.org
check "before: s12.upd.kaspersky.com blocked" fails resolves s12.upd.kaspersky.com

# a published change: the updater installs it and has the daemon reload
publish "www.example.org
"
check "updater installs the change" update
check "the daemon reloaded" wait_count '^reloaded:' 1
check "after: www.example.org gets no answer" fails resolves www.example.org
check "after: www.example.org TLS fails" fails tls_ok www.example.org
check "after: allowed.example still resolves" resolves allowed.example

# a broken list, installed behind the updater's back, then SIGHUP
cur=$(readlink -f "$EMBT_TMP/state/lists")
printf 'bad..name.example\n' >>"$cur/local.list"
kill -HUP "$DPID"
check "broken list: reload refused" wait_count 'reload failed' 1
check "broken list: the error names file and line" \
    grep -q 'local.list:4: "bad..name.example": empty label' "$LOG"
check "broken list: www.example.org still blocked" \
    fails resolves www.example.org
check "broken list: allowed.example still resolves" resolves allowed.example
check "broken list: the updater would not install it either" \
    fails sh -c "'$EMBARGOD' -n -f '$CONF' >/dev/null 2>&1"
sed -i '$d' "$cur/local.list"

# no query lost while a 1M-name set is reloaded, twice
"$top_builddir/tests/bench/bench_match" -n 1000000 -w "$cur/big.list"
echo 'list big "big.list" format domains' >>"$CONF"
kill -HUP "$DPID"
wait_count '^reloaded:' 2 || setup_error "big reload: $(tail -3 "$LOG")"
for i in $(seq 1 200); do echo "allowed.example A"; done >"$EMBT_TMP/q.txt"
in_client dnsperf -s $S4 -d "$EMBT_TMP/q.txt" -l 6 -c 4 -q 50 -t 2 \
    >"$EMBT_TMP/dnsperf.out" 2>&1 &
PERF=$!
sleep 1.5
kill -HUP "$DPID"
sleep 2
kill -HUP "$DPID"
wait "$PERF"
check "two reloads of 1M names happened during the run" \
    wait_count '^reloaded: 7 lists, 10000' 2
sent=$(awk '/Queries sent:/ { print $3 }' "$EMBT_TMP/dnsperf.out")
lost=$(awk '/Queries lost:/ { print $3 }' "$EMBT_TMP/dnsperf.out")
check "dnsperf sent queries ($sent) and lost none ($lost)" \
    test "${sent:-0}" -gt 1000 -a "${lost:-1}" -eq 0
finish
