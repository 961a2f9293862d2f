#!/usr/bin/env bash
# Training throughput of this checkout against an older commit, alternated in one run.
#
#   bench/scripts/compare-training.sh COMMIT "BATCH THREADS" [PAIRS] [WARMUP_S] [MEASURE_S]
#   e.g. bench/scripts/compare-training.sh e74de87 "32 1" 3
#
# Builds COMMIT's command-line jar in a temporary worktree (its packages may be ntm.* rather than
# dev.ntm.*: TrainProbe.java is compiled against each jar with the right names), then runs
# TrainProbe (Trainer.trainBatch on the copy task, the recipe `ntm bench` uses) for new and old in
# turn, PAIRS times. Each run gets its own scheduling group at the highest priority
# (setsid + /proc/self/autogroup + nice -20, when run as root), so that other work on a shared
# machine barely reaches it; it prints wall-clock sequences/s and sequences per CPU-second.
# NEW_FLAGS and OLD_FLAGS (environment, space-separated) add JVM flags to one side, e.g.
# NEW_FLAGS=-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0 for the flags `./ntm` runs with today.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
COMMIT="$1"; CFG="$2"; PAIRS="${3:-3}"; WARM="${4:-15}"; MEAS="${5:-10}"
JDK="$("$ROOT/ntm" jdk)"
J="$JDK/bin/java"; F=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED)
WORK="$(mktemp -d)"; trap 'git -C "$ROOT" worktree remove --force "$WORK/old-src" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT
"$ROOT/ntm" info >/dev/null   # builds this checkout's jar when needed
git -C "$ROOT" worktree add -q --detach "$WORK/old-src" "$COMMIT"
(cd "$WORK/old-src" && JAVA_HOME="$JDK" mvn -B -q -DskipTests -pl cli -am package >/dev/null)
NEW_JAR="$ROOT/cli/target/ntm-cli.jar"; OLD_JAR="$WORK/old-src/cli/target/ntm-cli.jar"
mkdir -p "$WORK/new" "$WORK/old"
"$JDK/bin/javac" -d "$WORK/new" -cp "$NEW_JAR" "$ROOT/bench/scripts/TrainProbe.java"
# grep without -q: an early exit would fail the pipe (pipefail) and pick the wrong package names
if unzip -l "$OLD_JAR" | grep ' dev/ntm/engine/' >/dev/null; then src="$ROOT/bench/scripts/TrainProbe.java"
else sed 's/dev\.ntm\./ntm./g' "$ROOT/bench/scripts/TrainProbe.java" > "$WORK/TrainProbe.java"; src="$WORK/TrainProbe.java"; fi
"$JDK/bin/javac" -d "$WORK/old" -cp "$OLD_JAR" "$src"
run() { # jar classes [extra JVM flags]
  local jar="$1" classes="$2"; shift 2
  setsid bash -c 'echo -20 > /proc/self/autogroup 2>/dev/null; exec nice -n -20 "$@"' _ \
    "$J" "${F[@]}" "$@" -cp "$jar:$classes" TrainProbe $CFG "$WARM" "$MEAS" 2>/dev/null | grep batch || true
}
for i in $(seq "$PAIRS"); do
  # shellcheck disable=SC2086 # the flags are meant to split on spaces
  echo "new  $(run "$NEW_JAR" "$WORK/new" ${NEW_FLAGS:-})"
  # shellcheck disable=SC2086
  echo "old  $(run "$OLD_JAR" "$WORK/old" ${OLD_FLAGS:-})"
done
