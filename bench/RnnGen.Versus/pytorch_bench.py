#!/usr/bin/python3
"""PyTorch's figures for the workloads of bench/RnnGen.Versus, on the same models (export_models.py), one thread.

Run with a real BLAS, not Debian's default netlib one (see ../shared/notes/toolchain.md), e.g.
  apt-get download libopenblas0-openmp && dpkg-deb -x libopenblas0-openmp_*.deb /tmp/openblas
  LD_LIBRARY_PATH=/tmp/openblas/usr/lib/x86_64-linux-gnu/openblas-openmp OMP_NUM_THREADS=1 \
      /usr/bin/python3 bench/RnnGen.Versus/pytorch_bench.py
Prints the BLAS it found, then RESULT lines (medians and interquartile ranges of 21 rounds of about 25 ms).
"""
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_models import OUTPUT_SIZE, STREAMING_OUTPUT_SIZE, Sequence, StreamingStep  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROUNDS = 21


def load(cell, input_size, hidden_size, output_size=OUTPUT_SIZE):
    torch.manual_seed(1000 + input_size + hidden_size)  # export_models.py's seed: the same weights
    return Sequence(cell, input_size, hidden_size, output_size).eval()


def measure(action):
    for _ in range(20):
        action()
    calls = 1
    while True:
        start = time.perf_counter()
        for _ in range(calls):
            action()
        elapsed = time.perf_counter() - start
        if elapsed > 0.006:
            calls = max(1, int(calls * 0.025 / elapsed))
            break
        calls *= 2
    times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(calls):
            action()
        times.append((time.perf_counter() - start) / calls)
    quartiles = statistics.quantiles(times, n=4)
    return statistics.median(times), quartiles[0], quartiles[2]


def report(key, cell, input_size, hidden_size, result, per_call, unit, scale):
    median, lower, upper = (value / per_call * scale for value in result)
    print(f"RESULT {key} {cell} I{input_size}_H{hidden_size} pytorch={median:.3f}{unit} ({lower:.3g}-{upper:.3g})", flush=True)


def main():
    torch.set_num_threads(1)
    blas = [line for line in open("/proc/self/maps") if "blas" in line.lower()]
    print("ENV torch", torch.__version__, "BLAS:", sorted({line.split()[-1] for line in blas}) or "none found")
    with torch.no_grad():
        for batch in (1, 32):
            for cell in ("vanilla", "gru", "lstm"):
                for input_size, hidden_size in ([(64, 128), (128, 256)] if batch == 1 else [(64, 128)]):
                    model = load(cell, input_size, hidden_size)
                    x = torch.randn(50, batch, input_size)
                    result = measure(lambda: model(x))
                    report(f"forward_b{batch}", cell, input_size, hidden_size, result, batch, "us", 1e6)
        for cell in ("vanilla", "gru", "lstm"):
            for input_size, hidden_size in [(1, 8), (1, 16), (1, 32), (1, 64), (16, 32)]:
                step = StreamingStep(load(cell, input_size, hidden_size, STREAMING_OUTPUT_SIZE), cell == "lstm").eval()
                x, h, c = torch.randn(1, 1, input_size), torch.zeros(1, 1, hidden_size), torch.zeros(1, 1, hidden_size)
                result = measure((lambda: step(x, h, c)) if cell == "lstm" else (lambda: step(x, h)))
                report("step", cell, input_size, hidden_size, result, 1, "ns", 1e9)
    # Forward + backpropagation through time, batch 1 (squared error, every step), as RnnGen's Forward + Backward.
    for cell in ("vanilla", "gru", "lstm"):
        model = load(cell, 64, 128)
        x, target = torch.randn(50, 1, 64, requires_grad=True), torch.randn(50, 1, OUTPUT_SIZE)
        def train_step():
            model.zero_grad(set_to_none=False)
            ((model(x) - target) ** 2).sum().backward()
        report("bptt_b1", cell, 64, 128, measure(train_step), 1, "us", 1e6)
    # Training, one batch of 32 (T = 50, squared error at every step, the mean over the sequences), one Adam step, as
    # RnnGen's RnnTrainer: sequences per second on 1 and 2 threads.
    for threads in (1, 2):
        torch.set_num_threads(threads)
        for cell in ("vanilla", "gru", "lstm"):
            model = load(cell, 64, 128)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-4)
            x, target = torch.randn(50, 32, 64), torch.randn(50, 32, OUTPUT_SIZE)
            def train_batch():
                optimizer.zero_grad(set_to_none=False)
                (((model(x) - target) ** 2).sum() / 32).backward()
                optimizer.step()
            result = measure(train_batch)
            print(f"RESULT train_b32_threads{threads} {cell} I64_H128 pytorch={32 / result[0]:.0f}seq/s")


if __name__ == "__main__":
    main()
