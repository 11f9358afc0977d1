"""Python peer for bench/run's `rnn` benchmark: PyTorch's nn.LSTM / nn.GRU (CPU) on the same
shapes and threads as hubtune's RnnProbe.

Usage: torch_rnn.py MODE CELL BATCH STEPS INPUT UNITS LAYERS WARMUP ITERATIONS THREADS
MODE train: one training step of a bidirectional stack over a [BATCH, STEPS, INPUT] batch (every
sequence full length), loss = mean(output * R) for a fixed random R, backward to every weight,
plain SGD update. MODE infer: the forward pass under torch.inference_mode(), the last layer's final
states concatenated (what a classifier pools).
Prints one JSON object measured over ITERATIONS calls after WARMUP: sequences_per_s, median_ms,
peak_rss_mb.
"""
import json
import resource
import sys
import time

import torch


def main() -> None:
    mode, cell = sys.argv[1], sys.argv[2]
    batch, steps, inputs, units, layers, warmup, iterations, threads = map(int, sys.argv[3:11])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    rnn = cls(inputs, units, num_layers=layers, bidirectional=True, batch_first=True)
    optimizer = torch.optim.SGD(rnn.parameters(), lr=0.01)
    x = torch.randn(batch, steps, inputs)
    r = torch.randn(batch, steps, 2 * units)

    def train() -> float:
        optimizer.zero_grad(set_to_none=True)
        out, _ = rnn(x)
        loss = (out * r).mean()
        loss.backward()
        optimizer.step()
        return loss.item()

    def infer() -> float:
        with torch.inference_mode():
            _, state = rnn(x)
            h = state[0] if isinstance(state, tuple) else state
            last = torch.cat([h[-2], h[-1]], dim=-1)
            return float(last[0, 0])

    step = train if mode == "train" else infer
    for _ in range(warmup):
        step()
    times = []
    start = time.perf_counter()
    for _ in range(iterations):
        t0 = time.perf_counter()
        step()
        times.append((time.perf_counter() - t0) * 1000)
    seconds = time.perf_counter() - start
    times.sort()
    print(
        json.dumps(
            {
                "sequences_per_s": batch * iterations / seconds,
                "median_ms": times[len(times) // 2],
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
