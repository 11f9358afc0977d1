"""Golden fixture for finetune's AdamWParityTest: torch.optim.AdamW (decoupled weight decay on the
matrix only, not the bias), global-norm clipping at 1.0, and a per-step learning rate, on a loss
whose gradients are known in closed form. Writes
finetune/src/test/resources/reference/adamw-reference.json.

Run: python adamw_reference.py  (torch pinned in requirements.txt)
"""
import json
import math
import os

import torch

STEPS = 6
LRS = [0.05 * (s + 1) / STEPS for s in range(STEPS)]  # warm-up shaped schedule


def init(shape, phase):
    n = 1
    for d in shape:
        n *= d
    return torch.tensor([math.sin(phase + 0.7 * i) for i in range(n)], dtype=torch.float64).reshape(shape)


def main():
    w = init((3, 4), 0.0).float().requires_grad_()
    b = init((4,), 1.0).float().requires_grad_()
    tw = init((3, 4), 2.0).float()
    tb = init((4,), 3.0).float()
    scale = torch.arange(1, 13, dtype=torch.float32).reshape(3, 4)  # gradients of different sizes
    opt = torch.optim.AdamW([{"params": [w], "weight_decay": 0.1}, {"params": [b], "weight_decay": 0.0}],
                            lr=LRS[0], betas=(0.9, 0.999), eps=1e-8)
    for step in range(STEPS):
        for g in opt.param_groups:
            g["lr"] = LRS[step]
        opt.zero_grad()
        loss = (0.5 * scale * (w - tw) ** 2).sum() + (0.5 * (b - tb) ** 2).sum()
        loss.backward()
        torch.nn.utils.clip_grad_norm_([w, b], 1.0)
        opt.step()
    out = {"torch": torch.__version__, "learning_rates": LRS, "w": w.detach().flatten().tolist(),
           "b": b.detach().flatten().tolist()}
    path = os.path.join(os.path.dirname(__file__), "..", "..", "finetune", "src", "test", "resources",
                        "reference", "adamw-reference.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
