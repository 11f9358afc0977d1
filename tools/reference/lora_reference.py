#!/usr/bin/env python3
"""Golden outputs of PEFT LoRA adapters for hubtune's LoraParityTest, and adapters saved by PEFT.

Three tiny models — BertForSequenceClassification (3 labels), GPT2LMHeadModel (Conv1D layers,
fan_in_fan_out) and LlamaForCausalLM (untied LM head, grouped-query attention) — with every base
parameter set by the closed formula of encoder_families_reference.py (`formula_value` of the HF
name and the index in PyTorch's layout; the Java test computes the same, so no base weight file
is committed). Each gets a LoRA adapter through peft's `get_peft_model`, whose lora_A / lora_B
weights (and the copies of the modules to save) are then set by the same formula on their PEFT
names with a smaller amplitude, so B is not zero and every adapter tensor matters:

- bert:  r 4, alpha 8, query + value, modules_to_save pooler (+ classifier, PEFT's SEQ_CLS default)
- gpt2:  r 4, alpha 16, rsLoRA, c_attn (fan_in_fan_out)
- llama: r 2, alpha 4, q_proj + v_proj + o_proj + down_proj, lora_dropout 0.1 (off in eval)

For each case the fixture records the config, the base model's parameter names and shapes, the
PEFT config, the inputs, the logits of the PeftModel (adapters unmerged, eval mode) and of
`merge_and_unload()`; `save_pretrained` writes the adapter itself (adapter_config.json +
adapter_model.safetensors, a few KB) to models/src/test/resources/reference/lora/<case>/, which
the Java test loads as an adapter PEFT saved.

Regenerate (from the repository root; the venv of tools/reference/requirements.txt):
    tools/reference/.venv/bin/python tools/reference/lora_reference.py
"""

import json
import math
import pathlib
import shutil

import peft
import torch
import transformers
from peft import LoraConfig, get_peft_model
from transformers import (
    BertConfig,
    BertForSequenceClassification,
    GPT2Config,
    GPT2LMHeadModel,
    LlamaConfig,
    LlamaForCausalLM,
)

ROOT = pathlib.Path(__file__).resolve().parents[2] / "models/src/test/resources/reference"
OUT = ROOT / "lora-reference.json"


def phase(name: str) -> float:
    return float(sum((j + 1) * ord(c) for j, c in enumerate(name)) % 1009)


def scale(name: str) -> tuple[float, float]:
    """(offset, amplitude) of a parameter's values (encoder_families_reference.py's)."""
    if "norm" in name.lower():
        return (1.0, 0.2) if name.endswith(".weight") else (0.0, 0.1)
    if name.endswith(".bias"):
        return 0.0, 0.1
    if "embeddings" in name:
        return 0.0, 0.5
    return 0.0, 0.3


def wave(name: str, i: int) -> float:
    return math.sin(phase(name) + 0.7071 * i) * math.cos(0.013 * ((i * i) % 1000))


def formula_value(name: str, i: int) -> float:
    offset, amplitude = scale(name)
    return offset + amplitude * wave(name, i)


def tensor_of(name, shape, value):
    n = math.prod(shape)
    return torch.tensor([value(name, i) for i in range(n)], dtype=torch.float64).to(torch.float32).reshape(shape)


def set_base(model, skip=()):
    """Formula values for the base model's parameters; their names and shapes."""
    state, shapes = {}, {}
    for name, t in model.state_dict().items():
        if name in skip:
            continue
        state[name] = tensor_of(name, tuple(t.shape), formula_value)
        shapes[name] = list(t.shape)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and set(missing) <= set(skip), (missing, unexpected)
    return shapes


def set_adapter(model):
    """Adapter (and saved-module) values by the formula on PEFT's saved names, amplitude 0.2."""
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name or "modules_to_save" in name:
                saved = name.replace("modules_to_save.", "").replace(".default", "")
                p.copy_(tensor_of(saved, tuple(p.shape), lambda n, i: 0.2 * wave(n + "#adapter", i)))


def rounded(t):
    return json.loads(json.dumps(t.tolist()), parse_float=lambda s: round(float(s), 7))


