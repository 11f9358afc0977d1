"""Golden fixture for models' ExportsInTransformersTest: transformers and sentence-transformers load
hubtune's task exports and compute these outputs.

ExportsInTransformersTest (run with -Dhubtune.writeExportFixtures=DIR) wrote, for a token
classifier, a multi-label classifier, a regression and a sentence-transformers embedder exported
from a tiny BERT, every file of the export but the weights, and the weights' names and shapes
(weights.json), under models/src/test/resources/reference/exports/KIND/; the test also checks that
the weights are exactly encoder_families_reference.py's formula values of their names. This script
rebuilds each export from those files and that formula, loads it the way users do —
AutoModelForTokenClassification / AutoModelForSequenceClassification (no missing or unexpected
weights; the architecture, id2label, num_labels and problem_type read back) and
SentenceTransformer — and records their outputs on a few texts in exports-reference.json:

- token-classification: each non-special token's most probable label, its softmax probability and
  character span;
- multi-label: sigmoid(logits), what a multi_label_classification model means;
- regression: the logit, the predicted value;
- embedding: SentenceTransformer.encode (Transformer -> mean Pooling -> Normalize).

Run: python exports_reference.py (versions in requirements.txt).
"""
import json
import pathlib
import shutil
import sys
import tempfile
import warnings

import sentence_transformers
import torch
import transformers
from safetensors.torch import save_file
from sentence_transformers import SentenceTransformer
from transformers import AutoModelForSequenceClassification, AutoModelForTokenClassification, AutoTokenizer

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from encoder_families_reference import formula_value  # noqa: E402

FIXTURES = pathlib.Path(__file__).resolve().parents[2] / "models/src/test/resources/reference/exports"
TEXTS = [
    "yesterday Kalo Bemu flew to Dalifu .",
    "the mayor of Zuvaki spoke with Ramo , Tesinu and Pol .",
    "Xylo flew to the Tadekomi of Ses .",
]


def rounded(values):
    return [round(float(v), 7) for v in values]


def rebuild(kind, tmp):
    """The export: the committed files plus the formula weights of weights.json."""
    out = pathlib.Path(tmp) / kind
    shutil.copytree(FIXTURES / kind, out)
    shapes = json.loads((out / "weights.json").read_text())
    (out / "weights.json").unlink()
    tensors = {}
    for name, shape in shapes.items():
        n = 1
        for d in shape:
            n *= d
        values = torch.tensor([formula_value(name, i) for i in range(n)], dtype=torch.float64)
        tensors[name] = values.to(torch.float32).reshape(shape).contiguous()
    save_file(tensors, str(out / "model.safetensors"), metadata={"format": "pt"})
    return out


def load(auto, path, architecture):
    model, info = auto.from_pretrained(str(path), output_loading_info=True)
    assert not info["missing_keys"] and not info["unexpected_keys"], info
    assert type(model).__name__ == architecture, type(model).__name__
    return model.eval()


def main():
    warnings.simplefilter("ignore")
    outputs = {}
    checks = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = rebuild("token-classification", tmp)
        model = load(AutoModelForTokenClassification, path, "BertForTokenClassification")
        tokenizer = AutoTokenizer.from_pretrained(str(path))
        rows = []
        for text in TEXTS:
            enc = tokenizer(text, return_tensors="pt", return_offsets_mapping=True,
                            return_special_tokens_mask=True)
            with torch.no_grad():
                p = model(input_ids=enc["input_ids"], attention_mask=enc["attention_mask"],
                          token_type_ids=enc["token_type_ids"]).logits.softmax(-1)[0]
            row = []
            for t in range(p.shape[0]):
                if enc["special_tokens_mask"][0, t]:
                    continue
                best = int(p[t].argmax())
                start, end = (int(x) for x in enc["offset_mapping"][0, t])
                row.append({"label": model.config.id2label[best], "score": round(float(p[t, best]), 7),
                            "start": start, "end": end})
            rows.append(row)
        outputs["token-classification"] = rows
        checks["token-classification"] = {"id2label": model.config.id2label}

        for kind in ("multi-label", "regression"):
            path = rebuild(kind, tmp)
            model = load(AutoModelForSequenceClassification, path, "BertForSequenceClassification")
            tokenizer = AutoTokenizer.from_pretrained(str(path))
            enc = tokenizer(TEXTS, return_tensors="pt", padding=True)
            with torch.no_grad():
                logits = model(**enc).logits
            if kind == "multi-label":
                assert model.config.problem_type == "multi_label_classification", model.config.problem_type
                outputs[kind] = [rounded(r) for r in torch.sigmoid(logits)]
            else:
                assert model.config.problem_type == "regression", model.config.problem_type
                assert model.config.num_labels == 1
                outputs[kind] = [rounded(r) for r in logits]
            checks[kind] = {"problem_type": model.config.problem_type, "num_labels": model.config.num_labels}

        path = rebuild("embedding", tmp)
        st = SentenceTransformer(str(path), device="cpu")
        modules = [type(m).__name__ for m in st]
        assert modules == ["Transformer", "Pooling", "Normalize"], modules
        assert st[1].pooling_mode_mean_tokens and st.max_seq_length == 64
        outputs["embedding"] = [rounded(r) for r in st.encode(TEXTS, convert_to_tensor=True)]
        checks["embedding"] = {"modules": modules, "max_seq_length": st.max_seq_length}

    (FIXTURES / "exports-reference.json").write_text(json.dumps({
        "generated_by": "tools/reference/exports_reference.py",
        "transformers": transformers.__version__,
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "texts": TEXTS,
        "loaded": checks,
        "outputs": outputs,
    }, indent=1) + "\n")
    print(json.dumps(checks))


if __name__ == "__main__":
    main()
