#!/usr/bin/env bash
# Trains the copy task once per seed with one recipe and prints, per seed, whether it was solved,
# the sequences it took and the wall time of the training itself (from `ntm train`'s summary,
# JVM start and build excluded), then the median. PERFORMANCE.md's training tables come from it.
#
#   bench/scripts/train-seeds.sh "1 2 3 4 5" [ntm train options...]
#   e.g. bench/scripts/train-seeds.sh "1 2 3 4 5" --optimizer adam --batch 32 --threads 2
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seeds="$1"; shift
out="$(mktemp -d)"
"$ROOT/ntm" info >/dev/null 2>&1   # build first, so no run pays for it
printf '%-6s %-8s %12s %10s %12s\n' seed solved sequences seconds "seq/s"
times=()
for s in $seeds; do
  log="$out/seed$s.log"
  "$ROOT/ntm" train --quiet --seed "$s" --out "$out/run$s" "$@" >"$log" 2>&1 || true
  line=$(grep -E '^(SOLVED|not solved) after' "$log" || echo "failed")
  solved=no; [[ "$line" == SOLVED* ]] && solved=yes
  seqs=$(sed -E 's/.*after ([0-9,]+) sequences.*/\1/' <<<"$line" | tr -d ,)
  secs=$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$line")
  rate=$(sed -E 's/.*\(([0-9,]+) sequences\/s\).*/\1/' <<<"$line" | tr -d ,)
  printf '%-6s %-8s %12s %10s %12s\n' "$s" "$solved" "$seqs" "$secs" "$rate"
  times+=("$secs")
done
printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2; printf "median wall time: %.1f s over %d seeds\n", m, NR}'
echo "logs: $out"
