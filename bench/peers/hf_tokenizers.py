"""Python peer for bench/run: HF `tokenizers` throughput on the same corpus and tokenizer.json.

Usage: python hf_tokenizers.py TOKENIZER_JSON CORPUS_JSONL MODE
MODE is "single" (encode one text at a time) or "batch" (encode_batch, 32 at a time).
Prints one JSON object: {"tokens": N, "seconds": S} for one timed pass after a warm-up pass.
"""
import json
import sys
import time

from tokenizers import Tokenizer


def main():
    tokenizer_path, corpus_path, mode = sys.argv[1:4]
    tok = Tokenizer.from_file(tokenizer_path)
    tok.no_padding()
    tok.enable_truncation(512)
    with open(corpus_path, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f]

    def one_pass():
        n = 0
        if mode == "single":
            for t in texts:
                n += len(tok.encode(t).ids)
        else:
            for i in range(0, len(texts), 32):
                for e in tok.encode_batch(texts[i:i + 32]):
                    n += len(e.ids)
        return n

    one_pass()  # warm-up
    start = time.perf_counter()
    tokens = one_pass()
    print(json.dumps({"tokens": tokens, "seconds": time.perf_counter() - start}))


if __name__ == "__main__":
    main()
