#!/bin/bash
# The manual pages against the code (issue 12): mandoc -Tlint is clean on
# each page; the flags (and oakleyctl's commands) that -h prints equal those
# the pages list; every key the parser knows is in oakley.conf(5)'s table,
# and every key the table says is taken or ignored is known to the parser.
# Usage: tests/man/t_man.sh [BUILD]  (BUILD holds oakleyd and oakleyctl,
# built by the caller; default build).  Prints "man: N passed, M failed".
set -u -o pipefail
cd "$(dirname "$0")/../.." || exit 1
build=${1:-build}
man=${MAN_DIR:-man}
pass=0 fail=0

ok() { pass=$((pass + 1)); echo "PASS $1"; }
ko() { fail=$((fail + 1)); echo "FAIL $1"; shift; printf '    %s\n' "$@"; }

# A and B (sorted sets, one item a line) equal, else the items that differ.
same() {
	local name=$1 a=$2 b=$3 what_a=$4 what_b=$5 d
	if [ -z "$a" ] || [ -z "$b" ]; then
		ko "$name" "empty list: $what_a '${a//$'\n'/ }', $what_b '${b//$'\n'/ }'"
		return
	fi
	d=$(diff <(echo "$a") <(echo "$b") | sed -n "s/^< /only in $what_a: /p; s/^> /only in $what_b: /p")
	if [ -z "$d" ]; then ok "$name"; else ko "$name" "${d//$'\n'/$'\n'    }"; fi
}

# 1. mandoc -Tlint prints nothing.  Only the cross-reference lookups are
# left out: whether Xr oakleyd 8 or tshark(1) is installed says something
# about this host's manual database, not about the page.
lint() {
	local page=$1 out
	if ! command -v mandoc >/dev/null; then
		ko "lint $page" "mandoc is not installed (make deps)"
		return
	fi
	out=$(mandoc -Tlint -W style "$man/$page" 2>&1 |
		grep -v -e 'STYLE: referenced manual not found' -e 'mandoc\.db')
	if [ -z "$out" ]; then ok "lint $page"; else ko "lint $page" "$out"; fi
}

# The flags of a -h text: -x and --word standing after a blank, '[', '|',
# '(' or at the start of a line.
help_flags() {
	grep -oE '(^|[][ |(,])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[^-]*//' | sort -u
}

# The flags of a page: the Fl arguments in SYNOPSIS and on .It lines
# (WHERE=all), or in SYNOPSIS only (WHERE=synopsis).
page_flags() {
	awk -v where="$2" '
	/^\.Sh / { syn = ($2 == "SYNOPSIS") }
	syn || (where == "all" && /^\.It /) {
		for (i = 1; i <= NF; i++)
			if ($i == "Fl") {
				w = i < NF ? $(i + 1) : ""
				if (w ~ /^[A-Z][a-z][a-z]?$/ || w == "|") w = ""
				sub(/[,.;:)]+$/, "", w)
				print "-" w
			}
	}' "$1" | sort -u
}

# oakleyctl's commands: the first word of each "  word" line of -h's
# command list, which ends at the first line that does not start with two
# spaces ("options ...").
help_commands() {
	awk '
	/^usage:/ { inlist = 1; next }
	inlist && !/^  / { inlist = 0 }
	inlist && /^  [a-z]/ { print $1 }
	' | sort -u
}

page_commands() {
	awk '/^\.It Cm / { print $3 }' "$1" | sort -u
}

# 2. oakleyd: -h against SYNOPSIS and the option list.
oakleyd_flags() {
	local bin=$build/oakleyd page=$man/oakleyd.8 h
	# the usage text is what counts here, not -h's exit status
	h=$("$bin" -h 2>&1)
	if ! grep -qi usage <<<"$h"; then
		ko "oakleyd flags" "$bin -h printed no usage: $h"
		return
	fi
	same "oakleyd -h = oakleyd.8 SYNOPSIS" "$(help_flags <<<"$h")" \
		"$(page_flags "$page" synopsis)" "oakleyd -h" "oakleyd.8 SYNOPSIS"
	same "oakleyd -h = oakleyd.8 flags" "$(help_flags <<<"$h")" \
		"$(page_flags "$page" all)" "oakleyd -h" "oakleyd.8"
}

