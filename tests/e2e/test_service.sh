#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The switch as a system service: `make install DESTDIR=...` stages every
# file and `make uninstall` removes them; the installed unit passes
# `systemd-analyze verify`; a bridge starts from an installed
# configuration file exactly as the unit's ExecStart line runs it (PID 1
# is not systemd here), forwards on a veth pair, survives a stop and start
# as the unit does them (SIGTERM, then ExecStart again) without losing a
# datagram of an established flow, reloads its edited flow file on SIGHUP
# (ExecReload) atomically, refuses a bad one with FILE:LINE:COL changing
# nothing, and `agent --cleanup` leaves nothing in /run/xdpswitch.
set -u
cd "$(dirname "$0")/../.."
. tests/lib/tap.sh
. tests/lib/switch_env.sh

switch_env xsv
# The unit's agent uses the unit's run directory, not a test one.
export -n XS_RUN_DIR
RUN=/run/xdpswitch
STAGE=$T/stage   # make install DESTDIR=
ROOT=$T/root     # make install PREFIX=$ROOT/usr SYSCONFDIR=$ROOT/etc
MK="make --no-print-directory -s O=$B"
svc_cleanup() {
	"$XS" agent --cleanup --bridge "$BR" >/dev/null 2>&1
	rm -f "$RUN/$BR".*
}
trap 'svc_cleanup; switch_env_cleanup' EXIT

# --- make install DESTDIR / uninstall -----------------------------------------------
check "make install DESTDIR=$STAGE" $MK install DESTDIR="$STAGE"
for f in /usr/local/sbin/xdpswitch /usr/local/share/man/man8/xdpswitch.8 \
	/usr/local/lib/systemd/system/xdpswitch@.service \
	/usr/local/share/bash-completion/completions/xdpswitch \
	/usr/local/share/doc/xdpswitch/LICENSE /usr/local/share/doc/xdpswitch/examples/br0.conf; do
	check "installed $f" test -s "$STAGE$f"
done
check "the installed binary runs" "$STAGE/usr/local/sbin/xdpswitch" version
check "the unit runs the installed binary" \
	grep -qx 'ExecStart=/usr/local/sbin/xdpswitch agent --bridge %i --config /etc/xdpswitch/%i.conf' \
	"$STAGE/usr/local/lib/systemd/system/xdpswitch@.service"
check "the unit runs the agent at nice -10 (control answers under a miss flood)" \
	grep -qx 'Nice=-10' "$STAGE/usr/local/lib/systemd/system/xdpswitch@.service"
check "the example configuration parses" bash -c "'$STAGE/usr/local/sbin/xdpswitch' agent \
	--datapath dummy --config '$STAGE/usr/local/share/doc/xdpswitch/examples/br0.conf' --help >/dev/null"
check "bash completion loads" bash -c ". '$STAGE/usr/local/share/bash-completion/completions/xdpswitch' && complete -p xdpswitch"
# complete WORDS...: what the installed completion offers for the last word
complete_words() {
	PATH=$STAGE/usr/local/sbin:$PATH bash -c '. "$0"; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _xdpswitch; echo "${COMPREPLY[*]}"' \
		"$STAGE/usr/local/share/bash-completion/completions/xdpswitch" "$@"
}
check_eq "completion: commands" "dump-ports" "$(complete_words xdpswitch dump-po)"
# (others may join them: options are read from xdpswitch agent --help)
check "completion: agent options" grep -qE -- "(^| )--cleanup .*--config( |$)" <<<"$(complete_words xdpswitch agent --c)"
check_eq "completion: flags" "--strict --stats" "$(complete_words xdpswitch show --st)"
echo "port = x=1" >"$STAGE/etc/xdpswitch/mine.conf"
check "make uninstall" $MK uninstall DESTDIR="$STAGE"
check_eq "uninstall leaves only the operator's configuration" "$STAGE/etc/xdpswitch/mine.conf" \
	"$(find "$STAGE" -type f)"

