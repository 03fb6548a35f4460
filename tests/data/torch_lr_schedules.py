#!/usr/bin/env python3
"""torch.optim.lr_scheduler's own learning rates, the reference for RnnGen's schedules.

For each scheduler configuration below, builds it on an SGD optimizer with lr 0.1 and records the learning rate after
construction and after each of 25 `scheduler.step()` calls (ReduceLROnPlateau steps on the fixed validation losses
below). Nothing here depends on RnnGen.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:
    /usr/bin/python3 tests/data/torch_lr_schedules.py > tests/data/torch-lr-schedules.json
"""
import json
import math
import warnings

import torch
from torch.optim import lr_scheduler

EPOCHS = 25
BASE = 0.1
# Falls, stalls, improves by less than the 1e-4 relative threshold, falls again, then stalls for good.
LOSSES = [1.0, 0.8, 0.8, 0.81, 0.79995, 0.8, 0.7, 0.7, 0.71, 0.72, 0.7, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6,
          0.6, 0.6, 0.6, 0.6, 0.6]

CASES = [
    ("step", {"step_size": 7, "gamma": 0.5}),
    ("exponential", {"gamma": 0.9}),
    ("cosine", {"T_max": 10}),
    ("cosine", {"T_max": 8, "eta_min": 0.001}),
    ("linear", {}),
    ("linear", {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 10}),
    ("lambda", {"lambda": "0.95 ** epoch"}),
    ("plateau", {"patience": 2}),
    ("plateau", {"mode": "min", "factor": 0.5, "patience": 1, "threshold": 0.01, "threshold_mode": "abs", "cooldown": 2, "min_lr": 0.02}),
]


def build(kind, options, optimizer):
    if kind == "step":
        return lr_scheduler.StepLR(optimizer, **options)
    if kind == "exponential":
        return lr_scheduler.ExponentialLR(optimizer, **options)
    if kind == "cosine":
        return lr_scheduler.CosineAnnealingLR(optimizer, **options)
    if kind == "linear":
        return lr_scheduler.LinearLR(optimizer, **options)
    if kind == "lambda":
        return lr_scheduler.LambdaLR(optimizer, lambda epoch: eval(options["lambda"], {"epoch": epoch}))
    return lr_scheduler.ReduceLROnPlateau(optimizer, **options)


def run(kind, options):
    parameter = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([parameter], lr=BASE)
    scheduler = build(kind, options, optimizer)
    rates = [optimizer.param_groups[0]["lr"]]
    for epoch in range(EPOCHS):
        optimizer.step()
        if kind == "plateau":
            scheduler.step(LOSSES[epoch])
        else:
            scheduler.step()
        rates.append(optimizer.param_groups[0]["lr"])
    return {"schedule": kind, "options": options, "base": BASE, "losses": LOSSES if kind == "plateau" else [], "rates": rates}


warnings.simplefilter("ignore")
print(json.dumps({"torch": torch.__version__, "cases": [run(kind, options) for kind, options in CASES]}))