# 3. oakleyctl: the commands and flags of -h against the page.
oakleyctl_usage() {
	local bin=$build/oakleyctl page=$man/oakleyctl.8 h
	# the usage text is what counts here, not -h's exit status
	h=$("$bin" -h 2>&1)
	if ! grep -qi usage <<<"$h"; then
		ko "oakleyctl usage" "$bin -h printed no usage: $h"
		return
	fi
	same "oakleyctl -h = oakleyctl.8 commands" "$(help_commands <<<"$h")" \
		"$(page_commands "$page")" "oakleyctl -h" "oakleyctl.8"
	same "oakleyctl -h = oakleyctl.8 flags" "$(help_flags <<<"$h")" \
		"$(page_flags "$page" all)" "oakleyctl -h" "oakleyctl.8"
}

# 4. The keys.  The parser's, from its tables in src/conf: the rows
# {"key", CK_|RK_|NOTICE|REFUSE|set_|conf_set_...} and the keys matched by strcmp on the
# key (also=, libreswan.c's).  The page's: the rows of the key table,
# ".It Cm KEY Ta SECTION Ta TREATMENT Ta DIALECT".
parser_keys() { # SECTION: setup or conn
	if [ "$1" = setup ]; then
		grep -ohE '^\s*\{"[^"]+", *(set_|conf_set_)' src/conf/setup.c
	else
		grep -ohE '^\s*\{"[^"]+", *(CK_|RK_|NOTICE,|REFUSE,)' src/conf/*.c
		grep -ohE 'strcmp\((k|s->key), "[^"]+"\)' src/conf/*.c
	fi | sed -E 's/^[^"]*"([^"]+)".*/\1/' | sort -u
}

table_rows() {
	awk '/^\.Bl -column/ { t = 1; next } t && /^\.El/ { exit } t && /^\.It Cm / { print }' \
		"$man/oakley.conf.5"
}

keys() {
	local setup conn rows bad=() known tk key sec treat k n
	setup=$(parser_keys setup)
	conn=$(parser_keys conn)
	n=$(echo "$setup"$'\n'"$conn" | grep -c .)
	# the extraction itself: a change of the tables' shape must not leave
	# this test comparing nothing
	for k in dataplane threads; do grep -qx "$k" <<<"$setup" || bad+=("parser keys: no '$k' in config setup's table (src/conf/setup.c)"); done
	for k in left authby also xauthby leftnexthop; do grep -qx "$k" <<<"$conn" || bad+=("parser keys: no '$k' among the conn keys (src/conf)"); done
	[ "$n" -ge 100 ] || bad+=("parser keys: only $n found in src/conf")
	rows=$(table_rows)
	[ "$(grep -c . <<<"$rows")" -ge 100 ] || bad+=("oakley.conf.5: fewer than 100 rows in the key table")
	while read -r _ _ key _ sec _ treat _ rest; do
		[ -n "$key" ] || continue
		if [[ "$sec" != setup && "$sec" != conn ]] || [ -z "$rest" ] ||
			[[ "$treat" != taken && "$treat" != ignored && "$treat" != refused ]]; then
			bad+=("oakley.conf.5: malformed table row: .It Cm $key Ta $sec Ta $treat Ta $rest")
			continue
		fi
		known=$conn
		[ "$sec" = setup ] && known=$setup
		k=${key%%=*}
		if [ "$treat" != refused ] || [ "$k" != "$key" ]; then
			# taken, ignored, or a value refused: the parser knows the key
			[ "$treat" != refused ] && [ "$k" != "$key" ] &&
				bad+=("oakley.conf.5: '$key' is $treat, but a KEY=VALUE row is for a refused value")
			grep -qxF -- "$k" <<<"$known" ||
				bad+=("oakley.conf.5: '$k' ($sec, $treat) is not a $sec key of the parser")
		else
			# refused as a whole: the parser must not know it
			grep -qxF -- "$k" <<<"$known" &&
				bad+=("oakley.conf.5: '$k' is listed as refused, but the parser takes it")
		fi
	done <<<"$rows"
	for sec in setup conn; do
		known=$setup
		[ "$sec" = conn ] && known=$conn
		tk=$(awk -v s="$sec" '$5 == s && ($7 == "taken" || $7 == "ignored") { print $3 }' <<<"$rows" | sort -u)
		while read -r k; do
			grep -qxF -- "$k" <<<"$tk" ||
				bad+=("oakley.conf.5: the parser's $sec key '$k' has no taken or ignored row")
		done <<<"$known"
	done
	if [ ${#bad[@]} -eq 0 ]; then ok "oakley.conf.5 keys ($n parser keys)"; else ko "oakley.conf.5 keys" "${bad[@]}"; fi
}

for p in oakleyd.8 oakleyctl.8 oakley.conf.5; do lint "$p"; done
oakleyd_flags
oakleyctl_usage
keys
echo "man: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
