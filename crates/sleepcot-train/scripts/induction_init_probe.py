#!/usr/bin/env python3
"""Does a hand-built copying circuit survive training? A probe of issue 17's look-up problem.

The quick students never learn content-addressed copying (find a key in the report, copy the
digits after it) within the CPU budget (see copy_probes.py). This probe asks whether starting
from weights that already copy would help. It builds the quick student's shape in PyTorch
(transformers' Qwen2: hidden 128, 4 layers, 4 heads, 2 KV heads, SwiGLU 352, tied embeddings)
and plants an induction circuit in its initial weights:

- layer 0, head 0, a previous-token head: the query and key are constants held in the q/k
  biases, chosen so that RoPE puts the largest score at offset 1; its value and output
  write a projection of the previous token into the last 32 residual dimensions, which the
  token embeddings leave empty;
- layer 1, head 0, an induction head: the query (the current token) is matched against that
  previous-token projection in RoPE's slowest pairs (rotary base 1e12, so that they barely
  turn over a report's length), and the value copies the matched position's token back into
  the embedding dimensions.

It then trains on a look-up task in the quick checklist's form (an averages line with random
digits, then every `- key value` in random order; loss on the reply only, AdamW, batches of
4) and prints, every `--every` steps, the loss on the reply's digits (ln 10 = 2.30 without
copying) and the induction head's attention on positions whose previous token is the
current token.

    pip install torch transformers
    python3 crates/sleepcot-train/scripts/induction_init_probe.py [--init planted|default]
        [--steps 200] [--lr 3e-3] [--every 50] [--gap 0]

Measured on a 2-core AMD EPYC (issue 17), reply-digit loss every 100 steps, 600 steps:

- planted, learning rate 3e-4: 2.756, 1.592, 0.977, 0.786, 0.660, 0.674; the head keeps
  0.48-0.75 of its attention on induction targets throughout (0.82 and 0.72 at step 0);
- default initialisation, 3e-4: 3.029, 2.552, 2.380, 2.343, 2.326, 2.295 (no copying);
- planted, 3e-3 (the quick students' rate): 2.651 ... 2.346; the head's share falls to 0.03
  and 0.13 by step 100, so training erases the circuit before the model learns to use it;
- default, 3e-3: 2.899 ... 2.423.
- planted, 1e-3: 2.706 ... 2.339 (the share falls to 0.13-0.27: erased too);
- with `--gap 400` (400 random digits between the averages and the reply, about the distance
  a report's later lines put between a value and its checklist line), 3e-4: planted 2.788,
  1.673, 1.374, 1.141, 1.097, 1.043; default 3.059 ... 2.337.

So a planted circuit makes the look-up learnable within 2,000 sequences of 4, where the default
initialisation does not start within the same 2,400 (nor, in copy_probes.py's averages_lookup,
within 6,000), provided the learning rate leaves the circuit standing.
"""
import argparse
import math
import random

import torch
from transformers import Qwen2Config, Qwen2ForCausalLM

KEYS = [("asleep", "ddd"), ("efficiency", "dd.d"), ("latency", "dd"), ("WASO", "dd"),
        ("awakenings", "d.d"), ("deep", "dd.d"), ("REM", "dd.d"), ("resting HR", "dd"),
        ("HRV", "dd"), ("SpO2", "dd.d"), ("SpO2 low", "dd.d"), ("ODI", "d.d"),
        ("movement", "d.d")]
WORDS = sorted({w for k, _ in KEYS for w in k.split()} | {"Look", "up", "Averages"})
VOCAB = (["<pad>", "<bos>", "<eos>", ",", ".", ":", "-", "\n"] + [" " + d for d in "0123456789"]
         + list("0123456789") + WORDS)
ID = {t: i for i, t in enumerate(VOCAB)}
DIGITS = set(range(ID[" 0"], ID["9"] + 1))
THETA = 1e12
RESERVED = 32  # residual dimensions kept free for the previous-token projection


def value(rng, pattern):
    """Random digits in `pattern`, the first with its leading space (the student's split)."""
    out, first = [], True
    for c in pattern:
        if c == ".":
            out.append(ID["."])
        else:
            out.append(ID[(" " if first else "") + str(rng.randrange(10))])
            first = False
    return out


def example(rng, gap=0):
    values = {k: value(rng, p) for k, p in KEYS}
    prompt = [ID["<bos>"], ID["Look"], ID["up"], ID["."], ID["\n"], ID["Averages"], ID[":"]]
    for i, (k, _) in enumerate(KEYS):
        prompt += [ID[w] for w in k.split()] + values[k] + [ID["," if i + 1 < len(KEYS) else "."]]
    prompt.append(ID["\n"])
    # Random digits between the averages and the reply: the distance a report's later lines put
    # between a value and the checklist line that quotes it.
    prompt += [ID[str(rng.randrange(10))] for _ in range(gap)] + ([ID["\n"]] if gap else [])
    reply = []
    for i in rng.sample(range(len(KEYS)), len(KEYS)):
        k = KEYS[i][0]
        reply += [ID["-"]] + [ID[w] for w in k.split()] + values[k] + [ID["\n"]]
    return prompt, reply + [ID["<eos>"]]


