"""Golden fixture for finetune's SeqevalParityTest: seqeval 1.2.2's entity-level scores on seeded
random tag sequences, in its default mode and in strict mode under every scheme it has (IOB1, IOE1,
IOB2, IOE2, IOBES, BILOU), with well-formed and malformed sequences alike (an I- after O, a type
change inside an entity, an E- without its B-, ...), so that hubtune's Seqeval reproduces both the
conlleval-style chunking and each scheme's start/inside/end patterns. Writes
finetune/src/test/resources/reference/seqeval-reference.json.

Run: python seqeval_reference.py  (seqeval pinned in requirements.txt)
"""
import json
import os
import random
import warnings

from seqeval.metrics import accuracy_score, classification_report
from seqeval.metrics.sequence_labeling import get_entities
from seqeval.scheme import BILOU, IOB1, IOB2, IOBES, IOE1, IOE2, Entities

SCHEMES = {"IOB1": (IOB1, "IOB"), "IOE1": (IOE1, "IOE"), "IOB2": (IOB2, "IOB"),
           "IOE2": (IOE2, "IOE"), "IOBES": (IOBES, "IOBES"), "BILOU": (BILOU, "BILOU")}
TYPES = ["PER", "LOC", "ORG", "MISC"]
OUT = os.path.join(os.path.dirname(__file__), "../../finetune/src/test/resources/reference/seqeval-reference.json")


def sentence(rng, prefixes, length):
    tags = []
    for _ in range(length):
        p = rng.choice(prefixes + "OO")  # outside most often
        tags.append("O" if p == "O" else p + "-" + rng.choice(TYPES[: rng.choice([1, 2, 4])]))
    return tags


def corrupt(rng, tags, prefixes):
    """A prediction: the gold tags with some changed (prefix, type or outside)."""
    out = list(tags)
    for i in range(len(out)):
        r = rng.random()
        if r < 0.15:
            p = rng.choice(prefixes + "O")
            out[i] = "O" if p == "O" else p + "-" + rng.choice(TYPES)
        elif r < 0.2 and out[i] != "O":
            out[i] = out[i][0] + "-" + rng.choice(TYPES)
    return out


def scores(gold, pred, **kwargs):
    report = classification_report(gold, pred, output_dict=True, zero_division=0, **kwargs)
    types = {k: {"precision": v["precision"], "recall": v["recall"], "f1": v["f1-score"],
                 "support": int(v["support"])}
             for k, v in report.items() if not k.endswith(" avg")}
    micro = report.get("micro avg", {"precision": 0.0, "recall": 0.0, "f1-score": 0.0})
    macro = report.get("macro avg", {"f1-score": 0.0})
    return {"precision": micro["precision"], "recall": micro["recall"], "f1": micro["f1-score"],
            "macro_f1": macro["f1-score"], "accuracy": accuracy_score(gold, pred), "types": types}


def main():
    warnings.simplefilter("ignore")
    rng = random.Random(21)
    cases = []
    for name, (scheme, prefixes) in SCHEMES.items():
        for k in range(6):
            gold = [sentence(rng, prefixes, rng.randint(1, 12)) for _ in range(rng.randint(1, 8))]
            pred = [corrupt(rng, s, prefixes) for s in gold]
            case = {"name": f"{name}-{k}", "gold": gold, "predicted": pred,
                    "default": scores(gold, pred),
                    "default_entities": [list(e) for e in get_entities(gold)]}
            strict = {}
            for other, (other_scheme, other_prefixes) in SCHEMES.items():
                # strict mode only reads tags whose prefixes the scheme has
                if set(prefixes) <= set(other_prefixes + "O"):
                    strict[other] = scores(gold, pred, mode="strict", scheme=other_scheme)
                    strict[other]["entities"] = [
                        [e.sent_id, e.tag, e.start, e.end]
                        for e in sorted(set().union(*map(set, Entities(gold, other_scheme).entities)),
                                        key=lambda e: e.to_tuple())]
            case["strict"] = strict
            cases.append(case)
    with open(OUT, "w") as f:
        json.dump({"generated_by": "tools/reference/seqeval_reference.py", "seqeval": "1.2.2",
                   "cases": cases}, f, indent=None, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
