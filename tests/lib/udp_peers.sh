# SPDX-License-Identifier: Apache-2.0
# UDP peers for the conntrack tests, run in a host namespace through h()
# (tests/lib/switch_env.sh): an echo server and clients. IPv6 when the
# address has a colon.

# udp_echo HOST ADDR PORT READY: answers each datagram once; READY is
# created once it listens.
udp_echo() {
	h "$1" timeout 20 python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM)
s.bind((sys.argv[1], int(sys.argv[2])))
open(sys.argv[3], "w").close()
while True:
    d, a = s.recvfrom(2048); s.sendto(d, a)' "$2" "$3" "$4" &
	bg_pids+=($!)
	for _ in $(seq 50); do [ -e "$4" ] && return 0; sleep 0.05; done
	return 1
}
# udp_ask HOST DST PORT: prints what came back (or "timeout").
udp_ask() {
	h "$1" timeout 10 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(2)
s.bind(("0.0.0.0", 40000 + int(sys.argv[2]) % 1000))
for _ in range(3):
    s.sendto(b"hello", (sys.argv[1], int(sys.argv[2])))
    try:
        print(s.recvfrom(2048)[0].decode()); sys.exit(0)
    except socket.timeout:
        pass
print("timeout")' "$2" "$3"
}
# udp_try HOST DST PORT: a connected UDP socket sends "hello" once and waits
# 3 s; prints the answer, "refused" (an ICMP error reached it) or "timeout".
udp_try() {
	h "$1" timeout 10 python3 -c '
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(3)
s.connect((sys.argv[1], int(sys.argv[2])))
s.send(b"hello")
try:
    print(s.recv(64).decode())
except ConnectionRefusedError:
    print("refused")
except socket.timeout:
    print("timeout")' "$2" "$3"
}
