# SPDX-License-Identifier: Apache-2.0
# TCP peers for the conntrack tests, run in a host namespace through h()
# (tests/lib/switch_env.sh); IPv4 or IPv6 by the address.

# tcp_sink HOST ADDR PORT OUT: accepts one connection, writes "N PEER" (the
# bytes it got, the peer's address) to OUT, answers "ok"; "none" if no
# connection came within 15 s.
tcp_sink() {
	h "$1" timeout 20 python3 - "$2" "$3" "$4" <<'PY' &
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
open(sys.argv[3] + ".ready", "w").close()
s.settimeout(15)
try:
    c, _ = s.accept()
except socket.timeout:
    open(sys.argv[3], "w").write("none\n"); sys.exit(0)
n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    n += len(b)
peer = c.getpeername()[0]
c.sendall(b"ok"); c.close()
open(sys.argv[3], "w").write("%d %s\n" % (n, peer))
PY
	bg_pids+=($!)
	for _ in $(seq 50); do [ -e "$4.ready" ] && return 0; sleep 0.05; done
	return 1
}
# tcp_send HOST DST PORT N: sends N bytes, half-closes, prints the answer
# and the peer's address, or "timeout"/"refused".
tcp_send() {
	h "$1" timeout 20 python3 -c '
import socket, sys
n = int(sys.argv[3])
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
except OSError as e:
    print("refused" if isinstance(e, ConnectionRefusedError) else "timeout"); sys.exit(0)
buf = bytes(range(256)) * 256
while n > 0:
    k = min(n, len(buf)); s.sendall(buf[:k]); n -= k
peer = s.getpeername()[0]
s.shutdown(socket.SHUT_WR)
print((s.recv(16).decode() or "eof") + " " + peer)' "$2" "$3" "$4"
}
# tcp_source HOST ADDR PORT N OUT: accepts one connection and sends it N
# bytes, then closes; writes "sent PEER" to OUT ("none" if no connection
# came within 15 s).
tcp_source() {
	h "$1" timeout 20 python3 - "$2" "$3" "$4" "$5" <<'PY' &
import socket, sys
fam = socket.AF_INET6 if ":" in sys.argv[1] else socket.AF_INET
s = socket.socket(fam); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], int(sys.argv[2]))); s.listen(1)
open(sys.argv[4] + ".ready", "w").close()
s.settimeout(15)
try:
    c, _ = s.accept()
except socket.timeout:
    open(sys.argv[4], "w").write("none\n"); sys.exit(0)
n = int(sys.argv[3])
buf = bytes(range(256)) * 256
while n > 0:
    k = min(n, len(buf)); c.sendall(buf[:k]); n -= k
peer = c.getpeername()[0]
c.close()
open(sys.argv[4], "w").write("sent %s\n" % peer)
PY
	bg_pids+=($!)
	for _ in $(seq 50); do [ -e "$5.ready" ] && return 0; sleep 0.05; done
	return 1
}
# tcp_fetch HOST DST PORT: receives until the peer closes; prints the bytes
# received and whether they were the pattern tcp_source sends ("N good" or
# "N bad"), or "timeout"/"refused".
tcp_fetch() {
	h "$1" timeout 20 python3 -c '
import socket, sys
try:
    s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3)
except OSError as e:
    print("refused" if isinstance(e, ConnectionRefusedError) else "timeout"); sys.exit(0)
s.settimeout(15)
n, good = 0, True
pat = bytes(range(256)) * 258
while True:
    try:
        b = s.recv(1 << 16)
    except socket.timeout:
        break
    if not b: break
    good = good and b == pat[n % 256:n % 256 + len(b)]
    n += len(b)
print(n, "good" if good else "bad")' "$2" "$3"
}
