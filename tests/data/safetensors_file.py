"""Reading and writing safetensors files with torch tensors, for the scripts that write RnnGen's PyTorch test data.

The safetensors package is not in Debian, so this is the format by hand: an 8-byte little-endian header length, a JSON
header of dtypes, shapes and offsets (padded to 8 bytes), then the raw little-endian data.
"""
import json
import struct

import numpy as np
import torch

NUMPY_DTYPES = {"F32": np.float32, "F64": np.float64, "I64": np.int64}


def read(path):
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    body = data[8 + length:]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = torch.from_numpy(np.frombuffer(body[begin:end], dtype=NUMPY_DTYPES[info["dtype"]]).reshape(info["shape"]).copy())
    return tensors


def write(path, tensors, metadata=None):
    header, chunks, offset = {"__metadata__": {"format": "pt", **(metadata or {})}}, [], 0
    for name, tensor in tensors.items():
        dtype = {torch.float16: "F16", torch.bfloat16: "BF16", torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[tensor.dtype]
        raw = tensor.contiguous().view(torch.int16).numpy().tobytes() if tensor.dtype == torch.bfloat16 else tensor.contiguous().numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    encoded = json.dumps(header, separators=(",", ":")).encode()
    encoded += b" " * (-len(encoded) % 8)
    path.write_bytes(struct.pack("<Q", len(encoded)) + encoded + b"".join(chunks))
