#!/bin/bash
# What the compact-weights inference mode (bfloat16 controller and head weights) costs in accuracy on a
# copy checkpoint: dev.ntm.bench.CompactWeightsAccuracy. Usage: CHECKPOINT [SEQUENCES [LENGTH...]]
set -euo pipefail
cd "$(dirname "$0")/../.."
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
jar=bench/target/benchmarks.jar
if [ ! -f "$jar" ]; then
  mvn -q -DskipTests -Dmaven.javadoc.skip package >&2
fi
exec "$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -cp "$jar" dev.ntm.bench.CompactWeightsAccuracy "$@"
