#!/usr/bin/env bash
# Times one SparK pre-training step of the reference PyTorch implementation and of sparkj back to back on
# this machine, and prints both and their ratio.
#
#   SPARK_REF=/path/to/prepared/reference bench/scripts/compare_reference.sh [MODEL] [SIZE] [BATCH] [STEPS]
#
# SPARK_REF must be laid out as shared/reference/README.md describes (spark/ and timm054/), with Debian's
# python3-torch installed. Run it on an otherwise idle machine: both sides use all cores.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
MODEL="${1:-resnet50}"; SIZE="${2:-224}"; BATCH="${3:-16}"; STEPS="${4:-3}"
REF_TOOLS="${REF_TOOLS:-$ROOT/../shared/reference}"
THREADS="${THREADS:-$(nproc)}"
: "${SPARK_REF:?set SPARK_REF to the prepared reference folder (see shared/reference/README.md)}"


echo "== reference ($MODEL, ${SIZE}px, batch $BATCH, $THREADS threads)"
ref_out=$(cd "$REF_TOOLS" && /usr/bin/time -f 'peak_rss_kb=%M' env SPARK_REF="$SPARK_REF" /usr/bin/python3 bench_ref.py \
  --model "$MODEL" --size "$SIZE" --bs "$BATCH" --iters "$STEPS" --threads "$THREADS" 2>&1 | grep -E 'step_median_s|forward_only_s|peak_rss_kb')
echo "$ref_out"
echo "== sparkj"
ours=$("$ROOT/bin/sparkj" bench pretrain --model "$MODEL" --input-size "$SIZE" --batch "$BATCH" --steps "$STEPS" 2>/dev/null | grep step_median_s)
echo "$ours"
r=$(sed -n 's/.*step_median_s=\([0-9.]*\).*/\1/p' <<<"$ref_out" | head -n1)
o=$(sed -n 's/.*step_median_s=\([0-9.]*\).*/\1/p' <<<"$ours" | head -n1)
rr=$(sed -n 's/.*peak_rss_kb=\([0-9]*\).*/\1/p' <<<"$ref_out" | head -n1)
orr=$(sed -n 's/.*peak_rss_mb=\([0-9]*\).*/\1/p' <<<"$ours" | head -n1)
awk -v r="$r" -v o="$o" -v rr="$rr" -v orr="$orr" 'BEGIN {
  printf "step: reference %.3f s, sparkj %.3f s, speed-up %.2fx\n", r, o, r / o;
  if (rr != "" && orr != "") printf "peak RSS: reference %.0f MB, sparkj %.0f MB\n", rr / 1024, orr }'
