#!/bin/sh
# embargo-report on a fixed events file (four hosts, ten days, every
# category, block, audit and allow events, a name that was not UTF-8,
# an address-judged flow and three lines that are not events): the text,
# JSON and CSV reports must equal the golden files; the same file read
# gzipped, from standard input, and gzipped from standard input gives
# the same report; the warnings name file:line.
# REGEN=1 sh tests/report/run.sh rewrites the golden files.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
REPORT=$top_srcdir/scripts/embargo-report
DIR=tests/report
TMP=$(mktemp -d) || exit 99
trap 'rm -rf "$TMP"' EXIT INT TERM HUP PIPE
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
fails=0
cd "$top_srcdir" || exit 99

check() {	# name file-to-compare golden
	if [ -n "$REGEN" ]; then
		cp "$2" "$3"
		echo "regenerated: $3"
	elif diff -u "$3" "$2"; then
		echo "ok: $1"
	else
		echo "FAIL: $1"
		fails=$((fails + 1))
	fi
}

for f in text json csv; do
	python3 "$REPORT" -f $f $DIR/events.json >"$TMP/out.$f" 2>"$TMP/err"
	check "-f $f" "$TMP/out.$f" "$DIR/expected.$f"
done
python3 "$REPORT" -d 3 -n 3 -t 2026-11-28T00:00:00Z $DIR/events.json \
    >"$TMP/window.txt" 2>/dev/null
check "-d 3 -n 3 -t" "$TMP/window.txt" "$DIR/expected-window.text"
check "warnings" "$TMP/err" "$DIR/expected.err"

[ -n "$REGEN" ] && exit 0
gzip -c $DIR/events.json >"$TMP/events.json.gz"
python3 "$REPORT" -f csv "$TMP/events.json.gz" >"$TMP/gz.csv" 2>/dev/null
python3 "$REPORT" -f csv - <$DIR/events.json >"$TMP/stdin.csv" 2>/dev/null
python3 "$REPORT" -f csv - <"$TMP/events.json.gz" >"$TMP/stdingz.csv" \
    2>/dev/null
cp "$TMP/events.json.gz" "$TMP/events.log"	# gzip by its bytes, not name
python3 "$REPORT" -f csv "$TMP/events.log" >"$TMP/gzname.csv" 2>/dev/null
for v in gz stdin stdingz gzname; do
	check "-f csv from $v" "$TMP/$v.csv" "$DIR/expected.csv"
done
# the file names differ: the text report says which were read
python3 "$REPORT" "$TMP/events.json.gz" $DIR/events.json \
    >"$TMP/two.txt" 2>/dev/null
if grep -q "^events    148 from $TMP/events.json.gz, $DIR/events.json" \
    "$TMP/two.txt"; then
	echo "ok: two files add up"
else
	echo "FAIL: two files add up"
	fails=$((fails + 1))
fi
# a missing file: said, exit 1, the rest still reported
if python3 "$REPORT" $DIR/events.json "$TMP/nonexistent" >"$TMP/o" \
    2>"$TMP/e"; then
	echo "FAIL: a missing file exits 0"
	fails=$((fails + 1))
elif grep -q "nonexistent: No such file or directory" "$TMP/e" &&
    grep -q '^events    74 ' "$TMP/o"; then
	echo "ok: a missing file"
else
	echo "FAIL: a missing file"
	fails=$((fails + 1))
fi
# a bad option value
if python3 "$REPORT" -f pdf $DIR/events.json >/dev/null 2>&1; then
	echo "FAIL: -f pdf accepted"
	fails=$((fails + 1))
else
	echo "ok: -f pdf refused"
fi
[ "$fails" = 0 ]
