#!/usr/bin/python3
"""Writes the models that bench/RnnGen.Versus compares, from PyTorch, into models/ (not committed):

  <name>.safetensors   the state dict (rnn.*, head.*), which the generated RnnGen models load with LoadWeights
  <name>.onnx          the same module exported with torch.onnx (opset 14) for ONNX Runtime
  <name>.json          the state dict as nested lists, for RTNeural's torch_helpers (streaming models only)
  <name>.reference.json  an input sequence and PyTorch's float32 outputs on it (streaming models only)

Sequence models read x [T, B, I] and write y [T, B, O] (many-to-many, one linear head, O = 8). Streaming models run one
step: x [1, 1, I] and the state (h [1, 1, H], and c for an LSTM) in, y and the new state out; they have one output, as
in RTNeural's examples (an audio sample in, a sample out at input 1). Every cell gets both kinds (RTNeural has no vanilla
RNN layer, so its benchmark reads only the GRU and LSTM ones).

Needs Debian's python3-torch and python3-onnx: /usr/bin/python3 bench/RnnGen.Versus/export_models.py
"""
import json
import os
import struct
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "models")
OUTPUT_SIZE = 8
STREAMING_OUTPUT_SIZE = 1
CELLS = {"vanilla": nn.RNN, "gru": nn.GRU, "lstm": nn.LSTM}
SEQUENCE_SHAPES = [(64, 128), (128, 256)]
STREAMING_SHAPES = [(1, 8), (1, 16), (1, 32), (1, 64), (16, 32)]


class Sequence(nn.Module):
    def __init__(self, cell, input_size, hidden_size, output_size):
        super().__init__()
        self.rnn = CELLS[cell](input_size, hidden_size)
        self.head = nn.Linear(hidden_size, output_size)

    def forward(self, x):
        return self.head(self.rnn(x)[0])


class StreamingStep(nn.Module):
    """One step with the state passed in and out: the form ONNX Runtime needs for streaming."""

    def __init__(self, sequence, lstm):
        super().__init__()
        self.rnn, self.head, self.lstm = sequence.rnn, sequence.head, lstm

    def forward(self, x, h, c=None):
        if self.lstm:
            out, (h1, c1) = self.rnn(x, (h, c))
            return self.head(out), h1, c1
        out, h1 = self.rnn(x, h)
        return self.head(out), h1


def save_safetensors(state, path):
    """The safetensors format by hand (8-byte header length, JSON header, raw little-endian data): no extra package."""
    header, blobs, offset = {}, [], 0
    for name, tensor in state.items():
        data = tensor.detach().contiguous().to(torch.float32).numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as file:
        file.write(struct.pack("<Q", len(text)))
        file.write(text)
        for blob in blobs:
            file.write(blob)


def export_sequence(cell, input_size, hidden_size, output_size=OUTPUT_SIZE):
    torch.manual_seed(1000 + input_size + hidden_size)
    model = Sequence(cell, input_size, hidden_size, output_size).eval()
    name = f"{cell}_I{input_size}_H{hidden_size}"
    save_safetensors(model.state_dict(), os.path.join(OUT, name + ".safetensors"))
    x = torch.randn(50, 1, input_size)
    torch.onnx.export(model, (x,), os.path.join(OUT, name + ".onnx"), opset_version=14,
                      input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "steps", 1: "batch"}, "y": {0: "steps", 1: "batch"}})
    return model


def export_streaming(cell, input_size, hidden_size):
    sequence = export_sequence(cell, input_size, hidden_size, STREAMING_OUTPUT_SIZE)
    name = f"{cell}_I{input_size}_H{hidden_size}"
    lstm = cell == "lstm"
    step = StreamingStep(sequence, lstm).eval()
    x, h = torch.zeros(1, 1, input_size), torch.zeros(1, 1, hidden_size)
    inputs, in_names, out_names = (x, h), ["x", "h"], ["y", "h_next"]
    if lstm:
        inputs, in_names, out_names = (x, h, torch.zeros(1, 1, hidden_size)), ["x", "h", "c"], ["y", "h_next", "c_next"]
    torch.onnx.export(step, inputs, os.path.join(OUT, name + ".step.onnx"), opset_version=14,
                      input_names=in_names, output_names=out_names)
    with open(os.path.join(OUT, name + ".json"), "w") as file:
        json.dump({key: value.tolist() for key, value in sequence.state_dict().items()}, file)
    torch.manual_seed(7)
    sequence_input = torch.randn(64, 1, input_size)
    with torch.no_grad():
        outputs = sequence(sequence_input)
    with open(os.path.join(OUT, name + ".reference.json"), "w") as file:
        json.dump({"inputs": sequence_input.reshape(-1).tolist(), "outputs": outputs.reshape(-1).tolist(),
                   "steps": 64, "input_size": input_size, "output_size": STREAMING_OUTPUT_SIZE}, file)


def main():
    os.makedirs(OUT, exist_ok=True)
    for cell in CELLS:
        for input_size, hidden_size in SEQUENCE_SHAPES:
            export_sequence(cell, input_size, hidden_size)
    for cell in CELLS:
        for input_size, hidden_size in STREAMING_SHAPES:
            export_streaming(cell, input_size, hidden_size)
    print(f"wrote {len(os.listdir(OUT))} files to {OUT} (torch {torch.__version__})")


if __name__ == "__main__":
    sys.exit(main())
