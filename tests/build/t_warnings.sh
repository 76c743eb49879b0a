#!/bin/bash
# A compiler warning is shown by the plain `make` a user types but does not
# fail it; `make WERROR=1` (CI, make check) fails on it.  The warning is
# planted with -include, so it does not depend on the code.
. "$(dirname "$0")/lib.sh"

echo 'static int planted_unused_variable;' >"$TMP/warn.h"
cc="gcc -include $TMP/warn.h"
obj=$TMP/b/obj/src/util/buf.o

tmake CC="$cc" "$obj" || fail "the plain make failed on a warning: $(cat "$TMP/out")"
grep -q "planted_unused_variable.*-Wunused-variable" "$TMP/out" ||
	fail "the warning was not shown: $(cat "$TMP/out")"
[ -f "$obj" ] || fail "no object after the plain make"

# Same object, now with WERROR=1: the changed flags compile it again.
tmake CC="$cc" WERROR=1 "$obj" && fail "make WERROR=1 succeeded despite a warning"
grep -q "error: .*planted_unused_variable" "$TMP/out" ||
	fail "make WERROR=1 did not fail on the warning: $(cat "$TMP/out")"

# Without the planted warning the same source builds with WERROR=1.
tmake WERROR=1 "$obj" || fail "make WERROR=1 failed on clean code: $(cat "$TMP/out")"
echo ok
