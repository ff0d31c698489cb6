#!/usr/bin/env bash
# Generation on a GPU beside transformers, in one run on one card (issue: generation at GPU speed).
#
#   XTASK=target/release/xtask OUT=/tmp/gpu-generate bash crates/sleepcot-model/scripts/gpu_generate.sh
#
# XTASK is a release build with `--features cuda,wgpu`. For the 0.5b and 1.5b shapes at batch 1
# and batch 32 (128-token prompts, 64 greedy tokens per row, random weights) it prints, one JSON
# line each: `xtask bench generate` on cuda and on wgpu, then transformers `generate` with the
# eager dynamic cache and with the static cache (torch_generate_peer.py, when python3 has torch
# and transformers). Then the per-token trace of 0.5b batch 1 on cuda (launches, compilations,
# reads, uploads and time per token at several positions), greedy and then sampled on the device
# (temperature 0.7, top-k 50, top-p 0.9, repetition penalty 1.1), and the sampled 0.5b rate at
# batch 1 and 32. Everything is also kept in $OUT.
# BACKENDS="wgpu" SHAPES="tiny" PEER_DEVICE=cpu rehearse it without CUDA (for example on lavapipe).
set -u
X=${XTASK:-target/release/xtask}
OUT=${OUT:-/tmp/gpu-generate}
BACKENDS=${BACKENDS:-cuda wgpu}
SHAPES=${SHAPES:-0.5b 1.5b}
PEER_DEVICE=${PEER_DEVICE:-cuda}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT"
run() { # run LIMIT_S COMMAND...: prints the command, its last lines and its wall time
  local limit=$1; shift
  echo "== $*"
  local t0=$SECONDS
  timeout "$limit" "$@" 2>&1 | grep -v '^\s*$' | grep -v XDG_RUNTIME_DIR | tail -n 12
  echo "   [exit ${PIPESTATUS[0]}, $((SECONDS - t0)) s]"
}
{
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
for shape in $SHAPES; do
  for batch in 1 32; do
    for backend in $BACKENDS; do
      run 240 "$X" bench generate --backend "$backend" --shape "$shape" --batch "$batch" --json
    done
    if python3 -c 'import torch, transformers' 2>/dev/null; then
      run 240 python3 "$HERE/torch_generate_peer.py" "$shape" "$PEER_DEVICE" "$batch"
      run 240 python3 "$HERE/torch_generate_peer.py" "$shape" "$PEER_DEVICE" "$batch" --static
    fi
  done
done
first=${BACKENDS%% *}
SAMPLED="--temperature 0.7 --top-k 50 --top-p 0.9 --repetition-penalty 1.1"
run 240 "$X" bench generate --backend "$first" --shape "${SHAPES%% *}" --trace --decode 128
# shellcheck disable=SC2086
run 240 "$X" bench generate --backend "$first" --shape "${SHAPES%% *}" --trace --decode 128 $SAMPLED
for batch in 1 32; do
  # shellcheck disable=SC2086
  run 240 "$X" bench generate --backend "$first" --shape "${SHAPES%% *}" --batch "$batch" --json $SAMPLED
done
} 2>&1 | tee "$OUT/gpu-generate.log"
