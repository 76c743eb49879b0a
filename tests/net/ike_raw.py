# Raw ISAKMP datagrams for the tests' own hosts (namespaces), with python3
# only:
#   send SRC DST HEX...                 UDP SRC:500 -> DST:500, each HEX a payload
#   garbage SRC DST COUNT ICOOKIE RCOOKIE
#                                       COUNT encrypted Quick Mode datagrams of
#                                       one block of garbage under those cookies
#   pick PCAP SRC                       the ISAKMP messages SRC sent in a pcap
#                                       (Ethernet, IPv4), one line each:
#                                       EXCHANGE FLAGS MSGID HEX
# A raw socket: port 500 on SRC belongs to an oakleyd.
import os, socket, struct, sys, time


def sender(src, dst):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)

    def send(payload):
        udp = struct.pack("!HHHH", 500, 500, 8 + len(payload), 0) + payload
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
        s.sendto(ip + udp, (dst, 0))
    return send


def garbage(send, n, ic, rc):
    for i in range(n):
        # no first payload (it "parses" to nothing) or a HASH; one block
        body, np = os.urandom(16), 0 if i % 2 else 8
        msgid = int.from_bytes(os.urandom(4), "big") | 1
        send(ic + rc + struct.pack("!BBBBII", np, 0x10, 32, 1, msgid, 28 + len(body)) + body)
        if i % 64 == 63:
            time.sleep(0.002)  # pace: let the receiver's socket buffer drain


def pick(path, src):
    data = open(path, "rb").read()
    off, want = 24, socket.inet_aton(src)
    while off + 16 <= len(data):
        incl = struct.unpack("<I", data[off + 8:off + 12])[0]
        frame = data[off + 16:off + 16 + incl]
        off += 16 + incl
        if len(frame) < 14 + 20 + 8 + 28 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl = (ip[0] & 15) * 4
        if ip[9] != 17 or ip[12:16] != want:
            continue
        udp = ip[ihl:]
        if struct.unpack("!H", udp[2:4])[0] != 500:
            continue
        msg = udp[8:]
        print(msg[18], msg[19], msg[20:24].hex(), msg.hex())


cmd = sys.argv[1]
if cmd == "send":
    send = sender(sys.argv[2], sys.argv[3])
    for h in sys.argv[4:]:
        send(bytes.fromhex(h))
elif cmd == "garbage":
    garbage(sender(sys.argv[2], sys.argv[3]), int(sys.argv[4]), bytes.fromhex(sys.argv[5]),
            bytes.fromhex(sys.argv[6]))
elif cmd == "pick":
    pick(sys.argv[2], sys.argv[3])
else:
    sys.exit("usage: ike_raw.py send|garbage|pick ...")
