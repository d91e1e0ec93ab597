# bench/lib.sh: what the root benchmark scripts share. Source it after setting WORK (a temporary folder) and
# NAME (the prefix of log lines). Everything started with `start` is killed by PID, every namespace in NAMESPACES
# deleted and WORK removed when the script exits (trap EXIT).
PIDS=()
NAMESPACES=()

log() { echo "$NAME: $*" >&2; }

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    sleep 0.5
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
    rm -rf "$WORK"
}
trap cleanup EXIT

start() { # start LOGFILE CMD... : background process, PID remembered (and left in STARTED)
    local out=$1; shift
    "$@" >"$out" 2>&1 &
    STARTED=$!
    PIDS+=("$STARTED")
}

wait_for() { # wait_for FILE PATTERN
    for _ in $(seq 600); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    log "timed out waiting for '$2' in $1: $(tail -3 "$1")"; return 1
}

iperf3_gbps() { # iperf3_gbps < JSON: the Gbit/s the receiver counted, or nan when iperf3 failed
    python3 -c '
import json, sys
try:
    d = json.loads(sys.stdin.read())
    print("nan" if "error" in d else "%.3f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception:
    print("nan")'
}
