#!/usr/bin/env bash
# bench/against.sh: this tree's speed against an earlier commit, measured in turns in one session (old, new, old,
# new, ...), medians and the ratio new/old per row. For "no regression" claims in a closing note.
#
#   sudo bench/against.sh f4d4a82            # needs root and /dev/net/tun for the TUN rows
#   T=4 ROUNDS=5 bench/against.sh HEAD~3
#
# Rows: netstack bench (in-process, GSO on and --no-gso), and the TUN rows of compare.sh at MTU 65520 with offloads
# on and off: stock iperf3 -c / -R in a namespace against netstack bench --tun --server (up = kernel -> netstack).
# The old commit is built in a temporary worktree, removed on exit with everything else.
set -euo pipefail

REV=${1:?usage: bench/against.sh REV}
T=${T:-4}
ROUNDS=${ROUNDS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/netstack-against.XXXXXX)
TAG=$$
NAME=against
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
trap 'cleanup; git -C "$ROOT" worktree remove --force "$WORK/old" 2>/dev/null || true' EXIT

[[ $EUID -eq 0 && -e /dev/net/tun ]] || { echo "against.sh: needs root and /dev/net/tun" >&2; exit 2; }

log "building $REV and this tree (Release)"
git -C "$ROOT" worktree add --detach "$WORK/old" "$REV" -q
for tree in "$WORK/old" "$ROOT"; do
    dotnet build -c Release "$tree/src/Netstack.Cli" -v q -nologo >&2
done
declare -A CLI=([old]="$WORK/old/src/Netstack.Cli/bin/Release/net10.0/netstack" [new]="$ROOT/src/Netstack.Cli/bin/Release/net10.0/netstack")

inprocess() { # inprocess CLI [FLAGS]: Gbit/s of netstack bench
    "$1" bench --duration "$T" "${@:2}" 2>&1 | grep -oE '[0-9.]+ Gbit/s' | head -1 | cut -d' ' -f1
}

tun() { # tun CLI MTU FLAG: "up down" of iperf3 against netstack bench --tun --server in a fresh namespace
    local ns="against$TAG" dev="agt$TAG"; dev=${dev:0:15}
    ip netns add "$ns"; NAMESPACES+=("$ns"); ip -n "$ns" link set lo up
    ip netns exec "$ns" "$1" bench --tun "$dev" --address 10.9.91.2/24 --mtu "$2" --server "$3" >"$WORK/server" 2>&1 &
    local pid=$!
    wait_for "$WORK/server" ready
    ip -n "$ns" addr add 10.9.91.1/24 dev "$dev"; ip -n "$ns" link set "$dev" up
    local up down
    up=$(ip netns exec "$ns" iperf3 -c 10.9.91.2 -t "$T" --json 2>/dev/null | iperf3_gbps)
    down=$(ip netns exec "$ns" iperf3 -c 10.9.91.2 -t "$T" -R --json 2>/dev/null | iperf3_gbps)
    kill "$pid"; wait "$pid" 2>/dev/null || true
    ip netns del "$ns"
    echo "$up $down"
}

RESULTS="$WORK/results"
: >"$RESULTS"
for round in $(seq "$ROUNDS"); do
    log "round $round of $ROUNDS"
    for v in old new; do
        echo "$v|in-process GSO|$(inprocess "${CLI[$v]}")" >>"$RESULTS"
        echo "$v|in-process no GSO|$(inprocess "${CLI[$v]}" --no-gso)" >>"$RESULTS"
        for cfg in "65520 --vnet-hdr on" "65520 --no-offload off"; do
            read -r mtu flag label <<<"$cfg"
            read -r up down <<<"$(tun "${CLI[$v]}" "$mtu" "$flag")"
            echo "$v|TUN $mtu offloads $label up|$up" >>"$RESULTS"
            echo "$v|TUN $mtu offloads $label down|$down" >>"$RESULTS"
        done
    done
done

echo
echo "netstack against.sh: $(git -C "$ROOT" rev-parse --short HEAD) against $(git -C "$ROOT" rev-parse --short "$REV"), $(date -u '+%Y-%m-%d %H:%M UTC'), $T s, $ROUNDS rounds in turns (medians, Gbit/s)"
python3 - "$RESULTS" <<'PY'
import math, statistics, sys
vals, rows = {}, []
for line in open(sys.argv[1]):
    v, row, x = line.rstrip("\n").split("|")
    if row not in rows:
        rows.append(row)
    try:
        f = float(x)
    except ValueError:
        continue
    if not math.isnan(f):
        vals.setdefault((v, row), []).append(f)
med = lambda v, r: statistics.median(vals[(v, r)]) if vals.get((v, r)) else None
print("%-28s %8s %8s %7s" % ("row", "old", "new", "ratio"))
for r in rows:
    o, n = med("old", r), med("new", r)
    print("%-28s %8s %8s %7s" % (r, "-" if o is None else "%.2f" % o, "-" if n is None else "%.2f" % n,
        "-" if not o or n is None else "%.3f" % (n / o)))
PY
