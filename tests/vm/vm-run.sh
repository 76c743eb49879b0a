#!/bin/bash
# Run a script as root inside a throw-away VM with a stock Debian kernel
# (real ESP), on the host's own root filesystem.
#
#   tests/vm/vm-run.sh [-m MEM_MB] [-t TIMEOUT_S] [-s SHARE_DIR] [-e NAME=VALUE]...
#                      SCRIPT [ARGS...]
#
# Inside: the host's / over 9p (read-only) under a tmpfs overlay, so writes
# anywhere work and vanish (/tmp too: host files show through); fresh /proc
# /sys /dev /run; the modules of
# modules.list loaded, any other module on demand.  SCRIPT (a host path,
# the same path inside) runs from the current directory with no stdin; its
# stdout and stderr come back on ours and its exit code is ours.
#
# -s DIR (or VM_SHARE=DIR): a writable host directory mounted at the same
#   path inside; what the script writes there (logs, pcaps) stays on the host.
#   Inside, VM_SHARE names it.
# -j: join the script's stderr to its stdout inside the VM (one ordered
#   stream on our stdout).
# -e NAME=VALUE: set in the script's environment (repeatable).
# -t: kill the VM after this many seconds (default 600, VM_TIMEOUT); exit 124.
#   The script itself gets SIGTERM (then SIGKILL 10 s later) about 25 s
#   before, so that its exit traps can save logs.
# -m: memory in MiB (default 1024, VM_MEM).
# VM_SMP: virtual CPUs (default 1: on a busy 2-core host, 2 vCPUs under TCG
#   made everything 1.5-3x slower).  VM_CPU: qemu -cpu model (default max).
# VM_APPEND: more kernel command line (e.g. loglevel=7 initcall_debug).
# VM_VERBOSE=1 copies the VM console (kernel and init messages) to stderr;
# it is printed anyway when the VM fails to boot or times out.
# Exit codes: the script's; 124 timeout; 125 the VM did not run the script.
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
MEM=${VM_MEM:-1024}
TIMEOUT=${VM_TIMEOUT:-600}
SHARE=${VM_SHARE:-}
ENVS=()
JOIN=0

usage() {
	sed -n '2,/^set -u/p' "$0" | sed -e '/^set -u/d' -e 's/^# \{0,1\}//' >&2
	exit 2
}

while getopts "m:t:s:e:jh" opt; do
	case $opt in
	m) MEM=$OPTARG ;;
	t) TIMEOUT=$OPTARG ;;
	s) SHARE=$OPTARG ;;
	e) ENVS+=("$OPTARG") ;;
	j) JOIN=1 ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
[ $# -ge 1 ] || usage

SCRIPT=$(realpath -e -- "$1" 2>/dev/null) || { echo "vm-run: $1: no such file" >&2; exit 2; }
shift
if [ -n "$SHARE" ]; then
	mkdir -p "$SHARE" && SHARE=$(realpath -e -- "$SHARE") || exit 2
fi

KDIR=$("$HERE/setup.sh") || { echo "vm-run: setup failed" >&2; exit 125; }
KERNEL=$KDIR/vmlinux
[ -f "$KERNEL" ] || KERNEL=$KDIR/root/boot/vmlinuz-$(cat "$KDIR/kver")

case $TIMEOUT in '' | *[!0-9]*) echo "vm-run: -t $TIMEOUT: want seconds" >&2; exit 2 ;; esac
INNER=$((TIMEOUT - 25))
[ "$INNER" -ge $((TIMEOUT / 2)) ] || INNER=$((TIMEOUT / 2))
[ "$INNER" -ge 1 ] || INNER=1

