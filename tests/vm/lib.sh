# Helpers for VM scenarios (bash).  Source it first thing:
#
#   #!/bin/bash
#   . "$(dirname "$0")/lib.sh"
#
# It sets `set -eu` (not pipefail: `ip ... | grep -q` would fail whenever
# grep quits early and ip gets SIGPIPE), a cleanup trap (processes killed,
# namespaces deleted) and:
#   T_NAME   the scenario's name (script name without .sh)
#   T_OUT    a local directory for configs, logs, sockets and captures.
#            Under the harness (VM_SHARE set) it is copied at exit, pass or
#            fail, to T_KEEP = $VM_SHARE/T_NAME, which is on the host.
#            Outside the harness it is kept only on failure (or KEEP_OUT=1).
#            It is not on the share itself: unix sockets do not work on 9p,
#            and every log line written there is a round trip to the host.
#   BUILD    the build dir given as $1 by run.sh (absolute), may be empty
#
# Hosts are network namespaces; daemons run in them with a private /run.
# Everything the VM does vanishes at power-off; the cleanup is for runs on a
# host (e.g. `tests/vm/t_x.sh` run by hand on a kernel with ESP).

set -eu

# Bash builtins where a fork would do: every exec costs 0.1-0.3 s under TCG.
now_ms() { echo $((${EPOCHREALTIME/./} / 1000)); }

