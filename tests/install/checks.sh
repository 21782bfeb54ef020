# checks.sh: sourced by the package tests (deb.sh, openwrt.sh).  The
# checks look under $root, count into checked and failed.
failed=0
checked=0

fail() {
	echo "FAIL: $*"
	failed=$((failed + 1))
}

# $2 (or $1 without -x) is in the package, executable with -x.
expect() {
	checked=$((checked + 1))
	if [ "$1" = -x ]; then
		[ -f "$root$2" ] && [ -x "$root$2" ] ||
		    fail "$2: not in the package, or not executable"
	else
		[ -e "$root$1" ] || fail "$1: not in the package"
	fi
}

# Packaged file $1 has the line $2.
expect_line() {
	grep -qxF -- "$2" "$root$1" 2>/dev/null || fail "$1: no line '$2'"
}

# Copy the files git tracks in $top_srcdir, as a clone has them, to $1.
copy_tree() {
	mkdir -p "$1" &&
	    (cd "$top_srcdir" && git ls-files -z | xargs -0 tar -cf - --) |
	    (cd "$1" && tar -xf -)
}
