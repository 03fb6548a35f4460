#!/usr/bin/env python3
"""Writes tests/data/pytorch-variants: reference cases of the networks PyTorch users declare beyond the defaults.

Modules under their authors' names (self.lstm and self.fc; nested encoder.rnn and decoder.proj), layers built with
bias=False (recurrent, head, or both), embeddings (token ids as I64, a padding_idx) and dropout in training mode (at
RnnGen's masks of a key, which reference_network.py draws again from their definition), in the format of tests/data/README.md: F32 weights, inputs and targets drawn
here, and everything expected.* computed by PyTorch autograd in float64 on those float32 values.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:
    /usr/bin/python3 tests/data/pytorch_reference_cases.py
"""
import json
from pathlib import Path

import torch

from reference_network import build, run
from safetensors_file import write

OUT = Path(__file__).resolve().parent / "pytorch-variants"

CASES = [
    {"name": "lstm_named_nobias", "cell": "lstm", "input": 3, "hidden": 6, "output": 2, "layers": 2, "steps": 5,
     "direction": "unidirectional", "topology": "many-to-many", "head": "identity", "loss": "squared-error",
     "recurrent_module": "lstm", "head_module": "fc", "bias": False, "head_bias": False},
    {"name": "gru_bi_nobias_m2o_softmax", "cell": "gru", "input": 4, "hidden": 5, "output": 3, "layers": 1, "steps": 6,
     "direction": "bidirectional", "topology": "many-to-one", "head": "softmax", "loss": "cross-entropy",
     "recurrent_module": "gru", "head_module": "classifier", "bias": False},
    {"name": "rnn_nested_nohead_bias_h0", "cell": "rnn", "input": 2, "hidden": 4, "output": 3, "layers": 2, "steps": 4,
     "direction": "unidirectional", "activation": "tanh", "topology": "many-to-many", "head": "tanh", "loss": "squared-error",
     "recurrent_module": "encoder.rnn", "head_module": "decoder.proj", "head_bias": False, "initial_state": True},
    {"name": "lstm_bi_nobias_h0", "cell": "lstm", "input": 3, "hidden": 4, "output": 2, "layers": 2, "steps": 3,
     "direction": "bidirectional", "topology": "many-to-many", "head": "sigmoid", "loss": "squared-error",
     "bias": False, "initial_state": True},
    {"name": "lstm_embedding_padding_m2o", "cell": "lstm", "input": 4, "hidden": 5, "output": 3, "layers": 2, "steps": 7,
     "direction": "bidirectional", "topology": "many-to-one", "head": "softmax", "loss": "cross-entropy",
     "recurrent_module": "lstm", "head_module": "fc", "vocabulary": 11, "padding_index": 0},
    {"name": "gru_embedding_m2m", "cell": "gru", "input": 3, "hidden": 4, "output": 2, "layers": 1, "steps": 6,
     "direction": "unidirectional", "topology": "many-to-many", "head": "identity", "loss": "squared-error",
     "vocabulary": 7, "embedding_module": "embed.tokens"},
    {"name": "lstm_bi_dropout_m2m", "cell": "lstm", "input": 3, "hidden": 5, "output": 2, "layers": 3, "steps": 6,
     "direction": "bidirectional", "topology": "many-to-many", "head": "identity", "loss": "squared-error",
     "recurrent_module": "lstm", "head_module": "fc", "dropout": 0.3, "head_dropout": 0.25, "dropout_key": 20261202, "initial_state": True},
    {"name": "gru_dropout_m2o_softmax", "cell": "gru", "input": 4, "hidden": 6, "output": 3, "layers": 2, "steps": 7,
     "direction": "unidirectional", "topology": "many-to-one", "head": "softmax", "loss": "cross-entropy",
     "dropout": 0.5, "head_dropout": 0.2, "dropout_key": 7},
]


def draw(case, seed):
    """F32 weights from U(-0.5, 0.5), the input, the targets (one-hot rows for cross-entropy) and initial states."""
    generator = torch.Generator().manual_seed(seed)
    _, parameters = build(case)
    tensors = {name: torch.rand(p.shape, generator=generator) - 0.5 for name, p in parameters.items()}
    steps, rows = case["steps"], 1 if case["topology"] == "many-to-one" else case["steps"]
    if case.get("vocabulary"):
        # Token ids, the padding token among them; its row keeps drawn values, which reach the outputs but get no gradient.
        tensors["x"] = torch.randint(case["vocabulary"], (steps,), generator=generator)
        if "padding_index" in case:
            tensors["x"][::3] = case["padding_index"]
    else:
        tensors["x"] = torch.rand(steps, case["input"], generator=generator) * 2 - 1
    if case["loss"] == "cross-entropy":
        classes = torch.randint(case["output"], (rows,), generator=generator)
        tensors["target"] = torch.nn.functional.one_hot(classes, case["output"]).float()
    else:
        tensors["target"] = torch.rand(rows, case["output"], generator=generator) * 2 - 1
    if case.get("initial_state"):
        states = case["layers"] * (2 if case["direction"] == "bidirectional" else 1)
        tensors["h0"] = torch.rand(states, case["hidden"], generator=generator) - 0.5
        if case["cell"] == "lstm":
            tensors["c0"] = torch.rand(states, case["hidden"], generator=generator) - 0.5
    return tensors


def main():
    OUT.mkdir(exist_ok=True)
    for seed, case in enumerate(CASES, start=1):
        tensors = draw(case, seed)
        forward, gradients = run(case, tensors, torch.float64)
        expected = {f"expected.{name}": value.detach() for name, value in forward.items()}
        expected.update({f"expected.grad.{name}": value.detach() for name, value in gradients.items()})
        write(OUT / f"{case['name']}.safetensors", {**tensors, **expected}, {key: str(value) for key, value in case.items()})
    document = {"generator": f"PyTorch {torch.__version__} autograd, float64", "cases": CASES}
    (OUT / "cases.json").write_text(json.dumps(document, indent=2) + "\n")


if __name__ == "__main__":
    main()
