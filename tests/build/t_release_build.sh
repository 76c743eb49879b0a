#!/bin/bash
# The build users get: the plain optimised build, with warnings made fatal
# as CI builds it, hardened as the Makefile says (_FORTIFY_SOURCE checks,
# PIE, full RELRO).  It builds in the tree's build/ (make check's net-O2
# suite runs the same binaries).
. "$(dirname "$0")/lib.sh"

env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$ROOT" -j2 WERROR=1 all \
	>"$TMP/out" 2>&1 || fail "make WERROR=1 failed: $(grep -E 'error:|warning:' "$TMP/out" | head -n 10)"
for bin in oakleyd oakleyctl; do
	f=$ROOT/build/$bin
	[ -x "$f" ] || fail "no $f"
	readelf -h "$f" | grep -q 'Type:.*DYN' || fail "$bin is not PIE"
	readelf -d "$f" | grep -q 'BIND_NOW' || fail "$bin has no BIND_NOW (full RELRO)"
	readelf -lW "$f" | grep -q 'GNU_RELRO' || fail "$bin has no RELRO segment"
done
# _FORTIFY_SOURCE at -O2 turns the bounded string calls into checked ones.
readelf -sW "$ROOT/build/oakleyd" | grep -q '__snprintf_chk' ||
	fail "oakleyd has no _FORTIFY_SOURCE checked calls"
echo ok
