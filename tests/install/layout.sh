#!/bin/sh
# "make install" puts every file where the manuals, the systemd unit and
# the OpenWrt init script look for it, and "make uninstall" removes them
# all.  Installs from the build directory $top_builddir into a temporary
# DESTDIR, checks the layout, verifies the installed unit with
# systemd-analyze when it is installed, uninstalls.  Writes nothing
# outside its temporary directory but what make builds.
set -u
: "${top_builddir:=.}"
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MAKE=${MAKE:-make}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/embargo-layout.XXXXXX") || exit 99
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM
root=$tmp/root
failed=0
checked=0

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# Run make in the build directory as if from a shell: the flags and
# jobserver of a make running this test are not ours.
run_make() {
	(
		unset MAKEFLAGS MFLAGS MAKELEVEL DESTDIR
		cd "$top_builddir" && $MAKE "$@"
	)
}

# Print the value of $1 in the layout make reported.
layout_value() {
	printf '%s\n' "$layout" | sed -n "s|^$1=||p"
}

# $2 (or $1 without -x) is installed as a regular file, executable with
# -x.
expect() {
	checked=$((checked + 1))
	if [ "$1" = -x ]; then
		if [ ! -f "$root$2" ] || [ ! -x "$root$2" ]; then
			fail "$2: not installed, or not executable"
		fi
	else
		[ -f "$root$1" ] || fail "$1: not installed"
	fi
}

# Nothing is installed as $1, since $2 was not configured.
expect_none() {
	[ ! -e "$root$1" ] || fail "$1: installed, but $2 was not configured"
}

# Installed file $1 has the line $2.
expect_line() {
	grep -qxF -- "$2" "$root$1" || fail "$1: no line '$2'"
}

# Installed file $1 has no @NAME@ left from its template.
expect_edited() {
	! grep -q '@[A-Z][A-Z_]*@' "$root$1" ||
	    fail "$1: placeholders left: $(grep -n '@[A-Z][A-Z_]*@' "$root$1")"
}

check_programs() {
	expect -x "$sbindir/embargod"
	expect -x "$bindir/embargoctl"
	expect -x "$bindir/embargo-report"
	expect -x "$sbindir/embargo-firewall"
	expect -x "$sbindir/embargo-update-lists"
}

# One truth for paths: the programs, the script and the manuals name
# the configured directories, and nothing else names another.
check_paths() {
	conf=$sysconfdir/embargo/embargod.conf
	sock=$runstatedir/embargo/embargod.sock
	for p in "$sbindir/embargod" "$bindir/embargoctl"; do
		[ -f "$root$p" ] || continue
		grep -q -a -F "$sock" "$root$p" || fail "$p: does not name $sock"
	done
	[ ! -f "$root$sbindir/embargod" ] ||
	    grep -q -a -F "$conf" "$root$sbindir/embargod" ||
	    fail "$sbindir/embargod: does not name $conf"
	u=$sbindir/embargo-update-lists
	[ -f "$root$u" ] || return
	expect_line "$u" "EMBARGO_SYSCONFDIR=$sysconfdir"
	expect_line "$u" "EMBARGO_LOCALSTATEDIR=$localstatedir"
	expect_line "$u" "EMBARGO_SBINDIR=$sbindir"
	expect_line "$u" "EMBARGO_BINDIR=$bindir"
	sh -n "$root$u" || fail "$u: not valid sh"
	m=$mandir/man8/embargo-update-lists.8
	[ -f "$root$m" ] || return
	grep -q -F "$conf" "$root$m" || fail "$m: does not name $conf"
	grep -q -F "$localstatedir/lib/embargo" "$root$m" ||
	    fail "$m: does not name $localstatedir/lib/embargo"
	m=$mandir/man8/embargoctl.8
	grep -q -F "$sock" "$root$m" || fail "$m: does not name $sock"
}

check_manuals() {
	for page in embargod.8 embargoctl.8 embargo-firewall.8 \
	    embargo-update-lists.8 embargod.conf.5 embargo.lists.5 \
	    embargo-report.1; do
		f=$mandir/man${page##*.}/$page
		expect "$f"
		[ ! -f "$root$f" ] || expect_edited "$f"
	done
}

# Every file under lists/ in the source tree, the profiles among them.
check_lists() {
	for p in default whole-vendor fcc-covered; do
		[ -f "$top_srcdir/lists/$p.profile" ] ||
		    fail "lists/$p.profile: not in the source tree"
	done
	for f in "$top_srcdir"/lists/*; do
		expect "$pkgdatadir/lists/${f##*/}"
	done
}

check_systemd() {
	unit=$systemdsystemunitdir/embargod.service
	if [ "$(layout_value systemd)" != yes ]; then
		expect_none "$unit" "--with-systemdsystemunitdir"
		return
	fi
	expect "$unit"
	[ -f "$root$unit" ] || return
	expect_edited "$unit"
	expect_line "$unit" "ExecStart=$sbindir/embargod -d \$EMBARGOD_OPTS"
	expect_line "$unit" "ExecReload=$bindir/embargoctl reload"
	expect_line "$unit" "EnvironmentFile=-$sysconfdir/default/embargod"
	expect "$sysconfdir/default/embargod"
}

