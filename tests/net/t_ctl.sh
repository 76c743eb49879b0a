#!/bin/bash
# oakleyctl against a live oakleyd: every command with and without --json
# (one JSON object each, with "ok"), the exit codes (0 ok; 1 refused or
# failed, usage on stderr for a bad command line; 2 oakleyd not reached:
# no socket, connection refused, no permission), status NAME, list (the
# connections only), version, and status text without doubled names or a
# volume limit that is not there.
. "$(dirname "$0")/oakley.sh"

two_gateways v4
for d in "$WD" "$ED"; do
	cat >"$d/ipsec.conf" <<CONF
config setup
	dataplane=none

conn site
	left=$WEST
	leftsubnet=10.1.0.0/24
	right=$EAST
	rightsubnet=10.2.0.0/24
	authby=secret
	auto=add

conn lab
	left=$WEST
	right=$EAST
	type=transport
	authby=secret
	auto=add

conn grp
	left=$WEST
	leftsubnet=10.5.0.0/24,10.6.0.0/24
	right=$EAST
	rightsubnet=10.7.0.0/24
	authby=secret
	auto=add
CONF
	write_secrets "$d" "oakleyctl polished"
done
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

O=$T_OUT/ctl
mkdir -p "$O"
# ctl NAME RC ARGS...: oakleyctl ARGS against west's oakleyd; its output in
# $O/NAME.out and .err; fails unless it exits RC.  A NAME ending in .json
# is checked as JSON at the end.
ctl() {
	local name=$1 want=$2 rc=0
	shift 2
	octl "$WD" "$@" >"$O/$name.out" 2>"$O/$name.err" || rc=$?
	[ "$rc" -eq "$want" ] ||
		fail "oakleyctl $*: exit $rc, not $want: $(cat "$O/$name.out" "$O/$name.err")"
}
has() { grep -Eq -- "$2" "$O/$1" || fail "$1: no /$2/ in: $(cat "$O/$1")"; }
hasnt() { ! grep -Eq -- "$2" "$O/$1" || fail "$1: /$2/ in: $(cat "$O/$1")"; }
empty() { [ ! -s "$O/$1" ] || fail "$1 is not empty: $(cat "$O/$1")"; }

# version: ours and the daemon's.
ctl version 0 version
has version.out '^oakleyctl [0-9]+\.[0-9]+\.[0-9]+'
has version.out '^oakleyd [0-9]+\.[0-9]+\.[0-9]+'
ctl version.json 0 --json version

# list: the configured connections, one line each, no SAs.
ctl up-site 0 up site
has up-site.out '^established$'
ctl list 0 list
[ "$(wc -l <"$O/list.out")" -eq 4 ] || fail "list: not 4 lines: $(cat "$O/list.out")"
has list.out '^site: 192\.0\.2\.1 \[192\.0\.2\.1\] 10\.1\.0\.0/24 \.\.\. 192\.0\.2\.2 \[192\.0\.2\.2\] 10\.2\.0\.0/24, tunnel, auto=add$'
has list.out '^lab: 192\.0\.2\.1 \[192\.0\.2\.1\] host \.\.\. 192\.0\.2\.2 \[192\.0\.2\.2\] host, transport, auto=add$'
has list.out '^grp/2x1: 192\.0\.2\.1 \[192\.0\.2\.1\] 10\.6\.0\.0/24 \.\.\. '
hasnt list.out '#|SAs|established'
ctl list.json 0 list --json

# up: one name, several, --json; an unknown name fails.
ctl up-lab.json 0 --json up lab
ctl up-both.json 0 up site lab --json
# A group of subnets answers with its name first: not said twice.
ctl up-grp 0 up site grp
has up-grp.out '^grp: 2 of 2 pairs of subnets up$'
hasnt up-grp.out '([^ :]+): \1: '
ctl up-nosuch 1 up nosuch
has up-nosuch.err "no connection named 'nosuch'"
empty up-nosuch.out
ctl up-nosuch.json 1 up nosuch --json

# status: all, one NAME, --summary; easy on the eye.
ctl status 0 status
has status.out '^  #[0-9]+ site: established, initiator'
has status.out 'lifetime [0-9]+ s, no volume limit \('
hasnt status.out ' 0 KB|([^ :]+): \1: '
ctl status.json 0 status --json
ctl status-site 0 status site
has status-site.out '^  site: '
hasnt status-site.out '^  lab: |#[0-9]+ lab: '
ctl status-site.json 0 --json status site
ctl summary 0 status --summary
has summary.out '^isakmp_sas_established: 1$'
ctl summary.json 0 status --json --summary
# The name is checked: not the full listing of all.
ctl status-anything 1 status anything
empty status-anything.out
has status-anything.err "^no connection named 'anything'$"
ctl status-anything.json 1 status anything --json
ctl status-two 1 status site lab
empty status-two.out
has status-two.err '^oakleyctl: status takes one NAME at most$'
has status-two.err '^usage: oakleyctl '

# certs, reload.
ctl certs 0 certs
has certs.out '^Certificates:'
ctl certs.json 0 certs --json
ctl reload 0 reload
has reload.out '^configuration reloaded$'
ctl reload.json 0 --json reload
ctl reload-now 1 reload now
has reload-now.err 'reload takes no arguments'
has reload-now.err '^usage: oakleyctl '

