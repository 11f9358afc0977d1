#!/usr/bin/env python3
"""Adapters trained by hubtune, loaded by PEFT 0.13.2: fixtures for LoraParityTest's trained cases.

lora_reference.py proves the other direction (adapters PEFT saved, loaded by hubtune). Here the
three tiny bases of lora_reference.py (their formula weights, so no base is committed) are saved
with transformers' save_pretrained together with a small word-level tokenizer, and `hubtune
finetune --lora` trains an adapter on each through the command line, as a user would:

- bert:  --task classification (3 labels from the first word), r 4, alpha 8; the default modules
         to save (pooler + classifier, the head)
- gpt2:  --task causal-lm on counting sequences, PEFT's defaults (c_attn, Conv1D fan_in_fan_out,
         r 8, alpha 8), gradient accumulation 2
- llama: --task causal-lm, rsLoRA r 4 alpha 8, every linear layer of the block, adapter dropout 0.1

Each adapter directory hubtune wrote (adapter_config.json + adapter_model.safetensors, as written)
is copied to models/src/test/resources/reference/lora-trained/<case>/, then loaded the way PEFT
users load one: `PeftModel.from_pretrained(<the base from transformers>, dir)`. The script fails
unless every tensor of the file lands in the PeftModel unchanged (PEFT's own state dict of the
loaded model equals the file, key for key), and records the logits of the PeftModel (eval, adapters
unmerged) and of merge_and_unload() on lora_reference.py's inputs in lora-trained.json.
LoraParityTest then requires hubtune's logits with the same adapter to equal these within 1e-5.

Regenerate (from the repository root; the venv of tools/reference/requirements.txt; builds hubtune
through ./hubtune on first use):
    tools/reference/.venv/bin/python tools/reference/lora_trained_reference.py [WORK_DIR]
"""

import json
import os
import pathlib
import random
import shutil
import subprocess
import sys
import tempfile

import peft
import torch
import transformers
from peft import PeftModel, get_peft_model_state_dict
from safetensors.torch import load_file

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import lora_reference as ref  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "models/src/test/resources/reference"
OUT = FIXTURES / "lora-trained.json"


