#!/usr/bin/env python3
"""Writes the RoBERTa and XLM-RoBERTa tokenizer fixtures of tokenizers/src/test/resources/reference/.

Two small tokenizers built the way the real models' tokenizer.json files are:

  roberta-bpe/   byte-level BPE trained with `tokenizers` (add_prefix_space false, <s> <pad> </s>
                 <unk> <mask> as ids 0..4, <mask> with lstrip as RoBERTa's) and RobertaProcessing
                 (`<s> A </s>` and `<s> A </s></s> B </s>`), saved by transformers'
                 RobertaTokenizerFast;
  xlmr-unigram/  a SentencePiece Unigram model (nmt_nfkc normalisation, as XLM-R's) trained with
                 `sentencepiece` and converted by transformers' XLMRobertaTokenizerFast (Precompiled
                 normalizer, Metaspace, fairseq's id offset, <s> A </s></s> B </s>).

For both, expected.json holds the ids, type ids and attention masks transformers' tokenizer gives for
an awkward-text corpus (accents, CJK, emoji, long words, whitespace runs) alone and as pairs, with
special tokens. Regenerate (from the repository root; needs sentencepiece and protobuf too):

    python3 tools/reference/encoder_tokenizers_reference.py
"""
import json
import pathlib
import tempfile

import sentencepiece as spm
import tokenizers
import transformers
from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import RobertaTokenizerFast, XLMRobertaTokenizer, XLMRobertaTokenizerFast

ROOT = pathlib.Path(__file__).resolve().parents[2] / "tokenizers/src/test/resources/reference"

TRAINING = [
    "The quick brown fox jumps over the lazy dog.",
    "Tokenizers split text into pieces; byte-level BPE never meets an unknown character.",
    "Café, naïve, façade, coöperate: accents are bytes too.",
    "東京は日本の首都です。北京是中国的首都。",
    "한국어 문장입니다. Ünïcödé ÀÉÎÕÜ ß œ æ ø",
    "Emoji 🙂🚀 and symbols ± § ¶ → ∞ survive as bytes.",
    "Numbers 1234567890 and 3.14159, dates 2026-12-01, prices $9.99.",
    "Whitespace   runs\tand\ttabs\nand new lines matter.",
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "hubtune fine-tunes transformers from Java with TensorFlow.",
    "Is this sentence a paraphrase of that one? Yes, it is.",
] * 20

CORPUS = [
    "hello world",
    "Hello World!",
    " leading space",
    "trailing space ",
    "double  space",
    "whitespace     run",
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
    "full-width ＡＢＣ １２３",
    "ligature ﬁ and ½",
    "a <mask> in the middle",
    "THE QUICK BROWN FOX",
    "\u00a0non-breaking\u00a0space",
    "zero\u200bwidth",
]

PAIRS = [
    ("Is this a question?", "Yes, it is."),
    ("Café naïve", "東京は日本の首都です。"),
    ("emoji🙂", "whitespace   run"),
    ("supercalifragilisticexpialidocious", "ligature ﬁ"),
]


def expected(tok, name):
    def enc(*args):
        e = tok(*args)
        return {
            "ids": e["input_ids"],
            "type_ids": e.get("token_type_ids", [0] * len(e["input_ids"])),
            "mask": e["attention_mask"],
        }

    return {
        "generated_by": "tools/reference/encoder_tokenizers_reference.py",
        "tokenizer": name,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
        "vocab_size": len(tok),
        "singles": [{"text": t, **enc(t)} for t in CORPUS],
        "pairs": [{"text": a, "pair": b, **enc(a, b)} for a, b in PAIRS],
    }


def write(out, tok, name):
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        tok.save_pretrained(tmp)
        (out / "tokenizer.json").write_text(
            (pathlib.Path(tmp) / "tokenizer.json").read_text(encoding="utf-8"), encoding="utf-8"
        )
    (out / "expected.json").write_text(
        json.dumps(expected(tok, name), ensure_ascii=False, indent=0) + "\n", encoding="utf-8"
    )
    print(f"wrote {out}: {sum(f.stat().st_size for f in out.iterdir())} bytes")


def roberta():
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=700,
        special_tokens=specials,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(TRAINING, trainer)
    tok.add_special_tokens([AddedToken("<mask>", lstrip=True, normalized=False, special=True)])
    tok.post_processor = processors.RobertaProcessing(("</s>", 2), ("<s>", 0), add_prefix_space=False)
    assert [tok.token_to_id(s) for s in specials] == [0, 1, 2, 3, 4]
    with tempfile.TemporaryDirectory() as tmp:
        tok.save(f"{tmp}/tokenizer.json")
        fast = RobertaTokenizerFast(tokenizer_file=f"{tmp}/tokenizer.json")
    write(ROOT / "roberta-bpe", fast, "RobertaTokenizerFast")


def xlm_roberta():
    with tempfile.TemporaryDirectory() as tmp:
        spm.SentencePieceTrainer.train(
            sentence_iterator=iter(TRAINING),
            model_prefix=f"{tmp}/spm",
            vocab_size=400,
            model_type="unigram",
            normalization_rule_name="nmt_nfkc",
            character_coverage=1.0,
            hard_vocab_limit=False,
            unk_id=0,  # XLM-R's sentencepiece layout: <unk> <s> </s>, then the pieces
            bos_id=1,
            eos_id=2,
            pad_id=-1,
            minloglevel=2,
        )
        slow = XLMRobertaTokenizer(vocab_file=f"{tmp}/spm.model")
        fast = XLMRobertaTokenizerFast(vocab_file=f"{tmp}/spm.model", from_slow=True)
        for t in CORPUS:  # the converted fast tokenizer is what users run; it must agree
            assert slow(t)["input_ids"] == fast(t)["input_ids"], t
    write(ROOT / "xlmr-unigram", fast, "XLMRobertaTokenizerFast")


if __name__ == "__main__":
    roberta()
    xlm_roberta()
