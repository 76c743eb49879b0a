#!/usr/bin/env python3
"""Stands in for systemd's notify socket: binds the datagram socket NAME
(a path, mode 0777 as systemd's /run/systemd/notify is, or '@' and an
abstract name) and appends each datagram to LOG as one line, its newlines
shown as '|'."""
import os
import socket
import sys

name, log = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("\0" + name[1:] if name.startswith("@") else name)
if not name.startswith("@"):
    os.chmod(name, 0o777)
with open(log, "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        msg = s.recv(4096).decode(errors="replace")
        f.write(msg.replace("\n", "|") + "\n")
