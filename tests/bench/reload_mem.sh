#!/bin/sh
# reload_mem.sh: resident memory of embargod across reloads of a big list.
#
# Starts embargod in a network namespace of its own (it binds a queue
# there; no traffic is needed) on the default lists and NAMES more names
# (tests/bench/bench_match -w), waits until it is up, then sends SIGHUP
# RELOADS times.  Before each reload the peak is reset (clear_refs 5);
# after it, VmHWM is that reload's peak and VmRSS what stays.  Prints
# the steady size, each reload's peak and after-size, and the ratios the
# goals ask for (peak <= 2x steady, after within 15 % of steady).  Also
# the private memory (smaps_rollup) of the idle daemon on the default
# profile and with the configuration for 64 MB routers; the flow table,
# gather buffers and learned table are only written as traffic needs
# them, so the most they add is their bounds (README, Performance).  Not a test: sizes drift
# with the C library and the kernel, and are never pass or fail.
#
# usage: tests/bench/reload_mem.sh [RELOADS] [NAMES]	(as root, from a build)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${top_srcdir:=$(cd "$here/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
RELOADS=${1:-5}
NAMES=${2:-1000000}
[ "$(id -u)" -eq 0 ] || { echo "needs root (a network namespace)"; exit 77; }
[ -x "$top_builddir/tests/bench/bench_match" ] &&
    [ -x "$top_builddir/src/embargod" ] || { echo "build first"; exit 99; }

NS=embt-rm-$$
TMP=$(mktemp -d "${TMPDIR:-/tmp}/embt.XXXXXX") || exit 99
PID=
cleanup() {
	[ -z "$PID" ] || { kill "$PID" 2>/dev/null; wait "$PID" 2>/dev/null; }
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 129' HUP
trap 'exit 130' INT
trap 'exit 143' TERM
ip netns add "$NS" || exit 99
ip -n "$NS" link set lo up

"$top_builddir/tests/bench/bench_match" -n "$NAMES" -w "$TMP/big.list" ||
    exit 99
cat >"$TMP/embargod.conf" <<CONF
lists-dir "$top_srcdir/lists"
profile default
list million "$TMP/big.list" format domains
resolver none
control socket "$TMP/ctl.sock"
CONF

kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
priv_kb() {
	awk '/^Private_(Clean|Dirty):/ { s += $2 } END { print s }' \
	    "/proc/$1/smaps_rollup"
}
# Private memory in words: the sum, and its parts.  Private_Clean is
# mostly library pages no other process maps at the moment, so it
# shrinks when another program using the same libraries runs; the
# written part (Private_Dirty) does not depend on that.
priv_words() {
	awk '/^Private_Clean:/ { c = $2 } /^Private_Dirty:/ { d = $2 }
	    END { printf "private %d KiB (dirty %d + clean %d)", c + d, d, c }' \
	    "/proc/$1/smaps_rollup"
}
# Start embargod with options $@, wait for "started:" (30 s at most).
start() {
	: >"$TMP/log"
	ip netns exec "$NS" "$top_builddir/src/embargod" -d "$@" \
	    >"$TMP/log" 2>&1 &
	PID=$!
	n=0
	until grep -q started: "$TMP/log"; do
		n=$((n + 1))
		[ $n -lt 300 ] || { cat "$TMP/log"; echo "did not start"; exit 99; }
		sleep 0.1
	done
	sleep 0.5
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null; PID=; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

# --- the default profile: no configuration file at all
# (the control socket moved out of /run, where another daemon may be)
printf 'profile default\ncontrol socket "%s"\n' "$TMP/ctl.sock" \
    >"$TMP/default.conf"
start -f "$TMP/default.conf" -L "$top_srcdir/lists"
echo "default profile: $(priv_words "$PID")" \
    "(VmRSS $(kb "$PID" VmRSS) KiB)"
stop

# --- the configuration for 64 MB routers (README, embargod.conf(5))
cat >"$TMP/router.conf" <<CONF
profile default
control socket "$TMP/ctl.sock"
limit flows 2048
limit gather-buffers 32
limit gather-bytes 8192
limit learned 1024
limit queue-length 1024
limit batch 64
CONF
start -f "$TMP/router.conf" -L "$top_srcdir/lists"
echo "64 MB router configuration: $(priv_words "$PID")" \
    "(VmRSS $(kb "$PID" VmRSS) KiB)"
stop

# --- 1M names, reloaded
start -f "$TMP/embargod.conf"
steady=$(kb "$PID" VmRSS)
echo "$NAMES names: steady VmRSS $steady KiB (start-up peak VmHWM" \
    "$(kb "$PID" VmHWM) KiB), private $(priv_kb "$PID") KiB"
worst_peak=0
last=0
i=0
while [ $i -lt "$RELOADS" ]; do
	i=$((i + 1))
	echo 5 >"/proc/$PID/clear_refs"
	kill -HUP "$PID"
	n=0
	until [ "$(grep -c 'reloaded:' "$TMP/log")" -ge $i ]; do
		n=$((n + 1))
		[ $n -lt 600 ] || { echo "reload $i did not finish"; exit 99; }
		sleep 0.05
	done
	# queue threads let go of the old set at their next batch, or
	# within a second when idle (worker_tick): wait for that
	sleep 1.5
	peak=$(kb "$PID" VmHWM)
	last=$(kb "$PID" VmRSS)
	[ "$peak" -le "$worst_peak" ] || worst_peak=$peak
	echo "reload $i: peak VmHWM $peak KiB ($(ratio "$peak" "$steady")x" \
	    "steady), after VmRSS $last KiB ($(ratio "$last" "$steady")x)"
done
echo "worst peak / steady: $(ratio "$worst_peak" "$steady")" \
    "(goal <= 2.00); after $RELOADS reloads / steady:" \
    "$(ratio "$last" "$steady") (goal <= 1.15)"
stop
