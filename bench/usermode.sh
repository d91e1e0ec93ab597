#!/usr/bin/env bash
# bench/usermode.sh: user-mode networking side by side — a network namespace whose traffic a userspace program
# carries over host sockets to services on the host's loopback, reached through the namespace's gateway address.
#
#   sudo bench/usermode.sh                 # needs root and /dev/net/tun; installs what is missing with apt
#   T=5 ROUNDS=3 MTUS="65520 1500" bench/usermode.sh
#
# Configurations, each at every MTU in $MTUS:
#   netstack            netstack attach --netns (the same forwarder as netstack run)
#   netstack no-peek    the same with --no-peek-off, when the CLI has it
#   pasta 2026          ../shared/peers/passt run as pasta (passt 2026-07-16), when present
#   pasta Debian        Debian 12's pasta (2023)
#   slirp4netns         slirp4netns --configure
# Measurements, every configuration once per round, ROUNDS rounds, medians:
#   up / down     iperf3 -c GATEWAY (-R) from the namespace to iperf3 -s on 127.0.0.1 (Gbit/s; up = the namespace sends)
#   ab 10MiB      ab -c 5 -n 100 from the namespace for a 10 MiB file served by nginx on 127.0.0.1 (requests/s)
#   pp p50 / p99  sockperf ping-pong (UDP, 64 bytes) from the namespace to sockperf sr on 127.0.0.1 (µs)
# Traffic stays on loopback and in namespaces this script creates (10.9.5x.0/24); everything it starts is killed by
# PID and every namespace deleted on exit.
set -euo pipefail

T=${T:-5}
ROUNDS=${ROUNDS:-3}
MTUS=${MTUS:-"65520 1500"}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=$(cd "$ROOT/.." && pwd)/shared/peers
WORK=$(mktemp -d /tmp/netstack-usermode.XXXXXX)
chmod 755 "$WORK" # nginx's worker (nobody) serves files from it
TAG=$$
NAME=usermode
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BASE=$((20000 + TAG % 20000))
IPERF_PORT=$BASE; HTTP_PORT=$((BASE + 1)); PP_PORT=$((BASE + 2))

[[ $EUID -eq 0 ]] || { echo "usermode.sh: needs root (network namespaces, TUN devices)" >&2; exit 2; }
[[ -e /dev/net/tun ]] || { echo "usermode.sh: needs /dev/net/tun" >&2; exit 2; }

missing=()
for pkg in iperf3:iperf3 pasta:passt slirp4netns:slirp4netns nginx:nginx ab:apache2-utils sockperf:sockperf; do
    command -v "${pkg%%:*}" >/dev/null || missing+=("${pkg#*:}")
done
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
fi

log "building (Release)"
dotnet build -c Release "$ROOT/src/Netstack.Cli" -v q -nologo >&2
NETSTACK="$ROOT/src/Netstack.Cli/bin/Release/net10.0/netstack"

# ---- host services on 127.0.0.1 ----
start "$WORK/iperf3-srv" iperf3 -s -B 127.0.0.1 -p "$IPERF_PORT"
mkdir -p "$WORK/www"
head -c $((10 << 20)) /dev/urandom >"$WORK/www/10m.bin"
cat >"$WORK/nginx.conf" <<EOF
daemon off;
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log;
events { worker_connections 256; }
http {
    access_log off;
    sendfile on;
    client_body_temp_path $WORK/nginx-tmp;
    server { listen 127.0.0.1:$HTTP_PORT; root $WORK/www; }
}
EOF
start "$WORK/nginx.out" nginx -c "$WORK/nginx.conf"
start "$WORK/sockperf-srv" sockperf sr -i 127.0.0.1 -p "$PP_PORT"
for _ in $(seq 100); do ss -Htln "sport = :$HTTP_PORT" | grep -q . && ss -Htln "sport = :$IPERF_PORT" | grep -q . && break; sleep 0.1; done

