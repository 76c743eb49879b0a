#!/bin/sh
# Prints the Debian packages a build needs that are missing, on one line,
# nothing when all are there.  Run by the Makefile on every make, so it is
# cheap: one pkg-config call when all is well.
#   usage: missing-pkgs.sh CC PC:HEADER:PACKAGE...
# PC is the pkg-config name; HEADER is probed with CC when pkg-config itself
# is missing.  PKG_CONFIG names the pkg-config program.
cc=${1:?usage: missing-pkgs.sh CC PC:HEADER:PACKAGE...}
shift
pkg_config=${PKG_CONFIG:-pkg-config}

# The compiler first: without it no header can be probed.
if ! command -v "${cc%% *}" >/dev/null 2>&1; then
	echo build-essential
	exit 0
fi
if command -v "$pkg_config" >/dev/null 2>&1; then
	pcs=""
	for n in "$@"; do pcs="$pcs ${n%%:*}"; done
	# shellcheck disable=SC2086
	"$pkg_config" --exists $pcs && exit 0
fi
missing=""
for n in "$@"; do
	pc=${n%%:*} rest=${n#*:}
	header=${rest%%:*} pkg=${rest#*:}
	if command -v "$pkg_config" >/dev/null 2>&1; then
		"$pkg_config" --exists "$pc" && continue
	else
		printf '#include <%s>\n' "$header" | $cc -E -x c - -o /dev/null >/dev/null 2>&1 && continue
	fi
	missing="$missing $pkg"
done
echo $missing
