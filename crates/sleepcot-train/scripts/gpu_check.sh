#!/usr/bin/env bash
# GPU check of the training and generation code on the cuda and wgpu backends.
#
#   XTASK=target/release/xtask OUT=/tmp/gpu-check bash crates/sleepcot-train/scripts/gpu_check.sh
#
# XTASK is a release build with `--features cuda,wgpu`. The script prints (and keeps in $OUT):
#   1. training and generation throughput on cuda (`xtask bench`), tiny in f32 and 0.5b LoRA r=16
#      in f32 and in mixed precision (bf16 base), beside PyTorch + PEFT on the same GPU
#      (`torch_train_peer.py`) when python3 has torch, transformers and peft;
#   2. a real CoT run of the from-scratch student on cuda and on the CPU (flex), same seed, same
#      60 steps, with both loss curves; then a mixed-precision LoRA run (bf16 base) on cuda
#      on top of the student the cuda run exported; and `--devices 2` on this one-GPU machine;
#   3. the tiny training and 0.5b generation benchmarks on wgpu (Vulkan).
# Each command has its own time limit, so one slow part cannot eat the rest. GPU=flex and
# SECTIONS="2" rehearse section 2 on the CPU.
set -u
X=${XTASK:-target/release/xtask}
GPU=${GPU:-cuda}
SECTIONS=${SECTIONS:-1 2 3}
OUT=${OUT:-/tmp/gpu-check}
HERE=$(cd "$(dirname "$0")" && pwd)
W=$(mktemp -d)
mkdir -p "$OUT"
run() { # run LIMIT_S COMMAND...: prints the command, its output and its wall time
  local limit=$1; shift
  echo "== $*"
  local t0=$SECONDS
  timeout "$limit" "$@" 2>&1 | grep -v '^\s*$' | tail -n 25
  echo "   [exit ${PIPESTATUS[0]}, $((SECONDS - t0)) s]"
}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1
nproc

if [[ " $SECTIONS " == *" 1 "* ]]; then
echo "## 1. benchmarks on $GPU"
run 150 "$X" bench train --backend $GPU --shape tiny --json
run 150 "$X" bench train --backend $GPU --shape 0.5b --json
run 150 "$X" bench train --backend $GPU --shape 0.5b --dtype bf16 --json
run 120 "$X" bench generate --backend $GPU --shape 0.5b --json
if python3 -c 'import torch, transformers, peft' 2>/dev/null; then
  run 120 python3 "$HERE/torch_train_peer.py" tiny cuda f32
  run 120 python3 "$HERE/torch_train_peer.py" 0.5b cuda f32
  run 120 python3 "$HERE/torch_train_peer.py" 0.5b cuda bf16
fi
fi

if [[ " $SECTIONS " == *" 2 "* ]]; then
echo "## 2. a real CoT run on $GPU and on flex, then LoRA in bf16 on $GPU"
run 120 "$X" data --out "$W/data" --users 60 --questions 300
make_config() { # make_config BACKEND: the scratch CoT config, 60 steps
  sed -e "s|^data = .*|data = \"$W/data/instructions\"|" \
      -e "s|^out = .*|out = \"$W/cot-$1\"|" \
      -e "s|^\[loop\]|[loop]\nmax_steps = 60|" \
      -e "s|^eval_every = .*|eval_every = 20|" \
      -e "s|^checkpoint_every = .*|checkpoint_every = 30|" \
      "$HERE/../configs/cot-scratch.toml" > "$W/cot-$1.toml"
}
for b in $GPU flex; do
  make_config $b
  run 240 "$X" train --config "$W/cot-$b.toml" --backend $b
  m=$(find "$W/cot-$b" -name metrics.csv | head -n 1)
  [ -n "$m" ] && cp "$m" "$OUT/cot-$b-metrics.csv" && awk -F, 'NR == 1 || (NR - 1) % 10 == 0' "$m"
done
# One GPU here: asking for two must be a one-sentence error, not a panic.
sed 's|^\[loop\]|[loop]\ngrad_accum = 2|' "$W/cot-$GPU.toml" > "$W/two.toml"
run 60 "$X" train --config "$W/two.toml" --backend $GPU --devices 2 --out "$W/two"
model=$(find "$W/cot-$GPU" -name config.json -path '*model*' | head -n 1)
if [ -n "$model" ]; then
  cat > "$W/lora.toml" <<TOML
seed = 7
data = "$W/data/instructions"
out = "$W/lora-bf16"
[student]
kind = "pretrained"
model = "$(dirname "$model")"
precision = "bf16"
[student.lora]
r = 16
alpha = 32
target_modules = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
[optim]
lr = 1e-3
[loop]
batch_size = 8
max_steps = 30
max_len = 1024
truncate = true
eval_every = 15
checkpoint_every = 30
TOML
  run 200 "$X" train --config "$W/lora.toml" --backend $GPU
  m=$(find "$W/lora-bf16" -name metrics.csv | head -n 1)
  [ -n "$m" ] && cp "$m" "$OUT/lora-bf16-metrics.csv" && awk -F, 'NR == 1 || (NR - 1) % 5 == 0' "$m"
fi
fi

if [[ " $SECTIONS " == *" 3 "* ]]; then
echo "## 3. wgpu (Vulkan)"
run 150 "$X" bench train --backend wgpu --shape tiny --json
run 150 "$X" bench generate --backend wgpu --shape 0.5b --json
fi
