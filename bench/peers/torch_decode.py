"""Python peer for bench/run decoder: SmolLM2-135M-Instruct's GGUF loaded by transformers (float32,
as hubtune runs it; lm_head tied to the embedding as the model is), on the same threads and ids.

Usage: torch_decode.py GGUF_DIR GGUF_FILE THREADS PROMPT_IDS(comma) NEW_TOKENS PREFILL_LENGTH ROUNDS
Prints one JSON object: decode_tokens_per_s (greedy, batch 1, with the key/value cache, after the
first token), first_token_ms, prefill_tokens_per_s (one forward pass of PREFILL_LENGTH tokens),
peak_rss_mb; medians over ROUNDS after one warm-up.
"""
import json
import resource
import statistics
import sys
import time

import torch
from transformers import AutoModelForCausalLM


def main():
    directory, file = sys.argv[1], sys.argv[2]
    threads = int(sys.argv[3])
    prompt = [int(x) for x in sys.argv[4].split(",")]
    new_tokens, prefill_length, rounds = int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
    torch.set_num_threads(threads)
    model = AutoModelForCausalLM.from_pretrained(directory, gguf_file=file,
                                                 torch_dtype=torch.float32).eval()
    model.lm_head.weight = model.model.embed_tokens.weight
    ids = torch.tensor([prompt])
    long_ids = torch.tensor([[(p * 7 + 11) % 49000 + 100 for p in range(prefill_length)]])

    def decode():
        # The same loop as hubtune's: one forward per token, the cache carried, argmax.
        with torch.no_grad():
            start = time.perf_counter()
            out = model(input_ids=ids, use_cache=True)
            past, token = out.past_key_values, out.logits[0, -1].argmax()
            first = time.perf_counter()
            for _ in range(new_tokens - 1):
                out = model(input_ids=token.view(1, 1), past_key_values=past, use_cache=True)
                past, token = out.past_key_values, out.logits[0, -1].argmax()
            end = time.perf_counter()
        return (new_tokens - 1) / (end - first), (first - start) * 1e3

    def prefill():
        with torch.no_grad():
            start = time.perf_counter()
            model(input_ids=long_ids, use_cache=False, num_logits_to_keep=1)
            return prefill_length / (time.perf_counter() - start)

    decode()
    prefill()
    rates, firsts, prefills = [], [], []
    for _ in range(rounds):
        rate, first = decode()
        rates.append(rate)
        firsts.append(first)
        prefills.append(prefill())
    print(json.dumps({
        "decode_tokens_per_s": statistics.median(rates),
        "first_token_ms": statistics.median(firsts),
        "prefill_tokens_per_s": statistics.median(prefills),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
