"""Checks that what `sleepcot-train` exports loads in the Python ecosystem and computes the same
logits as the Rust student.

Usage:
    SLEEPCOT_EXPORT_OUT=/tmp/export cargo test -p sleepcot-train --test lora \
        lora_run_exports_an_adapter_and_a_merged_model_that_agree
    python3 crates/sleepcot-train/scripts/check_export.py /tmp/export [--tol 1e-4]

The test copies into the folder: `model/` (merged HF checkpoint with `tokenizer.json`),
`adapter/` (PEFT adapter), `base/` (the checkpoint the adapter was trained on) and
`reference.json` (a chat prompt, the ids Rust encoded it to, and the logits Rust computed).
This script checks three things:
  1. `transformers` loads `model/` and its tokenizer; the tokenizer encodes the ChatML prompt
     to the same ids as Rust;
  2. the merged model's logits equal Rust's within the tolerance;
  3. `peft` loads `adapter/` on `base/` and reproduces the same logits.
Exits 0 and prints the largest differences when all hold. Needs: torch, transformers, peft.
"""
import argparse
import json
import os
import sys

import torch
from peft import PeftModel
from transformers import AutoModelForCausalLM, PreTrainedTokenizerFast


def chatml(messages) -> str:
    """Qwen's ChatML template with the generation prompt, as the Rust tokenizer writes it."""
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    return text + "<|im_start|>assistant\n"


def max_diff(logits: torch.Tensor, expected: torch.Tensor) -> float:
    return (logits - expected).abs().max().item()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("export_dir")
    parser.add_argument("--tol", type=float, default=1e-4)
    args = parser.parse_args()
    torch.set_num_threads(1)

    with open(os.path.join(args.export_dir, "reference.json")) as f:
        reference = json.load(f)
    expected = torch.tensor(reference["logits"], dtype=torch.float32).reshape(reference["shape"])
    model_dir = os.path.join(args.export_dir, "model")

    tokenizer = PreTrainedTokenizerFast(tokenizer_file=os.path.join(model_dir, "tokenizer.json"))
    ids = tokenizer(chatml(reference["messages"]), add_special_tokens=False)["input_ids"]
    if ids != reference["ids"]:
        print(f"token ids differ:\n python {ids}\n rust   {reference['ids']}", file=sys.stderr)
        return 1
    input_ids = torch.tensor([ids])

    merged = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    with torch.no_grad():
        merged_diff = max_diff(merged(input_ids=input_ids).logits.float(), expected)

    base = AutoModelForCausalLM.from_pretrained(
        os.path.join(args.export_dir, "base"), dtype=torch.float32
    ).eval()
    peft_model = PeftModel.from_pretrained(base, os.path.join(args.export_dir, "adapter")).eval()
    lora_tensors = sum(1 for n, _ in peft_model.named_parameters() if "lora_" in n)
    with torch.no_grad():
        adapter_diff = max_diff(peft_model(input_ids=input_ids).logits.float(), expected)

    print(
        f"{len(ids)} prompt tokens identical; merged model max |hf - rust| = {merged_diff:.3e}; "
        f"PEFT adapter ({lora_tensors} LoRA tensors) max |peft - rust| = {adapter_diff:.3e} "
        f"(tolerance {args.tol:g})"
    )
    if max(merged_diff, adapter_diff) > args.tol:
        print("MISMATCH", file=sys.stderr)
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
