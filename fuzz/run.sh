#!/usr/bin/env bash
# Coverage-guided fuzzing of Netstack with afl++ and SharpFuzz (see fuzz/README.md). Optional; CI replays the
# committed corpus in-process instead (tests/Netstack.Tests/Fuzz/CorpusReplayTests.cs).
#
#   fuzz/run.sh <parsers|reassembly|stack> [executions] [workdir]   fuzz one target for about that many executions
#   fuzz/run.sh minimize <target> [workdir]                          afl-cmin the target's queue into fuzz/corpus/<target>
#
# Builds the driver in Release, copies it to <workdir>/bin, instruments Netstack.dll there with the SharpFuzz tool,
# and runs one niced afl-fuzz bound to one core, starting from the hand-made seeds and fuzz/corpus/<target>.
# Findings land in <workdir>/out-<target>/default/crashes and hangs.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

if [ "${1:-}" = minimize ]; then
  target=${2:?target}; work=${3:-/tmp/netstack-fuzz}
  queue="$work/out-$target/default/queue"
  rm -rf "$repo/fuzz/corpus/$target.new"
  AFL_SKIP_BIN_CHECK=1 AFL_ALLOW_TMP=1 nice -n 10 afl-cmin -i "$queue" -o "$repo/fuzz/corpus/$target.new" -t 5000 -m none -- "$work/bin/Netstack.Fuzz" "$target"
  # Keep the crashing inputs of fixed bugs; name the rest by content (afl's names have ':' in them).
  mkdir -p "$repo/fuzz/corpus/$target"
  find "$repo/fuzz/corpus/$target" -type f ! -name 'crash-*' -delete
  for f in "$repo/fuzz/corpus/$target.new"/*; do cp "$f" "$repo/fuzz/corpus/$target/$(sha1sum "$f" | cut -c1-12)"; done
  rm -rf "$repo/fuzz/corpus/$target.new"
  exit 0
fi

target=${1:?usage: fuzz/run.sh <parsers|reassembly|stack> [executions] [workdir]}
execs=${2:-1000000}
work=${3:-/tmp/netstack-fuzz}
command -v afl-fuzz >/dev/null || { echo "run.sh: afl-fuzz not found (apt-get install afl++)" >&2; exit 1; }
tools="$work/tools"
[ -x "$tools/sharpfuzz" ] || dotnet tool install --tool-path "$tools" SharpFuzz.CommandLine --version 2.3.0 >/dev/null

nice -n 10 dotnet build fuzz/Netstack.Fuzz -c Release -p:UseSharedCompilation=false --disable-build-servers -v q >/dev/null
rm -rf "$work/bin"
mkdir -p "$work"
cp -r fuzz/Netstack.Fuzz/bin/Release/net10.0 "$work/bin"
# Start from the hand-made seeds and the committed corpus. Seeds are written before instrumenting: instrumented
# code needs afl's shared memory.
input="$work/in-$target"
rm -rf "$input"
"$work/bin/Netstack.Fuzz" "$target" --seeds "$input"
if [ -d "fuzz/corpus/$target" ]; then
  cp fuzz/corpus/"$target"/* "$input"/ 2>/dev/null || true
fi
"$tools/sharpfuzz" "$work/bin/Netstack.dll" >/dev/null

export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
rm -rf "$work/out-$target"
# -b 1: bind to CPU 1 (one core); -E: stop after about that many executions; -t: 2 s per input (hangs beyond).
nice -n 10 afl-fuzz -b "${AFL_CPU:-1}" -E "$execs" -t 2000 -m none -i "$input" -o "$work/out-$target" \
  -- "$work/bin/Netstack.Fuzz" "$target" >"$work/afl-$target.log" 2>&1 || { tail -20 "$work/afl-$target.log" >&2; exit 1; }
grep -E '^(execs_done|execs_per_sec|corpus_count|bitmap_cvg|edges_found|saved_crashes|saved_hangs|run_time) ' "$work/out-$target/default/fuzzer_stats"
