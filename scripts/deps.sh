#!/bin/sh
# Installs the Debian packages that building, testing and the demo need,
# only when some are missing.  Needs root (apt-get) on a fresh machine.
# The libnss3-tools ... iptables line is what Libreswan's pluto needs at run
# time in tests/vm/t_subnets_libreswan.sh: Libreswan itself conflicts with
# strongSwan, so tests/vm/setup.sh unpacks it instead of installing it.
# vpnc, libcharon-extauth-plugins (xauth-generic) and libcharon-extra-plugins
# (unity) are the remote-access peers of tests/vm/t_ra_*.sh; charon loads
# only the plugins a scenario's strongswan.conf lists (lib.sh's `load =`),
# so kernel-libipsec, in the same package, never loads.
# xl2tpd and ppp are the L2TP/IPsec peers of tests/vm/t_l2tp*.sh (L2TP and
# PPP over oakley's transport-mode SAs; the tests start their own).
# systemd is for systemd-analyze verify/security on oakleyd.service
# (tests/install/t_install.sh); it is not started.
set -e
pkgs="build-essential clang libssl-dev libmnl-dev libpcap-dev libseccomp-dev libcmocka-dev libcrypt-dev
libpam0g-dev
pkg-config iproute2 iputils-ping tcpdump tshark nftables strongswan-charon
strongswan-swanctl libstrongswan-standard-plugins qemu-system-x86 busybox-static kmod xz-utils cpio python3
libnss3-tools libldns3 libunbound8 libevent-pthreads-2.1-7 libcap-ng0 iptables
vpnc libcharon-extauth-plugins libcharon-extra-plugins
xl2tpd ppp
systemd
mandoc"
missing=""
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: not root; install these packages first:$missing" >&2
	exit 1
fi
# tshark asks whether non-root users may capture; answer no without asking.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends $missing >/dev/null
# charon must not run on the host as a service: tests start their own.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now strongswan-starter strongswan xl2tpd >/dev/null 2>&1 || true
fi
echo "deps: done"
