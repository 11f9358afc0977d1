#!/usr/bin/env python3
"""Golden outputs of HF transformers' encoder families for hubtune's EncoderFamiliesParityTest.

Tiny configs (2 layers, hidden 32) of RoBERTa, XLM-RoBERTa, CamemBERT, DistilBERT (learned and
sinusoidal positions), ELECTRA (embedding_size 16 != hidden_size 32, so embeddings_project is in
play, and equal sizes, where it is not) and DeBERTa-v2 (v3's layout, and the unshared/unbucketed
options), with every parameter set by a closed formula of its HF name
and its index in PyTorch's layout (`formula_value`; the Java test computes the same), so no weight
file is committed. Biases and norm weights get values too, so a dropped tensor shows.

For each case: the config, the parameter names and shapes of <Family>ForSequenceClassification and
<Family>ForTokenClassification (their encoders are the same formula weights), three inputs (padding,
a text pair), the last hidden state, the sequence-classification logits (3 labels) and the
token-classification logits (4 labels).

Regenerate (from the repository root):
    tools/reference/.venv/bin/python tools/reference/encoder_families_reference.py
"""

import json
import math
import pathlib

import torch
import transformers
from transformers import (
    CamembertConfig,
    CamembertForSequenceClassification,
    CamembertForTokenClassification,
    DebertaV2Config,
    DebertaV2ForSequenceClassification,
    DebertaV2ForTokenClassification,
    DistilBertConfig,
    DistilBertForSequenceClassification,
    DistilBertForTokenClassification,
    ElectraConfig,
    ElectraForSequenceClassification,
    ElectraForTokenClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
    RobertaForTokenClassification,
    XLMRobertaConfig,
    XLMRobertaForSequenceClassification,
    XLMRobertaForTokenClassification,
)

OUT = pathlib.Path(__file__).resolve().parents[2] / (
    "models/src/test/resources/reference/encoder-families-reference.json"
)

BERT_LIKE = dict(
    vocab_size=99,
    hidden_size=32,
    num_hidden_layers=2,
    num_attention_heads=4,
    intermediate_size=64,
    hidden_dropout_prob=0.1,
    attention_probs_dropout_prob=0.1,
)
ROBERTA_LIKE = dict(
    BERT_LIKE, max_position_embeddings=42, type_vocab_size=1, pad_token_id=1, bos_token_id=0,
    eos_token_id=2, layer_norm_eps=1e-5,
)

# RoBERTa ids: <s>=0, <pad>=1, </s>=2; pairs are <s> A </s></s> B </s>.
ROBERTA_INPUTS = dict(
    input_ids=[
        [0, 5, 17, 33, 90, 41, 41, 7, 63, 2],
        [0, 9, 8, 7, 2, 1, 1, 1, 1, 1],
        [0, 12, 88, 2, 2, 45, 46, 47, 2, 1],
    ],
    attention_mask=[[1] * 10, [1] * 5 + [0] * 5, [1] * 9 + [0]],
)
# BERT-style ids: [PAD]=0, [CLS]=2, [SEP]=3; pairs are [CLS] A [SEP] B [SEP] with types 0 / 1.
BERT_INPUTS = dict(
    input_ids=[
        [2, 5, 17, 33, 90, 41, 41, 7, 63, 3],
        [2, 9, 8, 7, 3, 0, 0, 0, 0, 0],
        [2, 12, 88, 3, 45, 46, 47, 98, 3, 0],
    ],
    attention_mask=[[1] * 10, [1] * 5 + [0] * 5, [1] * 9 + [0]],
    token_type_ids=[[0] * 10, [0] * 10, [0] * 4 + [1] * 5 + [0]],
)

