#!/bin/bash
# make install / uninstall into a DESTDIR: the exact files and modes, the
# unit's paths for PREFIX=/usr/local and /usr, an edited configuration kept
# by a second install and by uninstall, nothing else left; then
# systemd-analyze verify and security on the installed unit.
set -u
cd "$(dirname "$0")/../.."
. tests/install/lib.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d=$tmp/root

# Files other than directories, as "MODE PATH".
listing() { (cd "$1" && find . -mindepth 1 ! -type d -printf '%m %P\n' | LC_ALL=C sort); }

expected() { # expected PREFIX UNITDIR SYSUSERSDIR
	local p=${1#/} u=${2#/} s=${3#/} m
	{
		echo "644 etc/oakley/ipsec.conf"
		echo "600 etc/oakley/ipsec.secrets"
		echo "644 $u/oakleyd.service"
		echo "644 $s/oakley.conf"
		echo "755 $p/sbin/oakleyctl"
		echo "755 $p/sbin/oakleyd"
		for m in man/*.5 man/*.8; do
			[ -e "$m" ] && echo "644 $p/share/man/man${m##*.}/${m#man/}"
		done
	} | LC_ALL=C sort
}

if ! make -s --no-print-directory install DESTDIR="$d" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	bad "make install DESTDIR=..."
	finish install
	exit 1
fi
ok "make install DESTDIR=..."
expected /usr/local /usr/local/lib/systemd/system /usr/local/lib/sysusers.d >"$tmp/want"
listing "$d" >"$tmp/got"
check "installed files and modes (PREFIX=/usr/local)" diff -u "$tmp/want" "$tmp/got"
unit=$d/usr/local/lib/systemd/system/oakleyd.service
check "unit: ExecStart is the installed oakleyd" grep -qx 'ExecStart=/usr/local/sbin/oakleyd -d' "$unit"
check "unit: ExecReload is oakleyctl reload" grep -qx 'ExecReload=/usr/local/sbin/oakleyctl reload' "$unit"
check "unit: no @VARIABLE@ left" bash -c "! grep -q '@[A-Z]*@' '$unit'"
check "unit: Type=notify" grep -qx 'Type=notify' "$unit"
check "sysusers.d: the system user oakley, nologin" \
	grep -qE '^u oakley - ".*" / /usr/sbin/nologin$' "$d/usr/local/lib/sysusers.d/oakley.conf"
check "example ipsec.conf is oakley's" cmp -s etc/ipsec.conf "$d/etc/oakley/ipsec.conf"

# A second install keeps what the administrator wrote.
echo "# edited by the test" >>"$d/etc/oakley/ipsec.conf"
echo ': PSK "edited"' >>"$d/etc/oakley/ipsec.secrets"
cp "$d/etc/oakley/ipsec.conf" "$d/etc/oakley/ipsec.secrets" "$tmp/"
make -s --no-print-directory install DESTDIR="$d" >"$tmp/install2.log" 2>&1
check "second install succeeds" test $? -eq 0
check "second install keeps the edited ipsec.conf" cmp -s "$tmp/ipsec.conf" "$d/etc/oakley/ipsec.conf"
check "second install keeps the edited ipsec.secrets" cmp -s "$tmp/ipsec.secrets" "$d/etc/oakley/ipsec.secrets"
check "second install says it keeps them" test "$(grep -c '^install: keeping ' "$tmp/install2.log")" -eq 2
check "second install: same files and modes" bash -c "diff -u '$tmp/want' <(cd '$d' && find . -mindepth 1 ! -type d -printf '%m %P\n' | LC_ALL=C sort)"

# systemd-analyze on the installed unit, seen at its real place: a private
# mount namespace puts DESTDIR's /usr/local over /usr/local, so the unit's
# ExecStart= and the man pages resolve as they will after a real install.
if ! command -v systemd-analyze >/dev/null; then
	echo "SKIP - systemd-analyze verify/security: systemd-analyze is not installed (scripts/deps.sh installs systemd)"
elif [ "$(id -u)" != 0 ]; then
	echo "SKIP - systemd-analyze verify/security: needs root for the mount namespace"
else
	man=--man=yes
	# Documentation= is checked with man(1) when there are pages to find.
	{ ls man/*.[58] >/dev/null 2>&1 && command -v man >/dev/null; } || man=--man=no
	in_ns() { unshare -m sh -c 'mount --bind "$1/usr/local" /usr/local && shift && exec "$@"' sh "$d" "$@"; }
	in_ns systemd-analyze verify $man /usr/local/lib/systemd/system/oakleyd.service >"$tmp/verify" 2>&1
	rc=$?
	cat "$tmp/verify"
	check "systemd-analyze verify ($man): exit 0 and not a word of complaint" \
		test $rc -eq 0 -a ! -s "$tmp/verify"
	in_ns systemd-analyze security --offline=true /usr/local/lib/systemd/system/oakleyd.service \
		>"$tmp/security" 2>&1
	level=$(sed -n 's/^→ Overall exposure level for oakleyd.service: //p' "$tmp/security")
	echo "systemd-analyze security: $level"
	check "systemd-analyze security: exposure OK or better" \
		bash -c "echo '$level' | grep -qE '^[0-9.]+ (OK|SAFE|PERFECT)'"
fi

# PREFIX=/usr (a package): /usr/sbin, and the unit and sysusers.d file
# where pkg-config's systemd puts them, else under /usr/lib.
d2=$tmp/usr-root
make -s --no-print-directory install PREFIX=/usr DESTDIR="$d2" >"$tmp/install3.log" 2>&1
check "make install PREFIX=/usr DESTDIR=..." test $? -eq 0
unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
sysusers=$(pkg-config --variable=sysusersdir systemd 2>/dev/null)
expected /usr "${unitdir:-/usr/lib/systemd/system}" "${sysusers:-/usr/lib/sysusers.d}" >"$tmp/want2"
check "installed files and modes (PREFIX=/usr)" bash -c "diff -u '$tmp/want2' <(cd '$d2' && find . -mindepth 1 ! -type d -printf '%m %P\n' | LC_ALL=C sort)"
check "unit (PREFIX=/usr): ExecStart=/usr/sbin/oakleyd -d" \
	grep -qx 'ExecStart=/usr/sbin/oakleyd -d' "$d2${unitdir:-/usr/lib/systemd/system}/oakleyd.service"
make -s --no-print-directory install SYSTEMDUNITDIR=/srv/units DESTDIR="$tmp/d3" >/dev/null 2>&1
check "SYSTEMDUNITDIR= overrides the unit's place" test -f "$tmp/d3/srv/units/oakleyd.service"

# uninstall: the configuration stays, and nothing else.
make -s --no-print-directory uninstall DESTDIR="$d" >"$tmp/uninstall.log" 2>&1
check "make uninstall DESTDIR=..." test $? -eq 0
printf '600 etc/oakley/ipsec.secrets\n644 etc/oakley/ipsec.conf\n' >"$tmp/want-left"
check "uninstall leaves only the configuration" bash -c "diff -u '$tmp/want-left' <(cd '$d' && find . -mindepth 1 ! -type d -printf '%m %P\n' | LC_ALL=C sort)"
check "uninstall leaves the edited configuration as it was" cmp -s "$tmp/ipsec.conf" "$d/etc/oakley/ipsec.conf"
make -s --no-print-directory uninstall PREFIX=/usr DESTDIR="$d2" >/dev/null 2>&1
check "uninstall (PREFIX=/usr) leaves only the configuration" bash -c "diff -u '$tmp/want-left' <(cd '$d2' && find . -mindepth 1 ! -type d -printf '%m %P\n' | LC_ALL=C sort)"
finish install
