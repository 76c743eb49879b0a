#!/bin/sh
# Runs libFuzzer binaries on a scratch corpus seeded from fuzz/seeds/NAME
# and fuzz/corpus/NAME (for fuzz_NAME), prints each target's runs and exec
# count, and one summary line; fails if any target found a crash.  A failing
# target's scratch directory (corpus, crash artifact, log) is kept and named.
# fuzz/NAME.dict, when there is one, is the target's libFuzzer dictionary.
#   run-fuzz.sh SECONDS BIN...     each target for SECONDS (make check-fuzz),
#                                  FUZZ_JOBS at a time (default: one per core);
#                                  fuzz/ is never written
#   run-fuzz.sh -runs N BIN...     each target for N executions, one job,
#                                  then the corpus minimised (-merge=1) into
#                                  fuzz/corpus/NAME (make fuzz-long)
usage="usage: run-fuzz.sh SECONDS BIN... | run-fuzz.sh -runs N BIN..."
if [ "${1:-}" = -runs ]; then
	mode=long limit="-runs=${2:?$usage}"
	shift 2
else
	mode=short limit="-max_total_time=${1:?$usage}"
	shift
fi
[ $# -gt 0 ] || { echo "$usage"; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
# UBSan findings must stop the run, even in a build that lets them recover.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

fuzz_stat() { sed -n "s/^stat::$1: *//p" "$2" | tail -n 1; }

# minimise WORK NAME BIN: the run's corpus merged into fuzz/corpus/NAME.
minimise() {
	mkdir -p "$1/min"
	"$3" -merge=1 "$1/min" "$1/corpus" >"$1/merge.log" 2>&1 || return 1
	rm -rf "$root/fuzz/corpus/$2"
	mkdir -p "$root/fuzz/corpus/$2"
	cp -R "$1/min/." "$root/fuzz/corpus/$2/"
}

# fuzz_one BIN: runs one target; prints its lines; exit 0 if it passed.
fuzz_one() {
	bin=$1
	name=$(basename "$bin")
	short=${name#fuzz_}
	if [ ! -x "$bin" ]; then
		echo "$name: not an executable"
		return 1
	fi
	work=$(mktemp -d "${TMPDIR:-/tmp}/fuzz-$name.XXXXXX")
	mkdir -p "$work/corpus" "$work/artifacts"
	for d in "$root/fuzz/seeds/$short" "$root/fuzz/corpus/$short"; do
		[ -d "$d" ] && cp -R "$d/." "$work/corpus/"
	done
	nseeds=$(find "$work/corpus" -type f | wc -l)
	dict=-use_value_profile=0 # a harmless default when there is no dictionary
	[ -f "$root/fuzz/$short.dict" ] && dict="-dict=$root/fuzz/$short.dict"
	start=$(date +%s)
	"$bin" "$limit" "$dict" -print_final_stats=1 \
		-artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	execs=$(fuzz_stat number_of_executed_units "$work/log")
	speed=$(fuzz_stat average_exec_per_sec "$work/log")
	runs=$(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$work/log" | tail -n 1)
	ncorpus=$(find "$work/corpus" -type f | wc -l)
	# slow-unit-* (an input that took over 10 s on a busy machine) is
	# worth a look but is no crash.
	crash=$(find "$work/artifacts" -type f ! -name 'slow-unit-*' | head -n 1)
	slow=$(find "$work/artifacts" -type f -name 'slow-unit-*' | wc -l)
	[ "$slow" -eq 0 ] || echo "$name: $slow slow inputs (over 10 s), kept in $work/artifacts"
	if [ $rc -ne 0 ] || [ -n "$crash" ]; then
		echo "$name: ${runs:-0} runs, ${execs:-0} execs in ${secs}s"
		grep -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$work/log" | head -n 5
		echo "$name: FAILED (exit $rc${crash:+, artifact $crash}); log and corpus kept in $work"
		return 1
	fi
	if [ $mode = long ]; then
		if ! minimise "$work" "$short" "$bin"; then
			echo "$name: merge FAILED; log in $work/merge.log"
			return 1
		fi
		kept=$(find "$root/fuzz/corpus/$short" -type f | wc -l)
		bytes=$(cat "$root/fuzz/corpus/$short"/* | wc -c)
		ncorpus="$ncorpus, minimised to $kept files ($bytes bytes) in fuzz/corpus/$short"
	fi
	echo "$name: ${runs:-0} runs, ${execs:-0} execs (${speed:-0}/s) in ${secs}s," \
		"corpus $nseeds -> $ncorpus, 0 crashes"
	[ "$slow" -eq 0 ] && rm -rf "$work"
	return 0
}

# Timed runs (make check) go FUZZ_JOBS at a time (default: one per core),
# so each target still has a core for its SECONDS; the campaign runs one
# target at a time (each is one job of N executions either way).
jobs=1
[ $mode = short ] && jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
out=$(mktemp -d "${TMPDIR:-/tmp}/run-fuzz.XXXXXX")
i=0
for bin in "$@"; do
	i=$((i + 1))
	(fuzz_one "$bin" >"$out/$i.out" 2>&1; echo $? >"$out/$i.rc") &
	[ $((i % jobs)) -eq 0 ] && wait
done
wait
pass=0 fail=0 bad="" i=0
for bin in "$@"; do
	i=$((i + 1))
	cat "$out/$i.out"
	if [ "$(cat "$out/$i.rc" 2>/dev/null)" = 0 ]; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)) bad="$bad $(basename "$bin")"
	fi
done
rm -rf "$out"
echo "fuzz: $pass passed, $fail failed"
[ -z "$bad" ] || { echo "failing fuzz targets:$bad"; exit 1; }