check_logrotate() {
	if [ "$(layout_value logrotate)" != yes ]; then
		expect_none "$logrotatedir/embargod" "--with-logrotatedir"
		return
	fi
	expect "$logrotatedir/embargod"
	expect_line "$logrotatedir/embargod" "$localstatedir/log/embargo/*.json {"
	command -v logrotate >/dev/null 2>&1 || return 0
	# -d changes nothing; the state file is ours anyway
	if ! logrotate -d -s "$tmp/logrotate.state" \
	    "$root$logrotatedir/embargod" >"$tmp/logrotate.out" 2>&1 ||
	    grep -q '^error' "$tmp/logrotate.out"; then
		fail "$logrotatedir/embargod: logrotate -d:"
		cat "$tmp/logrotate.out"
	fi
}

check_openwrt() {
	init=$openwrtinitdir/embargod
	if [ "$(layout_value openwrt)" != yes ]; then
		expect_none "$init" "--with-openwrt"
		expect_none "$openwrtconfigdir/embargod" "--with-openwrt"
		expect_none "$nftincludedir/50-embargod.nft" "--with-openwrt"
		return
	fi
	expect -x "$init"
	expect "$openwrtconfigdir/embargod"
	expect "$nftincludedir/50-embargod.nft"
	expect_line "$nftincludedir/50-embargod.nft" \
	    "include \"$runstatedir/embargo-firewall/*.nft\""
	[ -f "$root$init" ] || return
	expect_line "$init" "EMBARGO_SBINDIR=$sbindir"
	expect_line "$init" "EMBARGO_BINDIR=$bindir"
	expect_line "$init" "EMBARGO_RUNSTATEDIR=$runstatedir"
	sh -n "$root$init" || fail "$init: not valid sh"
}

# systemd-analyze verify on a copy of the installed unit whose commands
# run the installed programs under DESTDIR (verify checks that they
# exist), with the installed manuals for its Documentation= check.
# Anything it prints is a failure: it warns, and exits 0, about unknown
# keys and values.
verify_unit() {
	[ "$(layout_value systemd)" = yes ] && [ -f "$root$unit" ] || return 0
	if ! command -v systemd-analyze >/dev/null 2>&1; then
		echo "SKIP: systemd-analyze is not installed:" \
		    "the unit is not verified"
		return 0
	fi
	if ! mkdir "$tmp/unit" ||
	    ! sed "s|^\(Exec[A-Za-z]*=[-+!@:]*\)/|\1$root/|" "$root$unit" \
	    >"$tmp/unit/embargod.service"; then
		fail "$unit: cannot copy it for systemd-analyze"
		return
	fi
	man=--man=yes
	command -v man >/dev/null 2>&1 || man=--man=no
	if MANPATH=$root$mandir systemd-analyze verify "$man" \
	    --generators=no "$tmp/unit/embargod.service" \
	    >"$tmp/verify.out" 2>&1 && [ ! -s "$tmp/verify.out" ]; then
		echo "ok: systemd-analyze verify $unit ($man)"
	else
		fail "systemd-analyze verify $unit:"
		cat "$tmp/verify.out"
	fi
}

# make uninstall leaves no file behind (directories may stay).
check_uninstall() {
	if ! run_make uninstall DESTDIR="$root" >"$tmp/uninstall.log" 2>&1; then
		cat "$tmp/uninstall.log"
		fail "make uninstall"
		return
	fi
	left=$(find "$root" ! -type d)
	[ -z "$left" ] || fail "make uninstall left: $left"
}

layout=$(run_make -s print-install-layout) || {
	echo "$top_builddir: make print-install-layout failed"
	exit 99
}
bindir=$(layout_value bindir)
sbindir=$(layout_value sbindir)
sysconfdir=$(layout_value sysconfdir)
localstatedir=$(layout_value localstatedir)
runstatedir=$(layout_value runstatedir)
nftincludedir=$(layout_value nftincludedir)
mandir=$(layout_value mandir)
pkgdatadir=$(layout_value pkgdatadir)
systemdsystemunitdir=$(layout_value systemdsystemunitdir)
logrotatedir=$(layout_value logrotatedir)
openwrtinitdir=$(layout_value openwrtinitdir)
openwrtconfigdir=$(layout_value openwrtconfigdir)

if ! run_make install DESTDIR="$root" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "FAIL: make install DESTDIR=$root"
	exit 1
fi
check_programs
check_paths
check_manuals
check_lists
check_systemd
check_logrotate
check_openwrt
verify_unit
check_uninstall

echo "$checked files checked, $failed failures"
[ "$failed" -eq 0 ]