CASES = {
    "bert": dict(
        config=BertConfig(
            vocab_size=99,
            hidden_size=32,
            num_hidden_layers=2,
            num_attention_heads=4,
            intermediate_size=64,
            num_labels=3,
            attn_implementation="eager",
        ),
        model=BertForSequenceClassification,
        skip=(),
        lora=dict(r=4, lora_alpha=8, target_modules=["query", "value"], modules_to_save=["pooler"], task_type="SEQ_CLS"),
        inputs=dict(
            input_ids=[[2, 15, 33, 7, 40, 3, 0, 0], [2, 9, 9, 81, 12, 60, 71, 3]],
            attention_mask=[[1, 1, 1, 1, 1, 1, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]],
            token_type_ids=[[0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]],
        ),
    ),
    "gpt2": dict(
        config=GPT2Config(
            vocab_size=96, n_positions=32, n_embd=32, n_layer=2, n_head=4, bos_token_id=95, eos_token_id=95
        ),
        model=GPT2LMHeadModel,
        skip=("lm_head.weight",),  # tied to transformer.wte.weight
        lora=dict(r=4, lora_alpha=16, use_rslora=True, target_modules=["c_attn"], fan_in_fan_out=True, task_type="CAUSAL_LM"),
        inputs=dict(
            input_ids=[[5, 17, 33, 2, 90, 41, 41, 7, 0, 63], [95, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
            attention_mask=[[1] * 10, [1] * 10],
        ),
    ),
    "llama": dict(
        config=LlamaConfig(
            vocab_size=64,
            hidden_size=32,
            intermediate_size=48,
            num_hidden_layers=2,
            num_attention_heads=4,
            num_key_value_heads=2,
            max_position_embeddings=64,
            tie_word_embeddings=False,
            rms_norm_eps=1e-6,
            bos_token_id=1,
            eos_token_id=2,
            attn_implementation="eager",
        ),
        model=LlamaForCausalLM,
        skip=(),
        lora=dict(
            r=2,
            lora_alpha=4,
            lora_dropout=0.1,
            target_modules=["q_proj", "v_proj", "o_proj", "down_proj"],
            task_type="CAUSAL_LM",
        ),
        inputs=dict(
            input_ids=[[1, 17, 33, 2, 60, 41, 41, 7, 0, 63], [1, 5, 6, 7, 8, 9, 10, 11, 12, 13]],
            attention_mask=[[1] * 10, [1] * 10],
        ),
    ),
}


def run(name, case):
    torch.manual_seed(0)
    base = case["model"](case["config"]).eval()
    shapes = set_base(base, case["skip"])
    if case["skip"]:
        base.tie_weights()
    config = json.loads(base.config.to_json_string(use_diff=False))
    for k in ("id2label", "label2id", "num_labels"):
        config.pop(k, None)
    model = get_peft_model(base, LoraConfig(**case["lora"])).eval()
    set_adapter(model)
    feed = {k: torch.tensor(v) for k, v in case["inputs"].items()}
    with torch.no_grad():
        logits = model(**feed).logits
    out_dir = ROOT / "lora" / name
    if out_dir.exists():
        shutil.rmtree(out_dir)
    model.save_pretrained(out_dir)
    (out_dir / "README.md").unlink()  # PEFT's empty model card
    with torch.no_grad():
        merged = model.merge_and_unload()(**feed).logits
    return {
        "config": config,
        "architecture": case["model"].__name__,
        "parameters": shapes,
        "lora": {k: (sorted(v) if isinstance(v, (list, set)) else v) for k, v in case["lora"].items()},
        "inputs": case["inputs"],
        "logits": rounded(logits),
        "merged_logits": rounded(merged),
    }


def main() -> None:
    cases = {name: run(name, case) for name, case in CASES.items()}
    OUT.write_text(
        json.dumps(
            {
                "generated_by": "tools/reference/lora_reference.py",
                "peft": peft.__version__,
                "transformers": transformers.__version__,
                "torch": torch.__version__,
                "cases": cases,
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes) and {ROOT / 'lora'}/*")


if __name__ == "__main__":
    main()
