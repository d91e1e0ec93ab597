#!/usr/bin/env bash
# bench/compare.sh: TCP throughput, CPU cost and latency of our stack next to its references: gVisor's netstack, the
# kernel, pasta and slirp4netns. Every configuration is measured once per round, ROUNDS rounds, and the table shows
# medians, with ratios to gVisor's best variant in the same cell (MTU, direction) and to the kernel.
#
#   sudo bench/compare.sh                      # everything: needs root and /dev/net/tun; installs what is missing
#   T=5 ROUNDS=5 sudo bench/compare.sh         # seconds per measurement, rounds (the defaults)
#   ROWS="tun gvisor veth" MTUS=1500 T=1 ROUNDS=1 sudo bench/compare.sh    # a subset
#   SKIP_GVISOR=1 sudo bench/compare.sh        # everything but the gVisor rows
#
# ROWS (default: all) picks groups of rows; MTUS (default "1500 65520") the MTUs of the per-MTU groups:
#   lo        kernel loopback: iperf3 -c/-s on lo inside a namespace
#   inproc    netstack bench in process (two stacks, in-memory link, GSO on/off; one direction)
#   tun       ours on TUN: stock iperf3 -c in a namespace <-> netstack bench --tun --server, with default flags
#             (vnet_hdr probed and on), --no-vnet-hdr and --no-offload; per MTU
#   gvisor    gVisor's netstack (gvnetstack from ../shared/peers/gvisor, built from Debian's golang-gvisor-gvisor-dev
#             into a temporary folder) on a TUN device with IFF_VNET_HDR and host GSO, and on a plain TUN; same
#             iperf3 client; per MTU. Skipped with a message when Go or the package is missing and cannot be installed
#   veth      kernel <-> kernel over a veth pair between two namespaces; per MTU
#   relay     kernel <-> bench/TunRelay (copies packets between two TUN devices) <-> kernel, vnet_hdr off/on: the
#             ceiling of any stack behind a TUN device; per MTU
#   pasta     Debian's pasta and pasta 2026 (../shared/peers/passt run as pasta): namespace -> host loopback; per MTU
#   slirp     slirp4netns: namespace -> host loopback; per MTU
#   streams   iperf3 -P 4 and -P 16 at MTU 1500: ours (default flags) with --queues 1 and --queues 2, kernel over veth
#   latency   TCP ping-pong at MTU 1500, 64-byte messages, median and p99 in µs (half the round trip, as sockperf
#             reports it): ours (netstack echo on TUN) and the kernel over veth (sockperf sr) with bench/pingpong.c,
#             and `sockperf pp` against the kernel's `sockperf sr`. sockperf pp itself cannot measure ours: its
#             client drops replies that still carry its own "client" flag, which only sockperf sr clears, and a byte
#             echo (netstack echo) sends them back unchanged. pingpong sends sockperf's message format and accepts
#             either reply; the sockperf pp row next to it shows how far the two clients agree.
# "up" = the iperf3 client sends (for our and gVisor's rows: kernel -> stack); "down" = iperf3 -R.
#
# CPU seconds per GB (s/GB): CPU seconds spent during one measurement over the GB (1e9 bytes) the receiver counted:
#   - the iperf3 client in the namespace: its user + system time (getrusage of the child, bench/measure.py);
#   - the long-running processes doing the work: user + system time of their process trees from /proc/PID/stat
#     (the change across the run): ours = netstack (which is also the iperf3 server), gVisor = gvnetstack,
#     kernel rows = the iperf3 server, relay = TunRelay + iperf3 server, pasta/slirp = pasta/slirp4netns + the
#     host's iperf3 server;
#   - plus softirq time: the change of the softirq column of /proc/stat's "cpu" line across the run (machine-wide).
#     The kernel does its TCP/IP work there for every row (the kernel end of ours and gVisor's rows, both ends of
#     the kernel rows), so it is added to every row alike. This kernel has no CONFIG_IRQ_TIME_ACCOUNTING: softirq
#     time is sampled per tick, and a tick that finds softirq work running in a measured process's context counts
#     in both that process's system time and the softirq column, so that part is counted twice (an upper bound).
#   - in-process rows: the bench's own cpu_seconds over its measured window (no softirq is involved).
# all/GB: every busy CPU second of the machine (/proc/stat user nice system irq softirq steal) over the GB: a
# cross-check with no double counting, meaningful only on an otherwise idle machine.
#
# Traffic stays on loopback and in namespaces this script creates (10.9.x.0/24); everything it starts is killed by
# PID and every namespace deleted on exit (trap EXIT).
set -euo pipefail