def hubtune(home, *args):
    env = dict(os.environ, HUBTUNE_HOME=str(home), HUBTUNE_OFFLINE="1")
    out = subprocess.run([str(ROOT / "hubtune"), *args], env=env, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"hubtune {' '.join(args)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


def word_level(vocab, unk, path):
    """A tokenizer.json: whitespace-split words looked up in `vocab` (no merges, no specials)."""
    from tokenizers import Tokenizer
    from tokenizers.models import WordLevel
    from tokenizers.pre_tokenizers import WhitespaceSplit

    tok = Tokenizer(WordLevel(vocab, unk_token=unk))
    tok.pre_tokenizer = WhitespaceSplit()
    tok.save(str(path))


def bert_data(base, work):
    specials = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    (base / "vocab.txt").write_text("\n".join(specials + [f"w{i}" for i in range(5, 99)]) + "\n")
    rnd = random.Random(19)
    rows = ["text,label"]
    for _ in range(240):
        first = rnd.randrange(10, 99)
        label = "a" if first < 40 else "b" if first < 70 else "c"
        rest = " ".join(f"w{rnd.randrange(5, 99)}" for _ in range(rnd.randrange(2, 6)))
        rows.append(f"w{first} {rest},{label}")
    csv = work / "train.csv"
    csv.write_text("\n".join(rows) + "\n")
    return ["--train", str(csv), "--text-column", "text", "--label-column", "label",
            "--max-steps", "40", "--learning-rate", "5e-3", "--batch-size", "16",
            "--lora-r", "4", "--lora-alpha", "8"]


def counting_corpus(work, vocab_size, first, rnd):
    docs = []
    for _ in range(120):
        start = rnd.randrange(first, vocab_size - 12)
        step = rnd.choice([1, 2])
        docs.append(" ".join(f"t{start + step * j}" for j in range(rnd.randrange(4, 7))))
    corpus = work / "corpus.txt"
    corpus.write_text("\n\n".join(docs) + "\n")
    return corpus


def gpt2_data(base, work):
    vocab = {f"t{i}": i for i in range(95)}
    vocab["<|endoftext|>"] = 95
    word_level(vocab, "t0", base / "tokenizer.json")
    corpus = counting_corpus(work, 95, 1, random.Random(20))
    return ["--task", "causal-lm", "--train", str(corpus), "--block-size", "16", "--max-steps",
            "30", "--learning-rate", "5e-3", "--batch-size", "8", "--gradient-accumulation", "2",
            "--lora"]


def llama_data(base, work):
    vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
    vocab.update({f"t{i}": i for i in range(3, 64)})
    word_level(vocab, "<unk>", base / "tokenizer.json")
    corpus = counting_corpus(work, 64, 3, random.Random(21))
    return ["--task", "causal-lm", "--train", str(corpus), "--block-size", "16", "--max-steps",
            "30", "--learning-rate", "5e-3", "--batch-size", "8", "--lora-r", "4", "--lora-alpha",
            "8", "--lora-rslora", "--lora-dropout", "0.1", "--lora-target-modules",
            "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj"]


DATA = {"bert": bert_data, "gpt2": gpt2_data, "llama": llama_data}


def run(name, work, home):
    case = ref.CASES[name]
    torch.manual_seed(0)
    model = case["model"](case["config"]).eval()
    shapes = ref.set_base(model, case["skip"])
    if case["skip"]:
        model.tie_weights()
    config = json.loads(model.config.to_json_string(use_diff=False))
    for k in ("id2label", "label2id", "num_labels"):
        config.pop(k, None)
    base, out = work / name / "base", work / name / "run"
    for d in (base, out):
        shutil.rmtree(d, ignore_errors=True)
    model.save_pretrained(base)
    args = DATA[name](base, work / name)
    stdout = hubtune(home, "finetune", str(base), *args, "--seed", "3", "-o", str(out))
    print(f"{name}: {stdout.strip().splitlines()[-3:]}")

    adapter = FIXTURES / "lora-trained" / name
    shutil.rmtree(adapter, ignore_errors=True)
    shutil.copytree(out / "adapter", adapter)

    peft_model = PeftModel.from_pretrained(model, adapter).eval()
    # Every tensor hubtune wrote is in the PeftModel, unchanged, and nothing else is.
    written = load_file(adapter / "adapter_model.safetensors")
    loaded = get_peft_model_state_dict(peft_model)
    assert set(written) == set(loaded), (sorted(set(written) ^ set(loaded)))
    for k, t in written.items():
        assert torch.equal(t, loaded[k].detach().cpu()), k
    lora = json.loads((adapter / "adapter_config.json").read_text())
    assert peft_model.peft_config["default"].r == lora["r"]

    feed = {k: torch.tensor(v) for k, v in case["inputs"].items()}
    with torch.no_grad():
        logits = peft_model(**feed).logits
        with peft_model.disable_adapter():
            base_logits = model(**feed).logits
        # the adapter matters: parity would be no proof if it changed nothing
        effect = (logits - base_logits).abs().max().item()
        assert effect > 1e-3, effect
        merged = peft_model.merge_and_unload()(**feed).logits
    return {
        "config": config,
        "architecture": case["model"].__name__,
        "parameters": shapes,
        "lora": {k: lora[k] for k in ("task_type", "r", "lora_alpha", "use_rslora",
                                      "lora_dropout", "fan_in_fan_out", "modules_to_save")}
        | {"target_modules": sorted(lora["target_modules"])},
        "loaded_tensors": len(written),
        "adapter_effect": round(effect, 6),
        "inputs": case["inputs"],
        "logits": ref.rounded(logits),
        "merged_logits": ref.rounded(merged),
    }


def main():
    work = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else pathlib.Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    cases = {name: run(name, work, work / "home") for name in DATA}
    OUT.write_text(
        json.dumps(
            {
                "generated_by": "tools/reference/lora_trained_reference.py",
                "peft": peft.__version__,
                "transformers": transformers.__version__,
                "torch": torch.__version__,
                "cases": cases,
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) and {FIXTURES / 'lora-trained'}/*")


if __name__ == "__main__":
    main()
