#!/usr/bin/env bash
# bench/kestrel.sh: ASP.NET Core on Kestrel over the stack, side by side with the same app on Kestrel's socket transport.
#
#   sudo bench/kestrel.sh                  # needs root and /dev/net/tun; installs wrk with apt when missing
#   T=10 ROUNDS=3 CONNECTIONS=32 bench/kestrel.sh
#
# The app is examples/KestrelOverStack (a minimal API; GET / answers 32 bytes of text), run two ways:
#   netstack   `KestrelOverStack tun DEV 10.9.60.2/24 8080` started inside a namespace this script creates: the stack
#              serves Kestrel over a TUN device whose kernel side (10.9.60.1/24) is in the namespace, and wrk runs
#              there, so every request crosses the kernel's TCP, the TUN device and the stack.
#   sockets    `KestrelOverStack socket 8081`: Kestrel's own socket transport on 127.0.0.1, wrk over loopback.
# Each round runs wrk once against each (wrk -t1 -c$CONNECTIONS -d${T}s --latency, keep-alive); medians of ROUNDS
# rounds: requests/s and latency (p50, p99). Traffic stays on loopback and in the namespace; everything started is
# killed by PID and the namespace deleted on exit.
set -euo pipefail

T=${T:-10}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=$(mktemp -d /tmp/netstack-kestrel.XXXXXX)
TAG=$$
NAME=kestrel
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

[[ $EUID -eq 0 ]] || { echo "kestrel.sh: needs root (a network namespace, a TUN device)" >&2; exit 2; }
[[ -e /dev/net/tun ]] || { echo "kestrel.sh: needs /dev/net/tun" >&2; exit 2; }
command -v wrk >/dev/null || { log "installing wrk"; DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >&2; }

log "building (Release)"
dotnet build -c Release "$ROOT/examples/KestrelOverStack" -v q -nologo >&2
APP="$ROOT/examples/KestrelOverStack/bin/Release/net10.0/Netstack.Examples.KestrelOverStack"

NS=ns-kestrel-$TAG
DEV=nstk$TAG
ip netns add "$NS"
NAMESPACES+=("$NS")
ip -n "$NS" link set lo up

start "$WORK/netstack.log" ip netns exec "$NS" "$APP" tun "$DEV" 10.9.60.2/24 8080
wait_for "$WORK/netstack.log" "listening on"
ip -n "$NS" addr add 10.9.60.1/24 dev "$DEV"
ip -n "$NS" link set "$DEV" up
start "$WORK/sockets.log" "$APP" socket 8081
wait_for "$WORK/sockets.log" "listening on"

# The same answer both ways before measuring.
a=$(ip netns exec "$NS" curl -sS --max-time 10 http://10.9.60.2:8080/)
b=$(curl -sS --max-time 10 http://127.0.0.1:8081/)
[[ "$a" == "$b" && -n "$a" ]] || { log "the two servers disagree: '$a' vs '$b'"; exit 1; }

run_wrk() { # run_wrk OUT PREFIX... URL : wrk with the settings above; prints "rps p50_ms p99_ms"
    local out=$1; shift
    "$@" -t1 -c"$CONNECTIONS" -d"${T}s" --latency >"$out" 2>&1 || true
    python3 - "$out" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
def ms(v):
    m = re.match(r"([\d.]+)(us|ms|s)", v)
    return float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)] if m else float("nan")
rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
p50 = re.search(r"^\s+50%\s+(\S+)", text, re.M)
p99 = re.search(r"^\s+99%\s+(\S+)", text, re.M)
errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", text)
print("%s %.3f %.3f%s" % (rps.group(1) if rps else "nan", ms(p50.group(1)) if p50 else float("nan"),
      ms(p99.group(1)) if p99 else float("nan"), "  (" + errors.group(0) + ")" if errors else ""))
PY
}

# Warm both up (JIT, tiered compilation, connection pools).
ip netns exec "$NS" wrk -t1 -c"$CONNECTIONS" -d3s http://10.9.60.2:8080/ >/dev/null 2>&1 || true
wrk -t1 -c"$CONNECTIONS" -d3s http://127.0.0.1:8081/ >/dev/null 2>&1 || true

: >"$WORK/netstack.results"; : >"$WORK/sockets.results"
for round in $(seq "$ROUNDS"); do
    r=$(run_wrk "$WORK/wrk-netstack-$round" ip netns exec "$NS" wrk http://10.9.60.2:8080/); echo "$r" >>"$WORK/netstack.results"
    log "round $round netstack: $r"
    r=$(run_wrk "$WORK/wrk-sockets-$round" wrk http://127.0.0.1:8081/); echo "$r" >>"$WORK/sockets.results"
    log "round $round sockets:  $r"
done

median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
echo "Kestrel, GET / (32-byte text), wrk -t1 -c$CONNECTIONS -d${T}s, median of $ROUNDS rounds"
printf '%-36s %12s %10s %10s\n' "transport" "requests/s" "p50 ms" "p99 ms"
for kind in netstack sockets; do
    f="$WORK/$kind.results"
    label=$([[ $kind == netstack ]] && echo "netstack (kernel in ns -> TUN -> stack)" || echo "sockets (loopback)")
    printf '%-36s %12s %10s %10s\n' "$label" "$(cut -d' ' -f1 "$f" | median)" "$(cut -d' ' -f2 "$f" | median)" "$(cut -d' ' -f3 "$f" | median)"
done
ns_rps=$(cut -d' ' -f1 "$WORK/netstack.results" | median)
so_rps=$(cut -d' ' -f1 "$WORK/sockets.results" | median)
python3 -c "print('netstack / sockets requests/s: %.2f' % ($ns_rps / $so_rps))"
