"""Golden GPT-2 outputs from HF transformers for hubtune's GPT-2 parity test.

The weights are not random draws but a closed formula of each parameter's name and index
(`formula_value`), which hubtune's test (`FormulaWeights` in models' test sources) computes
the same way in Java, so both implementations run the very same model without any weight
file being committed.

Regenerate (from the repository root; needs Python 3.11 and PyPI):
    python3 -m venv tools/reference/.venv
    tools/reference/.venv/bin/pip install -r tools/reference/requirements.txt
    tools/reference/.venv/bin/python tools/reference/gpt2_reference.py
"""

import json
import math
import pathlib

import torch
import transformers
from transformers import GPT2Config, GPT2LMHeadModel

OUT = pathlib.Path(__file__).resolve().parents[2] / (
    "models/src/test/resources/reference/gpt2-tiny-reference.json"
)

CONFIG = dict(
    vocab_size=96,
    n_positions=32,
    n_embd=32,
    n_layer=2,
    n_head=4,
    n_inner=None,
    activation_function="gelu_new",
    layer_norm_epsilon=1e-5,
    bos_token_id=95,
    eos_token_id=95,
    resid_pdrop=0.0,
    embd_pdrop=0.0,
    attn_pdrop=0.0,
)


def phase(name: str) -> float:
    return float(sum((j + 1) * ord(c) for j, c in enumerate(name)) % 1009)


def scale(name: str) -> tuple[float, float]:
    """(offset, amplitude) of a parameter's values."""
    if ".ln_" in name or name.startswith("ln_f"):
        return (1.0, 0.2) if name.endswith(".weight") else (0.0, 0.1)
    if name.endswith(".bias"):
        return 0.0, 0.1
    if name in ("wte.weight", "wpe.weight"):
        return 0.0, 0.5
    if ".c_proj." in name:
        return 0.0, 0.2
    return 0.0, 0.3


def formula_value(name: str, i: int) -> float:
    offset, amplitude = scale(name)
    return offset + amplitude * math.sin(phase(name) + 0.7071 * i) * math.cos(0.013 * ((i * i) % 1000))


def main() -> None:
    torch.manual_seed(0)
    model = GPT2LMHeadModel(GPT2Config(**CONFIG)).eval()
    state = {}
    for name, tensor in model.transformer.state_dict().items():
        if name.endswith(".attn.bias") or name.endswith(".attn.masked_bias"):
            continue  # causal-mask buffers
        n = tensor.numel()
        values = torch.tensor([formula_value(name, i) for i in range(n)], dtype=torch.float64)
        state[name] = values.to(torch.float32).reshape(tensor.shape)
    missing, unexpected = model.transformer.load_state_dict(state, strict=False)
    assert not unexpected and all(m.endswith("attn.bias") for m in missing), (missing, unexpected)
    model.tie_weights()

    inputs = [
        [5, 17, 33, 2, 90, 41, 41, 7, 0, 63, 12, 88],
        [95, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11],
    ]
    with torch.no_grad():
        logits = model(torch.tensor(inputs)).logits
        prompt = torch.tensor([[5, 17, 33]])
        greedy = model.generate(
            prompt,
            max_new_tokens=20,
            do_sample=False,
            use_cache=True,
            eos_token_id=CONFIG["eos_token_id"],
            pad_token_id=CONFIG["eos_token_id"],
        )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "generated_by": "tools/reference/gpt2_reference.py",
                "transformers": transformers.__version__,
                "torch": torch.__version__,
                "config": CONFIG,
                "inputs": inputs,
                "logits": [[[float(f"{v:.7g}") for v in row] for row in seq] for seq in logits.tolist()],
                "greedy_prompt": prompt[0].tolist(),
                "greedy_ids": greedy[0, prompt.shape[1]:].tolist(),
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
