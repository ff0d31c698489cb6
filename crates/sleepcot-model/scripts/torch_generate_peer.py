"""Generation peer for `xtask bench generate` on a GPU: transformers `generate` (PyTorch) on Qwen2
shapes with random weights, greedy, a 128-token prompt and 64 new tokens per row, as the Rust
benchmark measures.

    python3 torch_generate_peer.py 0.5b cuda 1 [--static]

Prints one JSON line: prefill tok/s (one forward over the prompts) and decode tok/s (new tokens of
every row per second, prefill excluded), for the eager dynamic cache or, with --static, the
static cache (`cache_implementation="static"`). Runs on "cpu" too, for a rehearsal.
"""
import json
import sys
import time

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

SHAPES = {
    "tiny": dict(vocab_size=8192, hidden_size=256, intermediate_size=704, num_hidden_layers=4,
                 num_attention_heads=4, num_key_value_heads=2),
    "0.5b": dict(vocab_size=151936, hidden_size=896, intermediate_size=4864,
                 num_hidden_layers=24, num_attention_heads=14, num_key_value_heads=2),
    "1.5b": dict(vocab_size=151936, hidden_size=1536, intermediate_size=8960,
                 num_hidden_layers=28, num_attention_heads=12, num_key_value_heads=2),
}
PROMPT, NEW = 128, 64


def sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    shape = args[0] if args else "0.5b"
    device = args[1] if len(args) > 1 else "cuda"
    batch = int(args[2]) if len(args) > 2 else 1
    static = "--static" in sys.argv
    torch.manual_seed(0)
    config = Qwen2Config(**SHAPES[shape], max_position_embeddings=4096, rope_theta=1e6,
                         rms_norm_eps=1e-6, tie_word_embeddings=True)
    model = Qwen2ForCausalLM(config).to(device).eval()
    prompt = torch.randint(0, config.vocab_size, (batch, PROMPT), device=device)
    kwargs = dict(max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False, pad_token_id=0)
    if static:
        kwargs["cache_implementation"] = "static"
    with torch.inference_mode():
        model(prompt)
        model.generate(prompt, **kwargs)  # warm-up (and the static cache's set-up)
        sync(device)
        t = time.perf_counter()
        model(prompt)
        sync(device)
        prefill_s = time.perf_counter() - t
        t = time.perf_counter()
        model.generate(prompt, **kwargs)
        sync(device)
        total_s = time.perf_counter() - t
    name = torch.cuda.get_device_name() if device.startswith("cuda") else "cpu"
    print(json.dumps({
        "bench": "generate",
        "impl": f"transformers {__import__('transformers').__version__} "
                f"(torch {torch.__version__}, {'static' if static else 'dynamic'} cache)",
        "shape": shape,
        "device": name,
        "batch": batch,
        "prompt_tokens": PROMPT,
        "decode_tokens": NEW,
        "prefill_tok_s": batch * PROMPT / prefill_s,
        "decode_tok_s": batch * NEW / max(total_s - prefill_s, 1e-9),
    }))


if __name__ == "__main__":
    main()
