#!/bin/bash
# One analyze shard per Slurm array task: task k of an array 0..n-1 runs `--shard k/n` and writes
# <shards folder>/<k>-of-<n>.json on shared storage. submit.sh submits this array and a merge job
# that starts when every task succeeded (sbatch --dependency=afterok).
#
#   sbatch --array=0-7 deploy/slurm/analyze-array.sh /shared/my-dataset [/shared/shards/run-1]
#
# The dataset (and so its .video-curator/cache) must be on storage every node sees at the same path.
# VIDEO_CURATOR is the command that runs the CLI, e.g.
#   VIDEO_CURATOR="apptainer exec --bind /shared video-curator.sif video-curator"
#   VIDEO_CURATOR="node /opt/video-curator/dist/cli.js"
#SBATCH --job-name=video-curator-analyze
#SBATCH --array=0-3
#SBATCH --cpus-per-task=4
#SBATCH --mem=8G
#SBATCH --time=04:00:00
#SBATCH --output=video-curator-analyze-%A_%a.out
set -euo pipefail

DATASET="${1:?usage: sbatch --array=0-<n-1> analyze-array.sh <dataset folder> [shards folder]}"
SHARDS_DIR="${2:-$DATASET/.video-curator/shards}"
: "${SLURM_ARRAY_TASK_ID:?not an array task: submit with sbatch --array=0-<n-1> (see submit.sh)}"
: "${SLURM_ARRAY_TASK_MAX:?not an array task: submit with sbatch --array=0-<n-1> (see submit.sh)}"

# The shard count is the array's size, so the array must be 0..n-1 with no gaps.
SHARDS=$((SLURM_ARRAY_TASK_MAX + 1))
if [[ "${SLURM_ARRAY_TASK_MIN:-0}" != 0 || "${SLURM_ARRAY_TASK_COUNT:-$SHARDS}" != "$SHARDS" ]]; then
  echo "analyze-array.sh: the array must be 0-<n-1> with every index (got min ${SLURM_ARRAY_TASK_MIN:-?}, max $SLURM_ARRAY_TASK_MAX, count ${SLURM_ARRAY_TASK_COUNT:-?}); a throttle like %4 is fine" >&2
  exit 2
fi

read -r -a CLI <<<"${VIDEO_CURATOR:-video-curator}"
exec "${CLI[@]}" analyze "$DATASET" --shard "$SLURM_ARRAY_TASK_ID/$SHARDS" --out "$SHARDS_DIR"