# A bad command line: usage on stderr, exit 1, nothing sent to oakleyd.
ctl frob 1 frob
empty frob.out
has frob.err "unknown command 'frob'"
has frob.err '^exit codes: 0 ok; 1 refused or failed'
ctl frob.json 1 frob --json
ctl badopt 1 status --all
has badopt.err "unknown option '--all'"
ctl nocmd 1
has nocmd.err '^usage: oakleyctl '
ctl help 0 -h
has help.out '^usage: oakleyctl \[-c SOCKET\] \[--json\] COMMAND \[ARGS\]'
has help.out '2 cannot reach oakleyd'
empty help.err
ctl down-none 1 down
has down-none.err 'down takes one NAME'

# down: the SAs go.
ctl down-lab 0 down lab
has down-lab.out '^down$'
ctl down-site.json 0 down site --json
ctl after 0 status
hasnt after.out '#[0-9]+ (site|lab): established'

# 2: oakleyd cannot be reached.
ctl2() { # NAME SOCKET ARGS...: as ctl, oakleyctl -c SOCKET, exit 2
	local name=$1 sock=$2 rc=0
	shift 2
	"$OAKLEYCTL" -c "$sock" "$@" >"$O/$name.out" 2>"$O/$name.err" || rc=$?
	[ "$rc" -eq 2 ] || fail "oakleyctl -c $sock $*: exit $rc, not 2: $(cat "$O/$name.err")"
}
ctl2 nosock "$T_OUT/nosuch.sock" status
has nosock.err "^oakleyctl: cannot reach oakleyd at $T_OUT/nosuch.sock: No such file or directory$"
ctl2 nosock.json "$T_OUT/nosuch.sock" --json list
ctl2 nosock-version "$T_OUT/nosuch.sock" version
has nosock-version.out '^oakleyctl [0-9]'
ctl2 nosock-version.json "$T_OUT/nosuch.sock" version --json
ctl2 nosock-up "$T_OUT/nosuch.sock" up site lab
# A socket nobody listens on: connection refused.
python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' "$T_OUT/dead.sock"
ctl2 refused "$T_OUT/dead.sock" status
has refused.err 'Connection refused'
# The daemon's socket is root's (0600): permission denied to another user.
chmod 755 "$T_OUT"
rc=0
setpriv --reuid=65534 --regid=65534 --clear-groups "$OAKLEYCTL" -c "$(ctl_sock "$WD")" status \
	>"$O/perm.out" 2>"$O/perm.err" || rc=$?
[ "$rc" -eq 2 ] || fail "oakleyctl as nobody: exit $rc, not 2: $(cat "$O/perm.err")"
has perm.err 'Permission denied'

# Every --json answer: one object, "ok" as the exit code says, an error
# when not ok; and what each carries.
python3 - "$O" <<'PY' || fail "JSON: $(cat "$O/json.err")"
import glob, json, os, sys
o = sys.argv[1]
try:
    got = {}
    for f in sorted(glob.glob(f"{o}/*.json.out")):
        name = os.path.basename(f)[:-len(".json.out")]
        text = open(f).read()
        assert text.count("\n") == 1 and text.endswith("}\n"), (name, text)
        j = json.loads(text)
        assert isinstance(j, dict) and isinstance(j.get("ok"), bool), (name, j)
        if not j["ok"]:
            assert isinstance(j.get("error"), str) and j["error"], (name, j)
        got[name] = j
    assert len(got) == 15, sorted(got)
    v = got["version"]
    assert v["ok"] and v["oakleyctl"] == v["oakleyd"], v
    assert [c["name"] for c in got["list"]["connections"]] == ["site", "lab", "grp/1x1", "grp/2x1"], got["list"]
    assert "ike_sas" not in got["list"], got["list"]
    assert got["up-lab"] == {"ok": True, "connection": "lab", "message": "established"}, got["up-lab"]
    u = got["up-both"]
    assert u["ok"] and u["up"] == 2 and u["failed"] == 0, u
    assert [c["connection"] for c in u["connections"]] == ["site", "lab"], u
    assert got["up-nosuch"] == {"ok": False, "connection": "nosuch",
                                "error": "no connection named 'nosuch'"}, got["up-nosuch"]
    s = got["status"]
    assert s["ok"] and len(s["ike_sas"]) == 1 and len(s["ipsec_sas"]) == 4, s
    s = got["status-site"]
    assert [c["name"] for c in s["connections"]] == ["site"], s
    assert [x["connection"] for x in s["ipsec_sas"]] == ["site"], s
    assert got["summary"]["ok"] and got["summary"]["isakmp_sas_established"] == 1, got["summary"]
    assert got["status-anything"] == {"ok": False, "error": "no connection named 'anything'"}
    assert got["certs"] == {"ok": True, "certificates": [], "cas": [], "crls": []}, got["certs"]
    assert got["reload"] == {"ok": True, "message": "configuration reloaded"}, got["reload"]
    assert got["frob"] == {"ok": False, "error": "unknown command 'frob'"}, got["frob"]
    assert got["down-site"] == {"ok": True, "message": "down"}, got["down-site"]
    assert got["nosock"]["ok"] is False and "cannot reach oakleyd" in got["nosock"]["error"]
    v = got["nosock-version"]
    assert v["ok"] is False and v["oakleyd"] is None and v["oakleyctl"], v
except Exception as e:
    open(f"{o}/json.err", "w").write(repr(e))
    raise
PY
log "every command with and without --json; exits 0, 1, 2 as documented"
stop_oakleyd "$WD"
stop_oakleyd "$ED"
