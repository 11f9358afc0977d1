"""Python peer for bench/run: training throughput and peak memory of HF transformers + PyTorch (CPU)
on the same model directory, data, batch, sequence length and threads as hubtune's TrainingProbe.

Usage: torch_train.py TASK MODEL_DIR DATA BATCH LENGTH WARMUP STEPS THREADS
  TASK classification: DATA is a CSV with text,label columns; sequences truncated and padded to
       LENGTH; AutoModelForSequenceClassification (BERT, RoBERTa, ModernBERT — the last needs
       transformers >= 4.48, which bench/run puts on PYTHONPATH for that row only).
  TASK causal-lm: DATA is a text file of blank-line separated documents, joined with the end-of-text
       token and packed into blocks of LENGTH; AutoModelForCausalLM (GPT-2, Llama, …).
  TASK classification-lora, causal-lm-lora: the same wrapped by peft 0.13.2's get_peft_model with
       LoraConfig(r=8, lora_alpha=8) on PEFT's default target modules (query,value; c_attn;
       q_proj,v_proj), the
       classifier trained in full (SEQ_CLS), as hubtune's --lora.
  TASK sft: MODEL_DIR holds one GGUF (SmolLM2), DATA a JSONL of prompt/completion rows, each longer
       than LENGTH tokens once in SmolLM2's chat format, so every row is cut to exactly LENGTH (as
       hubtune cuts them); loss on the completion's tokens only; LlamaForCausalLM from the GGUF,
       dequantised to float32, its head tied as the file says.
The loop mirrors hubtune's: dropout on, AdamW (lr 5e-5, weight decay 0.01 except biases and
LayerNorm), global-norm clipping at 1.0, linear schedule. Prints one JSON object measured over STEPS
optimizer steps after WARMUP steps: examples_per_s, tokens_per_s, peak_rss_mb.
"""
import csv
import json
import os
import resource
import sys
import time

import torch


def batches_classification(model_dir, data, batch, length):
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(os.path.join(model_dir, "tokenizer.json"))
    tok.enable_truncation(length)
    tok.enable_padding(length=length)
    with open(data, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    labels = sorted({r["label"] for r in rows})
    enc = tok.encode_batch([r["text"] for r in rows])
    ids = torch.tensor([e.ids for e in enc])
    mask = torch.tensor([e.attention_mask for e in enc])
    types = torch.tensor([e.type_ids for e in enc])
    y = torch.tensor([labels.index(r["label"]) for r in rows])
    out = []
    for i in range(0, len(rows) - batch + 1, batch):
        s = slice(i, i + batch)
        out.append(({"input_ids": ids[s], "attention_mask": mask[s], "token_type_ids": types[s],
                     "labels": y[s]}, int(mask[s].sum())))
    return out, len(labels)


def batches_causal_lm(model_dir, data, batch, length):
    from transformers import GPT2TokenizerFast, PreTrainedTokenizerFast
    if os.path.exists(os.path.join(model_dir, "tokenizer.json")):
        tok = PreTrainedTokenizerFast(tokenizer_file=os.path.join(model_dir, "tokenizer.json"))
    else:
        tok = GPT2TokenizerFast(vocab_file=os.path.join(model_dir, "vocab.json"),
                                merges_file=os.path.join(model_dir, "merges.txt"))
    with open(data, encoding="utf-8") as f:
        docs = [d.strip() for d in f.read().split("\n\n") if d.strip()]
    stream = []
    for d in docs:
        stream.extend(tok(d)["input_ids"])
        stream.append(50256)
    blocks = [stream[i:i + length] for i in range(0, len(stream) - length + 1, length)]
    out = []
    for i in range(0, len(blocks) - batch + 1, batch):
        ids = torch.tensor(blocks[i:i + batch])
        out.append(({"input_ids": ids, "labels": ids}, batch * length))
    return out


def batches_sft(model_dir, data, batch, length):
    from transformers import AutoTokenizer
    gguf = next(f for f in os.listdir(model_dir) if f.endswith(".gguf"))
    tok = AutoTokenizer.from_pretrained(model_dir, gguf_file=gguf)
    rows = [json.loads(line) for line in open(data, encoding="utf-8") if line.strip()]
    examples = []
    for r in rows:
        # SmolLM2's chat template, rendered for one user turn and the assistant's answer.
        prompt = tok(f"<|im_start|>user\n{r['prompt']}<|im_end|>\n<|im_start|>assistant\n",
                     add_special_tokens=False)["input_ids"]
        answer = tok(r["completion"] + "<|im_end|>\n", add_special_tokens=False)["input_ids"]
        ids = (prompt + answer)[:length]
        if len(ids) < length:
            sys.exit(f"an SFT row has {len(ids)} tokens, fewer than {length}: make the data longer")
        examples.append((ids, [-100] * len(prompt) + ids[len(prompt):]))
    out = []
    for i in range(0, len(examples) - batch + 1, batch):
        ids = torch.tensor([e[0] for e in examples[i:i + batch]])
        labels = torch.tensor([e[1] for e in examples[i:i + batch]])
        out.append(({"input_ids": ids, "labels": labels}, batch * length))
    return out, gguf


def main():
    task, model_dir, data = sys.argv[1:4]
    lora = task.endswith("-lora")
    task = task.removesuffix("-lora")
    batch, length, warmup, steps, threads = map(int, sys.argv[4:9])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    if task == "classification":
        from transformers import AutoModelForSequenceClassification
        batches, classes = batches_classification(model_dir, data, batch, length)
        model = AutoModelForSequenceClassification.from_pretrained(model_dir, num_labels=classes)
        if getattr(model.config, "type_vocab_size", 0) < 2:
            # RoBERTa has one token type; ModernBERT takes none.
            for inputs, _ in batches:
                inputs.pop("token_type_ids")
    elif task == "sft":
        from transformers import AutoModelForCausalLM
        batches, gguf = batches_sft(model_dir, data, batch, length)
        model = AutoModelForCausalLM.from_pretrained(model_dir, gguf_file=gguf,
                                                     torch_dtype=torch.float32)
        # transformers 4.46 leaves lm_head untied for this file; SmolLM2 ties it.
        model.lm_head.weight = model.model.embed_tokens.weight
    else:
        # GPT-2 or a Llama-like decoder, as its config.json says
        from transformers import AutoModelForCausalLM
        batches = batches_causal_lm(model_dir, data, batch, length)
        model = AutoModelForCausalLM.from_pretrained(model_dir)
    if lora:
        from peft import LoraConfig, get_peft_model
        model = get_peft_model(model, LoraConfig(
            r=8, lora_alpha=8, task_type="SEQ_CLS" if task == "classification" else "CAUSAL_LM"))
    model.train()
    def no_decay(n):
        return n.endswith("bias") or "LayerNorm" in n or ".ln_" in n or "norm" in n
    named = [(n, p) for n, p in model.named_parameters() if p.requires_grad]
    decay = [p for n, p in named if not no_decay(n)]
    rest = [p for n, p in named if no_decay(n)]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                            lr=5e-5)
    total = warmup + steps
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: max(0.0, 1 - s / total))
    tokens = 0
    start = None
    for step in range(total):
        if step == warmup:
            start = time.perf_counter()
        inputs, n = batches[step % len(batches)]
        loss = model(**inputs).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_([p for _, p in named], 1.0)
        opt.step()
        sched.step()
        opt.zero_grad(set_to_none=True)
        if step >= warmup:
            tokens += n
    seconds = time.perf_counter() - start
    print(json.dumps({
        "examples_per_s": steps * batch / seconds,
        "tokens_per_s": tokens / seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
