"""Python peer for bench/run's `rnn` benchmark: training throughput of PyTorch's nn.LSTM / nn.GRU
(CPU) on the same shapes and threads as hubtune's RnnProbe.

Usage: torch_rnn.py CELL BATCH STEPS INPUT UNITS LAYERS WARMUP ITERATIONS THREADS
One training step: a bidirectional stack over a [BATCH, STEPS, INPUT] batch (every sequence full
length), loss = mean(output * R) for a fixed random R, backward to every weight, plain SGD update.
Prints one JSON object measured over ITERATIONS steps after WARMUP: sequences_per_s, peak_rss_mb.
"""
import json
import resource
import sys
import time

import torch


def main() -> None:
    cell = sys.argv[1]
    batch, steps, inputs, units, layers, warmup, iterations, threads = map(int, sys.argv[2:10])
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    cls = torch.nn.LSTM if cell == "lstm" else torch.nn.GRU
    rnn = cls(inputs, units, num_layers=layers, bidirectional=True, batch_first=True)
    optimizer = torch.optim.SGD(rnn.parameters(), lr=0.01)
    x = torch.randn(batch, steps, inputs)
    r = torch.randn(batch, steps, 2 * units)

    def step() -> float:
        optimizer.zero_grad(set_to_none=True)
        out, _ = rnn(x)
        loss = (out * r).mean()
        loss.backward()
        optimizer.step()
        return loss.item()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(iterations):
        step()
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "sequences_per_s": batch * iterations / seconds,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
