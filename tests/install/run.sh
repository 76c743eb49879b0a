#!/bin/bash
# make check-install: every tests/install/t_*.sh with the build directory
# (its oakleyd and oakleyctl); each prints its own count line.
set -u
cd "$(dirname "$0")/../.."
out=${1:?usage: tests/install/run.sh BUILD_DIR}
status=0
for t in tests/install/t_*.sh; do
	echo "--- $t"
	bash "$t" "$out" || status=1
done
exit $status
