#!/usr/bin/env bash
# Runs Google's packetdrill TCP scripts against the Linux kernel (local mode in a throwaway network
# namespace, needs root) and against our stack (packetdrill --so_filename with the NativeAOT library, no
# root), and prints a table: script, kernel, ours, reason (the allow-list's reason where ours is allowed
# to differ).
#
#   tests/Netstack.Packetdrill/run.sh [--kernel-only|--ours-only] [--lib PATH] [--out FILE] [SCRIPT...]
#
# SCRIPT is DIR/NAME.pkt under packetdrill's tcp/ (default: every script). PACKETDRILL_DIR points at the
# built packetdrill (default ../shared/peers/packetdrill beside the repository). The library is published
# once with `dotnet publish tests/Netstack.Packetdrill -c Release` unless --lib names one.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
pd=${PACKETDRILL_DIR:-}
if [ -z "$pd" ]; then
  for d in "$repo/../shared/peers/packetdrill" "$repo/../../shared/peers/packetdrill"; do
    [ -x "$d/packetdrill" ] && pd=$(cd "$d" && pwd) && break
  done
fi
[ -n "$pd" ] && [ -x "$pd/packetdrill" ] || { echo "run.sh: packetdrill not found (set PACKETDRILL_DIR)" >&2; exit 2; }

kernel=1 ours=1 lib="" out="" scripts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel-only) ours=0 ;;
    --ours-only) kernel=0 ;;
    --lib) lib=$2; shift ;;
    --out) out=$2; shift ;;
    -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
    *) scripts+=("$1") ;;
  esac
  shift
done
if [ ${#scripts[@]} -eq 0 ]; then
  mapfile -t scripts < <(cd "$pd/tcp" && find . -name '*.pkt' | sed 's|^\./||' | sort)
fi
if [ "$kernel" = 1 ] && [ "$(id -u)" != 0 ]; then
  echo "run.sh: the kernel column needs root; running ours only" >&2
  kernel=0
fi

work=$(mktemp -d /tmp/netstack-packetdrill.XXXXXX)
trap 'rm -rf "$work"' EXIT
touch "$work/stamp"
"$here/prepare-scripts.sh" "$pd/tcp" "$work/kernel" kernel
"$here/prepare-scripts.sh" "$pd/tcp" "$work/ours" ours

[ -n "$lib" ] && lib=$(realpath "$lib")
if [ "$ours" = 1 ] && [ -z "$lib" ]; then
  lib="$repo/tests/Netstack.Packetdrill/bin/publish/Netstack.Packetdrill.so"
  nice -n 10 dotnet publish "$here/Netstack.Packetdrill.csproj" -c Release -o "$(dirname "$lib")" \
    -p:UseSharedCompilation=false --disable-build-servers -v q >&2 || { echo "run.sh: publish failed" >&2; exit 1; }
fi

reason_for() { # the allow-list's reason for a script, or empty
  awk -v s="$1" -F'\t' '$1 == s { print $2 }' "$here/allowlist.tsv" 2>/dev/null
}

run_one() { # mode script -> "pass" | "fail"; the output goes to $work/logs
  local mode=$1 script=$2 dir name log rc
  dir=$(dirname "$script"); name=$(basename "$script")
  log="$work/logs/$mode/${script//\//_}.log"
  mkdir -p "$(dirname "$log")"
  if [ "$mode" = kernel ]; then
    (cd "$work/kernel/tcp/$dir" && timeout 120 "$pd/in_netns.sh" "$pd/packetdrill" "$name") >"$log" 2>&1
  else
    # preloaded as well, so the code events' own getsockopt(TCP_INFO) reaches the stack (PreloadedGetsockopt.cs);
    # ours/bin first on PATH, so the init commands' sysctl/tc/ip/ethtool change nothing here (prepare-scripts.sh);
    # TMPDIR of this run, so the library's record of the script's sysctls (ScriptSysctls.cs) is this run's alone
    mkdir -p "$work/tmp"
    (cd "$work/ours/tcp/$dir" && timeout 120 bash -c 'echo $$ >"$0"; exec "$@"' "$work/pid" \
      env PATH="$work/ours/bin:$PATH" TMPDIR="$work/tmp" LD_PRELOAD="$lib" \
      "$pd/packetdrill" --so_filename="$lib" --local_ip=192.168.0.2 "$name") >"$log" 2>&1
  fi
  rc=$?
  # the sysctl restore script of a script that failed before its cleanup: by packetdrill's PID under the library, so
  # another run's are left alone; for the kernel, any made since this run began (the namespace's sysctls died with it)
  if [ "$mode" = ours ]; then
    rm -f "/tmp/sysctl_restore_$(cat "$work/pid" 2>/dev/null).sh" "$work"/tmp/netstack-packetdrill-sysctls.*
  else
    find /tmp -maxdepth 1 -name 'sysctl_restore_*.sh' -newer "$work/stamp" -delete 2>/dev/null
  fi
  [ $rc = 0 ] && echo pass || echo fail
  if [ -n "${KEEP_LOGS:-}" ]; then mkdir -p "$KEEP_LOGS/$mode"; cp "$log" "$KEEP_LOGS/$mode/"; fi
}

table=$(mktemp)
printf 'script\tkernel\tours\treason\n' >"$table"
kp=0 op=0 both=0 n=0
for s in "${scripts[@]}"; do
  k=-; o=-
  [ "$kernel" = 1 ] && k=$(run_one kernel "$s")
  [ "$ours" = 1 ] && o=$(run_one ours "$s")
  n=$((n + 1))
  [ "$k" = pass ] && kp=$((kp + 1))
  [ "$o" = pass ] && op=$((op + 1))
  [ "$k" = pass ] && [ "$o" = pass ] && both=$((both + 1))
  printf '%s\t%s\t%s\t%s\n' "$s" "$k" "$o" "$(reason_for "$s")" | tee -a "$table" >&2
done
summary="scripts: $n, kernel passes: $kp, ours passes: $op, both pass: $both"
if [ -n "$out" ]; then { cat "$table"; echo "$summary"; } >"$out"; fi
column -t -s $'\t' "$table"
echo "$summary"
rm -f "$table"
