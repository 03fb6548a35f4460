#!/usr/bin/env python3
"""PyTorch float32's own error on every reference case, the yardstick for RnnGen's float models.

For each case of tests/data/pytorch, pytorch-gated and pytorch-variants, runs the case's network in PyTorch in float32 (the
case's F32 weights and inputs as they are) and records the largest absolute error against the case's float64 expected
values: over the forward tensors and the loss ("output"), and over every weight gradient ("grad"), the same two
aggregates tests/RnnGen.TestKit/Conformance.cs reports for RnnGen. It also runs each case in float64 and fails unless
that reproduces the expected values, so the network built here is the one the cases were made with.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:
    /usr/bin/python3 tests/data/pytorch_float32_errors.py > tests/data/pytorch-float32-errors.json
"""
import json
import sys
from pathlib import Path

import torch

from reference_network import run
from safetensors_file import read


def max_error(computed, tensors, prefix):
    return max(float((value.detach().to(torch.float64).reshape(-1) - tensors[prefix + name].reshape(-1)).abs().max())
               for name, value in computed.items())


def main():
    root = Path(__file__).resolve().parent
    errors = {}
    for folder in ("pytorch", "pytorch-gated", "pytorch-variants"):
        for case in json.loads((root / folder / "cases.json").read_text())["cases"]:
            tensors = read(root / folder / f"{case['name']}.safetensors")
            forward64, gradients64 = run(case, tensors, torch.float64)
            check = max(max_error(forward64, tensors, "expected."), max_error(gradients64, tensors, "expected.grad."))
            if check > 1e-12:
                sys.exit(f"{case['name']}: float64 PyTorch differs from the expected values by {check:.3g}: not the case's network")
            forward32, gradients32 = run(case, tensors, torch.float32)
            errors[case["name"]] = {"output": max_error(forward32, tensors, "expected."), "grad": max_error(gradients32, tensors, "expected.grad.")}
    json.dump({"generator": f"PyTorch {torch.__version__} in float32, errors against the cases' float64 expected values", "cases": errors}, sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
