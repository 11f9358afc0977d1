"""Loads a classifier exported by `hubtune finetune` with HF transformers and prints its class
probabilities, to compare with `hubtune predict DIR TEXT... --json` (not needed to build or test
hubtune; it checks that exports are what transformers expects).

Usage: python check_bert_classifier_export.py MODEL_DIR TEXT...
Only exports with "hubtune_pooling": "pooler" (HF's BertForSequenceClassification head) can match;
"mean" exports pool the hidden states the way sentence-transformers does, which transformers'
classification head does not.
"""
import json
import sys

import torch
from transformers import BertForSequenceClassification, BertTokenizerFast, PreTrainedTokenizerFast


def main():
    model_dir, texts = sys.argv[1], sys.argv[2:]
    config = json.load(open(model_dir + "/config.json"))
    if config.get("hubtune_pooling", "pooler") != "pooler":
        sys.exit("this export pools by mean; transformers' BertForSequenceClassification uses the pooler")
    try:
        tok = PreTrainedTokenizerFast(tokenizer_file=model_dir + "/tokenizer.json")
    except Exception:
        tok = BertTokenizerFast(vocab_file=model_dir + "/vocab.txt", do_lower_case=True)
    model = BertForSequenceClassification.from_pretrained(model_dir).eval()
    out = []
    for t in texts:
        enc = tok(t, return_tensors="pt")
        with torch.no_grad():
            p = torch.softmax(model(**enc).logits, -1)[0].tolist()
        out.append({"text": t, "label": config["id2label"][str(max(range(len(p)), key=p.__getitem__))],
                    "probabilities": p})
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
