#!/usr/bin/env python3
"""Fine-tune round trip of the encoder families through transformers, for whoever checks (no test
needs it).

For RoBERTa, XLM-RoBERTa, DistilBERT, ELECTRA, ModernBERT and DeBERTa-v2/v3: `hubtune init <family>-tiny` with a
small tokenizer (RoBERTa's byte-level BPE and XLM-R's Unigram fixtures of
tokenizers/src/test/resources/reference/, a WordPiece vocab.txt trained here for the others), `hubtune finetune` on the quickstart tickets for a few steps with the family's own head,
`hubtune predict --json`, `hubtune export --format hf`, then transformers'
AutoModelForSequenceClassification loads the export and its probabilities are compared with
hubtune's; before fine-tuning, `hubtune embed --json` is compared with transformers' AutoModel
mean-pooled and normalised. Max |Δ| per family, tolerance 1e-5.

Usage (from the repository root):
    python3 tools/reference/encoder_roundtrip.py [WORK_DIR [FAMILY ...]]
ModernBERT needs transformers >= 4.48 (see modernbert_reference.py); with an older one it is
skipped and says so. Prints one line per family and exits 1 if any differs beyond the tolerance.
"""
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile

import torch

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "cli/src/main/resources/quickstart/support-tickets.csv"
FIXTURES = ROOT / "tokenizers/src/test/resources/reference"
TEXTS = [
    "I was charged twice for my subscription this month.",
    "The app crashes whenever I open the reports page.",
    "Where is my package? Tracking has not changed for a week.",
    "How do I change the email address on my account?",
    "Café naïve façade — 東京 🙂",
]
TOLERANCE = 1e-5
failures = []


def hubtune(home, *args):
    env = dict(os.environ, HUBTUNE_HOME=str(home))
    out = subprocess.run([str(ROOT / "hubtune"), *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"hubtune {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def wordpiece(work):
    from tokenizers import BertWordPieceTokenizer

    out = work / "wordpiece"
    out.mkdir(parents=True, exist_ok=True)
    texts = DATA.read_text(encoding="utf-8").splitlines() + TEXTS
    tok = BertWordPieceTokenizer(lowercase=True)
    tok.train_from_iterator(texts, vocab_size=800, show_progress=False)
    tok.save_model(str(out))
    return out


def tokenizer_dir(work, family):
    if family == "roberta":
        src = FIXTURES / "roberta-bpe"
    elif family == "xlm-roberta":
        src = FIXTURES / "xlmr-unigram"
    else:
        return wordpiece(work)
    out = work / f"{family}-tokenizer"
    out.mkdir(parents=True, exist_ok=True)
    shutil.copy(src / "tokenizer.json", out / "tokenizer.json")
    return out


def transformers_tokenizer(export):
    from transformers import BertTokenizerFast, PreTrainedTokenizerFast

    if (export / "tokenizer.json").exists():
        return PreTrainedTokenizerFast(tokenizer_file=str(export / "tokenizer.json"))
    return BertTokenizerFast(vocab_file=str(export / "vocab.txt"), do_lower_case=True)


def report(name, diff):
    ok = diff <= TOLERANCE
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max |Δ| {diff:.3g} (tolerance {TOLERANCE:g})")
    if not ok:
        failures.append(name)


def embeddings(home, family, base):
    """`hubtune embed --json` (mean pooling, normalised) vs transformers' AutoModel, same pooling."""
    from transformers import AutoModel

    ours = json.loads(hubtune(home, "embed", str(base), *TEXTS, "--json"))
    model = AutoModel.from_pretrained(base).eval()
    tok = transformers_tokenizer(base)
    diff = 0.0
    with torch.no_grad():
        for row in ours:
            enc = tok(row["text"], return_tensors="pt", return_token_type_ids=False)
            mean = model(**enc).last_hidden_state[0].mean(0)
            mean = mean / mean.norm()
            diff = max(diff, (mean - torch.tensor(row["embedding"])).abs().max().item())
    report(f"{family} embeddings ({type(model).__name__}, mean pooling)", diff)


def family_round_trip(work, home, family, preset):
    from transformers import AutoModelForSequenceClassification

    base = work / preset
    shutil.rmtree(base, ignore_errors=True)
    config = None
    if family == "xlm-roberta":  # no preset of its own: roberta-tiny's sizes under its model_type
        config = work / "xlm-roberta-config.json"
        config.write_text(json.dumps(dict(
            model_type="xlm-roberta", hidden_size=128, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=512, max_position_embeddings=514, type_vocab_size=1, layer_norm_eps=1e-5)))
    init = ["--config", str(config)] if config else [preset]
    hubtune(home, "init", *init, "--tokenizer", str(tokenizer_dir(work, family)), "-o", str(base))
    embeddings(home, family, base)
    run = work / f"{family}-run"
    hubtune(home, "finetune", str(base), "--train", str(DATA), "--max-steps", "12",
            "--learning-rate", "1e-3", "-o", str(run), "--overwrite", "-q")
    ours = json.loads(hubtune(home, "predict", str(run), *TEXTS, "--json"))
    export = work / f"{family}-hf"
    shutil.rmtree(export, ignore_errors=True)
    hubtune(home, "export", str(run), "--format", "hf", "-o", str(export))
    model = AutoModelForSequenceClassification.from_pretrained(export).eval()
    tok = transformers_tokenizer(export)
    diff = 0.0
    with torch.no_grad():
        for row in ours:
            enc = tok(row["text"], return_tensors="pt", truncation=True, max_length=128,
                      return_token_type_ids=family not in ("distilbert", "modernbert"))
            p = torch.softmax(model(**enc).logits, -1)[0]
            diff = max(diff, (p - torch.tensor(list(row["probabilities"].values()))).abs().max().item())
    report(f"{family} fine-tuned ({type(model).__name__}) probabilities in transformers", diff)


FAMILIES = {"roberta": "roberta-tiny", "xlm-roberta": "xlm-roberta-tiny",
            "distilbert": "distilbert-tiny", "electra": "electra-tiny",
            "modernbert": "modernbert-tiny", "deberta-v2": "deberta-v3-tiny"}


def main():
    import transformers

    work = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    for family in sys.argv[2:] or FAMILIES:
        version = tuple(int(x) for x in transformers.__version__.split(".")[:2])
        if family == "modernbert" and version < (4, 48):
            print(f"skip modernbert: transformers {transformers.__version__} has no ModernBERT (4.48+)")
            continue
        family_round_trip(work, home, family, FAMILIES[family])
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
