#!/bin/sh
# tests/cross/run.sh ARCH: cross-build embargod and the unit tests for
# another CPU and run every unit test under qemu-user.
#
#   s390x   big-endian, 64-bit   (s390x-linux-gnu-gcc, qemu-s390x)
#   armhf   little-endian, 32-bit (arm-linux-gnueabihf-gcc, qemu-arm)
#
# Needs (Debian 12): mmdebstrap, qemu-user (or qemu-user-static), and
# gcc-s390x-linux-gnu or gcc-arm-linux-gnueabihf; run as root (the
# sysroot is made with mmdebstrap --mode=root; as another user set
# EMBARGO_CROSS_MODE=unshare).
#
# The target's libraries come from a sysroot of Debian 12 for ARCH that
# this script makes with mmdebstrap --variant=extract (the -dev packages
# and what they depend on, unpacked, nothing run) under
# build-cross/ARCH/sysroot and reuses while its package list is the
# same.  The sources are copied (git ls-files: tracked and new files)
# to build-cross/ARCH/src, so an in-tree build is left alone, and built
# out of tree in build-cross/ARCH/obj with --host and pkg-config
# pointed into the sysroot.  make check then runs the CMocka programs
# through tests/cross/exec (qemu-ARCH -L sysroot); the integration
# tests are in the list but skip (EMBARGO_SKIP_INTEGRATION=1): they need
# the real kernel's netfilter, not emulation.  test_sandbox skips too:
# qemu-user loads no seccomp filter, so there its test_filter alone
# checks the filter, run as BPF over ARCH's system call numbers.  The
# automake summary is printed; the exit status is make check's.  About
# three minutes from cold, half a minute warm.
#
# Environment: EMBARGO_CROSS_DIR (default: build-cross in the source
# tree), EMBARGO_CROSS_MIRROR (Debian mirror; default: the one apt
# uses), EMBARGO_CROSS_SUITE (default: bookworm).
set -eu

usage() {
	echo "usage: tests/cross/run.sh s390x|armhf" >&2
	exit 2
}
[ $# -eq 1 ] || usage
arch=$1
case $arch in
s390x)	triplet='s390x-linux-gnu' qemu='qemu-s390x' ;;
armhf)	triplet='arm-linux-gnueabihf' qemu='qemu-arm' ;;
*)	usage ;;
esac

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
root=${EMBARGO_CROSS_DIR:-$top/build-cross}/$arch
sysroot=$root/sysroot
suite=${EMBARGO_CROSS_SUITE:-bookworm}
# The target's libraries: what configure asks for, OpenSSL and libpcap.
packages='libc6-dev libnetfilter-queue-dev libmnl-dev libc-ares-dev'
packages="$packages libevent-dev libidn2-dev libseccomp-dev libcmocka-dev"
packages="$packages libssl-dev libpcap-dev"

die() {
	echo "tests/cross/run.sh: $*" >&2
	exit 1
}
need() {	# command, Debian package
	command -v "$1" >/dev/null 2>&1 ||
	    die "$1 not found (apt-get install $2)"
}
need "$triplet-gcc" "gcc-$triplet"
need mmdebstrap mmdebstrap
need pkg-config pkg-config
command -v "$qemu" >/dev/null 2>&1 || qemu=$qemu-static
need "$qemu" qemu-user