CASES = {
    "roberta": (RobertaConfig, RobertaForSequenceClassification, RobertaForTokenClassification,
                dict(ROBERTA_LIKE, hidden_act="gelu"), ROBERTA_INPUTS),
    "xlm-roberta": (XLMRobertaConfig, XLMRobertaForSequenceClassification,
                    XLMRobertaForTokenClassification,
                    dict(ROBERTA_LIKE, hidden_act="gelu_new"), ROBERTA_INPUTS),
    "camembert": (CamembertConfig, CamembertForSequenceClassification,
                  CamembertForTokenClassification,
                  dict(ROBERTA_LIKE, hidden_act="gelu", layer_norm_eps=1e-12), ROBERTA_INPUTS),
    "distilbert": (DistilBertConfig, DistilBertForSequenceClassification,
                   DistilBertForTokenClassification,
                   dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=64,
                        max_position_embeddings=40, activation="gelu", pad_token_id=0),
                   {k: v for k, v in BERT_INPUTS.items() if k != "token_type_ids"}),
    "distilbert-sinusoidal": (DistilBertConfig, DistilBertForSequenceClassification,
                              DistilBertForTokenClassification,
                              dict(vocab_size=99, dim=32, n_layers=2, n_heads=4, hidden_dim=48,
                                   max_position_embeddings=40, activation="relu",
                                   sinusoidal_pos_embds=True, pad_token_id=0),
                              {k: v for k, v in BERT_INPUTS.items() if k != "token_type_ids"}),
    "electra": (ElectraConfig, ElectraForSequenceClassification, ElectraForTokenClassification,
                dict(BERT_LIKE, embedding_size=16, max_position_embeddings=40, type_vocab_size=2),
                BERT_INPUTS),
    "electra-same-width": (ElectraConfig, ElectraForSequenceClassification,
                           ElectraForTokenClassification,
                           dict(BERT_LIKE, embedding_size=32, max_position_embeddings=40,
                                type_vocab_size=2, hidden_act="gelu_new"),
                           BERT_INPUTS),
    # DeBERTa-v3's layout: relative attention with log buckets (8 buckets, so the 10-token inputs
    # reach the log part), shared keys, p2c|c2p, a LayerNorm on the relative embeddings, no
    # absolute positions and no token types.
    "deberta-v2": (DebertaV2Config, DebertaV2ForSequenceClassification,
                   DebertaV2ForTokenClassification,
                   dict(BERT_LIKE, max_position_embeddings=40, type_vocab_size=0,
                        relative_attention=True, position_buckets=8, max_relative_positions=-1,
                        norm_rel_ebd="layer_norm", share_att_key=True, pos_att_type="p2c|c2p",
                        position_biased_input=False, layer_norm_eps=1e-7, pooler_hidden_size=32,
                        pooler_hidden_act="gelu", pad_token_id=0),
                   {k: v for k, v in BERT_INPUTS.items() if k != "token_type_ids"}),
    # DeBERTa-v2's other options: separate pos_key_proj / pos_query_proj, no buckets and a
    # relative span (6) shorter than the inputs, absolute positions, token types, embed_proj.
    "deberta-v2-unshared": (DebertaV2Config, DebertaV2ForSequenceClassification,
                            DebertaV2ForTokenClassification,
                            dict(BERT_LIKE, max_position_embeddings=40, type_vocab_size=2,
                                 embedding_size=16, relative_attention=True, position_buckets=-1,
                                 max_relative_positions=6, norm_rel_ebd="none", share_att_key=False,
                                 pos_att_type=["c2p", "p2c"], position_biased_input=True,
                                 pooler_hidden_size=32, pooler_hidden_act="tanh", pad_token_id=0),
                            BERT_INPUTS),
}


def phase(name: str) -> float:
    return float(sum((j + 1) * ord(c) for j, c in enumerate(name)) % 1009)


def scale(name: str) -> tuple[float, float]:
    """(offset, amplitude) of a parameter's values."""
    if "norm" in name.lower():
        return (1.0, 0.2) if name.endswith(".weight") else (0.0, 0.1)
    if name.endswith(".bias"):
        return 0.0, 0.1
    if "embeddings" in name:
        return 0.0, 0.5
    return 0.0, 0.3


def formula_value(name: str, i: int) -> float:
    offset, amplitude = scale(name)
    return offset + amplitude * math.sin(phase(name) + 0.7071 * i) * math.cos(0.013 * ((i * i) % 1000))


def set_formula(model, keep=()):
    """Formula values for every parameter except those named in `keep`; their names and shapes."""
    state, shapes = {}, {}
    for name, tensor in model.state_dict().items():
        if any(k in name for k in keep):
            continue
        values = torch.tensor([formula_value(name, i) for i in range(tensor.numel())], dtype=torch.float64)
        state[name] = values.to(torch.float32).reshape(tensor.shape)
        shapes[name] = list(tensor.shape)
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(any(k in m for k in keep) for m in missing), (missing, unexpected)
    return shapes


def rounded(t):
    return json.loads(json.dumps(t.tolist()), parse_float=lambda s: round(float(s), 7))


def run(case: str):
    config_class, seq_class, tok_class, args, inputs = CASES[case]
    # Sinusoidal DistilBERT: the table is what transformers computes, not formula values, and the
    # Java side writes no position table, so hubtune must compute the same one.
    keep = ("position_embeddings",) if args.get("sinusoidal_pos_embds") else ()
    torch.manual_seed(0)
    seq = seq_class(config_class(**args, num_labels=3, attn_implementation="eager")).eval()
    seq_shapes = set_formula(seq, keep)
    torch.manual_seed(0)
    tok = tok_class(config_class(**args, num_labels=4, attn_implementation="eager")).eval()
    tok_shapes = set_formula(tok, keep)
    feed = {k: torch.tensor(v) for k, v in inputs.items()}
    with torch.no_grad():
        out = seq(**feed, output_hidden_states=True)
        token_logits = tok(**feed).logits
    config = json.loads(seq.config.to_json_string(use_diff=False))
    for k in ("id2label", "label2id", "architectures", "num_labels"):
        config.pop(k, None)
    return {
        "config": config,
        "sequence_architecture": seq_class.__name__,
        "token_architecture": tok_class.__name__,
        "sequence_parameters": seq_shapes,
        "token_parameters": tok_shapes,
        "inputs": inputs,
        "last_hidden_state": rounded(out.hidden_states[-1]),
        "logits": rounded(out.logits),
        "token_logits": rounded(token_logits),
    }


def main() -> None:
    cases = {case: run(case) for case in CASES}
    OUT.write_text(
        json.dumps(
            {
                "generated_by": "tools/reference/encoder_families_reference.py",
                "transformers": transformers.__version__,
                "torch": torch.__version__,
                "cases": cases,
            },
            separators=(",", ":"),
        )
        + "\n"
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
