#!/usr/bin/env bash
# Runs the router benchmark's corpus through AWS's event-ruler (see Bench.java), unpinned as ours runs: matching on
# one thread, the runtime's compiler and collector free to use the other core.
# Usage: bench/event-ruler/run.sh DIR CLASSPATH
#   DIR:       written by `npm run bench:router -- --export DIR`
#   CLASSPATH: the event-ruler jar and the Jackson jars it needs (jackson-core, jackson-databind,
#              jackson-annotations), e.g. from Maven Central's software.amazon.event.ruler:event-ruler.
# Needs Java 17 or later with its compiler (module jdk.compiler: any JDK, or Debian's openjdk-17-jre-headless).
# Takes about a minute.
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DIR CLASSPATH" >&2; exit 2; }
javac=(java -m jdk.compiler/com.sun.tools.javac.Main)
"${javac[@]}" --version >/dev/null 2>&1 ||
  { echo "java 17 with its compiler is needed: apt-get install openjdk-17-jre-headless" >&2; exit 1; }
classes=$(mktemp -d)
trap 'rm -rf "$classes"' EXIT
"${javac[@]}" -nowarn -cp "$2" -d "$classes" "$(dirname "$0")/Bench.java"
java -Xms2g -Xmx2g -cp "$classes:$2" Bench "$1"
