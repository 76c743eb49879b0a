# Shared by tests/install/t_*.sh: counted checks and a count line that
# scripts/check.sh adds up ("NAME: N passed, M failed").
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() { # check WHAT CMD...: counted by CMD's status
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
finish() { # finish NAME
	echo "$1: $pass passed, $fail failed"
	[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
}
