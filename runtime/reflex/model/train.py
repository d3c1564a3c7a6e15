#!/usr/bin/env python3
"""Trains the Reflex Layer's n-gram model (runtime/reflex/src/ngram.rs) and writes ngram.tsv.

    cargo run --release -p reflex --bin reflex-eval -- --split dev --dump-logits /tmp/logits.jsonl
    python3 runtime/reflex/model/train.py /tmp/logits.jsonl

Reads the development split only (corpus/dev.jsonl); the held-out split is never read here.

- Features: as ngram.rs reads them: ASCII words (letters and digits, lowercased, at most 20
  bytes; others skipped), each word and each neighbouring pair, counted.
- Column 0: logistic regression, injection or not, over every dev text. Each template weighs
  as much as any other (a template's texts share its weight), so the five variants of one
  template do not outvote a hand-written text.
- Columns 1..8: one family against the rest, over the injection texts only: they name the
  family of a text the model alone flags.
- AdaGrad, L2, a fixed seed and epoch count: the same input gives the same weights.
- The model only ever adds to the patterns' score (`floor` 0): padding an attack with words
  the model finds benign must not hide it.
- How the model enters the score (`alpha` and an offset folded into the bias) and its L2 are
  chosen by five-fold cross-validation grouped by template, on the dev split: the
  patterns' logit of each text (from --dump-logits) plus the model's contribution, trained
  without the text's fold, must reach the default threshold (0.6, a logit of 0.405). The
  choice maximises recall among the settings whose hard-negative false-alarm rate is at most
  MAX_ALARMS, on the later batches' dev texts (templates `wild-`), not the first batch's: the
  patterns were tuned on it, and its figures flatter them. (Until 2026-11-28 it maximised
  recall less four times the alarm rate; on the five batches the model had not trained on,
  that choice read 7 alarms in 250 hard negatives where a model weighed 0.9 as much read 4.)
"""

import json
import math
import random
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent / "corpus"
FAMILIES = [
    "instruction_override",
    "role_reassignment",
    "system_prompt_extraction",
    "jailbreak_persona",
    "delimiter_injection",
    "encoded_payload",
    "tool_command_injection",
    "data_exfiltration",
]
MAX_WORD = 20
CHUNK = 32
EPOCHS = 40
SEED = 20261128
MIN_WEIGHT = 0.01
# The logit of the default threshold (injection::DEFAULT_THRESHOLD, 0.6): where a text is
# judged in cross-validation.
DECIDE = math.log(0.6 / 0.4)
# ngram.rs keeps its table at most half full in a power of two of slots: up to 8,192 features
# fit 16,384 slots (128 KB), which stays in the L2 cache while the server runs; 8,445 features
# took 32,768 slots (256 KB), and the Reflex Layer's CPU rose with it. The features kept are
# those whose injection weight is largest.
MAX_FEATURES = 8000
# The model's share of the score is chosen for the most recall with at most this rate of
# false alarms on hard negatives in cross-validation. False alarms are the target the fresh
# batches missed (5% at most, they read 4 to 8%), recall the one they cleared (0.80 at least,
# they read 0.83 to 0.96): the bound leaves room for texts unlike dev's.
MAX_ALARMS = 0.025


def words(text):
    return [w for w in re.split(rb"[^a-z0-9]+", text.encode().lower()) if 0 < len(w) <= MAX_WORD]


def features(ws):
    out = []
    for idx, word in enumerate(ws):
        out.append(b"u:" + word)
        if idx:
            out.append(b"b:" + ws[idx - 1] + b" " + word)
    return out


def counted(text):
    return Counter(features(words(text)))


def train(data, l2, epochs=EPOCHS):
    """data: (Counter of features, label 0/1, sample weight). Returns (weights, bias)."""
    weights = defaultdict(float)
    squares = defaultdict(lambda: 1e-8)
    bias, bias_square = 0.0, 1e-8
    rate = 0.3
    order = list(range(len(data)))
    rnd = random.Random(SEED)
    for _ in range(epochs):
        rnd.shuffle(order)
        for idx in order:
            feats, label, weight = data[idx]
            z = bias + sum(weights[k] * n for k, n in feats.items())
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
            g = (p - label) * weight
            for k, n in feats.items():
                gk = g * n + l2 * weights[k]
                squares[k] += gk * gk
                weights[k] -= rate * gk / math.sqrt(squares[k])
            bias_square += g * g
            bias -= rate * g / math.sqrt(bias_square)
    return weights, bias


def window_logit(text, weights, bias):
    """The best window's logit, as ngram.rs computes it."""
    ws = words(text)
    contributions = []
    for idx, word in enumerate(ws):
        c = weights.get(b"u:" + word, 0.0)
        if idx:
            c += weights.get(b"b:" + ws[idx - 1] + b" " + word, 0.0)
        contributions.append(c)
    chunks = [sum(contributions[i : i + CHUNK]) for i in range(0, len(contributions), CHUNK)] or [0.0]
    windows = [chunks[0]] if len(chunks) == 1 else [chunks[i] + chunks[i + 1] for i in range(len(chunks) - 1)]
    return bias + max(windows)


