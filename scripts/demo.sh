#!/bin/bash
# make demo: the tunnel demo on this kernel when it has ESP, otherwise in a
# stock Debian kernel under qemu (tests/vm), saying so.
set -eu
cd "$(dirname "$0")/.."
build=$(realpath build)
ns=demo-esp-$$
ip netns add "$ns"
if ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 mode tunnel \
	enc 'cbc(aes)' 0x00112233445566778899aabbccddeeff \
	auth-trunc 'hmac(sha1)' 0x00112233445566778899aabbccddeeff00112233 96 2>/dev/null; then
	ip netns del "$ns"
	KEEP_OUT=1 exec scripts/demo-tunnel.sh "$build"
fi
ip netns del "$ns"
echo "This kernel ($(uname -r)) has no ESP: running the demo in a Debian kernel under qemu."
mkdir -p build/demo
exec tests/vm/vm-run.sh -j -t 600 -s "$build/demo" scripts/demo-tunnel.sh "$build"
