#!/usr/bin/env bash
# bench/compare.sh: single-stream TCP throughput of our stack next to its references, measured in turns
# (every configuration once per round, ROUNDS rounds, medians), printed as one table with each row's ratio to
# kernel loopback and to pasta (MTU 65520, its default).
#
#   sudo bench/compare.sh            # needs root, /dev/net/tun; installs iperf3, passt, slirp4netns if missing
#   T=5 ROUNDS=3 bench/compare.sh    # seconds per measurement, rounds
#
# Rows ("up" = the iperf3 client sends, "down" = iperf3 -R):
#   kernel loopback         iperf3 -c/-s on lo inside a namespace
#   in-process GSO on/off   netstack bench (two stacks, in-memory link; one direction)
#   netstack TUN ...        stock iperf3 -c in a namespace <-> netstack bench --tun --server (up = kernel -> netstack)
#   TUN relay ...           kernel <-> bench/TunRelay (copies packets between two TUN devices) <-> kernel:
#                           the ceiling of any stack behind a TUN device
#   pasta / slirp4netns     iperf3 -c from a namespace to an iperf3 -s on the host's 127.0.0.1
# Traffic stays on loopback and in namespaces this script creates (10.9.8x.0/24); everything it starts is killed
# by PID and every namespace deleted on exit (trap EXIT).
set -euo pipefail

T=${T:-5}
ROUNDS=${ROUNDS:-3}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/netstack-compare.XXXXXX)
TAG=$$
NAME=compare
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
PORT_BASE=$((20000 + TAG % 20000))

[[ $EUID -eq 0 ]] || { echo "compare.sh: needs root (network namespaces, TUN devices)" >&2; exit 2; }
[[ -e /dev/net/tun ]] || { echo "compare.sh: needs /dev/net/tun" >&2; exit 2; }

missing=()
command -v iperf3 >/dev/null || missing+=(iperf3)
command -v pasta >/dev/null || missing+=(passt)
command -v slirp4netns >/dev/null || missing+=(slirp4netns)
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
fi

log "building (Release)"
dotnet build -c Release "$ROOT/src/Netstack.Cli" -v q -nologo >&2
dotnet build -c Release "$ROOT/bench/TunRelay" -v q -nologo >&2
CLI="$ROOT/src/Netstack.Cli/bin/Release/net10.0/Netstack.Cli.dll"
RELAY="$ROOT/bench/TunRelay/bin/Release/net10.0/TunRelay.dll"

new_ns() { # new_ns SUFFIX: creates ns-cmp-PID-SUFFIX, sets $NS (not echoed: a $(...) subshell would lose NAMESPACES)
    NS="ns-cmp-$TAG-$1"; ip netns add "$NS"; NAMESPACES+=("$NS"); ip -n "$NS" link set lo up
}

wait_listen() { # wait_listen NS PORT
    for _ in $(seq 300); do ip netns exec "$1" ss -Htln "sport = :$2" | grep -q . && return 0; sleep 0.1; done
    return 1
}

# iperf3 client run: prints Gbit/s received by the receiver, or nan
gbps() { # gbps NS ARGS...
    local ns=$1; shift
    local out; out=$(timeout $((T + 40)) ip netns exec "$ns" iperf3 --json -t "$T" "$@" 2>/dev/null || true)
    iperf3_gbps <<<"$out"
}

RESULTS="$WORK/results"
: >"$RESULTS"
record() { echo "$1|$2|$3" >>"$RESULTS"; log "$1 $2: $3 Gbit/s"; }

# ---- set up every configuration once; the rounds only run clients ----
log "setting up namespaces and servers"

# kernel loopback
new_ns lo; NS_LO=$NS
start "$WORK/lo-srv" ip netns exec "$NS_LO" iperf3 -s -p 5201
wait_listen "$NS_LO" 5201

