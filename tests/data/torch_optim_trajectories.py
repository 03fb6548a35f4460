#!/usr/bin/env python3
"""torch.optim's own trajectories, the reference for RnnGen's optimizers.

For each optimizer configuration below, starts float64 parameters at fixed values, sets each step's gradient to fixed
values (shrinking over the steps, so that AMSGrad's running maximum of the second moment differs from the moment
itself) and records the parameters after every `optimizer.step()`. Nothing here depends on RnnGen.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:
    /usr/bin/python3 tests/data/torch_optim_trajectories.py > tests/data/torch-optim-trajectories.json
"""
import json

import torch

STEPS = 6
INITIAL = [0.5, -1.25, 2.0, 0.0, -0.03125, 3.5, -2.75]

CASES = [
    ("sgd", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "weight_decay": 0.01}),
    ("sgd", {"lr": 0.1, "momentum": 0.9, "nesterov": True}),
    ("sgd", {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1, "nesterov": True}),
    ("adam", {"lr": 0.01}),
    ("adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("adam", {"lr": 0.01, "amsgrad": True}),
    ("adam", {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.05, "amsgrad": True}),
    ("adamw", {"lr": 0.01}),
    ("adamw", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True}),
]


def gradient(step):
    generator = torch.Generator().manual_seed(1000 + step)
    # Shrinking gradients: v falls after the first steps, so AMSGrad's max(v) is not v.
    return torch.randn(len(INITIAL), generator=generator, dtype=torch.float64) * (2.0 ** -step) * 3.0


def run(kind, options):
    parameter = torch.tensor(INITIAL, dtype=torch.float64, requires_grad=True)
    optimizer = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[kind]([parameter], **options)
    gradients, trajectory = [], []
    for step in range(STEPS):
        g = gradient(step)
        parameter.grad = g.clone()
        optimizer.step()
        gradients.append(g.tolist())
        trajectory.append(parameter.detach().tolist())
    return {"optimizer": kind, "options": {k: (list(v) if isinstance(v, tuple) else v) for k, v in options.items()},
            "initial": INITIAL, "gradients": gradients, "parameters": trajectory}


print(json.dumps({"torch": torch.__version__, "cases": [run(kind, options) for kind, options in CASES]}, indent=1))
