#!/bin/bash
# The merge step after analyze-array.sh: checks the shard files form one complete, consistent run
# and writes <dataset>/.video-curator/results.json and report.html (what the editor opens).
# submit.sh runs it with --dependency=afterok on the array, so it starts only when every shard succeeded.
#SBATCH --job-name=video-curator-merge
#SBATCH --cpus-per-task=1
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=video-curator-merge-%j.out
set -euo pipefail

DATASET="${1:?usage: sbatch merge.sh <dataset folder> [shards folder]}"
SHARDS_DIR="${2:-$DATASET/.video-curator/shards}"

read -r -a CLI <<<"${VIDEO_CURATOR:-video-curator}"
exec "${CLI[@]}" merge "$DATASET" "$SHARDS_DIR"
