#!/bin/bash
# By hand, as root, not in make check: what a real install does to a
# system, on a throwaway copy of this one (an overlay of / on a tmpfs, in a
# private mount namespace; the host is not touched).
#   tests/install/chroot-smoke.sh deb build/deb/oakley_*_amd64.deb
#       dpkg -i (user created by systemd-sysusers, unit enabled), oakleyd
#       started as the unit starts it, dpkg --purge leaves nothing
#   tests/install/chroot-smoke.sh make
#       make install with no DESTDIR (the user created), oakleyd started,
#       make uninstall (configuration and user stay)
# PID 1 is not systemd here, so nothing is started by systemctl: oakleyd
# runs in a network namespace of its own for a second.
set -eu
[ "$(id -u)" = 0 ] || { echo "chroot-smoke: needs root" >&2; exit 1; }
mode=${1:?usage: chroot-smoke.sh deb FILE.deb | make}
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ "${OAKLEY_IN_NS:-}" != 1 ]; then
	OAKLEY_IN_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
r=$(mktemp -d)
mount -t tmpfs tmpfs "$r"
mkdir -p "$r/u" "$r/w" "$r/m"
mount -t overlay overlay -o "lowerdir=/,upperdir=$r/u,workdir=$r/w" "$r/m"
mount --bind /proc "$r/m/proc"
mount --bind /dev "$r/m/dev"
mount -t tmpfs tmpfs "$r/m/run"
mount -t tmpfs tmpfs "$r/m/tmp"
mkdir -p "$r/m/src"
mount --bind "$src" "$r/m/src"
run_oakleyd() { # the unit's ExecStart, for 1.5 s, then status and SIGTERM
	echo "--- oakleyd -d, as ExecStart= runs it"
	unshare -n sh -c '"$1" -d & p=$!; sleep 1.5; "$2" status | head -1; kill $p; wait $p; echo "oakleyd exit $?"' \
		sh "$1/oakleyd" "$1/oakleyctl"
}
case $mode in
deb)
	cp "${2:?the .deb}" "$r/m/tmp/oakley.deb"
	chroot "$r/m" sh -ec '
		echo "--- dpkg -i"; dpkg -i /tmp/oakley.deb
		id oakley; ls -l /etc/oakley; systemctl is-enabled oakleyd.service
	'
	chroot "$r/m" bash -c "$(declare -f run_oakleyd); run_oakleyd /usr/sbin"
	chroot "$r/m" sh -ec '
		echo "--- dpkg --purge"; dpkg --purge oakley
		! ls -d /etc/oakley /usr/sbin/oakleyd /lib/systemd/system/oakleyd.service \
			/etc/systemd/system/multi-user.target.wants/oakleyd.service 2>/dev/null
		echo "purged: nothing left"
	'
	;;
make)
	chroot "$r/m" sh -ec '
		cd /src; echo "--- make install"; make -s install
		id oakley; ls -l /etc/oakley /usr/local/sbin/oakley*
	'
	chroot "$r/m" bash -c "$(declare -f run_oakleyd); run_oakleyd /usr/local/sbin"
	chroot "$r/m" sh -ec '
		cd /src; echo "--- make uninstall"; make -s uninstall
		! ls -d /usr/local/sbin/oakleyd /usr/local/lib/systemd/system/oakleyd.service 2>/dev/null
		ls /etc/oakley; id oakley
	'
	;;
*) echo "usage: chroot-smoke.sh deb FILE.deb | make" >&2; exit 1 ;;
esac
