#!/usr/bin/env bash
# Deterministic cost of the router's matching per event, for judging matcher changes on a machine whose timings
# wander (this 2-core VM's do by +-20% between runs of one build). Runs bench/router-work.ts under valgrind's
# cachegrind twice per rule count, with 2 and 4 passes over the corpus's 5,000 events, and prints the difference
# per event: instructions, L1 data misses, and misses of a 512 KB last level (this VM's per-core L2), so that
# start-up, rule building and JIT warm-up cancel out. About 4 minutes; the rule counts run in parallel.
# Usage: npm run bench:router:counts [-- RULES...]   (default 10 1000 10000). Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed: apt-get install valgrind" >&2; exit 1; }
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10 1000 10000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npx esbuild bench/router-work.ts --bundle --platform=node --format=esm --outfile="$work/router-work.mjs" --log-level=warning

# Prints "instructions l1-misses ll-misses" for one run. --single-threaded keeps the JIT on the measured thread.
measure() {
  valgrind --tool=cachegrind --cache-sim=yes --LL=524288,8,64 --cachegrind-out-file=/dev/null \
    node --single-threaded "$work/router-work.mjs" "$1" "$2" 2>&1 |
    awk '/I *refs/ {gsub(",","",$4); i=$4} /D1  misses/ {gsub(",","",$4); d=$4} /LLd misses/ {gsub(",","",$4); l=$4} END {print i, d, l}'
}
row() {
  local two four
  two=$(measure "$1" 2)
  four=$(measure "$1" 4)
  echo "$1 $two $four" >"$work/row-$1"
}
for n in "${counts[@]}"; do row "$n" & done
wait
echo '   rules | instructions/event | L1d misses/event | 512 KB LL misses/event'
echo '---------+--------------------+------------------+-----------------------'
for n in "${counts[@]}"; do
  awk '{ e = 2 * 5000; printf "%8d | %18.0f | %16.1f | %22.1f\n", $1, ($5-$2)/e, ($6-$3)/e, ($7-$4)/e }' "$work/row-$n"
done