# --- systemd-analyze verify ------------------------------------------------------------
check "make install PREFIX=$ROOT/usr" $MK install PREFIX="$ROOT/usr" SYSCONFDIR="$ROOT/etc"
UNIT=$ROOT/usr/lib/systemd/system/xdpswitch@.service
mkdir -p "$T/units"
cp "$UNIT" "$T/units/xdpswitch@$BR.service"
# Documentation=man:xdpswitch(8) is checked with man: the installed page.
verify() { MANPATH=$ROOT/usr/share/man systemd-analyze verify "$1" 2>&1; }
out=$(verify "$T/units/xdpswitch@$BR.service")
check_eq "systemd-analyze verify: no complaint" "" "$out"
sed 's|^ExecStart=.*|ExecStart=xdpswitch-not-installed agent|' "$UNIT" >"$T/units/xdpswitch@bad.service"
check "systemd-analyze verify refuses a unit whose binary is missing" \
	bash -c "! MANPATH=$ROOT/usr/share/man systemd-analyze verify '$T/units/xdpswitch@bad.service' >/dev/null 2>&1"

# --- a bridge from the installed configuration, as ExecStart runs it -------------------
scripts/topo.sh create "$P" 2
CONF=$ROOT/etc/xdpswitch/$BR.conf
FLOWS=$ROOT/etc/xdpswitch/$BR.flows
cat >"$FLOWS" <<EOF
priority=10,in_port=1 actions=output:2
priority=10,in_port=2 actions=output:1
EOF
cat >"$CONF" <<EOF
# bridge $BR (test)
flows = $FLOWS
port = $P-p1=1
port = $P-p2=2   # the other host
max-idle = 60000
EOF
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT" | sed "s/%i/$BR/g")
read -r -a exec_argv <<<"$exec_start"
# Type=notify: systemd sets NOTIFY_SOCKET and waits for READY=1. Here a
# listener stands in for it and logs each message on one line.
NOTIFY=$T/notify.sock
python3 - "$NOTIFY" "$T/notify.log" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
while True:
    m = s.recv(4096).decode()
    with open(sys.argv[2], "a") as f:
        f.write(m.replace("\n", " ") + "\n")
PY
bg_pids+=($!)
for _ in $(seq 100); do [ -S "$NOTIFY" ] && break; sleep 0.02; done
: >"$T/notify.log"
notified() { grep -c "^$1" "$T/notify.log"; }
wait_notified() { # message count
	for _ in $(seq 250); do [ "$(notified "$1")" -ge "$2" ] && return 0; sleep 0.02; done
	return 1
}
start_unit() { # log: started when it says READY=1, as systemd sees it
	local ready; ready=$(notified READY=1)
	NOTIFY_SOCKET=$NOTIFY "${exec_argv[@]}" >>"$1" 2>&1 &
	agent_pid=$!
	wait_notified READY=1 $((ready + 1)) && [ -S "$RUN/$BR.sock" ]
}
stop_unit() { # as systemctl stop: KillSignal=SIGTERM, wait for the exit
	kill -TERM "$agent_pid" && wait "$agent_pid"
	stop_rc=$?
	agent_pid=
}
check "ExecStart line starts the agent and it says READY=1 ($exec_start)" start_unit "$LOG"
check "it forwards: h1 pings h2" pings 1 -c 2 -W 2 10.0.0.2
check_eq "its flows are the file's" 2 "$("$XS" dump-flows --bridge "$BR" | grep -c priority=10)"

# A stop and a start under traffic lose nothing of the established flow.
recv() { # host port out: "COUNT" once idle for 1.5 s
	h "$1" timeout 40 python3 - "$2" "$3" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
s.bind(("0.0.0.0", int(sys.argv[1])))
open(sys.argv[2] + ".ready", "w").close()
n = 0
s.settimeout(20)
try:
    while True:
        s.recv(2048)
        n += 1
        s.settimeout(1.5)
except socket.timeout:
    pass
open(sys.argv[2], "w").write("%d\n" % n)
PY
	bg_pids+=($!)
	for _ in $(seq 100); do [ -e "$3.ready" ] && return 0; sleep 0.02; done
	return 1
}
send() { # host dst port count gap
	h "$1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
n, gap, t0 = int(sys.argv[3]), float(sys.argv[4]), time.time()
for i in range(n):
    s.sendto(b"%d" % i, (sys.argv[1], int(sys.argv[2])))
    d = t0 + (i + 1) * gap - time.time()
    if d > 0:
        time.sleep(d)
' "$2" "$3" "$4" "$5"
}
wait_file() { for _ in $(seq 200); do [ -s "$1" ] && return 0; sleep 0.1; done; return 1; }

