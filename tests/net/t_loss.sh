#!/bin/bash
# Reliability under loss: nftables in east drops 30% of IKE packets at random
# in each direction (numgen; this kernel has no netem), and 20 tunnels
# between two oakleyds, each its own Main Mode + Quick Mode, come up through
# retransmissions with no duplicate SA on either side.  Counts are asserted,
# never times; the retransmissions and seconds seen are printed (README,
# "Reliability").
# With the defaults (2 s, doubling, 4 retransmissions) a request and its
# answer both get through one try in 0.7 * 0.7 = 49%, so 5 losses in a row
# (3.5%) would fail some of the 100 round trips; more tries alone do not do
# it either, as the doubled waits soon pass the 60 s a negotiation may take.
# So: 0.1 s doubling up to 1 s (retransmit_limit), 20 retransmissions; one of
# 100 round trips then fails about once in 10,000 runs.
. "$(dirname "$0")/oakley.sh"

N=20
LOSS_TENTHS=3
TIMEOUT=0.1
LIMIT=1
TRIES=20

two_gateways v4
for d in "$WD" "$ED"; do
	printf 'config setup\n\tdataplane=none\n\tretransmit_timeout=%s\n\tretransmit_limit=%s\n\tretransmit_tries=%s\n\n' \
		"$TIMEOUT" "$LIMIT" "$TRIES" >"$d/ipsec.conf"
	for i in $(seq 1 "$N"); do
		printf 'conn c%s\n\tleft=%s\n\tleftid=@c%s.west\n\tleftsubnet=10.1.%s.0/24\n\tright=%s\n\trightid=@c%s.east\n\trightsubnet=10.2.%s.0/24\n\tike=aes128-sha1-modp2048!\n\tesp=aes128-sha1!\n\tauto=add\n\n' \
			"$i" "$WEST" "$i" "$i" "$EAST" "$i" "$i" >>"$d/ipsec.conf"
	done
	write_secrets "$d" "lossy but patient"
done

# Both directions lose 30% of IKE (UDP 500) at random; counters for the figures.
ip netns exec "$E" nft -f - <<NFT || fail "nft cannot set up the loss (numgen)"
table inet loss {
	chain in {
		type filter hook input priority 0;
		udp dport 500 numgen random mod 10 < $LOSS_TENTHS counter drop
		udp dport 500 counter
	}
	chain out {
		type filter hook output priority 0;
		udp sport 500 numgen random mod 10 < $LOSS_TENTHS counter drop
		udp sport 500 counter
	}
}
NFT
start_oakleyd "$W" "$WD"
start_oakleyd "$E" "$ED"

start=$(date +%s)
for i in $(seq 1 "$N"); do
	(
		rc=0
		octl "$WD" up "c$i" >"$T_OUT/up.c$i" 2>&1 || rc=$?
		echo "$rc" >"$T_OUT/up.c$i.rc"
	) &
done
wait_for 900 sh -c "[ \$(ls $T_OUT/*.rc | wc -l) -eq $N ]" || fail "not every oakleyctl up returned"
up_secs=$(($(date +%s) - start))
bad=""
for i in $(seq 1 "$N"); do
	[ "$(cat "$T_OUT/up.c$i.rc")" = 0 ] || bad="$bad c$i: $(cat "$T_OUT/up.c$i")"
done
[ -z "$bad" ] || fail "up failed under loss:$bad"

# east's last Quick Mode message may still be on its way (its QM2 is
# retransmitted until west's QM3 gets through): wait for the count.
count_ipsec() { octl "$1" status --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["ipsec_sas"]))'; }
wait_for 900 sh -c "[ \$($OAKLEYCTL -c $(ctl_sock "$ED") status --json |
	python3 -c 'import json,sys; print(len(json.load(sys.stdin)[\"ipsec_sas\"]))') -ge $N ]" ||
	fail "east has $(count_ipsec "$ED") IPsec SAs, not $N"
all_secs=$(($(date +%s) - start))

ws=$(octl "$WD" status --json) || fail "west status failed"
es=$(octl "$ED" status --json) || fail "east status failed"
python3 - "$N" "$ws" "$es" <<'PY' || fail "the SAs under loss are not exactly one per connection"
import collections, json, sys
n, w, e = int(sys.argv[1]), json.loads(sys.argv[2]), json.loads(sys.argv[3])
want = {"c%d" % i for i in range(1, n + 1)}
for side, s in (("west", w), ("east", e)):
    ike = collections.Counter(sa["connection"] for sa in s["ike_sas"])
    states = collections.Counter(sa["state"] for sa in s["ike_sas"])
    assert len(s["ike_sas"]) == n, "%s: %d ISAKMP SAs, not %d: %s" % (side, len(s["ike_sas"]), n, states)
    assert states["established"] == n, "%s: ISAKMP SA states %s" % (side, dict(states))
    assert set(ike) == want and max(ike.values()) == 1, "%s: ISAKMP SAs per connection %s" % (side, dict(ike))
    ipsec = collections.Counter(c["connection"] for c in s["ipsec_sas"])
    assert len(s["ipsec_sas"]) == n, "%s: %d IPsec SAs, not %d" % (side, len(s["ipsec_sas"]), n)
    assert set(ipsec) == want and max(ipsec.values()) == 1, "%s: IPsec SAs per connection %s" % (side, dict(ipsec))
# Both ends of every tunnel agree on its SPIs.
wc = {c["connection"]: c for c in w["ipsec_sas"]}
for c in e["ipsec_sas"]:
    o = wc[c["connection"]]
    assert c["spi_in"] == o["spi_out"] and c["spi_out"] == o["spi_in"], (c, o)
print("west and east: %d ISAKMP SAs established and %d IPsec SAs each, one per connection, SPIs agreeing" % (n, n))
PY

# The figures: what was dropped, and how often the daemons resent.
nft_count() {
	ip netns exec "$E" nft list chain inet loss "$1" |
		awk -v want="$2" '/counter packets/ { for (i = 1; i < NF; i++) if ($i == "packets") p[++k] = $(i + 1) }
			END { print p[want] + 0 }'
}
dropped=$(($(nft_count in 1) + $(nft_count out 1)))
passed=$(($(nft_count in 2) + $(nft_count out 2)))
rx_w=$(grep -c 'no answer from peer yet, retransmit' "$WD/oakleyd.log" || true)
rx_e=$(grep -c 'no answer from peer yet, retransmit' "$ED/oakleyd.log" || true)
stop_oakleyd "$ED"

# retransmit_limit at work: with east gone, all 20 retransmissions go out
# (1 s apart once the doubling reaches the limit) and up gives up on them,
# well before the 60 s a negotiation may take; doubling without the limit
# would be cut off by those 60 s instead.
octl "$WD" down c1 >/dev/null 2>&1 || true
out=$(octl "$WD" up c1 2>&1) && fail "up succeeded with east stopped: $out"
[[ "$out" == *"did not answer"*"after $TRIES retransmits"* ]] ||
	fail "up with east stopped did not end after $TRIES retransmits: $out"
stop_oakleyd "$WD"
echo "loss: $N tunnels up with ${LOSS_TENTHS}0% of IKE packets dropped each way:" \
	"nft dropped $dropped of $((dropped + passed)) IKE packets;" \
	"retransmissions: west $rx_w, east $rx_e; every up returned in $up_secs s," \
	"east had all its IPsec SAs after $all_secs s" \
	"(retransmit_timeout=$TIMEOUT retransmit_limit=$LIMIT retransmit_tries=$TRIES)"
log "ok"