T_NAME=${0##*/}
T_NAME=${T_NAME%.sh}
T_START_MS=$(now_ms)
T_OUT=$(mktemp -d "/tmp/$T_NAME.XXXXXX")
if [ -n "${VM_SHARE:-}" ]; then
	T_KEEP=$VM_SHARE/$T_NAME
else
	T_KEEP=$T_OUT
fi
BUILD=${1:-${BUILD:-}}
case $BUILD in "" | /*) ;; *) BUILD=$PWD/$BUILD ;; esac

LIB_NS=()
LIB_PIDS=()
LIB_ATEXIT=()

# ---- messages and timing --------------------------------------------------

# Seconds since the scenario started, one decimal.
elapsed() {
	local d=$(($(now_ms) - T_START_MS))
	printf '%d.%d' $((d / 1000)) $((d % 1000 / 100))
}
log() { echo "[$(elapsed)s] $*"; }
fail() {
	echo "[$(elapsed)s] FAIL: $*" >&2
	exit 1
}
# timed VAR CMD...: run CMD, put the milliseconds it took in VAR; CMD's status.
timed() {
	local _v=$1 _s _rc=0
	shift
	_s=$(now_ms)
	"$@" || _rc=$?
	printf -v "$_v" '%d' $(($(now_ms) - _s))
	return $_rc
}

# Poll CMD every 0.2 s until it succeeds or TIMEOUT seconds pass.
#   wait_for 30 ping_ok a 10.1.0.1 10.2.0.1
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# ---- cleanup ----------------------------------------------------------------

# Run a shell command at exit (last registered runs first).
on_exit() { LIB_ATEXIT=("$1" ${LIB_ATEXIT[@]+"${LIB_ATEXIT[@]}"}); }

lib_cleanup() {
	local rc=$? c p ns
	set +e
	for c in ${LIB_ATEXIT[@]+"${LIB_ATEXIT[@]}"}; do eval "$c"; done
	for p in ${LIB_PIDS[@]+"${LIB_PIDS[@]}"}; do kill "$p" 2>/dev/null; done
	for p in ${LIB_PIDS[@]+"${LIB_PIDS[@]}"}; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$p" 2>/dev/null
	done
	for ns in ${LIB_NS[@]+"${LIB_NS[@]}"}; do ip netns del "$ns" 2>/dev/null; done
	if [ "$T_KEEP" != "$T_OUT" ]; then
		# Sockets and the like cannot be copied to 9p: skip them quietly.
		mkdir -p "$T_KEEP" && cp -r "$T_OUT/." "$T_KEEP/" 2>/dev/null
	fi
	if [ "$rc" -ne 0 ]; then
		echo "$T_NAME: failed (exit $rc); logs in $T_KEEP" >&2
	elif [ "$T_KEEP" = "$T_OUT" ] && [ "${KEEP_OUT:-0}" != 1 ]; then
		rm -rf "$T_OUT"
	fi
	exit "$rc"
}
trap lib_cleanup EXIT
trap 'exit 130' INT TERM

# ---- kernel -----------------------------------------------------------------

# True when the kernel takes an ESP SA (false on the build machine's kernel).
esp_supported() {
	local ns=espcheck$$ ok=1
	ip netns add "$ns" || return 1
	ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 \
		mode tunnel enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
		auth-trunc 'hmac(sha1)' 0x00112233445566778899aabbccddeeff00112233 96 \
		2>/dev/null && ok=0
	ip netns del "$ns"
	return $ok
}
require_esp() { esp_supported || fail "the kernel has no ESP (run this under tests/vm/vm-run.sh)"; }

# ---- hosts and links --------------------------------------------------------

# A host: a network namespace with lo up (IPv4 forwarding off).
make_ns() {
	ip netns add "$1"
	LIB_NS+=("$1")
	ip -n "$1" link set lo up
}

# ns_batch NS < commands: several `ip` commands in NS for the price of one exec,
# e.g. printf 'addr add %s dev x\nlink set x up\n' "$a" | ns_batch a
ns_batch() { ip -n "$1" -batch -; }

# Join two namespaces by a veth pair: link_ns A ADDR_A/LEN B ADDR_B/LEN
# Interfaces are named after the peer ("to-B" in A); IFA/IFB override.
link_ns() {
	local a=$1 aa=$2 b=$3 ab=$4
	local ia=${IFA:-to-$b} ib=${IFB:-to-$a}
	ia=${ia:0:15}
	ib=${ib:0:15}
	ip link add "$ia" netns "$a" type veth peer name "$ib" netns "$b"
	printf 'addr add %s dev %s\nlink set %s up\n' "$aa" "$ia" "$ia" | ns_batch "$a"
	printf 'addr add %s dev %s\nlink set %s up\n' "$ab" "$ib" "$ib" | ns_batch "$b"
}

# A protected subnet behind a host: the address (with its prefix) on a dummy
# link "sub0" in NS (on lo where dummy links do not exist).
add_subnet() {
	local ns=$1 cidr=$2
	if ip -n "$ns" link show sub0 >/dev/null 2>&1 ||
		ip -n "$ns" link add sub0 type dummy 2>/dev/null; then
		printf 'addr add %s dev sub0\nlink set sub0 up\n' "$cidr" | ns_batch "$ns"
	else
		ip -n "$ns" addr add "$cidr" dev lo
	fi
}

# add_route NS CIDR VIA
add_route() { ip -n "$1" route add "$2" via "$3"; }

# ping_ok NS SRC DST [COUNT]: COUNT pings (default 1) from SRC all answered.
ping_ok() { ip netns exec "$1" ping -q -n -c "${4:-1}" -i 0.2 -W 2 -I "$2" "$3" >/dev/null 2>&1; }

# ---- daemons ----------------------------------------------------------------

# Start CMD... in namespace NS, in its own mount namespace with a private
# /run, output to LOG.  The daemon's PID lands in BG_PID (and is killed at
# exit).  Enter its namespaces later with: nsenter -t PID -m -n -r -w CMD.
run_bg() {
	local ns=$1 logf=$2
	shift 2
	ip netns exec "$ns" unshare -m sh -c 'mount -t tmpfs -o mode=755 tmpfs /run && exec "$@"' \
		sh "$@" </dev/null >"$logf" 2>&1 &
	BG_PID=$!
	LIB_PIDS+=("$BG_PID")
}

# Write DIR/strongswan.conf for a charon in a namespace (INTEROP.md);
# EXTRA lines go inside `charon { }`, e.g. "i_dont_care_about_security_and_use_aggressive_mode_psk = yes".
charon_conf() {
	local dir=$1
	shift
	mkdir -p "$dir"
	cat >"$dir/strongswan.conf" <<EOF
charon {
	load = random nonce openssl pem pkcs1 x509 pubkey kernel-netlink socket-default vici
	install_routes = no
	filelog {
		out {
			path = $dir/charon.log
			time_format = %H:%M:%S
			default = 1
			ike = ${CHARON_IKE_LOG:-2}
			chd = ${CHARON_CHD_LOG:-1}
			knl = ${CHARON_KNL_LOG:-2}
		}
	}
$(for l in "$@"; do echo "	$l"; done)
}
swanctl {
	load = pem pkcs1 x509 pubkey openssl random
}
EOF
}

# Start charon in NS with DIR/strongswan.conf (written with charon_conf when
# absent) and wait until it answers on vici.  PID in DIR/charon.pid.
# Several at once start in parallel:  start_charon a "$T_OUT/a" b "$T_OUT/b"
start_charon() {
	local args=("$@") i
	for ((i = 0; i < ${#args[@]}; i += 2)); do
		local ns=${args[i]} dir=${args[i + 1]}
		[ -f "$dir/strongswan.conf" ] || charon_conf "$dir"
		run_bg "$ns" "$dir/charon.out" env STRONGSWAN_CONF="$dir/strongswan.conf" /usr/lib/ipsec/charon
		echo "$BG_PID" >"$dir/charon.pid"
	done
	for ((i = 0; i < ${#args[@]}; i += 2)); do
		local ns=${args[i]} dir=${args[i + 1]}
		wait_for 30 swanctl_in "$ns" "$dir" --stats ||
			fail "charon in $ns did not come up: $(tail -n 5 "$dir/charon.out" "$dir/charon.log" 2>/dev/null)"
	done
}

# swanctl_in NS DIR ARGS...: swanctl against the charon started in NS with DIR.
swanctl_in() {
	local dir=$2
	shift 2
	nsenter -t "$(cat "$dir/charon.pid")" -m -n -r -w \
		env STRONGSWAN_CONF="$dir/strongswan.conf" swanctl "$@"
}

# Write DIR/swanctl.conf (and swanctl's empty credential folders beside it):
# one IKEv1 PSK connection NAME with one tunnel-mode
# child NAME.  Overrides: PROPOSALS (aes128-sha1-modp2048), ESP_PROPOSALS
# (aes128-sha1), AGGRESSIVE (no), CONN_EXTRA, CHILD_EXTRA (extra lines).
#   swanctl_psk_conf DIR NAME LOCAL_IP REMOTE_IP LOCAL_TS REMOTE_TS SECRET
swanctl_psk_conf() {
	local dir=$1 name=$2 l=$3 r=$4 lts=$5 rts=$6 secret=$7
	# swanctl --load-all complains about each credential folder it lacks.
	mkdir -p "$dir"/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	cat >"$dir/swanctl.conf" <<EOF
connections {
	$name {
		version = 1
		local_addrs = $l
		remote_addrs = $r
		proposals = ${PROPOSALS:-aes128-sha1-modp2048}
		aggressive = ${AGGRESSIVE:-no}
		${CONN_EXTRA:-}
		local {
			auth = psk
			id = $l
		}
		remote {
			auth = psk
			id = $r
		}
		children {
			$name {
				local_ts = $lts
				remote_ts = $rts
				esp_proposals = ${ESP_PROPOSALS:-aes128-sha1}
				mode = tunnel
				${CHILD_EXTRA:-}
			}
		}
	}
}
secrets {
	ike-$name {
		id-l = $l
		id-r = $r
		secret = "$secret"
	}
}
EOF
}

# ---- captures -----------------------------------------------------------------

# start_capture NS IFACE FILE [FILTER]: dumpcap on IFACE in NS into FILE
# (pcapng), running once the call returns.  Stopped at exit, or by
# stop_capture FILE (which waits until the file is complete).
start_capture() {
	local ns=$1 ifc=$2 file=$3 filt=${4:-}
	ip netns exec "$ns" dumpcap -i "$ifc" ${filt:+-f "$filt"} -w "$file" \
		</dev/null >"$file.log" 2>&1 &
	echo $! >"$file.pid"
	LIB_PIDS+=("$!")
	# "Capturing on" comes once the socket is bound; the file exists before.
	wait_for 20 grep -q '^Capturing on' "$file.log" ||
		fail "dumpcap on $ns/$ifc did not start: $(cat "$file.log")"
}
stop_capture() {
	local pid n last=-1 log
	pid=$(cat "$1.pid")
	kill -0 "$pid" 2>/dev/null || return 0
	# libpcap hands packets over a ring block at a time, and dumpcap stops
	# without draining it: wait until its packet count settles first.
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		sleep 0.5
		log=$(<"$1.log")
		n=${log##*Packets: }
		n=${n%%[!0-9]*}
		[ "${n:-0}" = "$last" ] && break
		last=${n:-0}
	done
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null || true
}

# ---- XFRM ---------------------------------------------------------------------

# Number of ESP SAs in NS.
xfrm_esp_count() {
	local line n=0
	while read -r line; do
		[[ $line == "proto esp "* ]] && n=$((n + 1))
	done < <(ip -n "$1" xfrm state)
	echo $n
}
# Packets (or bytes: xfrm_bytes) counted by all SAs of NS, the sum of the
# "lifetime current" lines of `ip -s xfrm state`.
xfrm_packets() {
	local line s=0
	while read -r line; do
		[[ $line =~ ^([0-9]+)\(bytes\),\ *([0-9]+)\(packets\) ]] && s=$((s + BASH_REMATCH[2]))
	done < <(ip -n "$1" -s xfrm state)
	echo $s
}
xfrm_bytes() {
	local line s=0
	while read -r line; do
		[[ $line =~ ^([0-9]+)\(bytes\),\ *([0-9]+)\(packets\) ]] && s=$((s + BASH_REMATCH[1]))
	done < <(ip -n "$1" -s xfrm state)
	echo $s
}
