# bench/compare-setup.sh: the configurations bench/compare.sh measures, each set up once before the rounds.
# Sourced by compare.sh after bench/lib.sh (start, wait_for, log, NAMESPACES, PIDS) with WORK, TAG, CLI, RELAY,
# PEERS and PORT_BASE set. Every setup_* function is idempotent per configuration and records
# "NAMESPACE SERVER-ADDRESS PIDS..." in an associative array the rounds read. Each configuration gets its own
# made-up 10.9.N.0/24 (the kernel end .1, the stack .2) in namespaces of its own.

declare -A OURS GVISOR VETH RELAY_NS PASTA_NS SLIRP_NS
NET=100
NOTES="$WORK/notes"   # one line per server that came up, printed above the table

note() { echo "$*" >>"$NOTES"; log "$*"; }

new_ns() { # new_ns SUFFIX: creates ns-cmp-PID-SUFFIX, sets $NS (not echoed: a $(...) subshell would lose NAMESPACES)
    NS="ns-cmp-$TAG-$1"; ip netns add "$NS"; NAMESPACES+=("$NS"); ip -n "$NS" link set lo up
}

next_net() { # sets N to a fresh 10.9.N.0/24 and DEV to a device name made from it
    NET=$((NET + 1)); N=$NET; DEV="cmp$TAG$N"; DEV=${DEV:0:15}
}

wait_listen() { # wait_listen NS PORT
    for _ in $(seq 300); do ip netns exec "$1" ss -Htln "sport = :$2" | grep -q . && return 0; sleep 0.1; done
    log "nothing listens on port $2 in $1"; return 1
}

address_tun() { # address_tun NS: the kernel's end of the TUN device $DEV in 10.9.$N.0/24
    ip -n "$1" addr add "10.9.$N.1/24" dev "$DEV"
    ip -n "$1" link set "$DEV" up
}

setup_loopback() {
    new_ns lo; NS_LO=$NS
    start "$WORK/lo-srv" ip netns exec "$NS_LO" iperf3 -s -p 5201; LO_PID=$STARTED
    wait_listen "$NS_LO" 5201
}

setup_ours() { # setup_ours MTU default|no-vnet-hdr|no-offload QUEUES: netstack bench --tun --server
    local key="$1 $2 $3" flags=()
    [[ -z ${OURS[$key]:-} ]] || return 0
    case $2 in no-vnet-hdr) flags=(--no-vnet-hdr) ;; no-offload) flags=(--no-offload) ;; esac
    next_net; new_ns "o$N"
    start "$WORK/ours$N" ip netns exec "$NS" dotnet "$CLI" bench --tun "$DEV" --address "10.9.$N.2/24" --mtu "$1" \
        --queues "$3" --server "${flags[@]}"
    wait_for "$WORK/ours$N" "ready"
    note "ours $2, queues $3: $(grep -m1 ready "$WORK/ours$N")"
    address_tun "$NS"
    OURS[$key]="$NS 10.9.$N.2 $STARTED"
}

setup_echo() { # setup_echo MTU: netstack echo (TCP and UDP echo on port 7) with default flags, for the latency rows
    next_net; new_ns "e$N"
    start "$WORK/echo$N" ip netns exec "$NS" dotnet "$CLI" echo --tun "$DEV" --address "10.9.$N.2/24" --mtu "$1" --port 7
    wait_for "$WORK/echo$N" "ready"
    note "ours echo: $(grep -m1 ready "$WORK/echo$N")"
    address_tun "$NS"
    ECHO_NS="$NS 10.9.$N.2 $STARTED"
}

build_gvnetstack() { # builds ../shared/peers/gvisor/gvnetstack into WORK as GVNETSTACK; fails with a message
    local src="$PEERS/gvisor/gvnetstack"
    [[ -f $src/main.go ]] || { note "gVisor rows skipped: $src/main.go not found"; return 1; }
    if ! command -v go >/dev/null || [[ ! -d /usr/share/gocode/src/gvisor.dev/gvisor ]]; then
        log "installing golang-go golang-gvisor-gvisor-dev"
        DEBIAN_FRONTEND=noninteractive apt-get install -y golang-go golang-gvisor-gvisor-dev >&2 ||
            { note "gVisor rows skipped: golang-go or golang-gvisor-gvisor-dev cannot be installed"; return 1; }
    fi
    GVNETSTACK="$WORK/gvnetstack"
    log "building gvnetstack (GOPATH mode against Debian's /usr/share/gocode)"
    # Offline, as ../shared/peers/gvisor/run.sh does; the Go build cache is kept between runs to save time.
    (cd "$src" && GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="${GOCACHE_DIR:-/tmp/netstack-compare-gocache}" \
        GOFLAGS= go build -o "$GVNETSTACK" .) >&2 || { note "gVisor rows skipped: go build of $src failed"; return 1; }
}

