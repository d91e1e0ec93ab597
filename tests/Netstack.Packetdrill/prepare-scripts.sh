#!/usr/bin/env bash
# Copies packetdrill's tcp/ scripts to DEST/tcp and gives them the common/ folders they name (tcp/common/ and,
# as in packetdrill's tree, common/ beside tcp/: some scripts run ../common/defaults.sh, others
# ../../common/defaults.sh) for MODE:
#   kernel  common/defaults.sh sets the Linux sysctls the scripts assume (run it only inside a throwaway
#           network namespace: in_netns.sh), common/set_sysctls.py is packetdrill's own
#   ours    both are no-ops: the scripts' init commands must not change the machine running the test, and
#           our stack takes its settings from the library, not from sysctls
#   prepare-scripts.sh SRC_TCP_DIR DEST MODE     (the scripts then run from DEST/tcp/DIR)
set -euo pipefail
src=$1 dest=$2 mode=$3
mkdir -p "$dest/tcp" "$dest/common"
cp -r "$src/." "$dest/tcp/"
chmod -R u+w "$dest"
common="$dest/tcp/common"
mkdir -p "$common"
rm -f "$common/defaults.sh"
case "$mode" in
  kernel)
    cat >"$common/defaults.sh" <<'SH'
#!/bin/bash
# The production TCP settings the scripts were written for (the values of packetdrill's common/defaults.sh).
ip tcp_metrics flush all >/dev/null 2>&1
sysctl -q net.ipv4.tcp_rmem="4096 540000 $((15*1024*1024))"
sysctl -q net.ipv4.tcp_wmem="4096 $((256*1024)) 4194304"
sysctl -q net.ipv4.tcp_timestamps=1 net.ipv4.tcp_syn_retries=5 net.ipv4.tcp_synack_retries=5
sysctl -q net.ipv4.tcp_frto=2 net.ipv4.tcp_sack=1 net.ipv4.tcp_dsack=1 >/dev/null 2>&1
sysctl -q net.ipv4.tcp_reordering=3 net.ipv4.tcp_congestion_control=cubic
sysctl -q net.ipv4.tcp_slow_start_after_idle=0
sysctl -q net.ipv4.tcp_early_retrans=4 net.ipv4.tcp_recovery=1
sysctl -q net.ipv4.tcp_tso_win_divisor=3 net.ipv4.tcp_ecn=0
sysctl -q net.ipv4.tcp_pacing_ss_ratio=200 net.ipv4.tcp_pacing_ca_ratio=120
sysctl -q net.ipv4.tcp_notsent_lowat=4294967295 >/dev/null 2>&1
sysctl -q net.ipv4.tcp_syncookies=1
tc qdisc add dev tun0 root pfifo >/dev/null 2>&1
exit 0
SH
    ;;
  ours)
    cat >"$common/defaults.sh" <<'SH'
#!/bin/sh
# No-op: the stack under test is a library; sysctls would change the machine, not it.
exit 0
SH
    cat >"$common/set_sysctls.py" <<'SH'
#!/bin/sh
# Stand-in for packetdrill's set_sysctls.py: records the settings (/proc/sys/KEY=VALUE) for the library,
# changes nothing, and writes the restore script the .pkt files run at the end.
for a in "$@"; do
  case "$a" in
    /proc/sys/*=*) [ -n "${NETSTACK_PACKETDRILL_SYSCTLS:-}" ] && printf '%s\n' "${a#/proc/sys/}" | tr / . >>"$NETSTACK_PACKETDRILL_SYSCTLS" ;;
  esac
done
f=/tmp/sysctl_restore_${PACKETDRILL_PID}.sh
printf '#!/bin/sh\nexit 0\n' >"$f"
chmod u+x "$f"
SH
    # A few scripts set a module parameter with `echo V > /sys/module/M/parameters/P`: a shell builtin, so no stand-in
    # catches it, and run as root it would change the machine's kernel. Rewritten into the sysctl stand-in's record
    # sys.module.M.parameters.P=V, which the library applies where it has the setting (ScriptSysctls.cs).
    find "$dest/tcp" -name '*.pkt' -exec sed -E -i \
      's#echo[[:space:]]+([^[:space:]>]+)[[:space:]]*>[[:space:]]*/sys/module/([A-Za-z0-9_]+)/parameters/([A-Za-z0-9_]+)#sysctl -q sys.module.\2.parameters.\3=\1#' {} +
    # The init commands run sysctl, tc, ip and ethtool for the kernel's tun0. Under the library these stand-ins come
    # first on PATH (run.sh, PacketdrillTests): they change nothing on the machine; sysctl (and ethtool -K) record
    # KEY=VALUE in the file the library names in NETSTACK_PACKETDRILL_SYSCTLS, and the library applies what it knows.
    mkdir -p "$dest/bin"
    cat >"$dest/bin/sysctl" <<'SH'
#!/bin/sh
for a in "$@"; do
  case "$a" in
    -*) ;;
    *=*) [ -n "${NETSTACK_PACKETDRILL_SYSCTLS:-}" ] && printf '%s\n' "$a" | tr / . >>"$NETSTACK_PACKETDRILL_SYSCTLS" ;;
  esac
done
exit 0
SH
    for tool in tc ip; do
      printf '#!/bin/sh\n# No-op: there is no kernel device under the library.\nexit 0\n' >"$dest/bin/$tool"
    done
    # ethtool -K DEV tso off / gso off: recorded as ethtool.tso=off / ethtool.gso=off, and the library's link then
    # segments TCP super-segments in software before packetdrill sees them, as Linux does for a device without TSO.
    cat >"$dest/bin/ethtool" <<'SH'
#!/bin/sh
[ "$1" = -K ] || exit 0
shift 2
while [ $# -ge 2 ]; do
  [ -n "${NETSTACK_PACKETDRILL_SYSCTLS:-}" ] && printf 'ethtool.%s=%s\n' "$1" "$2" >>"$NETSTACK_PACKETDRILL_SYSCTLS"
  shift 2
done
exit 0
SH
    chmod +x "$dest/bin/"*
    ;;
  *) echo "prepare-scripts.sh: MODE is kernel or ours" >&2; exit 2 ;;
esac
chmod +x "$common/defaults.sh" "$common/set_sysctls.py"
cp "$common/defaults.sh" "$common/set_sysctls.py" "$dest/common/"
