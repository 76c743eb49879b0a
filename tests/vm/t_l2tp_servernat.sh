#!/bin/bash
# vm-timeout: 240
# L2TP/IPsec with the server behind a NAT too (a cloud host with a private
# address): as t_l2tp.sh, but oakleyd and xl2tpd at 172.16.1.2 behind a
# router that forwards UDP 500 and 4500 from its public 192.0.2.3.  The
# clients dial 192.0.2.3 and name it in their IDcr; oakleyd takes that as
# its own address (its kernel selectors are 172.16.1.2 udp/1701) and sees
# NAT on both sides.  The server's conn in Libreswan's spelling here
# (t_l2tp.sh: strongSwan's).  Same two clients and checks (lib_l2tp.sh);
# oakleyd's SA is rekeyed under the running link, keeping its reqid.
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
. "$(dirname "$0")/lib_l2tp.sh"
require_esp

nat_topology_both
L2TP_DIAL=$GWPUB L2TP_NAT=both L2TP_SPELLING=libreswan
l2tp_server
l2tp_charon_client
# oakleyd's SA rekeyed while PPP runs (lifetime 20 s, rekey at 10 s)
L2TP_CLIENT_EXTRA="lifetime=20s margintime=10s rekeyfuzz=0%" L2TP_HOOK=l2tp_rekey_check \
	l2tp_oakley_client
log ok
