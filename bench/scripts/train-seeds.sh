#!/usr/bin/env bash
# Trains a task (copy unless --task says otherwise) once per seed with one recipe and prints, per
# seed, whether it was solved, the sequences and the wall time of the training itself (from
# `ntm train`'s summary, JVM start and build excluded) it took to the first solve and in all (a run
# trains on past its first solve to --min-sequences, which copy's recipe sets), and the bit errors
# per sequence of the closing check at the task's largest length (docs/SPEC.md section 3), then the
# median and the worst. PERFORMANCE.md's training tables come from it; the models stay in the printed folder
# (runS/checkpoint.safetensors) for bench/scripts/copy-generalisation.sh.
#
#   bench/scripts/train-seeds.sh "1 2 3 4 5" [ntm train options...]
#   e.g. bench/scripts/train-seeds.sh "$(seq 1 10)"            # the default command, seeds 1..10
#        bench/scripts/train-seeds.sh "1 2 3 4 5" --optimizer adam --batch 32 --threads 2
#
# On a machine shared with others, TRAIN_SEEDS_LOCK=/tmp/ntm-timing.lock makes each run (one seed)
# hold that lock (flock) at the top priority in a scheduling group of its own, so that timed runs
# never overlap; the lock is released between seeds. TRAIN_SEEDS_OUT=DIR keeps the runs in DIR.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
seeds="$1"; shift
out="${TRAIN_SEEDS_OUT:-$(mktemp -d)}"
mkdir -p "$out"
"$ROOT/ntm" info >/dev/null 2>&1   # build first, so no run pays for it
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-6s %-8s %14s %14s %10s %10s %8s %14s\n' seed solved "first-solved" "first-solved" sequences seconds "seq/s" "largest-length"
printf '%-6s %-8s %14s %14s %10s %10s %8s %14s\n' "" "" "(sequences)" "(seconds)" "(all)" "(all)" "" ""
rows="$out/rows"; : >"$rows"
for s in $seeds; do
  log="$out/seed$s.log"
  cmd=("$ROOT/ntm" train --quiet --seed "$s" --out "$out/run$s" --overwrite "$@")
  if [[ -n "${TRAIN_SEEDS_LOCK:-}" ]]; then
    flock "$TRAIN_SEEDS_LOCK" setsid bash -c 'echo -20 > /proc/self/autogroup; exec nice -n -20 "$@"' _ "${cmd[@]}" \
      >"$log" 2>&1 || true
  else
    "${cmd[@]}" >"$log" 2>&1 || true
  fi
  line=$(grep -E '^(SOLVED|not solved) after' "$log" || echo "failed")
  solved=no; [[ "$line" == SOLVED* ]] && solved=yes
  seqs=$(sed -E 's/.*after ([0-9,]+) sequences.*/\1/' <<<"$line" | tr -d ,)
  secs=$(sed -E 's/.* in ([0-9.]+) s .*/\1/' <<<"$line")
  rate=$(sed -E 's/.*\(([0-9,]+) sequences\/s\).*/\1/' <<<"$line" | tr -d ,)
  longest=$(sed -nE 's/^at length [0-9]+ \(the largest trained\): ([0-9.]+) bit errors.*/\1/p' "$log")
  first=$(grep -E '^first solved after' "$log" || true)
  if [[ -n "$first" ]]; then
    fseqs=$(sed -E 's/^first solved after ([0-9,]+) sequences.*/\1/' <<<"$first" | tr -d ,)
    fsecs=$(sed -E 's/.* in ([0-9.]+) s of training.*/\1/' <<<"$first")
  elif [[ $solved == yes ]]; then
    fseqs=$seqs; fsecs=$secs
  else
    fseqs=-; fsecs=-
  fi
  printf '%-6s %-8s %14s %14s %10s %10s %8s %14s\n' "$s" "$solved" "$fseqs" "$fsecs" "$seqs" "$secs" "$rate" "${longest:--}"
  [[ "$line" == failed ]] && { seqs=-; secs=-; }
  echo "$fseqs $fsecs $seqs $secs" >>"$rows"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
names=("sequences to the first solve" "wall time to the first solve (s)" "sequences in all" "wall time in all (s)")
for col in 1 2 3 4; do
  # a seed never solved (or a run that failed) counts as worse than every number: 1e300 sorts last
  cut -d' ' -f$col "$rows" | sed 's/^-$/1e300/' | sort -g | awk -v what="${names[col-1]}" '
    function show(x) { return x >= 1e299 ? "none" : sprintf("%g", x) }
    {a[NR]=$1+0} END {m=(NR%2)?a[(NR+1)/2]:(a[NR/2]+a[NR/2+1])/2;
    printf "%s: median %s, worst %s over %d seeds\n", what, show(m), show(a[NR]), NR}'
done
echo "logs and models: $out"
