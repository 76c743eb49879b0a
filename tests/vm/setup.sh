#!/bin/bash
# Prepare the VM kernel and initramfs in vm-cache/ (idempotent, cached).
#
#   tests/vm/setup.sh            prints the kernel directory (vm-cache/KVER)
#
# A stock Debian 6.1 kernel is fetched with `apt-get download` (newest
# linux-image-6.1.0-N-amd64[-unsigned]) unless one is cached already or
# VM_KERNEL_DEB names a .deb.  It is unpacked, depmod'ed, its vmlinux is
# extracted from the bzImage (PVH boot skips the decompressor: faster under
# TCG) and a busybox initramfs is built with the modules of modules.list.
# The initramfs is rebuilt whenever init, modules.list or busybox change.
#
# Environment: VM_CACHE (default REPO/vm-cache), VM_KERNEL_DEB (a .deb to use).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
CACHE=${VM_CACHE:-$REPO/vm-cache}

say() { echo "vm-setup: $*" >&2; }
die() { echo "vm-setup: error: $*" >&2; exit 1; }

# Host tools the harness needs, with the Debian package that has them.
check_tools() {
	local missing="" t
	for t in qemu-system-x86_64:qemu-system-x86 busybox:busybox-static \
		depmod:kmod modprobe:kmod cpio:cpio dpkg-deb:dpkg gzip:gzip \
		unxz:xz-utils; do
		command -v "${t%%:*}" >/dev/null 2>&1 || missing="$missing ${t#*:}"
	done
	if command -v busybox >/dev/null 2>&1 &&
		! LC_ALL=C file -L "$(command -v busybox)" 2>/dev/null | grep -q 'statically linked'; then
		# Without `file`, trust it; the package busybox is dynamic.
		command -v file >/dev/null 2>&1 && missing="$missing busybox-static"
	fi
	[ -z "$missing" ] || die "missing host packages:$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')
  install them with: apt-get install -y$(echo "$missing" | tr ' ' '\n' | sort -u | tr '\n' ' ')"
}

newest_kernel_pkg() {
	apt-cache pkgnames linux-image-6.1.0- 2>/dev/null |
		grep -E '^linux-image-6\.1\.0-[0-9]+-amd64(-unsigned)?$' | sort -V | tail -n1 || true
}

# Newest cached .deb, else download the newest 6.1 amd64 kernel package.
find_deb() {
	local deb name
	if [ -n "${VM_KERNEL_DEB:-}" ]; then
		[ -f "$VM_KERNEL_DEB" ] || die "VM_KERNEL_DEB=$VM_KERNEL_DEB: no such file"
		echo "$VM_KERNEL_DEB"
		return
	fi
	mkdir -p "$CACHE/debs"
	deb=$(ls "$CACHE"/debs/linux-image-6.1.0-*-amd64*.deb 2>/dev/null | sort -V | tail -n1 || true)
	if [ -n "$deb" ]; then
		echo "$deb"
		return
	fi
	name=$(newest_kernel_pkg)
	if [ -z "$name" ]; then
		say "no kernel package known to apt: apt-get update"
		apt-get update -q >&2 || true
		name=$(newest_kernel_pkg)
	fi
	# Prefer -unsigned: same kernel without the signature wrapper.
	[ -n "$name" ] || die "no linux-image-6.1.0-N-amd64 package known to apt (run apt-get update, or set VM_KERNEL_DEB)"
	case $name in *-unsigned) ;; *) apt-cache show "$name-unsigned" >/dev/null 2>&1 && name="$name-unsigned" ;; esac
	say "downloading $name"
	(cd "$CACHE/debs" && apt-get download -q -o APT::Sandbox::User=root "$name" >&2) || die "apt-get download $name failed"
	ls "$CACHE"/debs/"$name"_*.deb | sort -V | tail -n1
}

# The uncompressed ELF inside an xz bzImage (scripts/extract-vmlinux logic).
extract_vmlinux() {
	local img=$1 out=$2 off
	for off in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$img" | cut -d: -f1); do
		tail -c +$((off + 1)) "$img" | unxz -qc >"$out.tmp" 2>/dev/null || true
		if [ "$(head -c4 "$out.tmp" | od -An -tx1 | tr -d ' ')" = 7f454c46 ]; then
			mv "$out.tmp" "$out"
			return 0
		fi
	done
	rm -f "$out.tmp"
	return 1
}