check "receiver ready" recv 2 7001 "$T/rx1"
send 1 10.0.0.2 7001 3000 0.001 &
sender=$!
sleep 0.7
stop_unit
check_eq "stop (SIGTERM): exit status 0" 0 "$stop_rc"
check_eq "it said STOPPING=1" 1 "$(notified STOPPING=1)"
check "the log says the ports keep forwarding" grep -q "the ports keep forwarding" "$LOG"
sleep 0.3
check "start again: ExecStart adopts the fast path" start_unit "$LOG"
wait "$sender"
check "receiver done" wait_file "$T/rx1"
check_eq "0 of 3000 datagrams lost across stop and start" 3000 "$(cat "$T/rx1")"
check "the restart restored the bridge" grep -q "restarted from the saved state" "$LOG"
check_eq "the flows are the file's after the restart" 2 \
	"$("$XS" dump-flows --bridge "$BR" | grep -c priority=10)"

# --- SIGHUP (ExecReload): the edited flow file, atomically ---------------------------------
reload_cmd=$(sed -n 's/^ExecReload=//p' "$UNIT" | sed "s/\$MAINPID/$agent_pid/")
cat >>"$FLOWS" <<EOF
priority=20,udp,tp_dst=7002 actions=drop
EOF
wait_rules() { # count
	for _ in $(seq 50); do
		[ "$("$XS" dump-flows --bridge "$BR" | grep -c priority=)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
check "ExecReload ($reload_cmd)" $reload_cmd
check "the reload applied the edited file (3 rules)" wait_rules 3
check "the log says it reloaded" grep -q "SIGHUP: reloading $FLOWS" "$LOG"
check "it said RELOADING=1 with MONOTONIC_USEC" \
	grep -qE "^RELOADING=1 MONOTONIC_USEC=[0-9]+$" "$T/notify.log"
check "READY=1 after the reload (the third)" wait_notified READY=1 3
check "receiver ready" recv 2 7002 "$T/rx2"
send 1 10.0.0.2 7002 20 0.005
check "receiver done" wait_file "$T/rx2"
check_eq "the new drop rule is in force" 0 "$(cat "$T/rx2")"
before=$("$XS" dump-flows --bridge "$BR" | sed 's/duration=[^,]*,//; s/idle_age=[^,]*,//; s/n_packets=[^,]*,//; s/n_bytes=[^,]*,//')
# a bad file: one good new rule, then an error on line 5
cat >>"$FLOWS" <<EOF
priority=30,udp,tp_dst=7003 actions=drop
priority=30,udp,tp_dst=7004 actions=nosuchaction
EOF
kill -HUP "$agent_pid"
for _ in $(seq 50); do grep -q "nothing changed, the previous flows stay" "$LOG" && break; sleep 0.1; done
check "a bad file is refused with FILE:LINE:COL" grep -q "SIGHUP: $FLOWS:5:[0-9]*: .*nosuchaction.*nothing changed" "$LOG"
after=$("$XS" dump-flows --bridge "$BR" | sed 's/duration=[^,]*,//; s/idle_age=[^,]*,//; s/n_packets=[^,]*,//; s/n_bytes=[^,]*,//')
check_eq "a bad file changes nothing (not even its good lines)" "$before" "$after"
check "the agent still runs" kill -0 "$agent_pid"

# A configuration file with an error stops the start and names its line.
cp "$CONF" "$T/good.conf"
echo "no-such-key = 1" >>"$CONF"
out=$("${exec_argv[@]}" 2>&1)
rc=$?
check_eq "a bad key: exit status 2" 2 "$rc"
check "a bad key is named with FILE:LINE" grep -q "$CONF:6: unknown key 'no-such-key'" <<<"$out"
cp "$T/good.conf" "$CONF"
echo "max-idle = soon" >>"$CONF"
out=$("${exec_argv[@]}" 2>&1)
check "a bad value is named with FILE:LINE" grep -q "($CONF:6: --max-idle=soon)" <<<"$out"
cp "$T/good.conf" "$CONF"

# --- --cleanup leaves no trace, the lock file included ---------------------------------------
stop_unit
check "the lock file stays after a stop" test -e "$RUN/$BR.lock"
check "agent --cleanup" "$XS" agent --cleanup --bridge "$BR"
check_eq "nothing of the bridge left in $RUN" "" "$(ls "$RUN" | grep -F "$BR." || true)"
check "no pins left" test ! -e "/sys/fs/bpf/xdpswitch/$BR"
tap_done
