#!/bin/bash
# A (10.9.1.1) -- veth -- B (10.9.1.2, a Linux TCP listener); A injects a hand-made TCP flow from 10.9.1.7.
# How the SACK frames in TcpHeaderTests were made (run as root; not part of the test run): ./sack-capture.sh out.pcap
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$(realpath -m "$1")
A=wsA$$; B=wsB$$; PIDS=""
cleanup() { for p in $PIDS; do kill $p 2>/dev/null; done; sleep 1; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; }
trap cleanup EXIT
ip netns add $A; ip netns add $B
ip -n $A link add a0 type veth peer name b0 netns $B
ip -n $A addr add 10.9.1.1/24 dev a0; ip -n $B addr add 10.9.1.2/24 dev b0
ip -n $A link set lo up; ip -n $B link set lo up; ip -n $A link set a0 up; ip -n $B link set b0 up
for x in "$A a0" "$B b0"; do set -- $x; ip netns exec $1 python3 "$HERE/txoff.py" $2; done
MA=$(ip -n $A -br link show a0 | awk '{print $3}'); MB=$(ip -n $B -br link show b0 | awk '{print $3}')
ip -n $B neigh add 10.9.1.7 lladdr $MA dev b0
ip netns exec $B socat -u TCP4-LISTEN:8080,reuseaddr - >/dev/null & PIDS="$PIDS $!"
ip netns exec $A tshark -q -i a0 -w "$OUT" 2>/dev/null & TPID=$!; PIDS="$PIDS $TPID"
sleep 3
ip netns exec $A python3 "$HERE/sack-inject.py" $MA $MB
sleep 1
kill -INT $TPID; wait $TPID
