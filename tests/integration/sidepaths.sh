#!/bin/sh
# The side paths cannot be exhausted.  Against a daemon limited to 1024
# descriptors, as systemd starts it: 1,100 slow connections to the
# metrics port from an unprivileged user and 1,100 to the control
# socket, and a metrics header line that never ends (64 MB at most).
# During and after: verdicts on real DNS traffic, embargoctl status,
# the daemon's memory and its log stay bounded.  Then every descriptor
# taken: accept() pauses instead of spinning, and a reload still works
# (the spare descriptors).  Bounded: about a minute, loopback and the
# test's namespaces only.  Prints its figures (CPU, RSS, log lines).
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
CTL=$top_builddir/src/embargoctl
FIREWALL=$top_srcdir/scripts/embargo-firewall
SLOW=$top_srcdir/tests/tools/slowclients.py

need_root_or_skip
need_cmd dig python3 dnsmasq iptables prlimit setpriv timeout
id nobody >/dev/null 2>&1 || skip "no user nobody"
topo_up
dns_up
chmod 755 "$EMBT_TMP"
BIN=$EMBT_TMP/bin		# what nobody runs, wherever the checkout is
mkdir "$BIN" && cp "$SLOW" "$BIN"/ && chmod -R a+rX "$BIN"
SOCK=$EMBT_TMP/run/embargod.sock
CONF=$EMBT_TMP/embargod.conf
LISTS=$EMBT_TMP/lists		# nobody reads them again on reload
mkdir "$LISTS" && cp "$top_srcdir"/lists/*.list "$top_srcdir"/lists/*.profile \
    "$LISTS"/ && chmod -R a+rX "$LISTS"
cat >"$CONF" <<CONF
lists-dir "$LISTS"
profile default
user nobody
control socket "$SOCK" mode 0660
metrics listen 127.0.0.1 port 9470
resolver none
CONF
chmod 644 "$CONF"
LOG=$EMBT_TMP/embargod.log
DPID=
cleanup() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID"; }
	in_gw "$FIREWALL" stop >/dev/null 2>&1
}
EMBT_CLEANUP=cleanup

ctl() { timeout 5 "$CTL" -s "$SOCK" "$@"; }
resolves() {
	out=$(in_client dig +time=1 +tries=1 +short @$S4 "$1" 2>&1)
	[ -n "$out" ] && ! echo "$out" | grep -q 'timed out'
}
verdicts() {	# blocked stays blocked, allowed is answered
	! resolves s12.upd.kaspersky.com && resolves allowed.example
}
field() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$DPID/status"; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
nfds() { ls "/proc/$DPID/fd" | wc -l; }
side() {	# server result: one counter from status -j
	ctl -j status | python3 -c "import json, sys
d = json.load(sys.stdin)[sys.argv[1]]
print(d[sys.argv[2]])" "$1" "$2"
}
as_nobody() {
	in_gw prlimit --nofile=4096:4096 setpriv --reuid=nobody \
	    --regid="$(id -g nobody)" --clear-groups "$@"
}
# the system's python3, which nobody may run (not a root-only shim)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

in_gw "$FIREWALL" -m gateway -q 0 -b iptables start ||
    setup_error "embargo-firewall"
ip netns exec "$NS_G" prlimit --nofile=1024:1024 "$EMBARGOD" -d -f "$CONF" \
    >"$LOG" 2>&1 &
DPID=$!
n=0
until grep -q 'started:' "$LOG" 2>/dev/null; do
	n=$((n + 1)); [ $n -le 100 ] || setup_error "embargod: $(cat "$LOG")"
	sleep 0.1
done
check "before: verdicts" verdicts
check "before: status" sh -c "timeout 5 '$CTL' -s '$SOCK' status >/dev/null"
RSS0=$(field VmRSS)
LINES0=$(wc -l <"$LOG")
CPU0=$(cpu_ticks)

# 1,100 + 1,100 slow connections for 20 s, and the endless header line
# SIDEPATHS_RECONNECT=1: the slow clients connect again at once when
# ended (a harsher load, for figures; the checks still apply)
as_nobody "$PY" "$BIN/slowclients.py" hold 127.0.0.1:9470 1100 20 \
    ${SIDEPATHS_RECONNECT:+reconnect} >"$EMBT_TMP/metrics.out" 2>&1 &
M=$!
in_gw prlimit --nofile=4096:4096 python3 "$SLOW" hold "$SOCK" 1100 20 \
    ${SIDEPATHS_RECONNECT:+reconnect} >"$EMBT_TMP/control.out" 2>&1 &
C=$!
holding() { grep -q '^holding' "$EMBT_TMP/metrics.out" &&
    grep -q '^holding' "$EMBT_TMP/control.out"; }
n=0
until holding; do	# both loads connected: the burst is over
	n=$((n + 1)); [ $n -le 100 ] || setup_error "the loads did not start"
	sleep 0.1
done
as_nobody "$PY" "$BIN/slowclients.py" bigline 127.0.0.1:9470 67108864 \
    >"$EMBT_TMP/bigline.out" 2>&1
# embargoctl status five times a second, verdicts and the daemon's
# figures once a second, while the load lasts (40 s at most)
(
	while kill -0 $M 2>/dev/null || kill -0 $C 2>/dev/null; do
		if out=$(ctl status 2>&1); then echo ok; else
			echo "failed: $(echo "$out" | head -3 | tr "\n" " ")"; fi
		sleep 0.2
	done
) >"$EMBT_TMP/status.out" &
S=$!
tries=0 verdict_ok=0 rss_max=$RSS0 fds_max=0
while kill -0 $M 2>/dev/null || kill -0 $C 2>/dev/null; do
	tries=$((tries + 1))
	verdicts && verdict_ok=$((verdict_ok + 1))
	r=$(field VmRSS); [ "$r" -le "$rss_max" ] || rss_max=$r
	f=$(nfds); [ "$f" -le "$fds_max" ] || fds_max=$f
	[ $tries -lt 40 ] || break
	sleep 1
done
wait $M $C $S
status_ok=$(grep -c '^ok$' "$EMBT_TMP/status.out")
status_tries=$(wc -l <"$EMBT_TMP/status.out")
grep '^failed' "$EMBT_TMP/status.out" | head -5
CPU1=$(cpu_ticks)
echo "metrics load:  $(tail -1 "$EMBT_TMP/metrics.out")"
echo "control load:  $(tail -1 "$EMBT_TMP/control.out")"
echo "header line:   $(cat "$EMBT_TMP/bigline.out")"
echo "during: status $status_ok of $status_tries, verdicts $verdict_ok of" \
    "$tries, RSS $RSS0 -> max $rss_max kB, descriptors max $fds_max," \
    "CPU $((CPU1 - CPU0)) ticks of $(getconf CLK_TCK)/s," \
    "log $(($(wc -l <"$LOG") - LINES0)) new lines"
check "during: status answered every time" test "$status_ok" -eq "$status_tries"
check "during: status asked often" test "$status_tries" -ge 20
check "during: verdicts every time" test "$verdict_ok" -eq "$tries"
check "during: descriptors stay under 100" test "$fds_max" -lt 100
check "during: RSS grew by less than 8 MB" test $((rss_max - RSS0)) -lt 8192
check "the header line was cut off within 16 MB" sh -c \
    "awk '{ exit !(\$2 < 16777216 && \$0 ~ /then/) }' '$EMBT_TMP/bigline.out'"
ended_all() {	# every slow client was ended by the daemon
	awk '{ for (i = 1; i < NF; i++) if ($i == "closed_by_server")
	    c = $(i + 1); else if ($i == "still_open") o = $(i + 1) }
	    END { exit !(c >= 1100 && o == 0) }' "$1"
}
check "metrics: the slow clients were ended" ended_all "$EMBT_TMP/metrics.out"
check "control: the slow clients were ended" ended_all "$EMBT_TMP/control.out"
check "after: verdicts" verdicts
check "after: status" sh -c "timeout 5 '$CTL' -s '$SOCK' status >/dev/null"
check "after: metrics answer" sh -c "in_gw() { ip netns exec $NS_G \"\$@\"; }
    in_gw curl -s --max-time 5 http://127.0.0.1:9470/metrics |
    grep -q '^embargo_side_connections_total{server=\"metrics\",result=\"too_long\"} 1$'"
check "after: evictions counted (metrics)" test "$(side metrics evicted)" -ge 1000
check "after: deadlines counted (control)" test "$(side control timed_out)" -ge 1
check "after: the log is not flooded (< 20 new lines)" \
    test $(($(wc -l <"$LOG") - LINES0)) -lt 20
check "after: RSS grew by less than 8 MB" test $(($(field VmRSS) - RSS0)) -lt 8192

# every descriptor taken: leave one free, then hold more connections.
# The soft limit only, set as the daemon's own user: that needs no
# privilege, and the hard limit lets it be raised again afterwards.
as_daemon_user() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
}
F=$(nfds)
as_daemon_user prlimit --pid "$DPID" --nofile=$((F + 1)):1024 ||
    setup_error "prlimit --pid"
as_nobody "$PY" "$BIN/slowclients.py" hold 127.0.0.1:9470 30 6 \
    >"$EMBT_TMP/emfile.out" 2>&1 &
M=$!
sleep 2
LINES1=$(wc -l <"$LOG")
kill -HUP "$DPID"
n=0
until [ "$(grep -c 'reloaded:\|reload failed' "$LOG")" -ge 1 ]; do
	n=$((n + 1)); [ $n -le 50 ] || break; sleep 0.1
done
check "out of descriptors: a reload still works" grep -q 'reloaded:' "$LOG"
check "out of descriptors: verdicts" verdicts
wait $M
echo "out of descriptors: $(tail -1 "$EMBT_TMP/emfile.out"); log:"
sed -n "$((LINES1 + 1)),\$p" "$LOG"
as_daemon_user prlimit --pid "$DPID" --nofile=1024:1024
check "out of descriptors: accept() paused, not spinning (< 30 errors)" \
    test "$(side metrics accept_errors)" -lt 30
check "out of descriptors: accept() failures counted" \
    test "$(side metrics accept_errors)" -ge 1
check "out of descriptors: logged once" \
    test "$(grep -c 'out of file descriptors' "$LOG")" -eq 1
check "out of descriptors: status afterwards" \
    sh -c "timeout 5 '$CTL' -s '$SOCK' status >/dev/null"
kill "$DPID"; wait "$DPID"; DPID=
finish
