#!/usr/bin/env bash
# How corridor-sim's run time and peak memory grow with network size, demand, horizon and
# replications, on the generated grid network (examples/scale.rs), and how a Chongqing
# run scales from 1 to 2 threads and from 100 to 10 000 replications.
#
#   benches/scaling.sh            # the full table (about 15 minutes on 2 cores)
#   benches/scaling.sh --quick    # a smaller table
#
# Prints Markdown rows: what varies, route time, simulation time, shipment legs per
# second, peak resident memory (GNU time's "Maximum resident set size").
set -euo pipefail
cd "$(dirname "$0")/.."
quick=${1:-}

cargo build --release --quiet --example scale
cargo build --release --quiet --bin corridor
scale=target/release/examples/scale
corridor=target/release/corridor

peak_mb() { awk '/Maximum resident set size/ { printf "%.0f", $6 / 1024 }' "$1"; }

row() { # label, then arguments of examples/scale
  local label=$1; shift
  local log line hubs links services flows n horizon threads route_s sim_s events legs legs_s
  log=$(mktemp)
  line=$(/usr/bin/time -v "$scale" "$@" 2>"$log")
  IFS=$'\t' read -r hubs links services flows n horizon threads route_s sim_s events legs legs_s <<<"$line"
  printf '| %s | %s | %s | %s | %s | %s s | %s s | %.1f M | %s MB |\n' \
    "$label" "$hubs" "$flows" "$horizon" "$n" "$route_s" "$sim_s" \
    "$(awk -v x="$legs_s" 'BEGIN { print x / 1e6 }')" "$(peak_mb "$log")"
  rm -f "$log"
}

echo "| varies | hubs | flows | horizon (d) | replications | route | simulate | legs/s | peak memory |"
echo "|---|---|---|---|---|---|---|---|---|"
if [[ $quick == --quick ]]; then
  sizes=(1000 10000); reps=(10 100)
else
  sizes=(1000 10000 100000); reps=(10 100 1000)
fi
for h in "${sizes[@]}"; do
  for r in "${reps[@]}"; do
    row "hubs × replications" --hubs "$h" --flows 64 --replications "$r"
  done
done
for f in 16 256; do row "demand" --hubs 10000 --flows "$f" --replications 100; done
for d in 120 360; do row "horizon" --hubs 10000 --flows 64 --replications 100 --horizon-days "$d"; done

echo
echo "| Chongqing run | threads | replications | wall time | peak memory |"
echo "|---|---|---|---|---|"
chongqing() { # threads, replications
  local log out; log=$(mktemp); out=$(mktemp -d)
  local started ended
  started=$(date +%s.%N)
  /usr/bin/time -v "$corridor" run scenarios/chongqing/base.toml --quiet \
    --threads "$1" --replications "$2" --out "$out/run" 2>"$log"
  ended=$(date +%s.%N)
  printf '| base.toml | %s | %s | %.1f s | %s MB |\n' "$1" "$2" \
    "$(awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }')" "$(peak_mb "$log")"
  rm -rf "$log" "$out"
}
chongqing 1 100
chongqing 2 100
if [[ $quick != --quick ]]; then
  chongqing 2 1000
  chongqing 2 10000
fi
