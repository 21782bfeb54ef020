#!/bin/sh
# Configuration round trips through the real binary: every good file
# passes `embargod -n` with the expected output and warnings, every bad
# one fails with the exact file:line messages; `embargod -T` answers as
# expected.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
embargod="$top_builddir/src/embargod"
cd "$top_srcdir/tests/conf" || exit 99
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
fail=0

check() {	# name, expected file, actual file
	if ! diff -u "$2" "$3"; then
		echo "FAIL: $1: output differs" >&2
		fail=1
		bad=1
	fi
}

ok() {
	[ "$bad" -eq 0 ] && echo "ok: $1"
	bad=0
}
bad=0

for conf in good/*.conf; do
	base=${conf%.conf}
	if ! "$embargod" -n -f "$conf" >"$out" 2>"$err"; then
		echo "FAIL: $conf refused" >&2
		cat "$err" >&2
		fail=1
		continue
	fi
	check "$conf stdout" "$base.out" "$out"
	if [ -f "$base.err" ]; then
		check "$conf stderr" "$base.err" "$err"
	else
		check "$conf stderr" /dev/null "$err"
	fi
	ok "$conf"
done

# -nv: the effective configuration parses again, to the same thing
nv=$(mktemp -d) || exit 99
trap 'rm -f "$out" "$err"; rm -rf "$nv"' EXIT
for conf in good/*.conf; do
	base=${conf%.conf}
	"$embargod" -nv -f "$conf" >"$nv/1.conf" 2>/dev/null ||
	    { echo "FAIL: $conf -nv" >&2; fail=1; bad=1; }
	if [ -f "$base.nv" ]; then
		sed "s|$(pwd)|@PWD@|g" "$nv/1.conf" >"$nv/1.norm"
		check "$conf -nv" "$base.nv" "$nv/1.norm"
	fi
	"$embargod" -nv -f "$nv/1.conf" >"$nv/2.conf" 2>"$nv/2.err" ||
	    { echo "FAIL: $conf: -nv output does not parse:" >&2
	    cat "$nv/2.err" >&2; fail=1; bad=1; }
	grep -v '^#' "$nv/1.conf" >"$nv/1.rules"
	grep -v '^#' "$nv/2.conf" >"$nv/2.rules"
	check "$conf: -nv of -nv" "$nv/1.rules" "$nv/2.rules"
	ok "$conf -nv round trip"
done

for conf in bad/*.conf; do
	base=${conf%.conf}
	if "$embargod" -n -f "$conf" >"$out" 2>"$err"; then
		echo "FAIL: $conf accepted" >&2
		fail=1
		continue
	fi
	check "$conf stderr" "$base.err" "$err"
	check "$conf stdout" /dev/null "$out"
	ok "$conf"
done

# -T: which list and rule decide each name; exit 1 for the invalid one
"$embargod" -f good/basic.conf -T s12.upd.kaspersky.com \
    CM.K.Kaspersky-Labs.com. x.cm.k.kaspersky-labs.com \
    opentip.tip.kaspersky.com tracker.example.org \
    upd.kaspersky.com.example.org bad..name >"$out" 2>/dev/null
rc=$?
check "-T" test.out "$out"
if [ "$rc" -ne 1 ]; then
	echo "FAIL: -T with an invalid name exited $rc, not 1" >&2
	fail=1
fi
"$embargod" -f good/basic.conf -T ds.example >/dev/null 2>&1 || {
	echo "FAIL: -T with valid names did not exit 0" >&2
	fail=1
}
ok -T

# -T follows the mode (-a, mode audit) and, with -c, client statements:
# the same decision the packet path makes
for c in "" "-c fd00:1::5" "-c 10.1.2.3" "-c 10.0.0.5" "-c 192.0.2.1"; do
	echo "# -T $c"
	# shellcheck disable=SC2086 # the option and its argument
	"$embargod" -f good/full.conf $c -T s12.upd.kaspersky.com \
	    opentip.tip.kaspersky.com 2>/dev/null
done >"$out"
echo "# -a -T" >>"$out"
"$embargod" -f good/basic.conf -a -T s12.upd.kaspersky.com >>"$out" 2>/dev/null
check "-T with clients and audit" test-clients.out "$out"
if "$embargod" -c 1.2.3 -T x >/dev/null 2>&1; then
	echo "FAIL: -c with a bad address was taken" >&2
	fail=1
	bad=1
fi
ok "-T -c"

# -f insists on the file; without -f a missing default file is fine
"$embargod" -n -f /nonexistent/embargod.conf >/dev/null 2>"$err" &&
    { echo "FAIL: missing -f file accepted" >&2; fail=1; }
grep -q '^/nonexistent/embargod.conf: No such file or directory$' "$err" ||
    { echo "FAIL: missing -f file message" >&2; cat "$err" >&2; fail=1; }
ok "-f missing"

exit $fail
