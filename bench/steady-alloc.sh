#!/usr/bin/env bash
# bench/steady-alloc.sh: what `netstack run` allocates per packet once it is serving a steady flow.
#
#   sudo bench/steady-alloc.sh            # needs root and /dev/net/tun
#   SHORT=2 LONG=12 bench/steady-alloc.sh
#   ONLY="tcp up" bench/steady-alloc.sh   # the rows whose label starts with ONLY
#
# `netstack run --verbose` prints, when its command ends, the bytes the forwarder process allocated while serving
# and the packets that crossed its TUN device. That total includes warming up: the packet pool growing to the
# working set, the first connection's objects, JIT tiering. This script runs the same iperf3 transfer twice, SHORT
# and LONG seconds, in each direction (and a UDP one), and divides the difference in allocated bytes by the
# difference in packets: what the extra LONG-SHORT seconds of steady flow allocated per packet. The last column
# leaves out the packet pool's growth (new blocks while the working set still grows: the longer run's windows open
# further), which is not an allocation per packet.
# Traffic stays on loopback and in the namespace netstack creates (10.9.70.0/24).
set -euo pipefail

SHORT=${SHORT:-2}
LONG=${LONG:-12}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/netstack-alloc.XXXXXX)
NAME=steady-alloc
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
PORT=$((20000 + $$ % 20000))

[[ $EUID -eq 0 ]] || { echo "steady-alloc.sh: needs root (network namespaces, TUN devices)" >&2; exit 2; }
command -v iperf3 >/dev/null || { echo "steady-alloc.sh: needs iperf3" >&2; exit 2; }

log "building (Release)"
dotnet build -c Release "$ROOT/src/Netstack.Cli" -v q -nologo >&2
NETSTACK="$ROOT/src/Netstack.Cli/bin/Release/net10.0/netstack"
start "$WORK/iperf3-srv" iperf3 -s -B 127.0.0.1 -p "$PORT"
for _ in $(seq 100); do ss -Htln "sport = :$PORT" | grep -q . && break; sleep 0.1; done

measure() { # measure SECONDS IPERF-FLAGS... : prints "allocated packets" of one netstack run
    local out
    out=$("$NETSTACK" run --verbose --address 10.9.70.2/24 --gateway 10.9.70.1 -- \
        iperf3 -c 10.9.70.1 -p "$PORT" -t "$1" "${@:2}" 2>&1 >/dev/null)
    python3 -c '
import re, sys
text = sys.stdin.read()
m = re.search(r"tun (\d+) packets in, (\d+) out; allocated (\d+) bytes", text)
g = re.search(r"packet pool grew by (\d+) bytes", text)
print("nan nan nan" if m is None else "%s %d %s" % (m.group(3), int(m.group(1)) + int(m.group(2)), g.group(1) if g else "nan"))' <<<"$out"
}

printf '%-22s %12s %10s %12s %10s %14s %14s\n' "flow" "alloc ${SHORT}s" "packets" "alloc ${LONG}s" "packets" "steady B/pkt" "w/o pool B/pkt"
for row in "tcp up|" "tcp down|-R" "udp up 1 Gbit/s|-u -b 1G -l 1400"; do
    label=${row%%|*}
    [[ $label == "${ONLY:-}"* ]] || continue
    read -r -a flags <<<"${row#*|}"
    read -r a1 p1 g1 < <(measure "$SHORT" "${flags[@]}")
    read -r a2 p2 g2 < <(measure "$LONG" "${flags[@]}")
    python3 -c '
import sys
label, a1, p1, g1, a2, p2, g2 = sys.argv[1], *map(float, sys.argv[2:])
steady = (a2 - a1) / (p2 - p1) if p2 > p1 else float("nan")
pool = (a2 - g2 - a1 + g1) / (p2 - p1) if p2 > p1 else float("nan")
print("%-22s %12d %10d %12d %10d %14.3f %14.3f" % (label, a1, p1, a2, p2, steady, pool))' "$label" "$a1" "$p1" "$g1" "$a2" "$p2" "$g2"
done