# ---- one namespace per configuration; its gateway address stands for the host's loopback ----
declare -A GATEWAY
CONFIGS=()
k=0
setup() { # setup NAME MTU KIND
    local name="$1 mtu $2" mtu=$2 kind=$3
    k=$((k + 1))
    local ns="ns-um-$TAG-$k" sub="10.9.$((50 + k))"
    ip netns add "$ns"; NAMESPACES+=("$ns"); ip -n "$ns" link set lo up
    case $kind in
    netstack | netstack-nopeek)
        local flags=(); [[ $kind == netstack-nopeek ]] && flags=(--no-peek-off)
        start "$WORK/cfg$k" "$NETSTACK" attach --netns "/run/netns/$ns" --address "$sub.2/24" --gateway "$sub.1" --mtu "$mtu" "${flags[@]}"
        wait_for "$WORK/cfg$k" "serving" || return 1
        GATEWAY[$name]="$ns $sub.1" ;;
    pasta-2026 | pasta-debian)
        local bin=/usr/bin/pasta
        [[ $kind == pasta-2026 ]] && bin="$PEERS/passt"
        start "$WORK/cfg$k" bash -c "exec -a pasta '$bin' -f --runas 0:0 -4 --config-net -a $sub.2 -n 24 -g $sub.1 -m $mtu \
            -t none -u none -T none -U none --netns /run/netns/$ns"
        for _ in $(seq 300); do ip -n "$ns" -br addr | grep -q "$sub.2" && break; sleep 0.1; done
        local dev; dev=$(ip -n "$ns" -br link | awk '$1 != "lo" {print $1; exit}')
        if [[ -z $dev ]]; then
            log "$name: pasta did not configure the namespace: $(tail -2 "$WORK/cfg$k")"; return 0
        fi
        ip -n "$ns" link set "${dev%@*}" mtu "$mtu"
        GATEWAY[$name]="$ns $sub.1" ;;
    slirp4netns)
        # slirp4netns maps the CIDR's .2 to the host's loopback.
        start "$WORK/cfg$k" slirp4netns --configure --mtu="$mtu" --cidr="$sub.0/24" --netns-type=path "/run/netns/$ns" tap0
        for _ in $(seq 100); do ip -n "$ns" -br addr show tap0 2>/dev/null | grep -q "$sub" && break; sleep 0.1; done
        GATEWAY[$name]="$ns $sub.2" ;;
    esac
    CONFIGS+=("$name")
}

log "setting up namespaces"
for mtu in $MTUS; do
    setup "netstack" "$mtu" netstack
    "$NETSTACK" run --help 2>/dev/null | grep -q -- --no-peek-off && setup "netstack no-peek" "$mtu" netstack-nopeek
    [[ -x $PEERS/passt ]] && setup "pasta 2026" "$mtu" pasta-2026
    setup "pasta Debian" "$mtu" pasta-debian
    setup "slirp4netns" "$mtu" slirp4netns
done

# ---- measurements ----
gbps() { # gbps NS GATEWAY [-R]
    local out; out=$(timeout $((T + 30)) ip netns exec "$1" iperf3 --json -t "$T" -c "$2" -p "$IPERF_PORT" "${@:3}" 2>/dev/null || true)
    iperf3_gbps <<<"$out"
}

ab_rps() { # ab_rps NS GATEWAY: requests/s, nan unless all 100 came back whole (10 MiB, 200)
    timeout 120 ip netns exec "$1" ab -q -c 5 -n 100 "http://$2:$HTTP_PORT/10m.bin" 2>/dev/null |
        awk '/^Failed requests/ {bad += $3} /^Non-2xx/ {bad += $3} /^Document Length/ {len = $3}
             /^Requests per second/ {rps = $4} END {print (rps == "" || bad > 0 || len != 10485760 ? "nan" : rps)}'
}

pingpong() { # pingpong NS GATEWAY: "p50 p99" in microseconds
    timeout 60 ip netns exec "$1" sockperf pp -i "$2" -p "$PP_PORT" -t 3 -m 64 2>/dev/null |
        awk '/percentile 50.000/ {p50=$NF} /percentile 99.000/ {p99=$NF} END {print (p50 == "" ? "nan" : p50), (p99 == "" ? "nan" : p99)}'
}

RESULTS="$WORK/results"
: >"$RESULTS"
record() { echo "$1|$2|$3" >>"$RESULTS"; log "$1 $2: $3"; }

for round in $(seq "$ROUNDS"); do
    log "round $round of $ROUNDS"
    for name in "${CONFIGS[@]}"; do
        read -r ns gw <<<"${GATEWAY[$name]}"
        record "$name" up "$(gbps "$ns" "$gw")"
        record "$name" down "$(gbps "$ns" "$gw" -R)"
        record "$name" ab "$(ab_rps "$ns" "$gw")"
        read -r p50 p99 <<<"$(pingpong "$ns" "$gw")"
        record "$name" p50 "$p50"
        record "$name" p99 "$p99"
    done
done

echo
echo "netstack usermode.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), iperf3 $T s, $ROUNDS rounds (medians)"
python3 - "$RESULTS" <<'PY'
import math, statistics, sys
rows, order = {}, []
for line in open(sys.argv[1]):
    name, what, value = line.rstrip("\n").split("|")
    if name not in rows:
        rows[name] = {}
        order.append(name)
    try:
        v = float(value)
    except ValueError:
        v = math.nan
    if not math.isnan(v):
        rows[name].setdefault(what, []).append(v)
def med(name, what):
    vals = rows.get(name, {}).get(what, [])
    return statistics.median(vals) if vals else None
def f(v, fmt="%.2f"):
    return "-" if v is None else fmt % v
print("%-26s %8s %8s %10s %9s %9s" % ("configuration (medians)", "up Gb/s", "down", "ab req/s", "pp p50us", "pp p99us"))
for name in order:
    print("%-26s %8s %8s %10s %9s %9s" % (name, f(med(name, "up")), f(med(name, "down")), f(med(name, "ab")),
        f(med(name, "p50"), "%.1f"), f(med(name, "p99"), "%.1f")))
PY
