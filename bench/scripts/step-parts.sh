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
# the flags ./ntm runs with (NTM_VECTOR_CHECKS=on keeps the JDK's per-access vector checks)
read -ra flags <<< "$(./ntm flags)"
exec "$JAVA_HOME/bin/java" "${flags[@]}" -cp "$jar" dev.ntm.bench.StepParts "$@"
