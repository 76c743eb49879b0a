#!/bin/bash
# vm-timeout: 240
# L2TP/IPsec behind a NAT, in a kernel with ESP: oakleyd on the public
# segment (192.0.2.2) holds a transport-mode conn limited to UDP 1701
# (leftprotoport=17/1701, rightprotoport=17/%any, right=%any) with
# Windows' proposals, and xl2tpd as an LNS; a client behind the
# masquerading router (172.16.0.2) runs xl2tpd as a LAC (autodial) and
# pppd.  Two clients, one after the other:
#   (a) charon playing Windows: AES-256/SHA1/MODP-2048 or
#       3DES/SHA1/MODP-1024, its side udp/%any (port 0 in its ID);
#   (b) oakleyd: 3DES/SHA1/MODP-1024, udp/1701 both sides.
# Each: ppp0 up on both ends with the pool's addresses, pings across PPP;
# both ESP SAs (transport, ESP in UDP) carried bytes; the NAT router
# forwarded no cleartext UDP 1701, only 4500; the server's kernel
# policies are UDP port 1701 only; oakleyd shows transport behind NAT with
# the client's NAT-OA (lib_l2tp.sh).
. "$(dirname "$0")/../net/oakley.sh"
. "$(dirname "$0")/lib_nat.sh"
. "$(dirname "$0")/lib_l2tp.sh"
require_esp

nat_topology
L2TP_DIAL=$GW L2TP_NAT=remote
l2tp_server
l2tp_charon_client
l2tp_oakley_client
log ok