CTL=$(mktemp -d /tmp/vm-ctl.XXXXXX)
QPID=""
TPIDS=()
cleanup() {
	[ -n "$QPID" ] && kill "$QPID" 2>/dev/null
	[ ${#TPIDS[@]} -gt 0 ] && kill "${TPIDS[@]}" 2>/dev/null
	rm -rf "$CTL"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Single-quote for the guest's /bin/sh.
q() { printf "'%s'" "$(printf %s "$1" | sed "s/'/'\\\\''/g")"; }

{
	echo "VM_KDIR=$(q "$KDIR")"
	echo "VM_SHARE=$(q "$SHARE")"
} >"$CTL/boot.conf"

{
	echo 'export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
	echo 'export HOME=/root LANG=C.UTF-8 LC_ALL=C.UTF-8 SHELL=/bin/sh USER=root LOGNAME=root'
	echo "export VM_SHARE=$(q "$SHARE") VM_KVER=$(q "$(cat "$KDIR/kver")") IN_VM=1"
	for e in ${ENVS[@]+"${ENVS[@]}"}; do
		case $e in
		[A-Za-z_]*=*) echo "export ${e%%=*}=$(q "${e#*=}")" ;;
		*) echo "vm-run: -e $e: want NAME=VALUE" >&2; exit 2 ;;
		esac
	done
	echo ': >/run/vm/started'
	echo "cd $(q "$PWD") 2>/dev/null || cd /"
	printf 'if [ -x %s ]; then set -- %s; else set -- /bin/sh %s; fi\n' \
		"$(q "$SCRIPT")" "$(q "$SCRIPT")" "$(q "$SCRIPT")"
	# The script gets SIGTERM before we kill the VM, so its exit traps
	# (lib.sh copies its logs out) run.
	printf 'timeout -k 10 %d "$@"' "$INNER"
	for a in "$@"; do printf ' %s' "$(q "$a")"; done
	if [ "$JOIN" = 1 ]; then
		echo ' </dev/null >/run/vm/stdout 2>&1'
	else
		echo ' </dev/null >/run/vm/stdout 2>/run/vm/stderr'
	fi
	echo 'rc=$?'
	echo 'echo $rc >/run/vm/rc'
	echo 'exit $rc'
} >"$CTL/stage2"
: >"$CTL/stdout"
: >"$CTL/stderr"
: >"$CTL/console"

VIRTFS=(-virtfs "local,path=/,mount_tag=host,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$CTL,mount_tag=vmctl,security_model=none,multidevs=remap")
[ -n "$SHARE" ] &&
	VIRTFS+=(-virtfs "local,path=$SHARE,mount_tag=vmshare,security_model=none,multidevs=remap")

T0=$(date +%s.%N)
qemu-system-x86_64 -nodefaults -no-user-config -display none -no-reboot \
	-accel tcg,thread=multi -cpu "${VM_CPU:-max}" -smp "${VM_SMP:-1}" -m "$MEM" \
	-kernel "$KERNEL" -initrd "$KDIR/initramfs.gz" \
	-append "console=ttyS0 quiet loglevel=4 panic=-1 mitigations=off random.trust_cpu=on ${VM_APPEND:-}" \
	-chardev "file,id=con,path=$CTL/console" -serial chardev:con \
	"${VIRTFS[@]}" </dev/null >"$CTL/qemu.out" 2>&1 &
QPID=$!

tail -n +1 -s 0.2 -f --pid="$QPID" "$CTL/stdout" &
TPIDS+=($!)
tail -n +1 -s 0.2 -f --pid="$QPID" "$CTL/stderr" >&2 &
TPIDS+=($!)
if [ "${VM_VERBOSE:-0}" = 1 ]; then
	tail -n +1 -s 0.2 -f --pid="$QPID" "$CTL/console" | sed 's/\r$//; s/^/vm-console: /' >&2 &
	TPIDS+=($!)
fi

# Watchdog: qemu exits by itself when the VM powers off.
timed_out=0
deadline=$(($(date +%s) + TIMEOUT))
while kill -0 "$QPID" 2>/dev/null; do
	if [ "$(date +%s)" -ge "$deadline" ]; then
		timed_out=1
		kill "$QPID" 2>/dev/null
		break
	fi
	sleep 0.2
done
wait "$QPID" 2>/dev/null
qrc=$?
QPID=""
T1=$(date +%s.%N)
# The tails end by themselves after a last read once qemu is gone.
wait "${TPIDS[@]}" 2>/dev/null
TPIDS=()

show_console() {
	echo "vm-run: ---- VM console ----" >&2
	sed 's/\r$//' "$CTL/console" | tail -n 60 >&2
	[ -s "$CTL/qemu.out" ] && { echo "vm-run: ---- qemu ----" >&2; cat "$CTL/qemu.out" >&2; }
	echo "vm-run: ----" >&2
}

took() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
if [ -f "$CTL/started" ]; then
	TS=$(stat -c %.9Y "$CTL/started")
	timing="boot $(took "$T0" "$TS")s, script $(took "$TS" "$T1")s"
else
	timing="total $(took "$T0" "$T1")s"
fi

if [ "$timed_out" = 1 ]; then
	echo "vm-run: $(basename "$SCRIPT"): timed out after ${TIMEOUT}s ($timing)" >&2
	[ "${VM_VERBOSE:-0}" = 1 ] || show_console
	exit 124
fi
if [ ! -s "$CTL/rc" ]; then
	echo "vm-run: $(basename "$SCRIPT"): the VM ended without an exit code (qemu rc $qrc, $timing)" >&2
	[ "${VM_VERBOSE:-0}" = 1 ] || show_console
	exit 125
fi
rc=$(cat "$CTL/rc")
echo "vm-run: $(basename "$SCRIPT"): exit $rc ($timing)" >&2
exit "$rc"
