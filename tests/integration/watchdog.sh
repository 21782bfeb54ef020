#!/bin/sh
# The systemd protocol, with this test as systemd: READY=1 once the
# queues are bound, WATCHDOG=1 while every queue thread answers and not
# while one is stopped (ptrace stops that thread alone, the rest of the
# daemon runs on), again once it answers, and STOPPING=1 at SIGTERM.
. "$(dirname "$0")/lib.sh"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
CTL=$top_builddir/src/embargoctl
TOOLS=$top_srcdir/tests/tools

need_root_or_skip
need_cmd python3 timeout
id nobody >/dev/null 2>&1 || skip "no user nobody"
topo_up
chmod 755 "$EMBT_TMP"
SOCK=$EMBT_TMP/embargod.sock
CONF=$EMBT_TMP/embargod.conf
printf 'lists-dir "%s"\nprofile default\nuser nobody\ncontrol socket "%s"\nresolver none\n' \
    "$top_srcdir/lists" "$SOCK" >"$CONF"
chmod 644 "$CONF"
LOG=$EMBT_TMP/embargod.log
NOTES=$EMBT_TMP/notify.out
DPID= LPID=
cleanup() {
	[ -z "$DPID" ] || { kill "$DPID" 2>/dev/null; wait "$DPID"; }
	[ -z "$LPID" ] || { kill "$LPID" 2>/dev/null; wait "$LPID" 2>/dev/null; }
}
EMBT_CLEANUP=cleanup
wait_for() {	# command...: true within 10 s
	n=0
	until "$@"; do
		n=$((n + 1)); [ $n -le 100 ] || return 1; sleep 0.1
	done
}
notes() { grep -c "^$1\$" "$NOTES"; }
more_notes() { [ "$(notes "$1")" -gt "$2" ]; }
in_log() { grep -q "$1" "$LOG"; }

python3 "$TOOLS/notifysock.py" "$EMBT_TMP/notify" 50 >"$NOTES" &
LPID=$!
wait_for test -S "$EMBT_TMP/notify" || setup_error "notify socket"
# a two-second watchdog: checked every second, a thread silent for
# three seconds stops the notifications
ip netns exec "$NS_G" env NOTIFY_SOCKET="$EMBT_TMP/notify" \
    WATCHDOG_USEC=2000000 "$EMBARGOD" -d -f "$CONF" >"$LOG" 2>&1 &
DPID=$!
wait_for in_log 'started:' || setup_error "embargod: $(cat "$LOG")"
check "READY=1 once started" wait_for more_notes READY=1 0
check "WATCHDOG=1 while the threads answer" wait_for more_notes WATCHDOG=1 2
check "the log names the watchdog" in_log 'systemd watchdog: every 2000 ms'

TID=$(ls "/proc/$DPID/task" | grep -vx "$DPID" | head -1)
[ -n "$TID" ] || setup_error "no queue thread in /proc/$DPID/task"
python3 "$TOOLS/stall.py" "$TID" 8 >"$EMBT_TMP/stall.out" 2>&1 &
SPID=$!
check "a stopped queue thread is noticed" wait_for in_log 'has not answered'
n=$(notes WATCHDOG=1)
sleep 3
check "no WATCHDOG=1 while it is stopped" test "$(notes WATCHDOG=1)" -eq "$n"
check "the control socket answers meanwhile" \
    sh -c "timeout 5 '$CTL' -s '$SOCK' status >/dev/null"
wait $SPID
check "the thread was stopped and let go" grep -q 'going again' "$EMBT_TMP/stall.out"
check "the thread answers again: said" wait_for in_log 'every queue thread answers again'
check "the thread answers again: WATCHDOG=1 again" \
    wait_for more_notes WATCHDOG=1 "$n"
kill -TERM "$DPID"; wait "$DPID"; DPID=
check "STOPPING=1 at SIGTERM" test "$(notes STOPPING=1)" -eq 1
check "READY=1 once only" test "$(notes READY=1)" -eq 1
finish
