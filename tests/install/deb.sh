#!/bin/sh
# The Debian package: dpkg-buildpackage -us -uc -b on a clean copy of
# the source (the files git tracks, as a clone has them), lintian with
# no error (its warnings are printed), then the .deb unpacked into a
# scratch root with dpkg -x, where every file is checked and the
# unpacked embargod validates the packaged lists.  Installs nothing on
# this machine and starts nothing.  Run by .ci/run (it builds the whole
# tree again, which takes longer than a make check test should); by
# hand: sh tests/install/deb.sh [WORKDIR].
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}

for c in dpkg-buildpackage dpkg-deb lintian git; do
	command -v "$c" >/dev/null 2>&1 || {
		echo "skip: $c not installed (scripts/install-deps installs it)"
		exit 77
	}
done

if [ $# -ge 1 ]; then
	work=$1
	rm -rf "$work" && mkdir -p "$work" || exit 99
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/embargo-deb.XXXXXX") || exit 99
	trap 'rm -rf "$work"' EXIT
fi
trap 'exit 1' HUP INT TERM
# shellcheck source=tests/install/checks.sh
. "$top_srcdir/tests/install/checks.sh"

# ---------------------------------------------------------------- build
src=$work/embargo
copy_tree "$src" || { echo "ERROR: cannot copy the tree"; exit 99; }
[ -f "$src/debian/control" ] || { echo "ERROR: debian/ is not tracked"; exit 99; }
echo "== dpkg-buildpackage -us -uc -b (log: $work/build.log)"
if ! (cd "$src" && unset MAKEFLAGS MFLAGS MAKELEVEL &&
    DEB_BUILD_OPTIONS="parallel=2${DEB_BUILD_OPTIONS:+ $DEB_BUILD_OPTIONS}" \
    dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
	tail -60 "$work/build.log"
	echo "FAIL: dpkg-buildpackage"
	exit 1
fi
set -- "$work"/embargo_*.deb
deb=$1
[ -f "$deb" ] || { echo "FAIL: no embargo_*.deb in $work"; exit 1; }
echo "ok: built ${deb##*/}"

# ---------------------------------------------------------------- lintian
changes=$(ls "$work"/embargo_*.changes 2>/dev/null | head -n 1)
lintian --tag-display-limit 0 "${changes:-$deb}" >"$work/lintian.out" 2>&1
sed 's/^/lintian: /' "$work/lintian.out"
if grep -q '^E:' "$work/lintian.out"; then
	fail "lintian reports errors"
else
	echo "ok: lintian: no errors," \
	    "$(grep -c '^W:' "$work/lintian.out") warnings"
fi

# ---------------------------------------------------------------- contents
root=$work/root
ctl=$work/control
dpkg-deb -x "$deb" "$root" && dpkg-deb -e "$deb" "$ctl" ||
    { echo "FAIL: dpkg-deb cannot unpack $deb"; exit 1; }


conffile() {
	grep -qxF -- "$1" "$ctl/conffiles" 2>/dev/null ||
	    fail "$1: not a conffile"
}

expect -x /usr/sbin/embargod
expect -x /usr/bin/embargoctl
expect -x /usr/sbin/embargo-firewall
expect -x /usr/sbin/embargo-update-lists
for f in "$top_srcdir"/lists/*; do
	expect "/usr/share/embargo/lists/${f##*/}"
done
for page in man8/embargod.8 man8/embargoctl.8 man8/embargo-firewall.8 \
    man8/embargo-update-lists.8 man5/embargod.conf.5 man5/embargo.lists.5; do
	expect "/usr/share/man/$page.gz"
done
expect /usr/share/doc/embargo/copyright
expect /usr/share/doc/embargo/changelog.gz

unit=/lib/systemd/system/embargod.service
expect "$unit"
expect_line "$unit" "ExecStart=/usr/sbin/embargod -d \$EMBARGOD_OPTS"
expect_line "$unit" "ExecReload=/usr/bin/embargoctl reload"
expect_line "$unit" "EnvironmentFile=-/etc/default/embargod"
expect_line "$unit" "User=embargo"
expect /usr/lib/sysusers.d/embargo.conf
grep -q '^u embargo ' "$root/usr/lib/sysusers.d/embargo.conf" 2>/dev/null ||
    fail "sysusers.d/embargo.conf: no 'u embargo' line"

expect /etc/default/embargod
expect /etc/logrotate.d/embargod
expect_line /etc/logrotate.d/embargod "/var/log/embargo/*.json {"
conffile /etc/default/embargod
conffile /etc/logrotate.d/embargod

# The Debian directories, compiled and substituted.
grep -q -a -F /etc/embargo/embargod.conf "$root/usr/sbin/embargod" ||
    fail "embargod does not read /etc/embargo/embargod.conf"
for p in /usr/sbin/embargod /usr/bin/embargoctl; do
	grep -q -a -F /run/embargo/embargod.sock "$root$p" ||
	    fail "$p does not name /run/embargo/embargod.sock"
done
u=/usr/sbin/embargo-update-lists
expect_line "$u" "EMBARGO_SYSCONFDIR=/etc"
expect_line "$u" "EMBARGO_LOCALSTATEDIR=/var"
zcat "$root/usr/share/man/man8/embargo-update-lists.8.gz" 2>/dev/null |
    grep -q -F /var/lib/embargo || fail "embargo-update-lists(8) lacks /var/lib/embargo"
if zcat "$root"/usr/share/man/man*/*.gz | grep -q '@[A-Z][A-Z_]*@'; then
	fail "a manual still holds a @PLACEHOLDER@"
fi

# The user: systemd-sysusers where it exists, adduser elsewhere; the
# unit is neither enabled nor started by the package.
grep -q systemd-sysusers "$ctl/postinst" 2>/dev/null ||
    fail "postinst does not run systemd-sysusers"
grep -q 'adduser --system' "$ctl/postinst" 2>/dev/null ||
    fail "postinst has no adduser fallback"
if grep -q 'deb-systemd-invoke .*start' "$ctl/postinst" 2>/dev/null; then
	fail "postinst starts the service"
fi
dpkg-deb -f "$deb" Depends | grep -q adduser ||
    fail "Depends lacks adduser"

# The unpacked daemon loads the packaged default profile.
if out=$("$root/usr/sbin/embargod" -n -L "$root/usr/share/embargo/lists" 2>&1); then
	echo "ok: the packaged embargod -n: $out"
else
	fail "the packaged embargod -n: $out"
fi

echo "$checked files checked, $failed failures"
[ "$failed" -eq 0 ]
