#!/bin/bash
# The roofline of one inference step at batch 1, part by part (dev.ntm.bench.StepParts), in one
# JVM, about a minute and a half. Builds the benchmarks jar if missing. On a shared machine, give it a quiet
# moment or its own scheduling group at top priority:
#   setsid bash -c 'echo -20 > /proc/self/autogroup; exec nice -n -20 bench/scripts/step-parts.sh'
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
jar=bench/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  mvn -q -DskipTests -Dmaven.javadoc.skip package >&2
fi
# as ./ntm runs: without the JDK's per-access vector bounds checks unless NTM_VECTOR_CHECKS=on
checks=(-Djdk.incubator.vector.VECTOR_ACCESS_OOB_CHECK=0)
[[ "${NTM_VECTOR_CHECKS:-off}" != on ]] || checks=()
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED "${checks[@]}" \
  -cp "$jar" dev.ntm.bench.StepParts "$@"
