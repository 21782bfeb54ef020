#!/bin/sh
# embargo-update-lists against a local HTTP server on 127.0.0.1: a good
# update installs and reloads; a bad hash, an unreachable server, a list
# that fails validation, an interrupted download, a path in the
# manifest and a bad signature each fail with their status and leave
# the installed lists exactly as they were.  Then everything again
# under BusyBox ash with a PATH of BusyBox applets only (and gpgv), as
# on OpenWrt: BusyBox's wget, sha256sum, mktemp, sed and awk.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
# the script as make builds it, with the configured directories
UPDATE=$top_builddir/scripts/configured/embargo-update-lists
[ -f "$UPDATE" ] || UPDATE=$top_srcdir/scripts/embargo-update-lists
HTTPD=$top_srcdir/tests/tools/httpd.py
export EMBARGOD=$top_builddir/src/embargod
[ -x "$EMBARGOD" ] || { echo "skip: embargod not built"; exit 77; }
for c in curl python3 sha256sum; do
	command -v $c >/dev/null || { echo "skip: no $c"; exit 77; }
done

T=$(mktemp -d "${TMPDIR:-/tmp}/embargo-update.XXXXXX") || exit 99
HPID=
cleanup() {
	[ -z "$HPID" ] || kill "$HPID" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
passed=0 failed=0

# BusyBox pass: the script runs under busybox ash, with only BusyBox's
# applets in PATH.
RUN=
if [ -n "${EMBARGO_TEST_BUSYBOX:-}" ]; then
	. "$top_srcdir/tests/tools/busybox-path.sh"
	tools=
	command -v gpgv >/dev/null 2>&1 && tools=gpgv
	# shellcheck disable=SC2086
	busybox_path "$T/bb" $tools || { echo "ERROR: no BusyBox PATH"; exit 99; }
	RUN="env PATH=$T/bb $(command -v busybox) ash"
	echo "== BusyBox: $(busybox | head -n 1)"
	if env PATH="$T/bb" sh -c 'command -v curl' >/dev/null; then
		echo "ERROR: curl is reachable in the BusyBox PATH"; exit 99
	fi
fi
ok() { echo "ok: $*"; passed=$((passed + 1)); }
not_ok() { echo "FAIL: $*"; failed=$((failed + 1)); }

# A published set: the shipped lists and profiles, and their manifest.
publish() {	# dir
	rm -rf "$1"
	mkdir -p "$1"
	cp "$top_srcdir"/lists/*.list "$top_srcdir"/lists/*.profile "$1"/
	(cd "$1" && sha256sum *.list *.profile >MANIFEST)
}

# Serve dir (cutting file $2 short when given); sets URL.
serve() {
	[ -z "$HPID" ] || { kill "$HPID"; wait "$HPID" 2>/dev/null; }
	rm -f "$T/port"
	python3 "$HTTPD" "$1" "$T/port" ${2:-} &
	HPID=$!
	n=0
	until [ -s "$T/port" ]; do
		n=$((n + 1))
		[ $n -lt 100 ] || { echo "ERROR: httpd did not start"; exit 99; }
		sleep 0.05
	done
	URL="http://127.0.0.1:$(cat "$T/port")"
}

# Run the updater; $1 is the expected exit status, the rest its options.
update() {
	want=$1
	shift
	$RUN "$UPDATE" -c "$T/embargod.conf" -d "$T/state" \
	    -r "touch $T/reloaded" -t 10 "$@" >"$T/out" 2>&1
	rc=$?
	[ "$rc" -eq "$want" ] || { cat "$T/out"; return 1; }
}

# The installed set as one fingerprint (the link's target, every file).
installed() {
	{ readlink "$T/state/lists"; cat "$T/state/lists"/*; } | sha256sum
}

unchanged_after() {	# description, expected status, updater options...
	what=$1
	shift
	before=$(installed)
	rm -f "$T/reloaded"
	if update "$@" && [ "$(installed)" = "$before" ] &&
	    [ ! -e "$T/reloaded" ] && ! ls -d "$T/state"/.staging.* \
	    >/dev/null 2>&1; then
		ok "$what: exit $1, installed lists unchanged"
	else
		not_ok "$what"
	fi
}

printf 'lists-dir "%s/state/lists"\nprofile default\n' "$T" \
    >"$T/embargod.conf"
publish "$T/pub"
serve "$T/pub"

# a good update installs the set, links it and reloads
if update 0 "$URL" && [ -L "$T/state/lists" ] && [ -e "$T/reloaded" ] &&
    cmp -s "$T/pub/kaspersky-update.list" \
    "$T/state/lists/kaspersky-update.list" &&
    "$EMBARGOD" -n -f "$T/embargod.conf" >/dev/null 2>&1; then
	ok "good manifest: installed, linked, reloaded, and embargod -n passes"
else
	not_ok "good manifest"
fi
rm -f "$T/reloaded"
if update 0 "$URL" && grep -q 'unchanged' "$T/out" &&
    [ ! -e "$T/reloaded" ]; then
	ok "same manifest again: unchanged, no reload"
else
	not_ok "same manifest again"
fi

# a second good version replaces the first and keeps it for rollback
echo "extra.example # added" >>"$T/pub/kaspersky-update.list"
(cd "$T/pub" && sha256sum *.list *.profile >MANIFEST)
first=$(readlink "$T/state/lists")
sleep 1
if update 0 "$URL" && [ "$(readlink "$T/state/lists")" != "$first" ] &&
    [ -d "$T/state/$first" ] && grep -q extra.example \
    "$T/state/lists/kaspersky-update.list"; then
	ok "new version: installed, previous kept"
else
	not_ok "new version"
fi

# failures; a new manifest each time (an unchanged one is not fetched on)
echo "newer.example" >>"$T/pub/kaspersky-update.list"
(cd "$T/pub" && sha256sum *.list *.profile >MANIFEST)
echo "tampered.example" >>"$T/pub/kaspersky-ksn.list"
unchanged_after "bad hash" 3 "$URL"
grep -q 'kaspersky-ksn.list: FAILED' "$T/out" && ok "bad hash names the file" ||
    not_ok "bad hash message: $(cat "$T/out")"
publish "$T/pub"
unchanged_after "server unreachable" 2 "http://127.0.0.1:9/"
printf 'bad..name.example\n' >>"$T/pub/kaspersky-activation.list"
(cd "$T/pub" && sha256sum *.list *.profile >MANIFEST)
unchanged_after "a list that fails validation" 4 "$URL"
grep -q 'kaspersky-activation.list:[0-9]*: "bad..name.example": empty label' \
    "$T/out" && ok "validation names file, line and reason" ||
    not_ok "validation message: $(cat "$T/out")"
publish "$T/pub"
serve "$T/pub" kaspersky-web.list
unchanged_after "interrupted download" 2 "$URL"
serve "$T/pub"
echo "0000000000000000000000000000000000000000000000000000000000000000  ../etc" \
    >>"$T/pub/MANIFEST"
unchanged_after "a path in the manifest" 3 "$URL"
publish "$T/pub"

# a signed manifest: good, then tampered
if command -v gpg >/dev/null && command -v gpgv >/dev/null; then
	export GNUPGHOME="$T/gnupg"
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key \
	    'embargo test <test@embargo.invalid>' ed25519 sign never \
	    >/dev/null 2>&1
	gpg --batch --quiet --export >"$T/keyring.gpg"
	echo "signed.example" >>"$T/pub/kaspersky-update.list"
	(cd "$T/pub" && sha256sum *.list *.profile >MANIFEST &&
	    gpg --batch --quiet --detach-sign -o MANIFEST.sig MANIFEST)
	if update 0 -k "$T/keyring.gpg" "$URL" && grep -q signed.example \
	    "$T/state/lists/kaspersky-update.list"; then
		ok "signed manifest: verified with gpgv and installed"
	else
		not_ok "signed manifest"
	fi
	echo "evil.example" >>"$T/pub/kaspersky-update.list"
	(cd "$T/pub" && sha256sum *.list *.profile >MANIFEST)
	unchanged_after "manifest changed after signing" 3 -k "$T/keyring.gpg" \
	    "$URL"
else
	echo "skip: gpg or gpgv not installed, signatures not tested"
fi

echo "${EMBARGO_TEST_BUSYBOX:+BusyBox: }$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ] || exit 1
if [ -z "${EMBARGO_TEST_BUSYBOX:-}" ]; then
	if command -v busybox >/dev/null 2>&1; then
		EMBARGO_TEST_BUSYBOX=1 sh "$0" || exit 1
	else
		echo "skip: busybox not installed: no BusyBox pass"
	fi
fi
exit 0
