#!/bin/sh
# Runs each libFuzzer binary for SECONDS on a scratch copy of its seeds
# (fuzz/seeds/NAME for fuzz_NAME; fuzz/seeds is never written), prints each
# target's runs and exec count, and one summary line; fails if any target
# found a crash.  A failing target's scratch directory (corpus, crash
# artifact, log) is kept and named.
#   usage: run-fuzz.sh SECONDS BIN...
secs=${1:?usage: run-fuzz.sh SECONDS BIN...}
shift
[ $# -gt 0 ] || { echo "usage: run-fuzz.sh SECONDS BIN..."; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
# UBSan findings must stop the run, even in a build that lets them recover.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

pass=0 fail=0 bad=""
for bin in "$@"; do
	name=$(basename "$bin")
	if [ ! -x "$bin" ]; then
		echo "$name: not an executable"
		fail=$((fail + 1)) bad="$bad $name"
		continue
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$name.XXXXXX")
	mkdir -p "$work/corpus" "$work/artifacts"
	seeds="$root/fuzz/seeds/${name#fuzz_}"
	nseeds=0
	if [ -d "$seeds" ]; then
		cp -R "$seeds/." "$work/corpus/"
		nseeds=$(find "$work/corpus" -type f | wc -l)
	fi
	"$bin" -max_total_time="$secs" -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -n 1)
	speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log" | tail -n 1)
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log" | tail -n 1)
	ncorpus=$(find "$work/corpus" -type f | wc -l)
	crash=$(find "$work/artifacts" -type f | head -n 1)
	echo "$name: ${runs:-0} runs, ${execs:-0} execs (${speed:-0}/s) in ${secs}s," \
		"corpus $nseeds -> $ncorpus"
	if [ $rc -ne 0 ] || [ -n "$crash" ]; then
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$work/log" | head -n 5
		echo "$name: FAILED (exit $rc${crash:+, artifact $crash}); log and corpus kept in $work"
		fail=$((fail + 1)) bad="$bad $name"
	else
		pass=$((pass + 1))
		rm -rf "$work"
	fi
done
echo "fuzz: $pass passed, $fail failed"
[ -z "$bad" ] || { echo "failing fuzz targets:$bad"; exit 1; }
