"""Training-throughput peer of `cargo xtask bench train` on a GPU (or the CPU): PyTorch +
transformers + PEFT on the same shapes, batch 4 x 256 random tokens, random weights.

    python3 torch_train_peer.py tiny  [cuda|cpu] [f32]        # full training, AdamW
    python3 torch_train_peer.py 0.5b  [cuda|cpu] [f32|bf16]   # LoRA r=16 on all seven projections

With bf16 the base weights are loaded in bfloat16 and PEFT keeps the adapters in f32 (its default
`autocast_adapter_dtype`), the mixed precision `--dtype bf16` of the Rust benchmark uses. Prints
one JSON line with `train_tok_s`, measured over the same number of steps after one warm-up step
(10 for tiny, 3 otherwise).
"""
import json
import sys
import time

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

SHAPES = {
    "tiny": dict(vocab_size=8192, hidden_size=256, intermediate_size=704, num_hidden_layers=4,
                 num_attention_heads=4, num_key_value_heads=2),
    "0.5b": dict(vocab_size=151936, hidden_size=896, intermediate_size=4864, num_hidden_layers=24,
                 num_attention_heads=14, num_key_value_heads=2),
}


def main():
    shape = sys.argv[1] if len(sys.argv) > 1 else "tiny"
    device = sys.argv[2] if len(sys.argv) > 2 else "cuda"
    dtype_name = sys.argv[3] if len(sys.argv) > 3 else "f32"
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[dtype_name]
    torch.manual_seed(0)
    config = Qwen2Config(**SHAPES[shape], max_position_embeddings=4096, rope_theta=1e6,
                         rms_norm_eps=1e-6, tie_word_embeddings=True)
    model = Qwen2ForCausalLM(config).to(device=device, dtype=dtype).train()
    if shape == "tiny":
        mode, lr = "full", 1e-3
    else:
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(
            r=16, lora_alpha=32, lora_dropout=0.0,
            target_modules=["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj",
                            "down_proj"]))
        mode, lr = "lora-r16", 1e-4
    params = [p for p in model.parameters() if p.requires_grad]
    optim = torch.optim.AdamW(params, lr=lr)
    x = torch.randint(0, config.vocab_size, (4, 256), device=device)

    def step():
        loss = model(input_ids=x, labels=x).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        optim.step()
        optim.zero_grad()

    def sync():
        if device == "cuda":
            torch.cuda.synchronize()

    step()
    sync()
    steps = 10 if shape == "tiny" else 3
    started = time.perf_counter()
    for _ in range(steps):
        step()
    sync()
    elapsed = time.perf_counter() - started
    print(json.dumps({
        "bench": "train", "impl": f"torch {torch.__version__} + peft", "shape": shape,
        "device": device, "dtype": dtype_name, "mode": mode, "steps": steps,
        "trainable_params": sum(p.numel() for p in params),
        "train_tok_s": steps * x.numel() / elapsed,
    }))


if __name__ == "__main__":
    main()
