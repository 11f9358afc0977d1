#!/usr/bin/env python3
"""Golden outputs of HF transformers' ModernBERT for hubtune's ModernBertParityTest.

ModernBERT came with transformers 4.48, so this script needs transformers >= 4.48 (the other
reference scripts pin 4.46.3; install 4.48.3 and tokenizers 0.21 beside them, e.g.
`pip install --target /tmp/tf448 --no-deps transformers==4.48.3 tokenizers==0.21.0` and run with
PYTHONPATH=/tmp/tf448).

Two tiny configs (4 layers so that global and sliding-window layers alternate as in the real
model -- every third layer global --, hidden 32, a 8-token window shorter than the 20-token inputs,
so the window is in play): transformers' defaults (fused Wqkv, no biases, bias-free LayerNorms,
identity first attention norm, GeGLU, RoPE θ 160k global / 10k local, cls pooling) and one with
every bias and mean pooling. Parameters get the formula of encoder_families_reference.py; the
fixture has the same layout as encoder-families-reference.json.

Regenerate (from the repository root):
    PYTHONPATH=/tmp/tf448 tools/reference/.venv/bin/python tools/reference/modernbert_reference.py
"""

import json
import pathlib

import torch
import transformers
from transformers import ModernBertConfig, ModernBertForSequenceClassification, ModernBertForTokenClassification

from encoder_families_reference import rounded, set_formula

OUT = pathlib.Path(__file__).resolve().parents[2] / (
    "models/src/test/resources/reference/modernbert-reference.json"
)

COMMON = dict(
    vocab_size=99,
    hidden_size=32,
    intermediate_size=48,
    num_hidden_layers=4,
    num_attention_heads=4,
    max_position_embeddings=64,
    local_attention=8,
    global_attn_every_n_layers=3,
    pad_token_id=0,
    bos_token_id=2,
    eos_token_id=3,
    cls_token_id=2,
    sep_token_id=3,
)

CASES = {
    "modernbert": dict(COMMON),
    "modernbert-mean-biases": dict(
        COMMON,
        classifier_pooling="mean",
        norm_bias=True,
        attention_bias=True,
        mlp_bias=True,
        classifier_bias=True,
        hidden_activation="gelu_pytorch_tanh",
        classifier_activation="silu",
        global_rope_theta=1000.0,
        local_rope_theta=50.0,
        norm_eps=1e-6,
    ),
}

L = 20
INPUTS = dict(
    input_ids=[
        [2] + [(7 * i + 5) % 90 + 5 for i in range(L - 2)] + [3],
        [2] + [(11 * i + 3) % 90 + 5 for i in range(12)] + [3] + [0] * (L - 14),
        [2, 12, 88, 3, 45, 46, 47, 98, 3] + [(5 * i) % 90 + 5 for i in range(L - 10)] + [3],
    ],
    attention_mask=[[1] * L, [1] * 14 + [0] * (L - 14), [1] * L],
)


def run(case):
    args = CASES[case]
    torch.manual_seed(0)
    seq = ModernBertForSequenceClassification(
        ModernBertConfig(**args, num_labels=3, attn_implementation="eager")).eval()
    seq_shapes = set_formula(seq)
    torch.manual_seed(0)
    tok = ModernBertForTokenClassification(
        ModernBertConfig(**args, num_labels=4, attn_implementation="eager")).eval()
    tok_shapes = set_formula(tok)
    feed = {k: torch.tensor(v) for k, v in INPUTS.items()}
    with torch.no_grad():
        hidden = seq.model(**feed).last_hidden_state
        logits = seq(**feed).logits
        token_logits = tok(**feed).logits
    config = json.loads(seq.config.to_json_string(use_diff=False))
    for k in ("id2label", "label2id", "architectures", "num_labels"):
        config.pop(k, None)
    return {
        "config": config,
        "sequence_architecture": "ModernBertForSequenceClassification",
        "token_architecture": "ModernBertForTokenClassification",
        "sequence_parameters": seq_shapes,
        "token_parameters": tok_shapes,
        "inputs": INPUTS,
        "last_hidden_state": rounded(hidden),
        "logits": rounded(logits),
        "token_logits": rounded(token_logits),
    }


def main():
    cases = {case: run(case) for case in CASES}
    OUT.write_text(json.dumps({
        "generated_by": "tools/reference/modernbert_reference.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "cases": cases,
    }, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
