#!/bin/bash
# Submits a sharded analyze run: an array of n shard tasks, then a merge job that waits for all of them.
#
#   deploy/slurm/submit.sh <dataset folder> <n shards> [shards folder]
#
# Extra sbatch options (partition, account, GPUs...) go in SBATCH_EXTRA, e.g.
#   SBATCH_EXTRA="--partition=cpu --account=vision" deploy/slurm/submit.sh /shared/ds 16
# VIDEO_CURATOR (how to run the CLI) is passed on to the jobs through sbatch's default --export=ALL.
set -euo pipefail

DATASET="${1:?usage: submit.sh <dataset folder> <n shards> [shards folder]}"
SHARDS="${2:?usage: submit.sh <dataset folder> <n shards> [shards folder]}"
SHARDS_DIR="${3:-$DATASET/.video-curator/shards}"
if ! [[ "$SHARDS" =~ ^[1-9][0-9]*$ ]]; then
  echo "submit.sh: the number of shards must be a whole number of at least 1, got \"$SHARDS\"" >&2
  exit 2
fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
read -r -a EXTRA <<<"${SBATCH_EXTRA:-}"

# --parsable prints "<job id>" or "<job id>;<cluster>".
ARRAY_JOB="$(sbatch --parsable ${EXTRA[@]+"${EXTRA[@]}"} --array="0-$((SHARDS - 1))" "$HERE/analyze-array.sh" "$DATASET" "$SHARDS_DIR")"
ARRAY_JOB="${ARRAY_JOB%%;*}"
# afterok on an array job waits for every task to succeed.
MERGE_JOB="$(sbatch --parsable ${EXTRA[@]+"${EXTRA[@]}"} --dependency="afterok:$ARRAY_JOB" "$HERE/merge.sh" "$DATASET" "$SHARDS_DIR")"
MERGE_JOB="${MERGE_JOB%%;*}"
echo "analyze: job $ARRAY_JOB (array 0-$((SHARDS - 1))), merge: job $MERGE_JOB (after all shards succeed)"