# netstack on TUN, four configurations: MTU 1500/65520, offloads on (vnet_hdr, GSO, GRO) / off
declare -A TUN_NS
i=0
for cfg in "1500 on" "1500 off" "65520 on" "65520 off"; do
    read -r mtu off <<<"$cfg"
    i=$((i + 1))
    new_ns "tun$i"; ns=$NS; dev="cmpt$TAG$i"; dev=${dev:0:15}
    flags=(--vnet-hdr); [[ $off == off ]] && flags=(--no-offload)
    start "$WORK/tun$i" ip netns exec "$ns" dotnet "$CLI" bench --tun "$dev" --address "10.9.8$i.2/24" --mtu "$mtu" --server "${flags[@]}"
    wait_for "$WORK/tun$i" "ready"
    ip -n "$ns" addr add "10.9.8$i.1/24" dev "$dev"
    ip -n "$ns" link set "$dev" up
    TUN_NS["$mtu $off"]="$ns 10.9.8$i.2"
done

# bare TUN relay between two namespaces: with and without vnet_hdr
declare -A RELAY_NS
j=0
for cfg in "1500 off" "1500 on" "65520 off" "65520 on"; do
    read -r mtu vnet <<<"$cfg"
    j=$((j + 1))
    new_ns "ra$j"; a=$NS; new_ns "rb$j"; b=$NS
    da="cmpa$TAG$j"; db="cmpb$TAG$j"; da=${da:0:15}; db=${db:0:15}
    vflag=(); [[ $vnet == on ]] && vflag=(--vnet-hdr)
    start "$WORK/relay$j" dotnet "$RELAY" "$da" "$db" --mtu "$mtu" "${vflag[@]}"
    wait_for "$WORK/relay$j" "ready"
    ip link set "$da" netns "$a"; ip link set "$db" netns "$b"
    ip -n "$a" addr add "10.9.9$j.1/24" dev "$da"; ip -n "$a" link set "$da" up
    ip -n "$b" addr add "10.9.9$j.2/24" dev "$db"; ip -n "$b" link set "$db" up
    start "$WORK/relay-srv$j" ip netns exec "$b" iperf3 -s -p 5201
    wait_listen "$b" 5201
    RELAY_NS["$mtu $vnet"]="$a 10.9.9$j.2"
done

# host-loopback server for pasta and slirp4netns
HOST_PORT=$PORT_BASE
start "$WORK/host-srv" iperf3 -s -B 127.0.0.1 -p "$HOST_PORT"
for _ in $(seq 100); do ss -Htln "sport = :$HOST_PORT" | grep -q . && break; sleep 0.1; done

declare -A PASTA_NS SLIRP_NS
k=0
for mtu in 1500 65520; do
    k=$((k + 1))
    new_ns "pasta$k"; ns=$NS
    # The namespace's gateway (a made-up 10.9.7x.1) maps to the host's loopback; nothing leaves the machine.
    start "$WORK/pasta$k" pasta -f --runas 0:0 -4 --config-net -a "10.9.7$k.2" -n 24 -g "10.9.7$k.1" -m "$mtu" \
        -t none -u none -T none -U none --netns "$ns"
    for _ in $(seq 100); do ip -n "$ns" -br addr | grep -q "10.9.7$k.2" && break; sleep 0.1; done
    dev=$(ip -n "$ns" -br link | awk '$1 != "lo" {print $1; exit}')
    ip -n "$ns" link set "${dev%@*}" mtu "$mtu"
    PASTA_NS[$mtu]="$ns 10.9.7$k.1"

    new_ns "slirp$k"; ns=$NS
    # slirp4netns maps the CIDR's .2 to the host's loopback.
    start "$WORK/slirp$k" slirp4netns --configure --mtu="$mtu" --cidr="10.9.6$k.0/24" --netns-type=path "/run/netns/$ns" tap0
    for _ in $(seq 100); do ip -n "$ns" -br addr show tap0 2>/dev/null | grep -q "10.9.6$k" && break; sleep 0.1; done
    SLIRP_NS[$mtu]="$ns 10.9.6$k.2"
