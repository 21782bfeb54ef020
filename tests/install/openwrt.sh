#!/bin/sh
# The OpenWrt recipe (service/openwrt/Makefile) as far as it runs off
# OpenWrt: configure a build of this tree with the recipe's
# CONFIGURE_ARGS (and OpenWrt's --prefix=/usr), make install into a
# staging directory as the build system's PKG_INSTALL does, then run
# the recipe's Package/embargo/install with OpenWrt's INSTALL_* macros
# spelled out, and check the package root: every file in place, every
# conffile present, the directories OpenWrt uses in the scripts, the
# init script valid for busybox ash, and the packaged embargod accepting
# the configuration the init script makes from the packaged UCI
# defaults.  Native compiler, not OpenWrt's: the cross build is
# tests/cross.  Run by .ci/run; by hand: sh tests/install/openwrt.sh
# [WORKDIR].
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
recipe=$top_srcdir/service/openwrt/Makefile
command -v git >/dev/null 2>&1 || { echo "skip: git not installed"; exit 77; }

if [ $# -ge 1 ]; then
	work=$1
	rm -rf "$work" && mkdir -p "$work" || exit 99
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/embargo-openwrt.XXXXXX") || exit 99
	trap 'rm -rf "$work"' EXIT
fi
trap 'exit 1' HUP INT TERM
work=$(cd "$work" && pwd)
# shellcheck source=tests/install/checks.sh
. "$top_srcdir/tests/install/checks.sh"

# Print the make "define NAME" block of the recipe, continuation lines
# joined.
recipe_block() {
	sed -n "\\|^define $1\$|,\\|^endef|p" "$recipe" | sed '1d;$d' |
	    sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta'
}

args=$(sed -n '/^CONFIGURE_ARGS += /,/^$/p' "$recipe" |
    sed -e 's/^CONFIGURE_ARGS += //' -e 's/\\$//' | tr -s ' \t\n' ' ')
[ -n "$args" ] || { echo "ERROR: no CONFIGURE_ARGS in $recipe"; exit 99; }
echo "== configure --prefix=/usr$args"
# A clean copy (the files git tracks), as the release tarball has them;
# PKG_FIXUP:=autoreconf regenerates configure.
mkdir -p "$work/staging" "$work/pkg"
copy_tree "$work/build" || { echo "ERROR: cannot copy the tree"; exit 99; }
# shellcheck disable=SC2086 # the recipe's arguments, split on purpose
if ! (cd "$work/build" && unset MAKEFLAGS MFLAGS MAKELEVEL &&
    autoreconf -fi && ./configure --prefix=/usr $args CFLAGS='-O2' &&
    make -j2 && make install DESTDIR="$work/staging") \
    >"$work/build.log" 2>&1; then
	tail -40 "$work/build.log"
	echo "FAIL: build and make install with the recipe's arguments"
	exit 1
fi

# Package/embargo/install, with include/package.mk's macros.
recipe_block Package/embargo/install |
    sed -e 's/\$(INSTALL_DIR)/install -d -m0755/g' \
	-e 's/\$(INSTALL_BIN)/install -m0755/g' \
	-e 's/\$(INSTALL_DATA)/install -m0644/g' \
	-e 's/\$(INSTALL_CONF)/install -m0600/g' \
	-e "s|\$(PKG_INSTALL_DIR)|$work/staging|g" \
	-e "s|\$(1)|$work/pkg|g" >"$work/install.sh"
if grep -q '\$(' "$work/install.sh"; then
	fail "Package/embargo/install uses a macro this test does not know:" \
	    "$(grep '\$(' "$work/install.sh")"
fi
if ! sh -e "$work/install.sh" >"$work/install.log" 2>&1; then
	cat "$work/install.log"
	fail "Package/embargo/install"
fi

root=$work/pkg

expect -x /usr/sbin/embargod
expect -x /usr/bin/embargoctl
expect -x /usr/sbin/embargo-firewall
expect -x /usr/sbin/embargo-update-lists
expect -x /etc/init.d/embargod
expect /etc/config/embargod
expect /usr/share/nftables.d/ruleset-post/50-embargod.nft
for f in "$top_srcdir"/lists/*; do
	expect "/usr/share/embargo/lists/${f##*/}"
done
for c in $(recipe_block Package/embargo/conffiles); do
	expect "$c"
done
if [ -e "$root/lib/systemd" ] || [ -e "$root/etc/logrotate.d" ]; then
	fail "a systemd unit or logrotate snippet in the OpenWrt package"
fi

expect_line /usr/share/nftables.d/ruleset-post/50-embargod.nft \
    'include "/var/run/embargo-firewall/*.nft"'
expect_line /etc/init.d/embargod "EMBARGO_RUNSTATEDIR=/var/run"
expect_line /etc/init.d/embargod "EMBARGO_SBINDIR=/usr/sbin"
expect_line /usr/sbin/embargo-update-lists "EMBARGO_SYSCONFDIR=/etc"
expect_line /usr/sbin/embargo-update-lists "EMBARGO_LOCALSTATEDIR=/var"
grep -q -a -F /var/run/embargo/embargod.sock "$root/usr/bin/embargoctl" ||
    fail "embargoctl does not name /var/run/embargo/embargod.sock"
head -n 1 "$root/etc/init.d/embargod" | grep -qx '#!/bin/sh /etc/rc.common' ||
    fail "/etc/init.d/embargod: not an rc.common script"
if command -v busybox >/dev/null 2>&1; then
	for s in /etc/init.d/embargod /usr/sbin/embargo-firewall \
	    /usr/sbin/embargo-update-lists; do
		busybox ash -n "$root$s" || fail "$s: busybox ash -n"
	done
fi

# The packaged UCI defaults through the packaged init script (the
# generation test's stubs stand in for functions.sh), then the packaged
# daemon on the packaged lists.
if out=$(top_builddir="$work/build" sh "$top_srcdir/service/openwrt/test-config.sh" 2>&1); then
	echo "ok: the init script test: $(printf '%s\n' "$out" | tail -n 2 | tr '\n' ' ')"
else
	printf '%s\n' "$out"
	fail "service/openwrt/test-config.sh"
fi
if out=$("$root/usr/sbin/embargod" -n \
    -f "$top_srcdir/service/openwrt/expected/default.conf" \
    -L "$root/usr/share/embargo/lists" 2>&1); then
	echo "ok: the packaged embargod accepts the UCI defaults: $out"
else
	fail "the packaged embargod refuses the UCI defaults: $out"
fi

echo "$checked files checked, $failed failures"
[ "$failed" -eq 0 ]
