#!/bin/bash
# How tests/Netstack.Tests/Wire/CapturedFrames.cs was made (run as root; not part of the test run).
# Generates real packets between namespaces created here (A -- B -- C, B forwards; B-C MTU 1280), all removed
# at the end, and captures them on A's veth: ./capture.sh out.pcap; then tshark -r out.pcap -F pcap -w ... to dump.
set -u
OUT=$(realpath -m "${1:-capture.pcap}")
HERE=$(cd "$(dirname "$0")" && pwd)
A=wtA$$; B=wtB$$; C=wtC$$
PIDS=""
cleanup() { for p in $PIDS; do kill $p 2>/dev/null; done; sleep 1; ip netns del $A 2>/dev/null; ip netns del $B 2>/dev/null; ip netns del $C 2>/dev/null; }
trap cleanup EXIT
for n in $A $B $C; do ip netns add $n; ip -n $n link set lo up; ip netns exec $n sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.keep_addr_on_down=1 net.ipv6.conf.default.keep_addr_on_down=1; done
ip netns exec $B sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip -n $A link add a0 type veth peer name b0 netns $B
ip -n $B link add b1 type veth peer name c0 netns $C
ip -n $B link set b1 mtu 1280; ip -n $C link set c0 mtu 1280
ip -n $A addr add 10.9.1.1/24 dev a0; ip -n $A addr add fd00:9::1/64 dev a0 nodad
ip -n $B addr add 10.9.1.2/24 dev b0; ip -n $B addr add fd00:9::2/64 dev b0 nodad
ip -n $B addr add 10.9.3.2/24 dev b1; ip -n $B addr add fd00:9:3::2/64 dev b1 nodad
ip -n $C addr add 10.9.3.3/24 dev c0; ip -n $C addr add fd00:9:3::3/64 dev c0 nodad
ip -n $A link set a0 up; ip -n $B link set b0 up; ip -n $B link set b1 up; ip -n $C link set c0 up
ip -n $A route add 10.9.3.0/24 via 10.9.1.2; ip -n $A route add fd00:9:3::/64 via fd00:9::2
ip -n $C route add default via 10.9.3.2; ip -n $C route add default via fd00:9:3::2
for x in "$A a0" "$B b0" "$B b1" "$C c0"; do set -- $x; ip netns exec $1 python3 "$HERE/txoff.py" $2 || echo TXOFF FAILED; done
sleep 2
ip netns exec $A tshark -q -i a0 -w "$OUT" 2>/dev/null & TPID=$!; PIDS="$PIDS $TPID"
sleep 3
# Bounce the link so the capture sees router solicitations and MLD reports (Hop-by-Hop).
ip -n $A link set a0 down; ip -n $A link set a0 up; sleep 2; ip -n $A route add 10.9.3.0/24 via 10.9.1.2; ip -n $A route add fd00:9:3::/64 via fd00:9::2
ip netns exec $A ping -c1 -W1 10.9.1.2
ip netns exec $A ping -c1 -W1 -R 10.9.1.2
ip netns exec $A ping -6 -c1 -W1 fd00:9::2
ip netns exec $B socat -u UDP4-RECV:5555 /dev/null & PIDS="$PIDS $!"
ip netns exec $B socat -u UDP6-RECV:5354 /dev/null & PIDS="$PIDS $!"
ip netns exec $B socat -u TCP4-LISTEN:8080,reuseaddr - & PIDS="$PIDS $!"
ip netns exec $B socat -u TCP6-LISTEN:8081,reuseaddr - & PIDS="$PIDS $!"
sleep 1
printf 'hello udp4\n' | ip netns exec $A socat -u - UDP4-SENDTO:10.9.1.2:5555
printf 'hello udp6\n' | ip netns exec $A socat -u - UDP6-SENDTO:[fd00:9::2]:5354
printf 'closed\n' | ip netns exec $A socat -u - UDP4-SENDTO:10.9.1.2:9
printf 'closed\n' | ip netns exec $A socat -u - UDP6-SENDTO:[fd00:9::2]:9
printf 'hello tcp4\n' | ip netns exec $A socat -u - TCP4:10.9.1.2:8080
printf 'hello tcp6\n' | ip netns exec $A socat -u - TCP6:[fd00:9::2]:8081
ip netns exec $A ping -c1 -W1 -t 1 10.9.3.3
ip netns exec $A ping -6 -c1 -W1 -t 1 fd00:9:3::3
ip netns exec $A ping -c1 -W1 -M do -s 1400 10.9.3.3
ip netns exec $A ping -6 -c1 -W1 -s 1400 fd00:9:3::3
ip netns exec $A ping -c1 -W1 -s 1400 10.9.3.3
ip netns exec $A ping -6 -c1 -W1 -s 1400 fd00:9:3::3
sleep 2
kill -INT $TPID; wait $TPID
