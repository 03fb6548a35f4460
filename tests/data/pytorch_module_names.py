#!/usr/bin/env python3
"""State dicts of PyTorch modules as people write them, for RnnGen's module names and FindModules.

Writes into tests/data/pytorch-modules/, each file the module's own `state_dict()` (float32, PyTorch's random
initialisation from a fixed seed) plus an input sequence `x` [T, I] and `expected.prediction`: the module's output on
it, computed by PyTorch in float64 on the same weights.
- tagger.safetensors: self.lstm = nn.LSTM(4, 6, num_layers=2, bidirectional=True), self.fc = nn.Linear(12, 3),
  fc applied to every step (many-to-many);
- nested.safetensors: self.encoder.rnn = nn.GRU(3, 5), self.decoder.proj = nn.Linear(5, 2) (dotted module paths);
- twins.safetensors: two LSTMs of the same shapes, self.first and self.second, and self.fc: finding "the" recurrent
  module by shape is ambiguous;
- bare.safetensors: a bare nn.RNN(3, 4)'s state dict (no module prefix) merged with a Linear(4, 2) named out.

Run with Debian's PyTorch (apt-get install python3-torch), from the repository root:
    /usr/bin/python3 tests/data/pytorch_module_names.py
"""
from pathlib import Path

import torch
from torch import nn

from safetensors_file import write

OUT = Path("tests/data/pytorch-modules")


class Tagger(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(4, 6, num_layers=2, bidirectional=True)
        self.fc = nn.Linear(12, 3)

    def forward(self, x):
        return self.fc(self.lstm(x.unsqueeze(1))[0].squeeze(1))


class Encoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(3, 5)


class Decoder(nn.Module):
    def __init__(self):
        super().__init__()
        self.proj = nn.Linear(5, 2)


class Nested(nn.Module):
    def __init__(self):
        super().__init__()
        self.encoder = Encoder()
        self.decoder = Decoder()

    def forward(self, x):
        return self.decoder.proj(self.encoder.rnn(x.unsqueeze(1))[0].squeeze(1))


class Twins(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = nn.LSTM(4, 6)
        self.second = nn.LSTM(4, 6)
        self.fc = nn.Linear(6, 3)

    def forward(self, x):
        return self.fc(self.first(x.unsqueeze(1))[0].squeeze(1))


class Bare(nn.Module):
    """nn.RNN's state dict at the top level (as torch.save(rnn.state_dict()) writes it) and a Linear named out."""

    def __init__(self):
        super().__init__()
        self.rnn = nn.RNN(3, 4)
        self.out = nn.Linear(4, 2)

    def forward(self, x):
        return self.out(self.rnn(x.unsqueeze(1))[0].squeeze(1))

    def flat_state_dict(self):
        return {**self.rnn.state_dict(), **{f"out.{k}": v for k, v in self.out.state_dict().items()}}


def save(name, module, inputs, steps, seed):
    torch.manual_seed(seed)
    x = torch.rand(steps, inputs) * 2 - 1
    state = module.flat_state_dict() if isinstance(module, Bare) else module.state_dict()
    with torch.no_grad():
        expected = module.double()(x.double())
    write(OUT / f"{name}.safetensors", {**{k: v.float() for k, v in state.items()}, "x": x, "expected.prediction": expected})


def main():
    OUT.mkdir(exist_ok=True)
    for name, build, inputs, steps, seed in [("tagger", Tagger, 4, 5, 1), ("nested", Nested, 3, 4, 2), ("twins", Twins, 4, 3, 3), ("bare", Bare, 3, 4, 4)]:
        torch.manual_seed(seed)
        save(name, build(), inputs, steps, seed + 100)


if __name__ == "__main__":
    main()
