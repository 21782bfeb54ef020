#!/bin/sh
# embargod -r on every capture under tests/data and tests/replay/captures:
# the events must equal the golden file expected/NAME.json (the
# observer's host name left out), and what it says on standard error,
# counters of the daemon aside, must equal expected/NAME.err: the
# "file: packet N: why" of broken captures and the capture counters.
# The exit status must be 1 exactly when a .err names a failure.
# REGEN=1 sh tests/replay/run.sh rewrites the golden files.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
EMBARGOD=$top_builddir/src/embargod
EXP=$top_srcdir/tests/replay/expected
TMP=$(mktemp -d) || exit 99
trap 'rm -rf "$TMP"' EXIT INT TERM HUP PIPE
fails=0

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

# the daemon's own counters are checked elsewhere (and grow)
filter_err() {
	grep -v -E '^[a-z_0-9]+ +[0-9]+$' "$1"
	grep -E '^capture_[a-z_]+ +[0-9]+$' "$1"
}

# replay NAME FILE [options]: compare with expected/NAME.{json,err}
replay() {
	name=$1 file=$2
	shift 2
	# paths as given are in the events: run from the top of the tree
	(cd "$top_srcdir" && "$EMBARGOD" -f "$TMP/embargod.conf" "$@" \
	    -r "$file") >"$TMP/out" 2>"$TMP/err.raw"
	rc=$?
	sed 's/,"hostname":"[^"]*"//' "$TMP/out" >"$TMP/$name.json"
	filter_err "$TMP/err.raw" >"$TMP/$name.err"
	want=0
	grep -q ': ' "$TMP/$name.err" && want=1
	if [ -n "$REGEN" ]; then
		cp "$TMP/$name.json" "$TMP/$name.err" "$EXP/"
		echo "regenerated: $name"
		return
	fi
	if [ ! -f "$EXP/$name.json" ]; then
		echo "FAIL: $name: no golden file $EXP/$name.json"
		fails=$((fails + 1))
	elif ! diff -u "$EXP/$name.json" "$TMP/$name.json" ||
	    ! diff -u "$EXP/$name.err" "$TMP/$name.err"; then
		echo "FAIL: $name: events or messages differ"
		fails=$((fails + 1))
	elif [ "$rc" != "$want" ]; then
		echo "FAIL: $name: exit status $rc, not $want"
		fails=$((fails + 1))
	else
		echo "ok: $name ($(wc -l <"$TMP/$name.json") events)"
	fi
}

for f in "$top_srcdir"/tests/data/*.pcap "$top_srcdir"/tests/replay/captures/*; do
	rel=${f#"$top_srcdir"/}
	replay "$(basename "$f")" "$rel"
done
# audit mode; standard input; several files as one stream
replay tls-curl.audit tests/data/tls-curl.pcap -a
replay stdin - <"$top_srcdir/tests/data/dns-udp.pcap"
(cd "$top_srcdir" && "$EMBARGOD" -f "$TMP/embargod.conf" -r \
    tests/data/dns-udp.pcap tests/data/tls-curl.pcap 2>/dev/null) |
    sed 's/,"hostname":"[^"]*"//' >"$TMP/two"
cat "$EXP/dns-udp.pcap.json" "$EXP/tls-curl.pcap.json" >"$TMP/two.want"
if [ -z "$REGEN" ]; then
	if cmp -s "$TMP/two" "$TMP/two.want"; then
		echo "ok: two files in one run"
	else
		echo "FAIL: two files in one run"
		fails=$((fails + 1))
	fi
fi

# no privileges needed: the same events as an ordinary user
if [ -z "$REGEN" ] && [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1 &&
    command -v setpriv >/dev/null; then
	cp "$TMP/embargod.conf" "$TMP/nobody.conf"
	chmod 755 "$TMP"
	chmod 644 "$TMP/nobody.conf"
	if (cd "$top_srcdir" && setpriv --reuid=nobody --regid=nogroup \
	    --clear-groups "$EMBARGOD" -f "$TMP/nobody.conf" \
	    -r tests/data/tls-curl.pcap 2>/dev/null) |
	    sed 's/,"hostname":"[^"]*"//' | cmp -s - "$EXP/tls-curl.pcap.json"
	then
		echo "ok: replay as nobody"
	else
		echo "FAIL: replay as nobody"
		fails=$((fails + 1))
	fi
fi
[ "$fails" = 0 ]
