"""Golden LSTM/GRU outputs, final states and gradients for hubtune's recurrent layers.

Two independent references, both on ragged right-padded batches:
  * PyTorch `nn.LSTM` / `nn.GRU` (batch_first, `pack_padded_sequence`), weights in PyTorch's names
    and layout (`weight_ih_l0 [G*u, in]`, gates i,f,g,o / r,z,n, `_reverse` suffixes). The test
    converts them with `RecurrentWeights.fromPyTorch`, so this proves the PyTorch converter.
    Gradients of loss = sum(out*gy) + sum(h_n*gh) [+ sum(c_n*gc)] w.r.t. the inputs and every
    weight, by autograd.
  * Keras 3 `LSTM` / `GRU` (reset_after=True) inside `Bidirectional`, masked, weights in Keras's
    layout (`kernel [in, G*u]`, gates i,f,c,o / z,r,h, GRU bias [2, 3u]) under hubtune's own
    parameter names, which the test loads unconverted: this proves the internal layout is Keras's.

Weights are a closed formula of each parameter's name and index (`formula_value`, the same as
`FormulaWeights.llamaFamily` in models' test sources), rounded to float32; the references then run
in float64, so the fixture is the exact answer for those float32 weights.

Regenerate (from the repository root):
    python3 -m venv tools/reference/.venv
    tools/reference/.venv/bin/pip install -r tools/reference/requirements.txt keras==3.15.1
    KERAS_BACKEND=torch tools/reference/.venv/bin/python tools/reference/rnn_reference.py
(Keras 3 runs on the torch backend here: no TensorFlow is needed.)
"""

import json
import math
import os
import pathlib

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

OUT = pathlib.Path(__file__).resolve().parents[2] / (
    "models/src/test/resources/reference/rnn-reference.json"
)


def phase(name: str) -> float:
    return float(sum((j + 1) * ord(c) for j, c in enumerate(name)) % 1009)


def formula_value(name: str, i: int) -> float:
    amplitude = 0.1 if name.endswith(".bias") else 0.3
    return amplitude * math.sin(phase(name) + 0.7071 * i) * math.cos(0.013 * ((i * i) % 1000))


def formula(name: str, shape) -> np.ndarray:
    n = int(np.prod(shape))
    v = np.array([formula_value(name, i) for i in range(n)], dtype=np.float32)
    return v.reshape(shape).astype(np.float64)


def f32(a: np.ndarray) -> np.ndarray:
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def tolist(t) -> list:
    if isinstance(t, torch.Tensor):
        t = t.detach().cpu().numpy()
    return np.asarray(t, dtype=np.float64).round(12).tolist()


def torch_case(cell: str, layers: int, bidirectional: bool, with_initial: bool, seed: int) -> dict:
    batch, steps, inputs, units = 3, 5, 3, 4
    lengths = [5, 3, 1]
    directions = 2 if bidirectional else 1
    gen = torch.Generator().manual_seed(seed)
    x = f32(torch.randn(batch, steps, inputs, generator=gen).numpy())
    for b, n in enumerate(lengths):
        x[b, n:] = 0.0  # right padding: the values there must not matter, zeros keep it visible
    module = (nn_cls := torch.nn.LSTM if cell == "lstm" else torch.nn.GRU)(
        inputs, units, num_layers=layers, bidirectional=bidirectional, batch_first=True
    ).double()
    del nn_cls
    state = {name: torch.tensor(formula(name, t.shape)) for name, t in module.state_dict().items()}
    module.load_state_dict(state)

    xt = torch.tensor(x, requires_grad=True)
    h0 = c0 = None
    if with_initial:
        shape = (layers * directions, batch, units)
        h0 = torch.tensor(f32(0.5 * torch.randn(*shape, generator=gen).numpy()), requires_grad=True)
        c0 = torch.tensor(f32(0.5 * torch.randn(*shape, generator=gen).numpy()), requires_grad=True)
    packed = pack_padded_sequence(xt, torch.tensor(lengths), batch_first=True, enforce_sorted=False)
    if cell == "lstm":
        out, (hn, cn) = module(packed, None if h0 is None else (h0, c0))
    else:
        out, hn = module(packed, h0)
        cn = None
    out, _ = pad_packed_sequence(out, batch_first=True, total_length=steps)

    gy = f32(torch.randn(*out.shape, generator=gen).numpy())
    gh = f32(torch.randn(*hn.shape, generator=gen).numpy())
    loss = (out * torch.tensor(gy)).sum() + (hn * torch.tensor(gh)).sum()
    case = {}
    if cn is not None:
        gc = f32(torch.randn(*cn.shape, generator=gen).numpy())
        loss = loss + (cn * torch.tensor(gc)).sum()
        case["gc"] = tolist(gc)
    params = dict(module.named_parameters())
    grads = torch.autograd.grad(
        loss, [xt] + ([h0] if h0 is not None else []) + ([c0] if cell == "lstm" and c0 is not None else [])
        + list(params.values())
    )
    grad_x = grads[0]
    rest = list(grads[1:])
    grad_h0 = rest.pop(0) if h0 is not None else None
    grad_c0 = rest.pop(0) if (c0 is not None and cell == "lstm") else None

    case.update(
        {
            "name": f"torch-{cell}-{'bi' if bidirectional else 'uni'}-{layers}layer"
            + ("-initial" if with_initial else ""),
            "source": f"torch {torch.__version__} nn.{module.__class__.__name__}, pack_padded_sequence",
            "cell": cell,
            "layout": "pytorch",
            "units": units,
            "inputs": inputs,
            "layers": layers,
            "bidirectional": bidirectional,
            "lengths": lengths,
            "x": tolist(x),
            "output": tolist(out),
            "h_n": tolist(hn),
            "gy": tolist(gy),
            "gh": tolist(gh),
            "loss": float(loss),
            "grad_x": tolist(grad_x),
            "grads": {name: tolist(g) for name, g in zip(params, rest)},
            "shapes": {name: list(t.shape) for name, t in params.items()},
        }
    )
    if cn is not None:
        case["c_n"] = tolist(cn)
    if h0 is not None:
        case["h0"] = tolist(h0)
        case["grad_h0"] = tolist(grad_h0)
        if cell == "lstm":
            case["c0"] = tolist(c0)
            case["grad_c0"] = tolist(grad_c0)
    return case


