"""Golden fixture for finetune's EmbeddingLossParityTest: sentence-transformers 3.3.1's own losses
on seeded random embeddings — MultipleNegativesRankingLoss on pairs and on triplets (the
negatives join the candidates), MultipleNegativesSymmetricRankingLoss, each at scale 20 and 7, and
CosineSimilarityLoss on scored pairs — computed by the library's loss classes themselves (a
stand-in model hands them the fixed embeddings), so hubtune's in-graph losses are proven against
the library, not against a re-implementation.

Writes finetune/src/test/resources/reference/embedding-loss-reference.json.
Run: python embedding_loss_reference.py (versions in requirements.txt).
"""
import json
import pathlib

import sentence_transformers
import torch
from sentence_transformers import losses

OUT = pathlib.Path(__file__).resolve().parents[2] / "finetune/src/test/resources/reference/embedding-loss-reference.json"


class Fixed(torch.nn.Module):
    """Returns the embeddings a feature names, as a SentenceTransformer returns its own."""

    def __init__(self, table):
        super().__init__()
        self.table = table

    def forward(self, features):
        return {"sentence_embedding": self.table[features["id"]]}


def rounded(t):
    return [[round(float(x), 7) for x in row] for row in t]


def main():
    g = torch.Generator().manual_seed(21)
    batch, dim = 6, 8
    anchors = torch.randn(batch, dim, generator=g)
    # positives near their anchors, so the loss is neither trivial nor saturated
    positives = anchors + 0.8 * torch.randn(batch, dim, generator=g)
    negatives = torch.randn(batch, dim, generator=g)
    scores = torch.rand(batch, generator=g)
    table = {"a": anchors, "p": positives, "n": negatives}
    model = Fixed(table)
    labels = torch.zeros(batch)
    cases = []
    for scale in (20.0, 7.0):
        for name, loss, features in [
            ("pairs", losses.MultipleNegativesRankingLoss(model, scale=scale), ["a", "p"]),
            ("triplets", losses.MultipleNegativesRankingLoss(model, scale=scale), ["a", "p", "n"]),
            ("symmetric", losses.MultipleNegativesSymmetricRankingLoss(model, scale=scale), ["a", "p"]),
        ]:
            value = loss([{"id": f} for f in features], labels)
            cases.append({"loss": name, "scale": scale, "value": round(float(value), 7)})
    cosine = losses.CosineSimilarityLoss(model)
    cases.append({"loss": "cosine", "value": round(float(cosine([{"id": "a"}, {"id": "p"}], scores)), 7)})
    OUT.write_text(json.dumps({
        "generated_by": "tools/reference/embedding_loss_reference.py",
        "sentence_transformers": sentence_transformers.__version__,
        "torch": torch.__version__,
        "anchors": rounded(anchors), "positives": rounded(positives), "negatives": rounded(negatives),
        "scores": [round(float(s), 7) for s in scores],
        "cases": cases,
    }, indent=1) + "\n")
    print(cases)


if __name__ == "__main__":
    main()