def binary_data(records):
    per_template = Counter(r["template"] for r in records)
    return [(counted(r["text"]), 1 if r["injection"] else 0, 1.0 / per_template[r["template"]]) for r in records]


def compact(value):
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def fold_of(template):
    return sum(template.encode()) % 5


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: train.py LOGITS.jsonl (from reflex-eval --split dev --dump-logits)")
    records = [json.loads(line) for line in (CORPUS / "dev.jsonl").open(encoding="utf-8")]
    logits = {}
    with open(sys.argv[1], encoding="utf-8") as dump:
        for line in dump:
            row = json.loads(line)
            logits[row["id"]] = row["pattern_logit"]
    missing = [r["id"] for r in records if r["id"] not in logits]
    if missing:
        sys.exit(f"train.py: {sys.argv[1]} has no pattern logit for {len(missing)} dev texts, such as {missing[0]}")

    # Judged on the second batch's dev texts: the patterns were tuned on the first batch's, so
    # on those the patterns' logit flatters them and hides what the model adds.
    judged = [r for r in records if r["template"].startswith("wild-")] or records
    # Cross-validation: the model's logit for each dev text, trained without its fold.
    grid = []
    for l2 in (1e-4, 3e-4, 1e-3):
        held_logit = {}
        for fold in range(5):
            train_on = [r for r in records if fold_of(r["template"]) != fold]
            weights, bias = train(binary_data(train_on), l2)
            for r in records:
                if fold_of(r["template"]) == fold:
                    held_logit[r["id"]] = window_logit(r["text"], weights, bias)
        for alpha in (0.5, 0.75, 0.9, 1.0, 1.25, 1.5):
            for offset in (-1.0, -0.5, 0.0, 0.5, 1.0):
                for floor in (0.0,):
                    found = alarms = 0
                    for r in judged:
                        z = logits[r["id"]] + max(alpha * (held_logit[r["id"]] + offset), floor)
                        if r["injection"]:
                            found += z >= DECIDE
                        elif r["hard_negative"]:
                            alarms += z >= DECIDE
                    injections = sum(1 for r in judged if r["injection"])
                    negatives = sum(1 for r in judged if r["hard_negative"])
                    recall, rate = found / injections, alarms / negatives
                    grid.append((rate <= MAX_ALARMS, recall if rate <= MAX_ALARMS else -rate, recall, rate, l2, alpha, offset, floor))
                    print(f"l2 {l2:g} alpha {alpha} offset {offset} floor {floor}: cv recall {recall:.3f}, hard-negative alarms {rate:.3f}", file=sys.stderr)
    _, _, recall, rate, l2, alpha, offset, floor = max(grid)
    print(f"chosen: l2 {l2:g} alpha {alpha} offset {offset} floor {floor} (cv recall {recall:.3f}, alarms {rate:.3f})", file=sys.stderr)

    columns = [train(binary_data(records), l2)]
    injections = [r for r in records if r["injection"]]
    per_template = Counter(r["template"] for r in injections)
    for family in FAMILIES:
        data = [(counted(r["text"]), 1 if r["injection"] == family else 0, 1.0 / per_template[r["template"]]) for r in injections]
        columns.append(train(data, l2))
    candidates = {k for weights, _ in columns for k, v in weights.items() if abs(v) >= MIN_WEIGHT}
    injection_weights = columns[0][0]
    ranked = sorted(candidates, key=lambda k: (-abs(injection_weights.get(k, 0.0)), k))
    names = set()
    for name in ranked:
        # ngram.rs looks a pair up only when its first word is a feature: keep that word too.
        wanted = {name}
        if name.startswith(b"b:"):
            wanted.add(b"u:" + name[2:].split(b" ")[0])
        if len(names | wanted) > MAX_FEATURES:
            break
        names |= wanted
    names = sorted(names)
    out = HERE / "ngram.tsv"
    with out.open("w", encoding="utf-8") as f:
        f.write("# The Reflex Layer's n-gram model: written by runtime/reflex/model/train.py (see its header)\n")
        f.write(f"# from corpus/dev.jsonl ({len(records)} texts), seed {SEED}, {EPOCHS} epochs, L2 {l2:g};\n")
        f.write(f"# five-fold cross-validation on dev chose alpha {alpha}, offset {offset} (in the bias), floor {floor}:\n")
        f.write(f"# cv recall {recall:.3f}, cv hard-negative alarms {rate:.3f}.\n")
        f.write("# Columns: injection logit, then the families in injection::FAMILIES order.\n")
        f.write(f"alpha\t{alpha}\n")
        f.write(f"floor\t{floor}\n")
        biases = [bias for _, bias in columns]
        biases[0] += offset
        f.write("bias\t" + "\t".join(f"{b:.4f}" for b in biases) + "\n")
        for name in names:
            row = [weights.get(name, 0.0) for weights, _ in columns]
            f.write(name.decode() + "\t" + "\t".join(compact(v) for v in row) + "\n")
    print(f"wrote {out} ({len(names)} features)", file=sys.stderr)


if __name__ == "__main__":
    main()
