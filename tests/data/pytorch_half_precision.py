#!/usr/bin/env python3
"""Half-precision checkpoints as PyTorch writes them, for RnnGen's F16 and BF16 loading.

Takes the weights of the reference case pytorch-gated/lstm_uni1_m2m and writes, for each of float16 and bfloat16:
- NAME.DTYPE.safetensors: the weights as `model.half()` / `model.to(torch.bfloat16)` holds them, plus the case's input
  `x` and `expected.prediction`: the case's network run by PyTorch in float64 on those weights;
- NAME.DTYPE-float.safetensors: the same weights after PyTorch's `.float()`, which a loader must reproduce exactly.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:
    /usr/bin/python3 tests/data/pytorch_half_precision.py
"""
from pathlib import Path

import torch

from safetensors_file import read, write

ROOT = Path("tests/data")
CASE = "lstm_uni1_m2m"
WEIGHTS = ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight", "head.bias"]
def predict(weights, x):
    rnn = torch.nn.LSTM(3, 5).double()
    head = torch.nn.Linear(5, 2).double()
    with torch.no_grad():
        for name in WEIGHTS:
            module, field = name.split(".")
            getattr(rnn if module == "rnn" else head, field).copy_(weights[name].double())
        output, _ = rnn(x.double().unsqueeze(1))
        return head(output.squeeze(1))


case = read(ROOT / "pytorch-gated" / f"{CASE}.safetensors")
(ROOT / "pytorch-half").mkdir(exist_ok=True)
for dtype, suffix in [(torch.float16, "f16"), (torch.bfloat16, "bf16")]:
    narrow = {name: case[name].to(dtype) for name in WEIGHTS}
    widened = {name: tensor.float() for name, tensor in narrow.items()}
    write(ROOT / "pytorch-half" / f"{CASE}.{suffix}.safetensors", {**narrow, "x": case["x"], "expected.prediction": predict(widened, case["x"])})
    write(ROOT / "pytorch-half" / f"{CASE}.{suffix}-float.safetensors", widened)
