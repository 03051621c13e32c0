#!/usr/bin/env bash
# Submit a corridor-sim sweep to Slurm: an array job, one task per shard, and a merge
# job that waits for every shard to finish well (--dependency=afterok).
#
#   deploy/slurm/submit.sh SWEEP OUT SHARDS [sbatch option...]
#
# Run it from the directory that holds the scenarios (the jobs start there). The sbatch
# options (a partition, an account, --cpus-per-task, --time) go to both jobs and override
# the #SBATCH lines. Logs: OUT/logs/shard-K.out (every attempt, appended) and
# OUT/logs/merge.out. Prints the two job ids on stdout: "ARRAY_ID MERGE_ID".
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 SWEEP OUT SHARDS [sbatch option...]" >&2
  exit 2
fi
sweep=$1 out=$2 shards=$3
shift 3
if ! [[ $shards =~ ^[1-9][0-9]*$ ]]; then
  echo "error: SHARDS must be a whole number of at least 1, not \`$shards\`" >&2
  exit 2
fi
if [ ! -f "$sweep" ]; then
  echo "error: no sweep file \`$sweep\` (run from the directory that holds it)" >&2
  exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/logs"
out=$(cd "$out" && pwd)

export CORRIDOR_SWEEP=$sweep CORRIDOR_OUT=$out CORRIDOR_SHARDS=$shards
array=$(sbatch --parsable --export=ALL --array="0-$((shards - 1))" \
  --output="$out/logs/shard-%a.out" "$@" "$here/sweep.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable --export=ALL --dependency="afterok:$array" \
  --output="$out/logs/merge.out" "$@" "$here/merge.sbatch")
merge=${merge%%;*}
echo "submitted $sweep as job array $array (shards 0-$((shards - 1))), merge job $merge;" \
  "results in $out" >&2
echo "$array $merge"
