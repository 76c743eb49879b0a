# Helpers for the Makefile tests: a scratch directory removed on exit, and
# make run from the top of the tree with the build going there.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
TMP=$(mktemp -d "${TMPDIR:-/tmp}/oakley-build-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# tmake ARGS...: make in the tree, building into $TMP/b, output in $TMP/out;
# returns make's status.  MAKEFLAGS from a calling make are dropped so
# that its -j or WERROR do not leak in.
tmake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u WERROR make --no-print-directory -C "$ROOT" \
		BUILD="$TMP/b" "$@" >"$TMP/out" 2>&1
}
