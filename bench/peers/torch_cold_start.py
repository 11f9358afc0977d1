"""Python peer for bench/run: a new process that loads an HF-format BERT classifier with
transformers + PyTorch (CPU), classifies one text, then a batch of 32 texts of LENGTH tokens.

Usage: torch_cold_start.py MODEL_DIR TEXT LENGTH THREADS
Prints "first LABEL" as soon as the first prediction is made (the harness times the process from
its start to this line), then one JSON object with the peak resident memory after the batch.
"""
import json
import resource
import sys

import torch
from tokenizers import Tokenizer
from transformers import BertForSequenceClassification


def main():
    model_dir, text, length, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    tok = Tokenizer.from_file(model_dir + "/tokenizer.json")
    tok.enable_truncation(length)
    model = BertForSequenceClassification.from_pretrained(model_dir).eval()

    def classify(texts, pad):
        if pad:
            tok.enable_padding(length=length)
        enc = tok.encode_batch(texts)
        with torch.no_grad():
            logits = model(input_ids=torch.tensor([e.ids for e in enc]),
                           attention_mask=torch.tensor([e.attention_mask for e in enc]),
                           token_type_ids=torch.tensor([e.type_ids for e in enc])).logits
        return logits.argmax(-1).tolist()

    print("first", classify([text], False)[0], flush=True)
    classify([text] * 32, True)
    print(json.dumps({"peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
