#!/bin/sh
# Every manual page, as built, passes mandoc -Tlint at warning level
# (cross-references to pages not yet installed are only style notes).
: "${top_builddir:=.}"
command -v mandoc >/dev/null 2>&1 || { echo "mandoc not installed"; exit 77; }
out=$(mandoc -Tlint -W warning "$top_builddir"/man/*.[1-9] 2>&1)
[ -z "$out" ] && { echo "ok: $(ls "$top_builddir"/man/*.[1-9] | wc -l) pages"; exit 0; }
echo "$out"
exit 1
