#!/bin/sh
# Replay speed: embargod -r on a generated capture of at least a million
# packets (tests/bench/gen_capture.py), side by side in one run with
# nDPI's ndpiReader -i (the closest peer: it also follows flows and reads
# names) and tcpdump -r -w /dev/null (the floor: libpcap reading the
# file, nothing judged).  Prints packets per second and the ratios.
# With farm-bench (the machine's timing tool) each pair runs in turn,
# A B A B, and the ratio is taken pair by pair; without it each command
# runs RUNS times and the medians are compared.
#
#     sh tests/bench/replay.sh [packets]      (default 1000000)
#
# Not a test: it asserts nothing about time.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
N=${1:-1000000}
RUNS=${RUNS:-5}
TMP=$(mktemp -d) || exit 1
trap 'rm -rf "$TMP"' EXIT INT TERM HUP PIPE
CAP=$TMP/bench.pcap

cat >"$TMP/embargod.conf" <<CONF
lists-dir "$top_srcdir/lists"
list kaspersky-update "kaspersky-update.list"
list kaspersky-ksn "kaspersky-ksn.list"
list kaspersky-activation "kaspersky-activation.list"
list kaspersky-management "kaspersky-management.list"
list kaspersky-statistics "kaspersky-statistics.list"
list kaspersky-web "kaspersky-web.list"
resolver none
CONF

gen=$(python3 "$top_srcdir/tests/bench/gen_capture.py" -n "$N" -o "$CAP") ||
    exit 1
pk=$(echo "$gen" | sed 's/.*: \([0-9]*\) packets.*/\1/')
echo "capture: $pk packets, $(du -m "$CAP" | cut -f1) MB"
"$EMBARGOD" -f "$TMP/embargod.conf" -r "$CAP" >"$TMP/events" 2>"$TMP/counters"
echo "embargod -r: $(wc -l <"$TMP/events") events; $(grep -E \
    '^(packets|capture_not_queued|events_block|events_allow) ' "$TMP/counters" |
    tr -s ' ' '=' | tr '\n' ' ')"

A="sh -c 'exec $EMBARGOD -f $TMP/embargod.conf -r $CAP >/dev/null 2>&1'"
NDPI="sh -c 'exec ndpiReader -q -i $CAP >/dev/null 2>&1'"
TCPD="sh -c 'exec tcpdump -r $CAP -w /dev/null >/dev/null 2>&1'"

if command -v farm-bench >/dev/null; then
	for b in "$NDPI" "$TCPD"; do
		echo "=== embargod -r  vs  $(echo "$b" | sed 's/.*exec \([a-z]*\).*/\1/')"
		eval farm-bench -n "$RUNS" --timeout 600 --vs "\"$b\"" -- $A
	done
	exit 0
fi

# median wall seconds of RUNS runs of the command string $1
median() {
	for i in $(seq "$RUNS"); do
		s=$(date +%s.%N)
		eval "$1"
		e=$(date +%s.%N)
		echo "$e - $s" | bc
	done | sort -n | sed -n "$(( (RUNS + 1) / 2 ))p"
}
ta=$(median "$A")
tn=$(median "$NDPI")
tt=$(median "$TCPD")
for x in "embargod:$ta" "ndpiReader:$tn" "tcpdump:$tt"; do
	t=${x#*:}
	printf '%-12s %8.3f s  %10.0f packets/s\n' "${x%%:*}" "$t" \
	    "$(echo "$pk / $t" | bc -l)"
done
printf 'embargod/ndpiReader time %.2f, embargod/tcpdump time %.2f\n' \
    "$(echo "$ta / $tn" | bc -l)" "$(echo "$ta / $tt" | bc -l)"
