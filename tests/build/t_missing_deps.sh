#!/bin/bash
# make on a machine without the -dev packages stops before compiling
# anything, with one line naming the missing Debian packages and how to
# install them; with everything there it goes on to compile.
. "$(dirname "$0")/lib.sh"

# assert_one_line PACKAGES...: make failed, said exactly one line, and that
# line names exactly these packages and `make deps`; nothing was compiled.
assert_one_line() {
	local lines want
	lines=$(wc -l <"$TMP/out")
	[ "$lines" -eq 1 ] || fail "expected one line, got $lines: $(cat "$TMP/out")"
	want="missing Debian packages: $*; \`make deps\` installs them"
	grep -qF -- "$want" "$TMP/out" || fail "expected '$want' in: $(cat "$TMP/out")"
	[ ! -e "$TMP/b/obj" ] || fail "something was compiled: $(find "$TMP/b/obj" -name '*.o' | head -3)"
}

# A pkg-config that knows every package but those in $TMP/absent.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/pkg-config" <<PKG
#!/bin/sh
for a; do grep -qx -- "\$a" "$TMP/absent" && exit 1; done
exec /usr/bin/pkg-config "\$@"
PKG
chmod +x "$TMP/bin/pkg-config"

echo libmnl >"$TMP/absent"
PATH=$TMP/bin:$PATH tmake && fail "make succeeded without libmnl"
assert_one_line libmnl-dev

printf 'libpcap\nopenssl\n' >"$TMP/absent"
PATH=$TMP/bin:$PATH tmake all && fail "make all succeeded without libpcap and openssl"
assert_one_line libssl-dev libpcap-dev

# cmocka only matters to the unit tests.
echo cmocka >"$TMP/absent"
PATH=$TMP/bin:$PATH tmake -n all || fail "make all wanted cmocka: $(cat "$TMP/out")"
PATH=$TMP/bin:$PATH tmake unit && fail "make unit succeeded without cmocka"
assert_one_line libcmocka-dev

# No pkg-config at all: the headers are probed with the compiler.  A
# pcap/pcap.h that does not preprocess stands for a missing libpcap-dev.
mkdir -p "$TMP/inc/pcap"
echo '#error not installed' >"$TMP/inc/pcap/pcap.h"
tmake PKG_CONFIG="$TMP/none/pkg-config" CC="gcc -I$TMP/inc" && fail "make succeeded without pcap.h"
assert_one_line libpcap-dev
tmake -n PKG_CONFIG="$TMP/none/pkg-config" all || fail "header probe failed with every header there: $(cat "$TMP/out")"

# No compiler.
tmake CC="$TMP/none/cc" && fail "make succeeded without a compiler"
assert_one_line build-essential

# Everything there: make goes on to compile (dry run: nothing is built).
: >"$TMP/absent"
PATH=$TMP/bin:$PATH tmake -n all || fail "make -n failed with every package there: $(cat "$TMP/out")"
grep -q 'src/cmd/oakleyd.c' "$TMP/out" || fail "make -n would not compile oakleyd: $(head -5 "$TMP/out")"
! grep -q 'missing Debian packages' "$TMP/out" || fail "a package was reported missing: $(cat "$TMP/out")"
echo ok
