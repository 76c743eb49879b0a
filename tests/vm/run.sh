#!/bin/bash
# Entry point of `make check-vm`: run selftest.sh, then every tests/vm/t_*.sh,
# each in a fresh VM (tests/vm/vm-run.sh), and print "vm: N passed, M failed".
#
#   tests/vm/run.sh BUILD_DIR [NAME...]
#
# NAME picks scenarios (t_foo or t_foo.sh; selftest too); default all.
# Each scenario gets the absolute BUILD_DIR as $1 and a writable dir
# BUILD_DIR/vm-out/NAME (VM_SHARE inside; lib.sh puts T_OUT under it) whose
# logs and captures stay on the host.  Its console output is in
# BUILD_DIR/vm-out/NAME.log.
#
# A scenario may ask for more with header lines:  # vm-timeout: 900
#                                                  # vm-mem: 2048
# Several scenarios run one after another in a single VM (batch.sh): a boot
# costs 4-7 s under TCG, more on a busy host.  Each scenario cleans up after
# itself (lib.sh kills its processes and deletes its namespaces) and
# batch.sh deletes any namespace left behind; scenarios change nothing
# outside their namespaces.  VM_ONE_BOOT=0 gives each its own fresh VM
# (for a scenario suspected of breaking the next).  VM_SKIP_SELFTEST=1
# skips the selftest.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
[ $# -ge 1 ] || { echo "usage: $0 BUILD_DIR [NAME...]" >&2; exit 2; }
mkdir -p "$1"
BUILD=$(realpath -e -- "$1")
shift
OUT=$BUILD/vm-out
mkdir -p "$OUT"

# Host programs the scenarios use inside the VM (they run the host's binaries).
missing=""
for t in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static depmod:kmod cpio:cpio \
	/usr/lib/ipsec/charon:strongswan-charon swanctl:strongswan-swanctl ip:iproute2 \
	nsenter:util-linux unshare:util-linux ping:iputils-ping; do
	command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
done
if [ -n "$missing" ]; then
	echo "vm: missing host packages:$missing" >&2
	echo "vm: install with: apt-get install -y$missing" >&2
	echo "vm: 0 passed, 1 failed"
	exit 1
fi

# Set up the kernel and initramfs once, before the clock of the first test.
"$HERE/setup.sh" >/dev/null || { echo "vm: 0 passed, 1 failed"; exit 1; }

tests=()
if [ $# -gt 0 ]; then
	for n in "$@"; do
		n=${n%.sh}
		n=${n##*/}
		[ -f "$HERE/$n.sh" ] || { echo "vm: no scenario $HERE/$n.sh" >&2; exit 2; }
		tests+=("$HERE/$n.sh")
	done
else
	[ "${VM_SKIP_SELFTEST:-0}" = 1 ] || tests+=("$HERE/selftest.sh")
	for t in "$HERE"/t_*.sh; do
		[ -f "$t" ] && tests+=("$t")
	done
fi

header() { sed -n "s/^# $2: *\\([0-9][0-9]*\\).*/\\1/p" "$1" | head -n1; }

passed=0
failed=0
failures=()
t_all=$SECONDS

record() {
	local name=$1 rc=$2 secs=$3
	if [ "$rc" -eq 0 ]; then
		passed=$((passed + 1))
		echo "vm: PASS $name (${secs}s)"
	else
		failed=$((failed + 1))
		failures+=("$name")
		echo "vm: FAIL $name (exit $rc, ${secs}s): output in $OUT/$name.log, files in $OUT/$name/"
	fi
}

if [ "${VM_ONE_BOOT:-1}" = 1 ] && [ ${#tests[@]} -gt 1 ]; then
	# One VM: batch.sh runs each scenario and writes NAME.rc beside its log.
	# It gets the sum of their time limits and the most memory any asks for.
	timeout=0
	mem=1024
	for t in "${tests[@]}"; do
		n=$(header "$t" vm-timeout)
		timeout=$((timeout + ${n:-600}))
		n=$(header "$t" vm-mem)
		[ "${n:-0}" -le "$mem" ] || mem=$n
		rm -rf "${OUT:?}/$(basename "$t" .sh)" "$OUT/$(basename "$t" .sh).rc" "$OUT/$(basename "$t" .sh).secs"
	done
	"$HERE/vm-run.sh" -j -t "$timeout" -m "$mem" -s "$OUT" "$HERE/batch.sh" "$BUILD" "${tests[@]}"
	for t in "${tests[@]}"; do
		name=$(basename "$t" .sh)
		rc=$(cat "$OUT/$name.rc" 2>/dev/null || echo 125)
		record "$name" "$rc" "$(cat "$OUT/$name.secs" 2>/dev/null || echo "?")"
	done
else
	for t in "${tests[@]}"; do
		name=$(basename "$t" .sh)
		rm -rf "${OUT:?}/$name"
		mkdir -p "$OUT/$name"
		args=(-j -s "$OUT")
		n=$(header "$t" vm-timeout)
		[ -z "$n" ] || args+=(-t "$n")
		n=$(header "$t" vm-mem)
		[ -z "$n" ] || args+=(-m "$n")
		echo "vm: ---- $name"
		s=$SECONDS
		"$HERE/vm-run.sh" "${args[@]}" "$t" "$BUILD" 2>&1 | tee "$OUT/$name.log"
		rc=${PIPESTATUS[0]}
		record "$name" "$rc" $((SECONDS - s))
	done
fi

echo "vm: total $((SECONDS - t_all))s${failures[0]+; failed:}${failures[*]+ ${failures[*]}}"
echo "vm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
