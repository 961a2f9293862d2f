#!/usr/bin/env bash
# JMH benchmarks of this checkout against an older commit, alternated in one run: the way to see a
# kernel change on a shared, noisy machine (quote the minimum of the rounds per side: interference
# only ever adds time).
#
#   bench/scripts/compare-kernels.sh COMMIT ROUNDS REGEX [JMH OPTIONS...]
#   e.g. bench/scripts/compare-kernels.sh 5e95ef7 3 'KernelBench\.(eraseAdd|readBackward)$' -p impl=simd -p memory=128x20
#
# Builds COMMIT's benchmark jar in a temporary worktree, then runs old and new in turn, ROUNDS
# times, one fork each (4 x 1 s warm-up, 3 x 1 s measured unless the options say otherwise), each
# in its own scheduling group at the highest priority and under the machine-wide timing lock
# (/tmp/ntm-timing.lock) when run as root. Prints every score and, per benchmark, the minimum of
# each side and their ratio.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COMMIT="$1"; ROUNDS="$2"; REGEX="$3"; shift 3
JDK="$("$ROOT/ntm" jdk)"
J="$JDK/bin/java"
F=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED --add-exports=java.base/jdk.internal.misc=ALL-UNNAMED)
WORK="$(mktemp -d)"; trap 'git -C "$ROOT" worktree remove --force "$WORK/old-src" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$ROOT/ntm" info >/dev/null   # builds this checkout's jars when needed
git -C "$ROOT" worktree add -q --detach "$WORK/old-src" "$COMMIT"
(cd "$WORK/old-src" && JAVA_HOME="$JDK" mvn -B -q -o -DskipTests -Dmaven.javadoc.skip -pl bench -am package >/dev/null)
cp "$WORK/old-src/bench/target/benchmarks.jar" "$WORK/old.jar"
cp "$ROOT/bench/target/benchmarks.jar" "$WORK/new.jar"
run() { # tag [JMH options]
  local tag="$1"; shift
  setsid bash -c 'echo -20 > /proc/self/autogroup 2>/dev/null; exec nice -n -20 "$@"' _ \
    flock /tmp/ntm-timing.lock "$J" "${F[@]}" -jar "$WORK/$tag.jar" "$REGEX" -f 1 -wi 4 -i 3 -w 1 -r 1 "$@" 2>/dev/null \
    | grep -E ' (avgt|thrpt) ' | grep -v ':gc\.' | sed "s/^/$tag /" | tee -a "$WORK/scores"
}
for i in $(seq "$ROUNDS"); do
  run old "$@"; run new "$@"
  echo "load $(cat /proc/loadavg)"
done
awk '{ for (k = 1; k <= NF; k++) if ($k == "±") s = $(k - 1); b = $2; t = $1;
       if (!(b SUBSEP t in m) || s + 0 < m[b, t]) m[b, t] = s + 0; seen[b] = 1 }
     END { for (b in seen) printf "%-45s old min %10.1f  new min %10.1f  old/new %.2f\n", b, m[b, "old"], m[b, "new"], m[b, "old"] / m[b, "new"] }' \
  "$WORK/scores" | sort