done

inprocess() { # inprocess GSO_FLAG
    dotnet "$CLI" bench --duration "$T" "$1" --json 2>/dev/null | python3 -c 'import json,sys; print("%.3f" % json.loads(sys.stdin.read())["gbps"])' 2>/dev/null || echo nan
}

# ---- rounds: every configuration once per round, in the same order ----
for round in $(seq "$ROUNDS"); do
    log "round $round of $ROUNDS"
    record "kernel loopback" up "$(gbps "$NS_LO" -c 127.0.0.1)"
    record "kernel loopback" down "$(gbps "$NS_LO" -c 127.0.0.1 -R)"
    record "in-process GSO on" up "$(inprocess --gso)"
    record "in-process GSO off" up "$(inprocess --no-gso)"
    for cfg in "1500 on" "1500 off" "65520 on" "65520 off"; do
        read -r ns addr <<<"${TUN_NS[$cfg]}"
        read -r mtu off <<<"$cfg"
        name="netstack TUN mtu $mtu offload $off"
        record "$name" up "$(gbps "$ns" -c "$addr")"
        record "$name" down "$(gbps "$ns" -c "$addr" -R)"
    done
    for cfg in "1500 off" "1500 on" "65520 off" "65520 on"; do
        read -r ns addr <<<"${RELAY_NS[$cfg]}"
        read -r mtu vnet <<<"$cfg"
        name="TUN relay mtu $mtu vnet_hdr $vnet"
        record "$name" up "$(gbps "$ns" -c "$addr")"
        record "$name" down "$(gbps "$ns" -c "$addr" -R)"
    done
    for mtu in 1500 65520; do
        read -r ns addr <<<"${PASTA_NS[$mtu]}"
        record "pasta mtu $mtu" up "$(gbps "$ns" -c "$addr" -p "$HOST_PORT")"
        record "pasta mtu $mtu" down "$(gbps "$ns" -c "$addr" -p "$HOST_PORT" -R)"
        read -r ns addr <<<"${SLIRP_NS[$mtu]}"
        record "slirp4netns mtu $mtu" up "$(gbps "$ns" -c "$addr" -p "$HOST_PORT")"
        record "slirp4netns mtu $mtu" down "$(gbps "$ns" -c "$addr" -p "$HOST_PORT" -R)"
    done
done

# ---- table ----
echo
echo "netstack compare.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $T s per measurement, $ROUNDS rounds (medians)"
python3 - "$RESULTS" <<'PY'
import math, statistics, sys
rows, order = {}, []
for line in open(sys.argv[1]):
    name, direction, value = line.rstrip("\n").split("|")
    if name not in rows:
        rows[name] = {"up": [], "down": []}
        order.append(name)
    v = float(value)
    if not math.isnan(v):
        rows[name][direction].append(v)
def med(name, d):
    vals = rows.get(name, {}).get(d, [])
    return statistics.median(vals) if vals else None
def f(v, fmt="%.2f"):
    return "-" if v is None else fmt % v
def ratio(a, b):
    return None if a is None or not b else a / b
ref_lo, ref_pasta = "kernel loopback", "pasta mtu 65520"
print("%-34s %9s %9s %8s %8s %9s %9s" % ("configuration (Gbit/s, median)", "up", "down", "up/lo", "down/lo", "up/pasta", "dn/pasta"))
for name in order:
    up, down = med(name, "up"), med(name, "down")
    print("%-34s %9s %9s %8s %8s %9s %9s" % (name, f(up), f(down),
        f(ratio(up, med(ref_lo, "up")), "%.3f"), f(ratio(down, med(ref_lo, "down")), "%.3f"),
        f(ratio(up, med(ref_pasta, "up")), "%.3f"), f(ratio(down, med(ref_pasta, "down")), "%.3f")))
PY
