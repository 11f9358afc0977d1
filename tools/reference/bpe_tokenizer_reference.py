#!/usr/bin/env python3
"""Writes the byte-level BPE fixture of tokenizers/src/test/resources/reference/bpe-merge-pairs/.

Current `tokenizers` (>= 0.20) saves a BPE model's merges as pairs ([["h", "e"], ...]) where
older versions wrote strings ("h e"); DJL 0.28's tokenizers could not read the new form. This
trains a small GPT-2-style byte-level BPE with the pinned `tokenizers` (see requirements.txt),
saves it both ways -- tokenizer.json (new format) and vocab.json + merges.txt (the classic files)
-- and records the ids `tokenizers` itself gives for a corpus of awkward text, with and without
the tokenizer's special tokens.

    python3 tools/reference/bpe_tokenizer_reference.py
"""
import json
import pathlib

import tokenizers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

OUT = pathlib.Path(__file__).resolve().parents[2] / "tokenizers/src/test/resources/reference/bpe-merge-pairs"

TRAINING = [
    "The quick brown fox jumps over the lazy dog.",
    "Tokenizers split text into pieces; byte-level BPE never meets an unknown character.",
    "Café, naïve, façade, coöperate: accents are bytes too.",
    "東京は日本の首都です。北京是中国的首都。",
    "Emoji 🙂🚀 and symbols ± § ¶ → ∞ survive as bytes.",
    "Numbers 1234567890 and 3.14159, dates 2026-12-01, prices $9.99.",
    "Whitespace   runs\tand\ttabs\nand new lines matter.",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "hubtune fine-tunes transformers from Java with TensorFlow.",
] * 20

CORPUS = [
    "hello world",
    "Hello World!",
    " leading space",
    "trailing space ",
    "double  space",
    "tabs\tand\nnew lines",
    "Café naïve façade",
    "Ünïcödé ÀÉÎÕÜ ß œ æ ø",
    "東京は日本の首都です。",
    "北京是中国的首都",
    "한국어 문장입니다",
    "🙂 🚀🚀 👩‍👩‍👧‍👦",
    "emoji🙂without spaces",
    "supercalifragilisticexpialidocious",
    "pneumonoultramicroscopicsilicovolcanoconiosis",
    "don't won't it's we're",
    "e-mail: someone@example.org",
    "https://huggingface.co/docs?x=1&y=2",
    "1234567890 3.14159 -42",
    "$9.99 €5,00 ¥100",
    "<|endoftext|>",
    "before<|endoftext|>after",
    "    indented code line",
    "x = f(y) + g[z] * 2;",
    "THE QUICK BROWN FOX",
    "\u00a0non-breaking\u00a0space",
    "zero\u200bwidth",
]


def main():
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=600,
        special_tokens=["<|endoftext|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(TRAINING, trainer)
    OUT.mkdir(parents=True, exist_ok=True)
    tok.save(str(OUT / "tokenizer.json"))
    saved = json.loads((OUT / "tokenizer.json").read_text(encoding="utf-8"))
    assert isinstance(saved["model"]["merges"][0], list), "this tokenizers writes merges as strings"
    tok.model.save(str(OUT))  # vocab.json + merges.txt
    cases = []
    for text in CORPUS:
        cases.append({"text": text, "ids": tok.encode(text, add_special_tokens=False).ids})
    (OUT / "expected.json").write_text(
        json.dumps(
            {
                "generated_by": "tools/reference/bpe_tokenizer_reference.py",
                "tokenizers": tokenizers.__version__,
                "vocab_size": tok.get_vocab_size(),
                "cases": cases,
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT} with tokenizers {tokenizers.__version__}")


if __name__ == "__main__":
    main()
