#!/usr/bin/env bash
# How training at batch 32 scales from one thread to two, against what two cores of this machine
# give two independent jobs:
#
#   bench/scripts/thread-scaling.sh [PAIRS] [WARMUP_S] [MEASURE_S]
#
# Each round runs, in turn: one trainer on 1 thread; one trainer on 2 threads; then two separate
# 1-thread trainers at the same time (two JVMs, each its own scheduling group). The last line of a
# round compares: "engine" = 2 threads / 1 thread, "machine" = (sum of the two concurrent runs) /
# the 1-thread run, the most that splitting the work over both cores could give on this machine
# (shared caches, memory bandwidth, clock). Every run has its own scheduling group at the highest
# priority (as compare-training.sh does).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
PAIRS="${1:-3}"; WARM="${2:-10}"; MEAS="${3:-10}"
JDK="$("$ROOT/ntm" jdk)"
# the flags ./ntm runs with (NTM_VECTOR_CHECKS=on keeps the JDK's per-access vector checks)
J="$JDK/bin/java"; read -ra F <<< "$("$ROOT/ntm" flags)"
"$ROOT/ntm" info >/dev/null   # builds the jar when needed
JAR="$ROOT/cli/target/ntm-cli.jar"
WORK="$(mktemp -d)"; trap 'rm -rf "$WORK"' EXIT
"$JDK/bin/javac" -d "$WORK" -cp "$JAR" "$ROOT/bench/scripts/TrainProbe.java"
run() { # threads
  setsid bash -c 'echo -20 > /proc/self/autogroup 2>/dev/null; exec nice -n -20 "$@"' _ \
    "$J" "${F[@]}" -cp "$JAR:$WORK" TrainProbe 32 "$1" "$WARM" "$MEAS" 2>/dev/null | grep batch || true
}
rate() { sed -n 's/.*: \([0-9]*\) seq\/s wall.*/\1/p'; }
for i in $(seq "$PAIRS"); do
  one="$(run 1)"; two="$(run 2)"
  run 1 > "$WORK/a" & run 1 > "$WORK/b" & wait
  r1=$(echo "$one" | rate); r2=$(echo "$two" | rate); ra=$(rate < "$WORK/a"); rb=$(rate < "$WORK/b")
  echo "1 thread:          $one"
  echo "2 threads:         $two"
  echo "2 jobs at once:    $(cat "$WORK/a")"
  echo "                   $(cat "$WORK/b")"
  awk -v a="$r1" -v b="$r2" -v c="$ra" -v d="$rb" -v l="$(cut -d' ' -f1 /proc/loadavg)" \
    'BEGIN { printf "round: engine 2/1 threads %.2fx; machine, two jobs / one %.2fx; load %s\n", b / a, (c + d) / a, l }'
done
