#!/usr/bin/env bash
# Copy generalisation: evaluates the models that bench/scripts/train-seeds.sh left in a folder
# (runS/checkpoint.safetensors) at lengths beyond training, 1,000 fresh sequences per length
# (`ntm eval`, evaluation seed 12345), and prints the bit errors per sequence of each seed and
# length, then per length how many seeds stay at or below 0.1. PERFORMANCE.md, section 12.
#
#   TRAIN_SEEDS_OUT=/tmp/seeds bench/scripts/train-seeds.sh "$(seq 1 10)"
#   bench/scripts/copy-generalisation.sh /tmp/seeds "$(seq 1 10)" [30,50,120]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dir="$1"; seeds="$2"; lengths="${3:-30,50,120}"
IFS=, read -ra lens <<<"$lengths"
printf '%-6s' seed; for l in "${lens[@]}"; do printf ' %10s' "L=$l"; done; echo
counts=()
for s in $seeds; do
  ck="$dir/run$s/checkpoint.safetensors"
  [[ -f "$ck" ]] || { echo "no model for seed $s: $ck" >&2; exit 3; }
  table=$("$ROOT/ntm" eval --checkpoint "$ck" --task copy --lengths "$lengths" --count 1000 --threads 2 2>/dev/null)
  printf '%-6s' "$s"
  i=0
  for l in "${lens[@]}"; do
    e=$(awk -v l="$l" '$1 == l {print $3}' <<<"$table")
    printf ' %10s' "$e"
    awk -v e="$e" 'BEGIN {exit !(e <= 0.1)}' && counts[i]=$(( ${counts[i]:-0} + 1 ))
    i=$((i + 1))
  done
  echo
done
n=$(wc -w <<<"$seeds")
i=0
for l in "${lens[@]}"; do
  echo "length $l: ${counts[i]:-0} of $n seeds at <= 0.1 bit errors per sequence"
  i=$((i + 1))
done
