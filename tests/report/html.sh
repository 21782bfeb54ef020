#!/bin/sh
# embargo-report -f html opened in headless Chromium: the page must load
# on its own (no scripts, fonts or other files), hold the per-day
# stacked bar chart and the host-by-category chart as inline SVG, name
# every host of the events file in that chart, and render to a PNG.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
REPORT=$top_srcdir/scripts/embargo-report
EVENTS=$top_srcdir/tests/report/events.json
CHROMIUM=${CHROMIUM:-chromium}
command -v "$CHROMIUM" >/dev/null || { echo "skip: no chromium"; exit 77; }
command -v python3 >/dev/null || { echo "skip: no python3"; exit 77; }
TMP=$(mktemp -d) || exit 99
trap 'rm -rf "$TMP"' EXIT INT TERM HUP PIPE
fails=0

ok() { echo "ok: $*"; }
not_ok() { echo "FAIL: $*"; fails=$((fails + 1)); }

# headless, offline, its own throw-away profile; bounded in time
browse() {
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
	    --disable-quic --no-first-run --disable-background-networking \
	    --disable-component-update --disable-sync \
	    --user-data-dir="$TMP/profile" "$@" "file://$TMP/report.html"
}

python3 "$REPORT" -f html "$EVENTS" >"$TMP/report.html" 2>/dev/null ||
    { echo "ERROR: embargo-report -f html failed"; exit 99; }

# self-contained: nothing to fetch
if grep -Eiq '<script|<link|@import|@font-face|src=|url\(' \
    "$TMP/report.html"; then
	not_ok "the page refers to other files or scripts"
else
	ok "self-contained"
fi

browse --dump-dom >"$TMP/dom.html" 2>"$TMP/chromium.log"
grep -q '<svg id="chart-days"' "$TMP/dom.html" &&
    ok "per-day chart is in the rendered page" ||
    not_ok "per-day chart missing: $(tail -3 "$TMP/chromium.log")"
# one bar segment per day and category with events (from the CSV)
want=$(python3 "$REPORT" -f csv "$EVENTS" 2>/dev/null | grep -c '^day,')
have=$(grep -o '<rect class="bar"' "$TMP/dom.html" | wc -l)
[ "$want" -gt 0 ] && [ "$have" = "$want" ] &&
    ok "stacked bars: $have segments" ||
    not_ok "stacked bars: $have segments, want $want"
grep -q '<svg id="chart-hosts"' "$TMP/dom.html" &&
    ok "host-by-category chart" || not_ok "host-by-category chart missing"
for h in $(python3 -c '
import json, sys
hosts = set()
for line in open(sys.argv[1]):
    try:
        hosts.add(json.loads(line)["source"]["ip"])
    except Exception:
        pass
print("\n".join(sorted(hosts)))' "$EVENTS"); do
	grep -q "<text class=\"host\"[^>]*>$h</text>" "$TMP/dom.html" &&
	    ok "chart names $h" || not_ok "chart does not name $h"
done

browse --window-size=1200,2400 --screenshot="$TMP/report.png" \
    >/dev/null 2>&1
if [ -s "$TMP/report.png" ] &&
    [ "$(head -c 8 "$TMP/report.png" | od -An -tx1 | tr -d ' \n')" = \
    89504e470d0a1a0a ]; then
	ok "screenshot ($(wc -c <"$TMP/report.png") bytes of PNG)"
else
	not_ok "no screenshot"
fi
[ "$fails" = 0 ]