def batch(rng, n, gap=0):
    rows = [example(rng, gap) for _ in range(n)]
    width = max(len(p) + len(r) for p, r in rows)
    ids = torch.zeros(n, width, dtype=torch.long)
    labels = torch.full((n, width), -100)
    for i, (p, r) in enumerate(rows):
        seq = p + r
        ids[i, :len(seq)] = torch.tensor(seq)
        labels[i, len(p) - 1:len(seq) - 1] = torch.tensor(r)
    return ids, labels


def orthonormal_rows(rows, cols, gen):
    q, _ = torch.linalg.qr(torch.randn(cols, rows, generator=gen))
    return q.T.contiguous()


def plant(model):
    """Writes the previous-token head (layer 0) and the induction head (layer 1)."""
    cfg = model.config
    d, hd = cfg.hidden_size, cfg.hidden_size // cfg.num_attention_heads
    half, tok = hd // 2, cfg.hidden_size - RESERVED
    freq = [THETA ** (-2 * i / hd) for i in range(half)]
    gen = torch.Generator().manual_seed(1234)
    a0, a1 = model.model.layers[0].self_attn, model.model.layers[1].self_attn
    with torch.no_grad():
        model.model.embed_tokens.weight[:, tok:] = 0
        # Previous token: q = (A, 0) and k = A (cos f, sin f) in every rotary pair, so the
        # score at offset o is the sum of A² cos((o - 1) f): largest at o = 1.
        for proj in (a0.q_proj, a0.k_proj):
            proj.weight[:hd] = 0
            proj.bias[:hd] = 0
        for i in range(half):
            a0.q_proj.bias[i] = 9.0
            a0.k_proj.bias[i] = 9.0 * math.cos(freq[i])
            a0.k_proj.bias[i + half] = 9.0 * math.sin(freq[i])
        p = orthonormal_rows(hd, tok, gen)
        a0.v_proj.weight[:hd] = 0
        a0.v_proj.weight[:hd, :tok] = p
        a0.v_proj.bias[:hd] = 0
        a0.o_proj.weight[:, :hd] = 0
        a0.o_proj.weight[tok:, :hd] = torch.eye(hd)[:RESERVED] * 0.06 * math.sqrt(tok / hd)
        # Induction: the current token's projection against the previous token's, in the
        # 11 slowest rotary pairs; the value copies the attended token.
        slow = list(range(half - 11, half)) + list(range(hd - 11, hd))
        g = orthonormal_rows(len(slow), hd, gen)
        for proj in (a1.q_proj, a1.k_proj):
            proj.weight[:hd] = 0
            proj.bias[:hd] = 0
        a1.q_proj.weight[slow, :tok] = 10.0 * (g @ p)
        a1.k_proj.weight[slow, tok:] = 10.0 * g[:, :RESERVED]
        p2 = orthonormal_rows(hd, tok, gen)
        a1.v_proj.weight[:hd] = 0
        a1.v_proj.weight[:hd, :tok] = p2
        a1.v_proj.bias[:hd] = 0
        a1.o_proj.weight[:, :hd] = 0
        a1.o_proj.weight[:tok, :hd] = p2.T * 0.06


def induction_attention(model, gap=0, seed=5):
    """Mean attention of layer 1, head 0 on positions whose previous token is the current one."""
    model.eval()
    ids, _ = batch(random.Random(seed), 2, gap)
    with torch.no_grad():
        att = model(input_ids=ids, output_attentions=True).attentions[1][:, 0]
    shares = []
    for b, row in enumerate(ids.tolist()):
        hits = total = 0
        for i in range(1, len(row)):
            if row[i] == ID["<pad>"]:
                break
            targets = [j for j in range(1, i + 1) if row[j - 1] == row[i]]
            if targets:
                total += 1
                hits += att[b, i, targets].sum().item()
        shares.append(round(hits / total, 3))
    model.train()
    return shares


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--init", choices=["planted", "default"], default="planted")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--gap", type=int, default=0,
                        help="random digits between the averages line and the reply")
    args = parser.parse_args()
    if args.steps < 1 or args.every < 1 or args.gap < 0 or not args.lr > 0:
        parser.error("--steps and --every must be at least 1, --gap at least 0, --lr positive")
    torch.manual_seed(0)
    torch.set_num_threads(2)
    config = Qwen2Config(vocab_size=len(VOCAB), hidden_size=128, num_hidden_layers=4,
                         num_attention_heads=4, num_key_value_heads=2, intermediate_size=352,
                         max_position_embeddings=1536, tie_word_embeddings=True,
                         rope_parameters={"rope_type": "default", "rope_theta": THETA},
                         attn_implementation="eager")
    model = Qwen2ForCausalLM(config)
    if args.init == "planted":
        plant(model)
    print(f"step 0: induction attention {induction_attention(model, args.gap)}", flush=True)
    rng = random.Random(0)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    digit_losses = []
    for step in range(1, args.steps + 1):
        ids, labels = batch(rng, 4, args.gap)
        logits = model(input_ids=ids).logits
        ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), labels, reduction="none",
                                               ignore_index=-100)
        loss = ce[labels != -100].mean()
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        digits = torch.isin(labels, torch.tensor(sorted(DIGITS)))
        digit_losses.append(ce[digits].mean().item())
        if step % args.every == 0:
            recent = digit_losses[-args.every:]
            print(f"step {step}: digit loss {sum(recent) / len(recent):.3f}, induction "
                  f"attention {induction_attention(model, args.gap)}", flush=True)


if __name__ == "__main__":
    main()
