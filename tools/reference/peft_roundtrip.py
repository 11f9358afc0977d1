#!/usr/bin/env python3
"""An adapter trained by hubtune, loaded by PEFT: the same outputs. For whoever checks (no test
needs it; LoraParityTest covers the other direction with adapters PEFT saved).

1. BERT classifier: `hubtune init bert-tiny` (a WordPiece vocab trained here), `hubtune finetune
   --lora` on the quickstart tickets for a few steps, `hubtune predict BASE --adapter RUN/adapter
   --json`; then transformers' AutoModelForSequenceClassification of BASE (its classifier freshly
   initialised, as PEFT users load it) with `PeftModel.from_pretrained(model, RUN/adapter)`:
   probabilities within 1e-5, and the same after `merge_and_unload()`; and `hubtune export BASE
   --adapter RUN/adapter --merge` loaded by transformers alone, within 1e-5 too.
2. GPT-2: `hubtune init gpt2-tiny`, `hubtune finetune --task causal-lm --lora` on the tickets'
   text, `hubtune generate BASE --adapter RUN/adapter` greedily; GPT2LMHeadModel + PeftModel
   generates the same tokens.

Usage (from the repository root, with tools/reference/requirements.txt installed):
    python3 tools/reference/peft_roundtrip.py [WORK_DIR]
Prints one line per check and exits 1 if any fails.
"""
import csv
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
TEXTS = [
    "I was charged twice for my subscription this month.",
    "The app crashes whenever I open the reports page.",
    "Where is my package? Tracking has not changed for a week.",
    "How do I change the email address on my account?",
]
TOLERANCE = 1e-5
failures = []


def hubtune(home, *args):
    env = dict(os.environ, HUBTUNE_HOME=str(home))
    out = subprocess.run([str(ROOT / "hubtune"), *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"hubtune {' '.join(args)} failed:\n{out.stderr}")
    return out.stdout


def report(name, ok, detail):
    print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
    if not ok:
        failures.append(name)


def wordpiece(work):
    from tokenizers import BertWordPieceTokenizer

    out = work / "wordpiece"
    out.mkdir(parents=True, exist_ok=True)
    tok = BertWordPieceTokenizer(lowercase=True)
    tok.train_from_iterator(DATA.read_text(encoding="utf-8").splitlines() + TEXTS, vocab_size=800,
                            show_progress=False)
    tok.save_model(str(out))
    return out


def classifier(work, home):
    from peft import PeftModel
    from transformers import AutoModelForSequenceClassification, BertTokenizerFast

    base, run, merged = work / "bert-base", work / "bert-lora", work / "bert-merged"
    for d in (base, run, merged):
        shutil.rmtree(d, ignore_errors=True)
    hubtune(home, "init", "bert-tiny", "--tokenizer", str(wordpiece(work)), "-o", str(base))
    hubtune(home, "finetune", str(base), "--train", str(DATA), "--max-steps", "30", "--learning-rate",
            "2e-3", "--lora", "--lora-r", "4", "--lora-alpha", "8", "-o", str(run), "-q")
    ours = json.loads(hubtune(home, "predict", str(base), *TEXTS, "--adapter", str(run / "adapter"),
                              "--json"))
    labels = list(ours[0]["probabilities"].keys())
    model = AutoModelForSequenceClassification.from_pretrained(
        base, num_labels=len(labels), id2label=dict(enumerate(labels))).eval()
    peft_model = PeftModel.from_pretrained(model, run / "adapter").eval()
    tok = BertTokenizerFast(vocab_file=str(base / "vocab.txt"), do_lower_case=True)

    def diff(m):
        d = 0.0
        with torch.no_grad():
            for row in ours:
                enc = tok(row["text"], return_tensors="pt", truncation=True, max_length=128)
                p = torch.softmax(m(**enc).logits, -1)[0]
                d = max(d, (p - torch.tensor(list(row["probabilities"].values()))).abs().max().item())
        return d

    d = diff(peft_model)
    report("hubtune's BERT adapter in PeftModel.from_pretrained", d <= TOLERANCE, f"max |Δp| {d:.3g}")
    d = diff(peft_model.merge_and_unload())
    report("... after PEFT's merge_and_unload()", d <= TOLERANCE, f"max |Δp| {d:.3g}")
    hubtune(home, "export", str(base), "--adapter", str(run / "adapter"), "--merge", "-o", str(merged))
    d = diff(AutoModelForSequenceClassification.from_pretrained(merged).eval())
    report("hubtune export --merge in transformers alone", d <= TOLERANCE, f"max |Δp| {d:.3g}")


def decoder(work, home):
    from peft import PeftModel
    from transformers import GPT2LMHeadModel, PreTrainedTokenizerFast

    base, run = work / "gpt2-base", work / "gpt2-lora"
    for d in (base, run):
        shutil.rmtree(d, ignore_errors=True)
    corpus = work / "tickets.txt"
    with DATA.open(encoding="utf-8") as f:
        corpus.write_text("\n\n".join(row["text"] for row in csv.DictReader(f)), encoding="utf-8")
    hubtune(home, "init", "gpt2-tiny", "--tokenizer", "gpt2-tokenizer", "-o", str(base))
    hubtune(home, "finetune", str(base), "--task", "causal-lm", "--train", str(corpus), "--max-steps",
            "30", "--learning-rate", "3e-3", "--block-size", "64", "--lora", "-o", str(run), "-q")
    prompt = "The app crashes"
    ours = json.loads(hubtune(home, "generate", str(base), prompt, "--adapter", str(run / "adapter"),
                              "--max-new-tokens", "12", "--temperature", "0", "--json"))
    model = PeftModel.from_pretrained(GPT2LMHeadModel.from_pretrained(base), run / "adapter").eval()
    tok = PreTrainedTokenizerFast(tokenizer_file=str(base / "tokenizer.json")) \
        if (base / "tokenizer.json").exists() else None
    from transformers import GPT2TokenizerFast
    tok = tok or GPT2TokenizerFast(vocab_file=str(base / "vocab.json"), merges_file=str(base / "merges.txt"))
    ids = torch.tensor([ours["prompt_ids"]])
    with torch.no_grad():
        out = model.generate(input_ids=ids, max_new_tokens=12, do_sample=False,
                             pad_token_id=model.config.eos_token_id)
    theirs = out[0, ids.shape[1]:].tolist()[: len(ours["new_ids"])]
    report("hubtune's GPT-2 adapter in PeftModel: greedy tokens", theirs == ours["new_ids"],
           f"peft {theirs} / hubtune {ours['new_ids']} ({tok.decode(theirs)!r})")


def main():
    work = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    home = work / "home"
    classifier(work, home)
    decoder(work, home)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
