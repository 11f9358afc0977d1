#!/usr/bin/env python3
"""The fine-tuning tasks of issue 21 through transformers and sentence-transformers, for whoever
checks (no test needs it): each task is trained with the `hubtune` launcher on generated data, and
what hubtune predicts from the export is compared with what the Python libraries compute from the
same export.

- token-classification: bert-tiny (cased WordPiece vocabulary of syllables) on templated NER with
  generated names; `hubtune predict --json --aggregation A` against transformers'
  pipeline("token-classification", aggregation_strategy=A) for first/average/max/simple: the same
  entities (type, start, end) and scores; and AutoModelForTokenClassification loads the export
  (BertForTokenClassification, id2label) — its softmax equals hubtune's `none` scores.
- multi-label: `hubtune predict --json` probabilities against sigmoid(AutoModelForSequenceClassification
  logits), problem_type multi_label_classification.
- regression: hubtune's predicted value against the logit (trained on normalised targets, the
  export folds the normalisation into its last layer),
  problem_type regression, num_labels 1.
- embedding: all-MiniLM-L6-v2 fine-tuned on question/answer pairs; `hubtune embed --json` of the
  export against SentenceTransformer(export).encode.

Usage (from the repository root): python3 tools/reference/tasks_roundtrip.py [WORK_DIR]
Needs all-MiniLM-L6-v2 in hubtune's cache (hubtune pull all-minilm-l6-v2). Prints one line per
check and exits 1 if any differs beyond the tolerance (1e-5).
"""
import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
TOLERANCE = 1e-5
failures = []


def hubtune(home, *args):
    env = dict(os.environ, HUBTUNE_HOME=str(home)) if home else dict(os.environ)
    out = subprocess.run([str(ROOT / "hubtune"), *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"hubtune {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def report(name, diff, ok=None):
    ok = diff <= TOLERANCE if ok is None else ok
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max |Δ| {diff:.3g} (tolerance {TOLERANCE:g})")
    if not ok:
        failures.append(name)


CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
TEMPLATES = ["{P} works for {O} in {L} .", "yesterday {P} flew to {L} .", "{O} hired {P} last year .",
             "the office of {O} is in {L} .", "the mayor of {L} spoke with {P} ."]


def vocab(path):
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    for t in TEMPLATES:
        tokens += [w for w in t.split() if not w.startswith("{") and w not in tokens]
    tokens += ["Corp", "Labs", "New", "Valley"]
    for c in CONSONANTS:
        tokens += [c.upper(), "##" + c] + [c.upper() + v for v in VOWELS] + ["##" + c + v for v in VOWELS]
    tokens += ["##" + v for v in VOWELS]
    path.mkdir(parents=True, exist_ok=True)
    (path / "vocab.txt").write_text("\n".join(dict.fromkeys(tokens)) + "\n")
    return path


def ner_data(path, n, rng):
    def name():
        s = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(rng.randint(2, 3)))
        return s[0].upper() + s[1:]

    lines = []
    for _ in range(n):
        for slot in rng.choice(TEMPLATES).split():
            if slot == "{P}":
                lines += [f"{name()} B-PER"] + ([f"{name()} I-PER"] if rng.random() < 0.5 else [])
            elif slot == "{O}":
                lines += [f"{name()} B-ORG", f"{rng.choice(['Corp', 'Labs'])} I-ORG"]
            elif slot == "{L}":
                lines += ["New B-LOC", f"{name()} I-LOC"] if rng.random() < 0.5 else [f"{name()} B-LOC"]
            else:
                lines.append(f"{slot} O")
        lines.append("")
    path.write_text("\n".join(lines) + "\n")
    return path


def token_classification(work, home):
    from transformers import AutoModelForTokenClassification, AutoTokenizer, pipeline

    rng = random.Random(5)
    base = work / "bert-tiny"
    shutil.rmtree(base, ignore_errors=True)
    hubtune(home, "init", "bert-tiny", "--tokenizer", str(vocab(work / "ner-vocab")), "-o", str(base))
    run = work / "ner-run"
    hubtune(home, "finetune", str(base), "--task", "token-classification",
            "--train", str(ner_data(work / "ner.conll", 600, rng)), "--epochs", "3",
            "--learning-rate", "1e-3", "-o", str(run), "--overwrite", "-q")
    export = run / "model"
    texts = ["yesterday Zuvaki Mopelu flew to New Dalifu .",
             "Ribado Labs hired Kesu Tamo last year .", "the mayor of Vetika spoke with Lo ."]
    model = AutoModelForTokenClassification.from_pretrained(export).eval()
    assert type(model).__name__ == "BertForTokenClassification", type(model).__name__
    tok = AutoTokenizer.from_pretrained(export)  # as users load it: the export says its casing
    for strategy in ["none", "simple", "first", "average", "max"]:
        ours = json.loads(hubtune(home, "predict", str(run), *texts, "--aggregation", strategy, "--json"))
        ner = pipeline("token-classification", model=model, tokenizer=tok, aggregation_strategy=strategy)
        diff, same = 0.0, True
        for row in ours:
            theirs = ner(row["text"])
            key = "entity" if strategy == "none" else "entity_group"
            a = [(e["type"], e["start"], e["end"]) for e in row["entities"]]
            b = [(e[key], e["start"], e["end"]) for e in theirs]
            same &= a == b
            if a == b:
                diff = max([diff] + [abs(x["score"] - float(y["score"])) for x, y in zip(row["entities"], theirs)])
            else:
                print(f"  {strategy}: {row['text']!r}\n    hubtune      {a}\n    transformers {b}")
        report(f"token-classification, aggregation {strategy}: entities equal and scores", diff,
               ok=same and diff <= TOLERANCE)


def multi_label_and_regression(work, home):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    rng = random.Random(6)
    base = work / "bert-tiny"
    words = [f"w{i}" for i in range(35)]
    vocab_dir = work / "w-vocab"
    vocab_dir.mkdir(parents=True, exist_ok=True)
    (vocab_dir / "vocab.txt").write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + words) + "\n")
    shutil.rmtree(base, ignore_errors=True)
    hubtune(home, "init", "bert-tiny", "--tokenizer", str(vocab_dir), "-o", str(base))
    rows_ml, rows_reg = ["text,labels"], ["text,value"]
    for _ in range(300):
        ws = [rng.choice(words[10:]) for _ in range(rng.randint(3, 8))]
        labels = [n for n, m in (("a", "w1"), ("b", "w2"), ("c", "w3")) if rng.random() < 0.4 and not ws.insert(rng.randint(0, len(ws)), m)]
        rows_ml.append(" ".join(ws) + ',"' + ",".join(labels) + '"')
        k = rng.randint(0, 3)
        ws2 = [rng.choice(words[10:]) for _ in range(4)] + ["w7"] * k
        rng.shuffle(ws2)
        rows_reg.append(" ".join(ws2) + f",{10 * k + 5}")
    (work / "ml.csv").write_text("\n".join(rows_ml) + "\n")
    (work / "reg.csv").write_text("\n".join(rows_reg) + "\n")
    texts = ["w1 w12 w3 w20", "w15 w16 w17", "w2 w22 w7", "w7 w7 w11"]
    for task, data, extra in [("multi-label", "ml.csv", ["--label-column", "labels"]),
                              ("regression", "reg.csv", ["--label-column", "value", "--normalize-labels"])]:
        run = work / f"{task}-run"
        hubtune(home, "finetune", str(base), "--task", task, "--train", str(work / data), *extra,
                "--epochs", "2", "--learning-rate", "2e-3", "-o", str(run), "--overwrite", "-q")
        ours = json.loads(hubtune(home, "predict", str(run), *texts, "--json"))
        export = run / "model"
        model = AutoModelForSequenceClassification.from_pretrained(export).eval()
        tok = AutoTokenizer.from_pretrained(export)  # as users load it: the export says its casing
        config = json.loads((export / "config.json").read_text())
        diff = 0.0
        with torch.no_grad():
            for row in ours:
                logits = model(**tok(row["text"], return_tensors="pt")).logits[0]
                if task == "multi-label":
                    expected = torch.sigmoid(logits)
                    got = torch.tensor(list(row["probabilities"].values()))
                else:
                    expected = logits  # the normalisation is folded into the last layer
                    got = torch.tensor([row["score"]])
                diff = max(diff, (expected - got).abs().max().item())
        report(f"{task} ({model.config.problem_type}, {model.config.num_labels} labels) in transformers",
               diff)