unpack_kernel() {
	local deb=$1 tmp kver
	tmp=$(mktemp -d "$CACHE/unpack.XXXXXX")
	say "unpacking $(basename "$deb")"
	dpkg-deb -x "$deb" "$tmp/root"
	kver=$(ls "$tmp/root/lib/modules" | head -n1)
	[ -n "$kver" ] && [ -f "$tmp/root/boot/vmlinuz-$kver" ] || die "$deb: no kernel inside"
	depmod -b "$tmp/root" "$kver"
	if extract_vmlinux "$tmp/root/boot/vmlinuz-$kver" "$tmp/vmlinux"; then
		say "extracted vmlinux"
	else
		say "could not extract vmlinux, booting the bzImage"
	fi
	echo "$kver" >"$tmp/kver"
	basename "$deb" >"$tmp/deb"
	chmod 755 "$tmp"
	rm -rf "${CACHE:?}/$kver"
	mv "$tmp" "$CACHE/$kver"
	echo "$kver" >"$CACHE/current"
}

# Module files in load order (dependencies first), built-ins skipped.
module_order() {
	local root=$1 kver=$2 m
	grep -v '^[[:space:]]*\(#\|$\)' "$HERE/modules.list" | while read -r m _; do
		modprobe -d "$root" -S "$kver" --show-depends "$m" 2>/dev/null ||
			echo "vm-setup: warning: module $m not found" >&2
	done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'
}

build_initramfs() {
	local kdir=$1 kver root tmp stamp bb f rel
	kver=$(cat "$kdir/kver")
	root=$kdir/root
	bb=$(command -v busybox)
	stamp=$(cat "$HERE/init" "$HERE/modules.list" "$bb" | sha256sum | cut -c1-16)
	if [ -f "$kdir/initramfs.gz" ] && [ "$(cat "$kdir/initramfs.stamp" 2>/dev/null)" = "$stamp" ]; then
		return 0
	fi
	say "building initramfs"
	tmp=$(mktemp -d "$CACHE/initramfs.XXXXXX")
	mkdir -p "$tmp"/bin "$tmp"/dev "$tmp"/proc "$tmp"/sys "$tmp"/mnt/host "$tmp"/mnt/rw \
		"$tmp"/newroot "$tmp"/modules
	cp "$bb" "$tmp/bin/busybox"
	for f in sh mount umount mkdir insmod cat echo chroot reboot sleep ip hostname \
		grep sed sync mountpoint ln rm ls dmesg; do
		ln -s busybox "$tmp/bin/$f"
	done
	cp "$HERE/init" "$tmp/init"
	chmod 755 "$tmp/init"
	: >"$tmp/modules/order"
	module_order "$root" "$kver" | while read -r f; do
		rel=${f#"$root"/lib/modules/"$kver"/}
		cp "$f" "$tmp/modules/$(basename "$rel")"
		basename "$rel" >>"$tmp/modules/order"
	done
	echo "$kver" >"$tmp/kver"
	(cd "$tmp" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -6 >"$kdir/initramfs.gz.tmp"
	mv "$kdir/initramfs.gz.tmp" "$kdir/initramfs.gz"
	echo "$stamp" >"$kdir/initramfs.stamp"
	say "initramfs: $(wc -l <"$tmp/modules/order") modules, $(du -k "$kdir/initramfs.gz" | cut -f1) KiB"
	rm -rf "$tmp"
}

# Libreswan for t_subnets_libreswan.sh: it conflicts with the strongSwan
# packages, so it is unpacked (not installed) into vm-cache/libreswan, once.
# Not fatal: only that scenario needs it (and says so).  Its runtime deps
# (libnss3-tools, libldns3, libunbound8, libevent-pthreads-2.1-7,
# libcap-ng0) are installed packages.
unpack_libreswan() {
	local dir=$CACHE/libreswan tmp
	[ -x "$dir/usr/libexec/ipsec/pluto" ] && return 0
	tmp=$(mktemp -d)
	if (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root libreswan >&2) &&
		dpkg-deb -x "$tmp"/libreswan_*.deb "$dir"; then
		say "libreswan unpacked in $dir"
	else
		say "warning: libreswan could not be fetched (t_subnets_libreswan.sh will fail)"
	fi
	rm -rf "$tmp"
}

main() {
	local kver="" kdir
	check_tools
	mkdir -p "$CACHE"
	exec 9>"$CACHE/.lock"
	flock 9
	[ -f "$CACHE/current" ] && kver=$(cat "$CACHE/current")
	if [ -n "${VM_KERNEL_DEB:-}" ]; then
		if [ -z "$kver" ] || [ "$(cat "$CACHE/$kver/deb" 2>/dev/null)" != "$(basename "$VM_KERNEL_DEB")" ]; then
			unpack_kernel "$(find_deb)"
		fi
	elif [ -z "$kver" ] || [ ! -f "$CACHE/$kver/kver" ]; then
		unpack_kernel "$(find_deb)"
	fi
	kver=$(cat "$CACHE/current")
	kdir=$CACHE/$kver
	build_initramfs "$kdir"
	unpack_libreswan
	echo "$kdir"
}

main "$@"