setup_gvisor() { # setup_gvisor MTU tunvnet|tun: gvnetstack on a fresh TUN device (its iperf3 server on 5201)
    next_net; new_ns "g$N"
    ip -n "$NS" tuntap add dev "$DEV" mode tun
    ip -n "$NS" link set "$DEV" mtu "$1"
    address_tun "$NS"
    start "$WORK/gv$N" ip netns exec "$NS" "$GVNETSTACK" -link "$2" -dev "$DEV" -addr "10.9.$N.2/24"
    wait_for "$WORK/gv$N" "ready"
    note "gVisor $2: $(grep -m1 ready "$WORK/gv$N" | sed 's/^[0-9:.]* //')"
    GVISOR["$1 $2"]="$NS 10.9.$N.2 $STARTED"
}

setup_veth() { # setup_veth MTU: kernel <-> kernel over a veth pair; iperf3 -s (and sockperf sr for latency) in .2
    [[ -z ${VETH[$1]:-} ]] || return 0
    next_net; new_ns "va$N"; local a=$NS; new_ns "vb$N"; local b=$NS
    ip -n "$a" link add "$DEV" type veth peer name "${DEV:0:13}p" netns "$b"
    ip -n "$a" link set "$DEV" mtu "$1"; ip -n "$b" link set "${DEV:0:13}p" mtu "$1"
    ip -n "$a" addr add "10.9.$N.1/24" dev "$DEV"; ip -n "$b" addr add "10.9.$N.2/24" dev "${DEV:0:13}p"
    ip -n "$a" link set "$DEV" up; ip -n "$b" link set "${DEV:0:13}p" up
    start "$WORK/veth-srv$N" ip netns exec "$b" iperf3 -s -p 5201; local pid=$STARTED
    wait_listen "$b" 5201
    if [[ " $ROWS " == *" latency "* ]]; then
        start "$WORK/veth-sockperf$N" ip netns exec "$b" sockperf sr --tcp -i "10.9.$N.2" -p 11111
        wait_listen "$b" 11111
    fi
    VETH[$1]="$a 10.9.$N.2 $pid $b"
}

setup_relay() { # setup_relay MTU on|off: bench/TunRelay between two namespaces, vnet_hdr on or off
    next_net; new_ns "ra$N"; local a=$NS; new_ns "rb$N"; local b=$NS
    local da="${DEV:0:14}a" db="${DEV:0:14}b" vflag=()
    [[ $2 == on ]] && vflag=(--vnet-hdr)
    start "$WORK/relay$N" dotnet "$RELAY" "$da" "$db" --mtu "$1" "${vflag[@]}"; local relay=$STARTED
    wait_for "$WORK/relay$N" "ready"
    ip link set "$da" netns "$a"; ip link set "$db" netns "$b"
    ip -n "$a" addr add "10.9.$N.1/24" dev "$da"; ip -n "$a" link set "$da" up
    ip -n "$b" addr add "10.9.$N.2/24" dev "$db"; ip -n "$b" link set "$db" up
    start "$WORK/relay-srv$N" ip netns exec "$b" iperf3 -s -p 5201
    wait_listen "$b" 5201
    RELAY_NS["$1 $2"]="$a 10.9.$N.2 $relay,$STARTED"
}

setup_host_server() { # the host-loopback iperf3 server that pasta and slirp4netns reach
    HOST_PORT=$PORT_BASE
    start "$WORK/host-srv" iperf3 -s -B 127.0.0.1 -p "$HOST_PORT"; HOST_PID=$STARTED
    for _ in $(seq 100); do ss -Htln "sport = :$HOST_PORT" | grep -q . && break; sleep 0.1; done
}

setup_pasta() { # setup_pasta MTU debian|2026: Debian's pasta, or ../shared/peers/passt run as pasta
    local cmd=(pasta)
    if [[ $2 == 2026 ]]; then
        [[ -x $PEERS/passt ]] || { note "pasta 2026 skipped: $PEERS/passt not found"; return 0; }
        cmd=(bash -c 'exec -a pasta "$0" "$@"' "$PEERS/passt")
    fi
    next_net; new_ns "p$N"
    # The namespace's gateway (10.9.N.1) stands for the host's loopback; nothing leaves the machine.
    start "$WORK/pasta$N" "${cmd[@]}" -f --runas 0:0 -4 --config-net -a "10.9.$N.2" -n 24 -g "10.9.$N.1" -m "$1" \
        -t none -u none -T none -U none --netns "$NS"
    for _ in $(seq 100); do ip -n "$NS" -br addr | grep -q "10.9.$N.2" && break; sleep 0.1; done
    local dev; dev=$(ip -n "$NS" -br link | awk '$1 != "lo" {print $1; exit}')
    ip -n "$NS" link set "${dev%@*}" mtu "$1"
    PASTA_NS["$1 $2"]="$NS 10.9.$N.1 $STARTED"
}

setup_slirp() { # setup_slirp MTU: slirp4netns maps the CIDR's .2 to the host's loopback
    next_net; new_ns "s$N"
    start "$WORK/slirp$N" slirp4netns --configure --mtu="$1" --cidr="10.9.$N.0/24" --netns-type=path "/run/netns/$NS" tap0
    for _ in $(seq 100); do ip -n "$NS" -br addr show tap0 2>/dev/null | grep -q "10.9.$N" && break; sleep 0.1; done
    SLIRP_NS[$1]="$NS 10.9.$N.2 $STARTED"
}