def keras_case(cell: str, layers: int, bidirectional: bool, seed: int) -> dict:
    batch, steps, inputs, units = 3, 5, 3, 4
    lengths = [5, 2, 4]
    rng = np.random.default_rng(seed)
    x = f32(rng.standard_normal((batch, steps, inputs)))
    for b, n in enumerate(lengths):
        x[b, n:] = 0.0
    mask = np.array([[t < n for t in range(steps)] for n in lengths])
    gates = 4 if cell == "lstm" else 3
    layer_cls = keras.layers.LSTM if cell == "lstm" else keras.layers.GRU

    names = {}  # hubtune parameter name -> keras variable
    h = keras.ops.convert_to_tensor(x, dtype="float64")
    finals = None
    for layer in range(layers):
        last = layer == layers - 1
        rnn = layer_cls(units, return_sequences=True, return_state=True, dtype="float64")
        if bidirectional:
            wrapped = keras.layers.Bidirectional(rnn, dtype="float64")
            result = wrapped(h, mask=mask)
            sub = [(f"l{layer}", wrapped.forward_layer), (f"l{layer}_reverse", wrapped.backward_layer)]
        else:
            result = rnn(h, mask=mask)
            sub = [(f"l{layer}", rnn)]
        for prefix, r in sub:
            kernel, recurrent, bias = r.cell.weights
            for suffix, var in (("kernel", kernel), ("recurrent_kernel", recurrent), ("bias", bias)):
                names[f"{prefix}.{suffix}"] = var
        assert all(tuple(v.shape)[-1] == gates * units for v in names.values())
        # Set the formula values and run the stack again from the layer's input.
        for name, var in names.items():
            if name.startswith(f"l{layer}"):
                var.assign(formula(name, tuple(var.shape)))
        result = (wrapped if bidirectional else rnn)(h, mask=mask)
        h = result[0]
        if last:
            finals = result[1:]

    out = keras.ops.convert_to_numpy(h)
    out = np.where(mask[:, :, None], out, 0.0)  # Keras repeats the last output on padded steps
    finals = [keras.ops.convert_to_numpy(f) for f in finals]
    # Bidirectional(LSTM) returns [out, h_fw, c_fw, h_bw, c_bw]; GRU [out, h_fw, h_bw].
    per = 2 if cell == "lstm" else 1
    directions = 2 if bidirectional else 1
    h_last = [finals[d * per] for d in range(directions)]
    case = {
        "name": f"keras-{cell}-{'bi' if bidirectional else 'uni'}-{layers}layer",
        "source": f"keras {keras.__version__} ({keras.backend.backend()} backend) "
        + ("Bidirectional(" if bidirectional else "")
        + f"{layer_cls.__name__}(return_sequences, return_state)"
        + (")" if bidirectional else "")
        + ", mask",
        "cell": cell,
        "layout": "keras",
        "units": units,
        "inputs": inputs,
        "layers": layers,
        "bidirectional": bidirectional,
        "lengths": lengths,
        "x": tolist(x),
        "output": tolist(out),
        "h_last": tolist(np.stack(h_last)),
        "shapes": {n: list(v.shape) for n, v in names.items()},
    }
    if cell == "lstm":
        case["c_last"] = tolist(np.stack([finals[d * per + 1] for d in range(directions)]))
    return case


def main() -> None:
    torch.set_num_threads(1)
    cases = [
        torch_case("lstm", 1, False, False, seed=1),
        torch_case("lstm", 2, True, True, seed=2),
        torch_case("gru", 1, False, False, seed=3),
        torch_case("gru", 2, True, True, seed=4),
        torch_case("lstm", 2, False, False, seed=5),
        keras_case("lstm", 2, True, seed=6),
        keras_case("gru", 2, True, seed=7),
        keras_case("gru", 1, False, seed=8),
    ]
    OUT.write_text(json.dumps({"cases": cases}, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