def embedding(work, home):
    from sentence_transformers import SentenceTransformer

    rows = ["question,answer"]
    for product in ["Zorbex X1", "Nimbus Pad", "Quanta Watch"]:
        for q, a in [("why does my {p} battery die so fast", "Turn off background sync on the {p}."),
                     ("my {p} will not switch on", "Hold the power button of the {p} for 15 seconds."),
                     ("how do I return my {p}", "Send the {p} back within 30 days from your order page.")]:
            rows.append(f'"{q.format(p=product)}","{a.format(p=product)}"')
    (work / "faq.csv").write_text("\n".join(rows) + "\n")
    run = work / "embedding-run"
    hubtune(home, "finetune", "all-minilm-l6-v2", "--task", "embedding", "--train", str(work / "faq.csv"),
            "--text-column", "question", "--text-pair-column", "answer", "--validation", str(work / "faq.csv"),
            "--max-steps", "3", "--batch-size", "4", "-o", str(run), "--overwrite", "-q")
    texts = ["my Zorbex X1 battery is empty", "Send it back within 30 days.", "Café naïve — 東京 🙂"]
    ours = json.loads(hubtune(home, "embed", str(run / "model"), *texts, "--json"))
    st = SentenceTransformer(str(run / "model"), device="cpu")
    theirs = st.encode(texts, convert_to_tensor=True)
    diff = max((theirs[i] - torch.tensor(r["embedding"])).abs().max().item() for i, r in enumerate(ours))
    report(f"embedding export in sentence-transformers ({[type(m).__name__ for m in st]})", diff)


def main():
    work = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    home = os.environ.get("HUBTUNE_HOME")
    token_classification(work, home)
    multi_label_and_regression(work, home)
    embedding(work, home)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
