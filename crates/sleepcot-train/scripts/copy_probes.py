#!/usr/bin/env python3
"""Can the quick experiment's student learn to copy? Four probe tasks, trained alone.

Every checklist line quotes a value the student has to find in the report by its key, so the
students need content-addressed copying (an induction circuit). This script trains the quick
student (same shape, tokenizer, optimiser, batch of 4) on four synthetic tasks in which copying
is the only way to lower the loss, and prints the mean training loss of the last 100 steps next
to the loss a student that does not copy reaches:

- `digits_fixed`:    48 random 4-digit groups, repeated; the copy sits at a fixed distance, so a
                      position-only attention head solves it.
- `digits_shifted`:  the same, after 0-20 random groups, so the distance varies and only
                      matching content finds the copy.
- `averages_lookup`: a report's "Averages:" line with random digits, then every `- key value`
                      in random order (the checklist's own look-up, alone).
- `report_lookup`:   a whole training report with random digits, then `- key value` for each of
                      its averages and schedule keys in random order (the look-up at the length
                      the checklist reads).

Usage (from the repository root, after `cargo build --release -p xtask` and
`target/release/xtask experiment quick --only tokenizer`):

    python3 crates/sleepcot-train/scripts/copy_probes.py [--steps 1500] [--out /tmp/copy-probes]
    python3 crates/sleepcot-train/scripts/copy_probes.py --probes report_lookup \
        --records 40000 --batch 32 --lr 0.001 --steps 1000
"""
import argparse
import csv
import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

DIGITS = "0123456789"

# Each probe, and the loss a student that does not copy reaches on it.
PROBES = {
    "digits_fixed": "ln 10 = 2.30 per digit",
    "digits_shifted": "ln 10 = 2.30 per digit",
    "averages_lookup": "the keys' random order plus ln 10 per digit",
    "report_lookup": "the keys' random order plus ln 10 per digit",
}


def groups(rng, n):
    return " ".join("".join(rng.choice(DIGITS) for _ in range(4)) for _ in range(n))


def shadow(rng, text):
    """Replaces every digit that is not part of a word (SpO2 stays) by a random one."""
    return re.sub(r"(?<![A-Za-z])(?<!Night )\d+",
                  lambda m: "".join(rng.choice(DIGITS) for _ in m.group()), text)


def lookup_reply(rng, pairs):
    """`- key value` for every pair, in random order."""
    rng.shuffle(pairs)
    return "\n".join("- " + p for p in pairs)


def probe_rows(name, rng, reports, n):
    for i in range(n):
        if name == "digits_fixed":
            system, user = "Repeat.", groups(rng, 48)
            reply = user
        elif name == "digits_shifted":
            line = groups(rng, rng.randint(20, 60))
            system, user, reply = "Repeat the last line.", groups(rng, rng.randint(0, 20)) + "\n" + line, line
        elif name == "averages_lookup":
            report = rng.choice(reports)
            line = next(l for l in report.split("\n") if l.startswith("Averages:"))
            pairs = [shadow(rng, p.strip()) for p in line[len("Averages: "):].rstrip(".").split(", ")]
            system, user = "Look up.", "Averages: " + ", ".join(pairs) + "."
            reply = lookup_reply(rng, pairs)
        else:
            user = shadow(rng, rng.choice(reports))
            pairs = [p.strip() for line in user.split("\n") for head in ("Averages: ", "Schedule: ")
                     if line.startswith(head) for p in line[len(head):].rstrip(".").split(", ")]
            pairs = [p for p in pairs if not p.endswith(" -")]
            system, reply = "Look up.", lookup_reply(rng, pairs)
        yield {"id": f"{name}-{i}", "task": "recommendation", "person_id": None, "source_id": f"{name}-{i}",
               "fact_id": None, "teacher": "probe", "system": system, "user": user, "assistant": reply,
               "rationale": reply, "answer": ""}


def config(data, out, tokenizer, args):
    return f"""seed = 0
data = "{data}"
out = "{out}"
tasks = ["recommendation"]
objective = {{ kind = "cot" }}

[student]
kind = "scratch"
vocab_size = 1024
tokenizer = "{tokenizer}"
split_digits = true

[student.model]
hidden_size = 128
layers = 4
heads = 4
kv_heads = 2
intermediate_size = 352
max_positions = 1536

[optim]
lr = {args.lr}
weight_decay = 0.01
warmup_steps = 20
min_lr_ratio = 0.1

[loop]
batch_size = {args.batch}
max_steps = {args.steps}
max_len = 1280
truncate = true
eval_every = 0
checkpoint_every = 0
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--out", type=Path, default=Path("/tmp/copy-probes"))
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--run", type=Path, default=Path("runs/quick"))
    parser.add_argument("--probes", default=",".join(PROBES))
    parser.add_argument("--records", type=int, default=6000, help="training records per probe")
    args = parser.parse_args()
    names = args.probes.split(",")
    unknown = [n for n in names if n not in PROBES]
    if unknown:
        parser.error(f"--probes: {', '.join(unknown)} is not one of {', '.join(PROBES)}")
    for flag, value in [("--steps", args.steps), ("--batch", args.batch), ("--records", args.records)]:
        if value < 1:
            parser.error(f"{flag} is {value}; expected at least 1")
    tokenizer = (args.run / "tokenizer" / "tokenizer.json").resolve()
    train = args.run / "data" / "instructions" / "train.jsonl"
    for needed in (tokenizer, train):
        if not needed.is_file():
            sys.exit(f"copy_probes: {needed} is missing; run "
                     f"`target/release/xtask experiment quick --only tokenizer` first")
    records = [json.loads(l) for l in open(train)]
    reports = [r["user"] for r in records if r["task"] == "recommendation"]
    for name in names:
        rng = random.Random(name)
        probe = args.out / f"{name}-lr{args.lr:g}-batch{args.batch}-steps{args.steps}-records{args.records}"
        data = probe / "data"
        data.mkdir(parents=True, exist_ok=True)
        for split, n in [("train", args.records), ("val", 50)]:
            with open(data / f"{split}.jsonl", "w") as f:
                for row in probe_rows(name, rng, reports, n):
                    f.write(json.dumps({**row, "split": split}) + "\n")
        toml = probe / "train.toml"
        out = probe / "run"
        shutil.rmtree(out, ignore_errors=True)  # a fresh run, not a resumed one
        toml.write_text(config(data.resolve(), out.resolve(), tokenizer, args))
        subprocess.run(["target/release/xtask", "train", "--config", str(toml)], check=True,
                       stdout=subprocess.DEVNULL)
        rows = list(csv.DictReader(open(out / "main" / "metrics.csv")))
        tail = [float(r["train_loss"]) for r in rows[-100:]]
        at_200 = f"; step 200: {float(rows[199]['train_loss']):.3f}" if len(rows) >= 200 else ""
        print(f"{name:<16} lr {args.lr:g} batch {args.batch}, {args.steps} steps: last-100 mean loss "
              f"{sum(tail) / len(tail):.3f} (no copying: {PROBES[name]}){at_200}", flush=True)


if __name__ == "__main__":
    main()
