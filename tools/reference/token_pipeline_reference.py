"""Golden fixture for models' TokenPipelineParityTest: what transformers' token-classification
pipeline returns for every aggregation strategy (none, simple, first, average, max) on a tiny
BertForTokenClassification, so hubtune's TokenClassifier.entities is proven to group sub-tokens
into words and words into entities exactly as the pipeline does (types, character spans, scores).

The model: a cased WordPiece vocabulary of template words and syllables (so names split into
several sub-tokens, and some words are unknown), a 2-layer BERT with hidden size 32 whose
parameters are encoder_families_reference.py's formula values (the Java side writes the same
checkpoint from the same formula), and five labels. Its predictions are arbitrary but fixed; the
texts were chosen so that every strategy finds several entities and the strategies disagree.

Writes models/src/test/resources/reference/token-pipeline/{token-pipeline-reference.json,
tokenizer.json}. Run: python token_pipeline_reference.py (versions in requirements.txt).
"""
import json
import pathlib
import sys
import tempfile
import warnings

import torch
import transformers
from transformers import BertConfig, BertForTokenClassification, BertTokenizerFast, pipeline

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from encoder_families_reference import set_formula  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[2] / "models/src/test/resources/reference/token-pipeline"
LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
CONSONANTS = "bdfgklmnprstvz"
VOWELS = "aeiou"
WORDS = ["yesterday", "flew", "to", "works", "for", "in", "the", "mayor", "of", "spoke", "with", ".", ","]
TEXTS = [
    "yesterday Kalo Bemu flew to Dalifu .",
    "the mayor of Zuvaki spoke with Ramo , Tesinu and Pol .",
    "Kalo works for Mopelu in Gavo Linutes .",
    "Xylo flew to the Tadekomi of Ses .",
    "Bemu , Kalo , Ramo , Dalifu , Tesinu , Mopelu , Zuvaki",
]
STRATEGIES = ["none", "simple", "first", "average", "max"]
CONFIG = dict(vocab_size=0, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
              intermediate_size=64, max_position_embeddings=64, type_vocab_size=2, pad_token_id=0)


def vocab():
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"] + WORDS
    for c in CONSONANTS:
        tokens += [c.upper() + v for v in VOWELS] + ["##" + c + v for v in VOWELS] + ["##" + c]
    return list(dict.fromkeys(tokens))


def main():
    warnings.simplefilter("ignore")
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file = pathlib.Path(tmp) / "vocab.txt"
        tokens = vocab()
        vocab_file.write_text("\n".join(tokens) + "\n")
        tokenizer = BertTokenizerFast(vocab_file=str(vocab_file), do_lower_case=False)
        tokenizer.save_pretrained(tmp)
        (OUT / "tokenizer.json").write_text((pathlib.Path(tmp) / "tokenizer.json").read_text())
    config = BertConfig(**{**CONFIG, "vocab_size": len(tokens)}, num_labels=len(LABELS),
                        id2label=dict(enumerate(LABELS)), label2id={l: i for i, l in enumerate(LABELS)},
                        attn_implementation="eager")
    torch.manual_seed(0)
    model = BertForTokenClassification(config).eval()
    shapes = set_formula(model)
    results = {}
    for strategy in STRATEGIES:
        ner = pipeline("token-classification", model=model, tokenizer=tokenizer,
                       aggregation_strategy=strategy, device="cpu")
        results[strategy] = [
            [{"type": e.get("entity_group", e.get("entity")), "start": int(e["start"]),
              "end": int(e["end"]), "score": round(float(e["score"]), 7)} for e in ner(text)]
            for text in TEXTS]
    for strategy in STRATEGIES:
        assert sum(len(r) for r in results[strategy]) >= 5, (strategy, results[strategy])
    assert results["first"] != results["max"] or results["first"] != results["average"], "no disagreement"
    hf = json.loads(config.to_json_string(use_diff=False))
    (OUT / "token-pipeline-reference.json").write_text(json.dumps({
        "generated_by": "tools/reference/token_pipeline_reference.py",
        "transformers": transformers.__version__,
        "torch": torch.__version__,
        "config": hf,
        "parameters": shapes,
        "texts": TEXTS,
        "entities": results,
    }, indent=1) + "\n")
    for strategy in STRATEGIES:
        print(strategy, [[(e["type"], e["start"], e["end"]) for e in r] for r in results[strategy]])


if __name__ == "__main__":
    main()