# The Debian mirror apt is set up with: the first deb line (one-line
# or deb822 format) for $suite; deb.debian.org when there is none.
mirror() {
	if [ -n "${EMBARGO_CROSS_MIRROR:-}" ]; then
		echo "$EMBARGO_CROSS_MIRROR"
		return
	fi
	m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
	    2>/dev/null | sed -e 's/\[[^]]*\]//' |
	    awk -v s="$suite" '$1 == "deb" && $3 == s { print $2; exit }')
	[ -n "$m" ] || m=$(cat /etc/apt/sources.list.d/*.sources \
	    2>/dev/null | awk -v s="$suite" '
		/^[ \t]*$/ { if (ok && deb && uri != "") { print uri; exit }
		    ok = deb = 0; uri = ""; next }
		tolower($1) == "types:" {
		    for (i = 2; i <= NF; i++) if ($i == "deb") deb = 1 }
		tolower($1) == "uris:" { uri = $2 }
		tolower($1) == "suites:" {
		    for (i = 2; i <= NF; i++) if ($i == s) ok = 1 }
		END { if (ok && deb && uri != "") print uri }' | head -n 1)
	echo "${m:-http://deb.debian.org/debian}"
}

# ---------------------------------------------------------------- sysroot
# Kept while the stamp (suite and package list) is the same.
stamp="$suite $packages"
if [ -f "$sysroot/.embargo-sysroot" ] &&
    [ "$(cat "$sysroot/.embargo-sysroot")" = "$stamp" ]; then
	echo "=== sysroot: $sysroot (cached)"
else
	url=$(mirror)
	echo "=== sysroot: Debian $suite $arch from $url into $sysroot"
	rm -rf "$sysroot" "$sysroot.new"
	mkdir -p "$root"
	mmdebstrap --quiet --variant=extract \
	    --mode="${EMBARGO_CROSS_MODE:-auto}" --architectures="$arch" \
	    --include="$(echo "$packages" | tr ' ' ,)" \
	    "$suite" "$sysroot.new" "$url" </dev/null
	# The -dev packages' absolute links (libm.so ->
	# /lib/ARCH/libm.so.6) would point into the build machine: make
	# them relative, inside the sysroot.
	find "$sysroot.new" -type l | while read -r link; do
		target=$(readlink "$link")
		case $target in
		/*)	rel=$(realpath -m --relative-to="$(dirname "$link")" \
			    "$sysroot.new$target")
			ln -sfn "$rel" "$link" ;;
		esac
	done
	echo "$stamp" >"$sysroot.new/.embargo-sysroot"
	mv "$sysroot.new" "$sysroot"
fi

# ---------------------------------------------------------------- sources
src=$root/src
obj=$root/obj
mkdir -p "$src" "$obj"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	# tar keeps the times: unchanged files are not rebuilt.
	# shellcheck disable=SC2016
	(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	    xargs -0 sh -c 'for f; do [ -e "$f" ] && printf "%s\n" "$f"; done' sh |
	    tar -cf - -T -) | tar -xf - -C "$src"
else
	[ ! -f "$top/config.status" ] ||
	    die "$top is configured in place and is no git tree: make distclean first"
	src=$top
fi
[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi)

# ---------------------------------------------------------------- build
export PKG_CONFIG_SYSROOT_DIR="$sysroot"
pcdir="$sysroot/usr/lib/$triplet/pkgconfig:$sysroot/usr/share/pkgconfig"
if [ ! -f "$obj/config.status" ]; then
	echo "=== configure --host=$triplet"
	(cd "$obj" && "$src/configure" --host="$triplet" \
	    CC="$triplet-gcc --sysroot=$sysroot" \
	    PKG_CONFIG=pkg-config PKG_CONFIG_LIBDIR="$pcdir" \
	    PKG_CONFIG_PATH= \
	    CFLAGS='-O2 -g -Werror' \
	    --without-systemdsystemunitdir >configure.out 2>&1) ||
	    { tail -40 "$obj/configure.out"; tail -60 "$obj/config.log";
	      rm -f "$obj/config.status"; exit 1; }
fi
echo "=== make ($triplet-gcc)"
make -C "$obj" -j2 >"$obj/make.out" 2>&1 || { tail -60 "$obj/make.out"; exit 1; }
"$triplet-readelf" -h "$obj/src/embargod" |
    sed -n 's/^ *\(Class\|Data\|Machine\): */src\/embargod: /p'

# ---------------------------------------------------------------- check
echo "=== make check under $qemu"
status=0
rm -f "$obj/test-suite.log"
EMBARGO_QEMU=$qemu EMBARGO_SYSROOT=$sysroot EMBARGO_SKIP_INTEGRATION=1 \
    make -C "$obj" check-cross LOG_COMPILER="$here/exec" \
    >"$obj/check.out" 2>&1 || status=$?
grep -E '^(PASS|FAIL|SKIP|XFAIL|XPASS|ERROR):|^Testsuite summary|^# [A-Z]+: ' \
    "$obj/check.out" || true
if [ $status -ne 0 ]; then
	if [ -f "$obj/test-suite.log" ]; then
		sed -n -E '/^(FAIL|ERROR): /,/^(FAIL|ERROR) /p' \
		    "$obj/test-suite.log" | tail -150
	else	# it did not get to run the tests
		tail -40 "$obj/check.out"
	fi
fi
exit $status
