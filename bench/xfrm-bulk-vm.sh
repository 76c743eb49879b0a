#!/bin/bash
# Installing N tunnels in a kernel with ESP (the test VM, tests/vm), batched
# and one ack at a time, side by side: bench/xfrm-bulk in a namespace of a
# fresh VM, rounds of install + remove:
#   1. batched (a warm-up: the kernel grows its hash tables and keeps them),
#   2. one request at a time, each waiting for its ack (xfrm-bulk -s),
#   3. batched again;
# then the times of rounds 2 and 3 and their ratio.  Figures, not
# assertions: TCG is slow and the host's load moves them.
#
#   bench/xfrm-bulk-vm.sh [-n N] [-H BITS|none] [BUILD]
#
# N tunnels (default 10000); -H: the kernel's IPv4 policy hash thresholds
# for /24 selectors (default 24; "none" keeps the kernel's /32, where
# 10,000 /24 tunnels take minutes: see src/kernel/xfrm.h).  BUILD (default
# build) holds xfrm-bulk (make all).  VM_CACHE as for tests/vm/run.sh.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)

if [ -z "${IN_VM:-}" ]; then
	N=10000 H=24
	while getopts "n:H:h" opt; do
		case $opt in
		n) N=$OPTARG ;;
		H) H=$OPTARG ;;
		*) sed -n '2,/^set -eu/p' "$0" | sed -e '/^set -eu/d' -e 's/^# \{0,1\}//' >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	BUILD=$(realpath -e -- "${1:-$HERE/../build}")
	[ -x "$BUILD/xfrm-bulk" ] || { echo "xfrm-bulk-vm: no $BUILD/xfrm-bulk (make all)" >&2; exit 2; }
	# "none" costs about eight minutes a round under TCG.
	exec "$HERE/../tests/vm/vm-run.sh" -j -t 3600 -m 1024 -e "BULK_N=$N" -e "BULK_H=$H" \
		"$HERE/xfrm-bulk-vm.sh" "$BUILD"
fi

# Inside the VM.
. "$HERE/../tests/vm/lib.sh"
require_esp
TOOL=$BUILD/xfrm-bulk
NS=xbench
make_ns "$NS"
H=()
[ "$BULK_H" = none ] || H=(-H "$BULK_H")

# bulk VAR ARGS...: one xfrm-bulk run, its milliseconds into VAR.
bulk() {
	local _v=$1 out
	shift
	out=$(ip netns exec "$NS" "$TOOL" -n "$BULK_N" ${H[@]+"${H[@]}"} "$@") || fail "xfrm-bulk $*: $out"
	echo "$out"
	[[ $out =~ ms=([0-9]+) ]] || fail "xfrm-bulk $*: no time in: $out"
	printf -v "$_v" '%d' "${BASH_REMATCH[1]}"
}
ratio() { # a/b with two decimals
	local r=$(($1 * 100 / ($2 ? $2 : 1)))
	printf '%d.%02d' $((r / 100)) $((r % 100))
}

log "$BULK_N tunnels, policy hash thresholds: $BULK_H"
bulk W_ADD install
bulk W_DEL remove
bulk S_ADD -s install
bulk S_DEL -s remove
bulk B_ADD install
bulk B_DEL remove
printf '\n%-8s %12s %12s %8s\n' "$BULK_N" "batched ms" "1 ack ms" ratio
printf '%-8s %12d %12d %7sx\n' install "$B_ADD" "$S_ADD" "$(ratio "$S_ADD" "$B_ADD")"
printf '%-8s %12d %12d %7sx\n' remove "$B_DEL" "$S_DEL" "$(ratio "$S_DEL" "$B_DEL")"
printf '(warm-up round, batched: install %d ms, remove %d ms)\n' "$W_ADD" "$W_DEL"
