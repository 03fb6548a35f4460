#!/usr/bin/env python3
"""Loads state dicts that RnnGen saved into the PyTorch modules of their reference cases with load_state_dict(strict=True).

Usage, from the repository root (Debian's python3-torch):
    RNNGEN_KEEP_SAVED_WEIGHTS=/tmp/saved dotnet test tests/RnnGen.Tests --filter PyTorchVariantsTests
    /usr/bin/python3 tests/data/pytorch_strict_load.py tests/data/pytorch-variants /tmp/saved

For each case of the folder's cases.json, builds the case's modules under their declared paths (reference_network.py),
loads SAVED/NAME.safetensors strictly (every key present, none extra, every shape equal) and checks that the loaded
module reproduces the case's expected prediction. Exits non-zero on the first failure.
"""
import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_network import build, run  # noqa: E402
from safetensors_file import read  # noqa: E402


def module_tree(case, modules):
    """An nn.Module holding the case's modules at their dotted paths, so its state dict has the case's names."""
    root = torch.nn.Module()
    for path, module in modules.items():
        if not path:
            sys.exit(f"{case['name']}: a bare module's state dict beside a head has no one nn.Module to load into")
        parent = root
        *parents, name = path.split(".")
        for part in parents:
            if not hasattr(parent, part):
                parent.add_module(part, torch.nn.Module())
            parent = getattr(parent, part)
        parent.add_module(name, module)
    return root


def main():
    cases_folder, saved_folder = Path(sys.argv[1]), Path(sys.argv[2])
    for case in json.loads((cases_folder / "cases.json").read_text())["cases"]:
        saved = read(saved_folder / f"{case['name']}.safetensors")
        modules, _ = build(case)
        module_tree(case, modules).load_state_dict(saved, strict=True)
        reference = read(cases_folder / f"{case['name']}.safetensors")
        forward, _ = run(case, {**reference, **saved}, torch.float64)
        error = float((forward["prediction"].detach() - reference["expected.prediction"]).abs().max())
        if error > 1e-6:
            sys.exit(f"{case['name']}: the saved weights give predictions {error:.3g} away from the expected ones")
        print(f"{case['name']}: load_state_dict(strict=True) accepted it; predictions within {error:.1e} of the expected")


if __name__ == "__main__":
    main()
