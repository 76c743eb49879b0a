#!/bin/bash
# Which rows of the exchange tables the in-process exchange tests reach.
# Builds the library and tests/unit/test_exchange*.c with gcov counters in
# a build directory of its own (build/cov), runs those tests, and prints
# for every row of every table (Main, Aggressive, Quick Mode,
# Informational) its handler and resume and how many times each ran: the
# execution count of the function's entry from gcov.  Exit status 1 if
# any handler or resume never ran, or a test failed.
#
# The rows are read from the tables themselves, not from the sources: a
# small program linked with the library prints each row's name and its
# functions' addresses, and addr2line names them (function, file).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

COV=${COV_BUILD:-build/cov}
JOBS=${JOBS:-2}
FLAGS=(BUILD="$COV" OPTFLAGS="-O0 -g --coverage" SANLD=--coverage)
# COV_TESTS: other test binaries' names (to see what one file reaches).
if [ -n "${COV_TESTS:-}" ]; then
	read -r -a TESTS <<<"$COV_TESTS"
else
	TESTS=()
	for f in tests/unit/test_exchange*.c; do
		TESTS+=("$(basename "$f" .c)")
	done
fi

make --no-print-directory -s -j"$JOBS" "${FLAGS[@]}" "${TESTS[@]/#/$COV/tests/}" >&2

# Fresh counts: only the exchange tests' runs are counted.
find "$COV/obj" -name '*.gcda' -delete
status=0
for t in "${TESTS[@]}"; do
	if ! "$COV/tests/$t" >"$COV/$t.out" 2>&1; then
		echo "row-coverage: $t failed (see $COV/$t.out)" >&2
		status=1
	fi
done

# The rows, from the tables linked into a program of our own (its own
# counts go elsewhere, GCOV_PREFIX).
cat >"$COV/rows.c" <<'EOF'
#include <stdio.h>
#include "ike/dispatch.h"

int main(void)
{
	static const char *const names[] = {"main_mode", "aggressive_mode", "quick_mode",
					    "informational"};
	const struct exchange_type *const types[] = {&main_mode_type, &aggressive_mode_type,
						     &quick_mode_type, &informational_type};
	const struct step *s;
	unsigned t, i;

	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++)
		for (i = 0; (s = exchange_row(types[t]->steps, i)); i++)
			printf("%s %s %s %p %p\n", names[t], s->initiator ? "I" : "R", s->name,
			       (void *)s->fn, (void *)s->resume);
	return 0;
}
EOF
cc -std=gnu11 -O0 -g -Isrc -D_GNU_SOURCE -no-pie -pthread --coverage -o "$COV/rows" "$COV/rows.c" \
	"$COV/liboakley.a" -lcrypto -lmnl -lpcap -lseccomp
rows=$(GCOV_PREFIX="$COV/rows-gcda" "$COV/rows")

# Function name and source file for an address ("-" for a NULL one).
where() {
	if [ "$1" = "(nil)" ] || [ "$1" = "0" ]; then
		echo "- -"
		return
	fi
	addr2line -f -e "$COV/rows" "$1" | paste -sd' ' | sed 's/:[0-9]*\( .*\)\?$//'
}

# gcov's annotated copies of the sources with rows (run from the top: the
# objects name their sources relative to it), with branch data so each
# function's entry count is on its "function NAME called N" line.
GC="$COV/gcov"
rm -rf "$GC"
mkdir -p "$GC"
srcs=$(for a in $(echo "$rows" | awk '{print $4; print $5}' | sort -u); do where "$a"; done |
	awk '$2 != "-" {print $2}' | sort -u)
for f in $srcs; do
	rel=${f#"$ROOT"/}
	gcov -b -t -o "$COV/obj/$(dirname "$rel")" "$rel" >"$GC/$(basename "$rel").gcov" 2>/dev/null ||
		true
done

# count FUNCTION FILE: times the function was entered; "-" for no function.
count() {
	local fn=$1 file=$2 g
	[ "$fn" = "-" ] && { echo "-"; return; }
	g="$GC/$(basename "$file").gcov"
	[ -f "$g" ] || { echo 0; return; }
	awk -v fn="$fn" '$1 == "function" && $2 == fn {print $4; found = 1; exit}
		END {if (!found) print 0}' "$g"
}

printf '%-16s %-4s %-14s %-26s %6s  %-26s %6s\n' table role row handler runs resume runs
missed=0
outside=""
while read -r table role name fn resume; do
	read -r fname ffile <<<"$(where "$fn")"
	read -r rname rfile <<<"$(where "$resume")"
	fc=$(count "$fname" "$ffile")
	rc=$(count "$rname" "$rfile")
	mark=""
	[ "$fname" = "-" ] && outside="$outside $name"
	if [ "$fc" = "0" ] || [ "$rc" = "0" ]; then
		mark="  NOT RUN"
		missed=$((missed + 1))
	fi
	printf '%-16s %-4s %-14s %-26s %6s  %-26s %6s%s\n' "$table" "$role" "$name" "$fname" "$fc" \
		"$rname" "$rc" "$mark"
done <<<"$rows"
[ -z "$outside" ] || echo "rows without a handler (answered outside the table):$outside"
echo "rows with a handler or resume never run: $missed"
[ $missed -eq 0 ] || status=1
exit $status