T=${T:-5}
ROUNDS=${ROUNDS:-5}
MTUS=${MTUS:-"1500 65520"}
ROWS=${ROWS:-"lo inproc tun gvisor veth relay pasta slirp streams latency"}
[[ ${SKIP_GVISOR:-0} == 1 ]] && ROWS=" $ROWS " && ROWS=${ROWS// gvisor / }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$(cd "$ROOT/../shared/peers" 2>/dev/null && pwd || echo /work/shared/peers)}
WORK=$(mktemp -d /tmp/netstack-compare.XXXXXX)
TAG=$$
NAME=compare
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
PORT_BASE=$((20000 + TAG % 20000))
has() { [[ " $ROWS " == *" $1 "* ]]; }

[[ $EUID -eq 0 ]] || { echo "compare.sh: needs root (network namespaces, TUN devices)" >&2; exit 2; }
[[ -e /dev/net/tun ]] || { echo "compare.sh: needs /dev/net/tun" >&2; exit 2; }

missing=()
command -v iperf3 >/dev/null || missing+=(iperf3)
command -v cc >/dev/null || missing+=(gcc)
if has pasta; then command -v pasta >/dev/null || missing+=(passt); fi
if has slirp; then command -v slirp4netns >/dev/null || missing+=(slirp4netns); fi
if has latency; then command -v sockperf >/dev/null || missing+=(sockperf); fi
if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
fi

log "building (Release)"
build=(-c Release -v q -nologo -p:UseSharedCompilation=false --disable-build-servers)
dotnet build "${build[@]}" "$ROOT/src/Netstack.Cli" >&2
has relay && dotnet build "${build[@]}" "$ROOT/bench/TunRelay" >&2
CLI="$ROOT/src/Netstack.Cli/bin/Release/net10.0/Netstack.Cli.dll"
RELAY="$ROOT/bench/TunRelay/bin/Release/net10.0/TunRelay.dll"
PINGPONG="$WORK/pingpong"
has latency && cc -O2 -o "$PINGPONG" "$ROOT/bench/pingpong.c"
# shellcheck source=bench/compare-setup.sh
source "$ROOT/bench/compare-setup.sh"
has gvisor && { build_gvnetstack || ROWS=${ROWS//gvisor/}; }

RESULTS="$WORK/results"
: >"$RESULTS"
record() { # record KIND NAME MTU DIR "FIELDS": one measurement (FIELDS as bench/measure.py prints them)
    echo "$1|$2|$3|$4|$5" >>"$RESULTS"; log "$2 mtu $3 $4: $5"
}

tput() { # tput KIND NAME MTU DIR NS PIDS IPERF3-ARGS...: one iperf3 client run in NS
    local kind=$1 name=$2 mtu=$3 dir=$4 ns=$5 pids=$6; shift 6
    local r=(); [[ $dir == down ]] && r=(-R)
    record "$kind" "$name" "$mtu" "$dir" "$(python3 "$ROOT/bench/measure.py" iperf3 --pids "$pids" -- \
        timeout $((T + 40)) ip netns exec "$ns" iperf3 --json -t "$T" "$@" "${r[@]}")"
}

both() { # both KIND NAME MTU NS PIDS IPERF3-ARGS...: up, then down
    tput "$1" "$2" "$3" up "${@:4}"
    tput "$1" "$2" "$3" down "${@:4}"
}

# ---- set up every configuration once; the rounds only run clients ----
log "setting up namespaces and servers (rows: $ROWS; MTUs: $MTUS)"
has lo && setup_loopback
for mtu in $MTUS; do
    if has tun; then for v in default no-vnet-hdr no-offload; do setup_ours "$mtu" "$v" 1; done; fi
    if has gvisor; then for v in tunvnet tun; do setup_gvisor "$mtu" "$v"; done; fi
    has veth && setup_veth "$mtu"
    if has relay; then for v in off on; do setup_relay "$mtu" "$v"; done; fi
    has pasta && setup_pasta "$mtu" debian && setup_pasta "$mtu" 2026
    has slirp && setup_slirp "$mtu"
done
if has pasta || has slirp; then setup_host_server; fi
if has streams; then setup_ours 1500 default 1; setup_ours 1500 default 2; setup_veth 1500; fi
if has latency; then setup_echo 1500; setup_veth 1500; fi

inprocess() { # inprocess NAME GSO_FLAG
    record other "$1" 1500 up "$(python3 "$ROOT/bench/measure.py" inprocess -- \
        timeout $((T + 60)) dotnet "$CLI" bench --duration "$T" "$2" --json)"
}

latency() { # latency NAME KIND NS CMD...: one ping-pong run
    local name=$1 kind=$2 ns=$3; shift 3
    record lat "$name" 1500 lat "$(python3 "$ROOT/bench/measure.py" "$kind" -- timeout $((T + 40)) ip netns exec "$ns" "$@")"
}

# ---- rounds: every configuration once per round, in the same order ----
for round in $(seq "$ROUNDS"); do
    log "round $round of $ROUNDS"
    if has lo; then both kernel "kernel loopback" 65536 "$NS_LO" "$LO_PID" -c 127.0.0.1; fi
    if has inproc; then inprocess "in-process GSO on" --gso; inprocess "in-process GSO off" --no-gso; fi
    for mtu in $MTUS; do
        if has tun; then
            for v in default no-vnet-hdr no-offload; do
                read -r ns addr pid <<<"${OURS["$mtu $v 1"]}"
                both ours "ours TUN $v" "$mtu" "$ns" "$pid" -c "$addr"
            done
        fi
        if has gvisor; then
            for v in tunvnet tun; do
                read -r ns addr pid <<<"${GVISOR["$mtu $v"]}"
                both gvisor "gVisor $v" "$mtu" "$ns" "$pid" -c "$addr"
            done
        fi
        if has veth; then
            read -r ns addr pid _ <<<"${VETH[$mtu]}"
            both kernel "kernel veth" "$mtu" "$ns" "$pid" -c "$addr"
        fi
        if has relay; then
            for v in off on; do
                read -r ns addr pids <<<"${RELAY_NS["$mtu $v"]}"
                both other "TUN relay vnet_hdr $v" "$mtu" "$ns" "$pids" -c "$addr"
            done
        fi
        if has pasta; then
            for v in debian 2026; do
                [[ -n ${PASTA_NS["$mtu $v"]:-} ]] || continue
                read -r ns addr pid <<<"${PASTA_NS["$mtu $v"]}"
                both other "pasta $v" "$mtu" "$ns" "$pid,$HOST_PID" -c "$addr" -p "$HOST_PORT"
            done
        fi
        if has slirp; then
            read -r ns addr pid <<<"${SLIRP_NS[$mtu]}"
            both other "slirp4netns" "$mtu" "$ns" "$pid,$HOST_PID" -c "$addr" -p "$HOST_PORT"
        fi
    done
    if has streams; then
        for p in 4 16; do
            for q in 1 2; do
                read -r ns addr pid <<<"${OURS["1500 default $q"]}"
                both streams "ours TUN default --queues $q -P $p" 1500 "$ns" "$pid" -c "$addr" -P "$p"
            done
            read -r ns addr pid _ <<<"${VETH[1500]}"
            both streams "kernel veth -P $p" 1500 "$ns" "$pid" -c "$addr" -P "$p"
        done
    fi
    if has latency; then
        read -r ns addr _ <<<"$ECHO_NS"
        latency "ours TUN default, pingpong vs netstack echo" pingpong "$ns" "$PINGPONG" "$addr" 7 "$T" 64
        read -r ns addr _ _ <<<"${VETH[1500]}"
        latency "kernel veth, pingpong vs sockperf sr" pingpong "$ns" "$PINGPONG" "$addr" 11111 "$T" 64
        latency "kernel veth, sockperf pp vs sockperf sr" sockperf "$ns" sockperf pp --tcp -i "$addr" -p 11111 -t "$T" -m 64
    fi
done

# ---- table ----
echo
echo "netstack compare.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), kernel $(uname -r) (TCP congestion control $(sysctl -n net.ipv4.tcp_congestion_control)), $T s per measurement, $ROUNDS rounds (medians)"
[[ -f $NOTES ]] && cat "$NOTES"
python3 "$ROOT/bench/compare-table.py" "$RESULTS"
