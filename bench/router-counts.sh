#!/usr/bin/env bash
# Steadier cost of the router's matching per event, for judging matcher changes on a machine whose timings
# wander (this 2-core VM's do by +-20% between runs of one build). Two runs of one build agree within 1.5% at
# 1,000 rules (L1 misses within 6%); at 10,000 rules they spread by 14% (instructions) to 27% (L1 misses), see
# docs/eventbridge.md, so judge only larger changes there. Runs bench/router-work.ts under valgrind's
# cachegrind twice per rule count, with 6 and 10 passes over the corpus's 5,000 events, and prints the
# difference per event: instructions, L1 data misses, and misses of a 512 KB last level (this VM's per-core
# L2), so that start-up, rule building and JIT warm-up (6 passes: with fewer, code still being optimized lands
# in the difference) cancel out. 5 to 10 minutes; the rule counts run in parallel.
# Usage: npm run bench:router:counts [-- RULES...]   (default 10 1000 10000). Needs valgrind (apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind is not installed: apt-get install valgrind" >&2; exit 1; }
counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(10 1000 10000)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npx esbuild bench/router-work.ts --bundle --platform=node --format=esm --outfile="$work/router-work.mjs" --log-level=warning

# Prints "instructions l1-misses ll-misses" for one run, made as repeatable as we could: no address
# randomization, V8 in predictable mode (JIT and collector on the measured thread, fixed seeds, no collections
# timed by the clock);
# router-work.ts collects garbage before its passes, and the young generation is made large enough
# that none is collected during them.
measure() {
  setarch "$(uname -m)" -R valgrind --tool=cachegrind --cache-sim=yes --LL=524288,8,64 --cachegrind-out-file=/dev/null \
    node --predictable --predictable-gc-schedule --hash-seed=1 --random-seed=1 --expose-gc \
      --max-semi-space-size=256 "$work/router-work.mjs" "$1" "$2" 2>&1 |
    awk '/I *refs/ {gsub(",","",$4); i=$4} /D1  misses/ {gsub(",","",$4); d=$4} /LLd misses/ {gsub(",","",$4); l=$4} END {print i, d, l}'
}
row() {
  local fewer more
  fewer=$(measure "$1" 6)
  more=$(measure "$1" 10)
  echo "$1 $fewer $more" >"$work/row-$1"
}
for n in "${counts[@]}"; do row "$n" & done
wait
echo '   rules | instructions/event | L1d misses/event | 512 KB LL misses/event'
echo '---------+--------------------+------------------+-----------------------'
for n in "${counts[@]}"; do
  awk '{ e = 4 * 5000; printf "%8d | %18.0f | %16.1f | %22.1f\n", $1, ($5-$2)/e, ($6-$3)/e, ($7-$4)/e }' "$work/row-$n"
done
