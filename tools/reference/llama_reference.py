"""Golden outputs of HF transformers' Llama-architecture decoders for hubtune's LlamaParityTest.

Four tiny configs -- Llama (grouped-query attention, Llama 3 rope scaling, attention biases, untied
head), Qwen2 (q/k/v biases, one key/value head, tied), Mistral (a sliding window shorter than the
inputs) and Gemma (head_dim != hidden/heads, (1 + weight) norms, sqrt(hidden) embedding scale,
GeGLU) -- with weights given by a closed formula of each parameter's HF name and its index in
PyTorch's layout (`formula_value`, computed the same way by the Java test), so no weight file is
committed. For each: the parameter names and shapes transformers has, logits of two sequences, and
16 greedy tokens from `generate` (with its key/value cache); and, for finetune's
DecoderGradientParityTest, the causal-LM loss on given labels and its gradient for every parameter.

Regenerate (from the repository root):
    tools/reference/.venv/bin/python tools/reference/llama_reference.py
"""

import json
import math
import pathlib

import torch
import transformers
from transformers import (
    GemmaConfig,
    GemmaForCausalLM,
    LlamaConfig,
    LlamaForCausalLM,
    MistralConfig,
    MistralForCausalLM,
    Qwen2Config,
    Qwen2ForCausalLM,
)

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "models/src/test/resources/reference/llama-family-reference.json"
# Gradients of the causal-LM loss, for finetune's DecoderGradientParityTest.
GRADIENTS_OUT = ROOT / "finetune/src/test/resources/reference/llama-gradients-reference.json"
# HF labels for INPUTS (shifted inside the model): -100 where the loss must not count.
LABELS = [[-100, -100, -100, 2, 90, 41, 41, 7, 0, 63, 12, 88], [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, -100, -100]]
SAMPLES = 6

COMMON = dict(
    vocab_size=96,
    hidden_size=32,
    intermediate_size=64,
    num_hidden_layers=2,
    max_position_embeddings=64,
    rms_norm_eps=1e-5,
    bos_token_id=1,
    eos_token_id=2,
    attention_dropout=0.0,
)

CASES = {
    "llama": (
        LlamaConfig,
        LlamaForCausalLM,
        dict(
            num_attention_heads=4,
            num_key_value_heads=2,
            rope_theta=10000.0,
            rope_scaling=dict(
                rope_type="llama3",
                factor=4.0,
                low_freq_factor=1.0,
                high_freq_factor=4.0,
                original_max_position_embeddings=16,
            ),
            attention_bias=True,
            tie_word_embeddings=False,
            eos_token_id=[2, 3],
        ),
    ),
    "qwen2": (
        Qwen2Config,
        Qwen2ForCausalLM,
        dict(num_attention_heads=4, num_key_value_heads=1, rope_theta=1000000.0, tie_word_embeddings=True),
    ),
    "mistral": (
        MistralConfig,
        MistralForCausalLM,
        dict(num_attention_heads=4, num_key_value_heads=2, sliding_window=6, tie_word_embeddings=False),
    ),
    "gemma": (
        GemmaConfig,
        GemmaForCausalLM,
        dict(
            num_attention_heads=2,
            num_key_value_heads=1,
            head_dim=12,
            hidden_activation="gelu_pytorch_tanh",
            tie_word_embeddings=True,
        ),
    ),
}

INPUTS = [[5, 17, 33, 2, 90, 41, 41, 7, 0, 63, 12, 88], [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 95]]
PROMPT = [5, 17, 33]


def phase(name: str) -> float:
    return float(sum((j + 1) * ord(c) for j, c in enumerate(name)) % 1009)


def scale(name: str, gemma: bool) -> tuple[float, float]:
    """(offset, amplitude) of a parameter's values."""
    if "norm" in name:
        return (0.0 if gemma else 1.0), 0.2  # Gemma stores the offset from one
    if name.endswith(".bias"):
        return 0.0, 0.1
    if "embed_tokens" in name:
        return 0.0, 0.5
    if "o_proj" in name or "down_proj" in name:
        return 0.0, 0.2
    return 0.0, 0.3


def formula_value(name: str, i: int, gemma: bool) -> float:
    offset, amplitude = scale(name, gemma)
    return offset + amplitude * math.sin(phase(name) + 0.7071 * i) * math.cos(0.013 * ((i * i) % 1000))


def run(family: str):
    config_class, model_class, extra = CASES[family]
    config = config_class(**{**COMMON, **extra}, attn_implementation="eager")
    torch.manual_seed(0)
    model = model_class(config).eval()
    gemma = family == "gemma"
    state = {}
    shapes = {}
    for name, tensor in model.state_dict().items():
        if name == "lm_head.weight" and config.tie_word_embeddings:
            continue
        values = torch.tensor(
            [formula_value(name, i, gemma) for i in range(tensor.numel())], dtype=torch.float64
        )
        state[name] = values.to(torch.float32).reshape(tensor.shape)
        shapes[name] = list(tensor.shape)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(m == "lm_head.weight" for m in missing), (missing, unexpected)
    model.tie_weights()
    with torch.no_grad():
        logits = model(torch.tensor(INPUTS)).logits
        model.generation_config.eos_token_id = None
        greedy = model.generate(
            torch.tensor([PROMPT]), max_new_tokens=16, do_sample=False, pad_token_id=0
        )[0, len(PROMPT):]
    # The loss transformers trains with (mean over counted tokens) and its gradient per parameter:
    # sum, sum of squares and a few values at spread indices, in transformers' layout.
    model.zero_grad()
    loss = model(torch.tensor(INPUTS), labels=torch.tensor(LABELS)).loss
    loss.backward()
    grads = {}
    for name, p in model.named_parameters():
        g = p.grad.detach().reshape(-1).to(torch.float64)
        idx = [(k * 7919) % g.numel() for k in range(SAMPLES)]
        grads[name] = {
            "sum": g.sum().item(),
            "sumsq": (g * g).sum().item(),
            "index": idx,
            "values": [g[i].item() for i in idx],
        }
    gradients = {"labels": LABELS, "loss": loss.item(), "parameters": grads}
    hf_config = json.loads(config.to_json_string(use_diff=False))
    return gradients, {
        "config": hf_config,
        "parameters": shapes,
        "inputs": INPUTS,
        "logits": [[[round(v, 7) for v in row] for row in seq] for seq in logits.tolist()],
        "greedy_prompt": PROMPT,
        "greedy_ids": greedy.tolist(),
    }


def main() -> None:
    runs = {family: run(family) for family in CASES}
    cases = {family: r[1] for family, r in runs.items()}
    GRADIENTS_OUT.parent.mkdir(parents=True, exist_ok=True)
    GRADIENTS_OUT.write_text(
        json.dumps(
            {
                "generated_by": "tools/reference/llama_reference.py",
                "transformers": transformers.__version__,
                "torch": torch.__version__,
                "cases": {family: r[0] for family, r in runs.items()},
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {GRADIENTS_OUT} ({GRADIENTS_OUT.stat().st_size} bytes)")
    OUT.write_text(
        json.dumps(
            {
                "generated_by": "tools/reference/llama_reference.py",
                "transformers": transformers.__version__,
                "torch": torch.__version__,
                "cases": cases,
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
