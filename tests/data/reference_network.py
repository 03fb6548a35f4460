"""The network of a reference case (a cases.json entry, format in tests/data/README.md), built and run in PyTorch.

Shared by the scripts that write reference cases (pytorch_reference_cases.py) and that measure PyTorch float32's own
errors on them (pytorch_float32_errors.py), so both compute with the same network.
"""
import torch

ACTIVATIONS = {"identity": lambda z: z, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softmax": lambda z: torch.softmax(z, dim=-1)}


def module_name(module, parameter):
    """A state-dict name: the module's path (none for a bare module), a dot, the parameter's name."""
    return f"{module}.{parameter}" if module else parameter


def build(case):
    """The case's modules by state-dict path (an embedding, the recurrent module, the head), and their parameters under the case's names."""
    cell = case.get("cell", "rnn")
    directions = 2 if case["direction"] == "bidirectional" else 1
    kinds = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
    options = {"nonlinearity": case["activation"]} if cell == "rnn" else {}
    rnn = kinds[cell](case["input"], case["hidden"], num_layers=case["layers"], bidirectional=directions == 2,
                      bias=case.get("bias", True), **options)
    head = torch.nn.Linear(directions * case["hidden"], case["output"], bias=case.get("head_bias", True))
    modules = {case.get("recurrent_module", "rnn"): rnn, case.get("head_module", "head"): head}
    if case.get("vocabulary"):
        modules[case.get("embedding_module", "embedding")] = torch.nn.Embedding(case["vocabulary"], case["input"], padding_idx=case.get("padding_index"))
    parameters = {module_name(path, name): p for path, module in modules.items() for name, p in module.named_parameters()}
    return modules, parameters


MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15


def mix(z):
    """SplitMix64's finaliser."""
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return z ^ (z >> 31)


def dropout_mask(key, site, steps, width, probability, dtype):
    """RnnGen's dropout mask (RnnGen.Kernels.Dropout.Keeps, written again here from its definition), scaled by 1 / (1 - p), [steps, width]."""
    threshold = min(round(probability * 2 ** 32), 2 ** 32 - 1)
    rows = []
    for step in range(steps):
        row = mix((mix((key + GOLDEN * (site + 1)) & MASK64) + GOLDEN * (step + 1)) & MASK64)
        rows.append([1.0 if (mix((row + GOLDEN * (unit + 1)) & MASK64) >> 32) >= threshold else 0.0 for unit in range(width)])
    return torch.tensor(rows, dtype=torch.float64).to(dtype) / (1 - probability)


def run_layers(case, rnn, x, state, dtype):
    """The recurrent module layer by layer, as nn.LSTM(dropout=p) runs it in training mode, each layer's output but the
    last's multiplied by RnnGen's mask of the case's dropout_key; the output, h_n, c_n and the per-layer copies' parameters by the module's names."""
    cell = case.get("cell", "rnn")
    directions = 2 if case["direction"] == "bidirectional" else 1
    kinds = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}
    options = {"nonlinearity": case["activation"]} if cell == "rnn" else {}
    h_rows, c_rows, copies = [], [], {}
    for layer in range(case["layers"]):
        single = kinds[cell](x.shape[-1], case["hidden"], bidirectional=directions == 2, bias=case.get("bias", True), **options).to(dtype)
        for name, parameter in single.named_parameters():
            copies[name.replace("_l0", f"_l{layer}")] = parameter
            with torch.no_grad():
                parameter.copy_(getattr(rnn, name.replace("_l0", f"_l{layer}")))
        rows = slice(layer * directions, (layer + 1) * directions)
        layer_state = None if state is None else (tuple(s[rows] for s in state) if cell == "lstm" else state[rows])
        x, final = single(x, layer_state)
        h, c = final if cell == "lstm" else (final, None)
        h_rows.append(h)
        if c is not None:
            c_rows.append(c)
        if layer < case["layers"] - 1 and case.get("dropout", 0) > 0:
            x = x * dropout_mask(case["dropout_key"], layer, x.shape[0], x.shape[-1], case["dropout"], dtype).unsqueeze(1)
    return x, torch.cat(h_rows), torch.cat(c_rows) if c_rows else None, copies


def run(case, tensors, dtype):
    """Runs the case on its tensors (weights, x, target, h0, c0) in dtype: the forward tensors and every parameter's gradient."""
    cell = case.get("cell", "rnn")
    directions = 2 if case["direction"] == "bidirectional" else 1
    modules, parameters = build(case)
    rnn, head = modules[case.get("recurrent_module", "rnn")], modules[case.get("head_module", "head")]
    with torch.no_grad():
        for name, parameter in parameters.items():
            parameter.copy_(tensors[name].to(torch.float64))
    for module in modules.values():
        module.to(dtype)
    # Token ids (I64, [T]) through the embedding, or the input vectors [T, I].
    inputs = modules[case.get("embedding_module", "embedding")](tensors["x"]) if case.get("vocabulary") else tensors["x"].to(dtype)
    x = inputs.unsqueeze(1)
    state = None
    if case.get("initial_state"):
        h0 = tensors["h0"].to(dtype).unsqueeze(1)
        state = (h0, tensors["c0"].to(dtype).unsqueeze(1)) if cell == "lstm" else h0
    dropped = case.get("dropout", 0) > 0 or case.get("head_dropout", 0) > 0
    if dropped:
        output, h_n, c_n, copies = run_layers(case, rnn, x, state, dtype)
    else:
        output, final = rnn(x, state)
        h_n, c_n = final if cell == "lstm" else (final, None)
    output = output.squeeze(1)
    head_input = output if case["topology"] != "many-to-one" else h_n[-directions:].squeeze(1).reshape(1, -1)
    if case.get("head_dropout", 0) > 0:
        # Before the head, as nn.Dropout in training mode; a many-to-one head's one input vector has step 0's mask.
        head_input = head_input * dropout_mask(case["dropout_key"], case["layers"] - 1, head_input.shape[0], head_input.shape[-1], case["head_dropout"], dtype)
    logits = head(head_input)
    prediction = ACTIVATIONS[case["head"]](logits)
    target = tensors["target"].to(dtype)
    loss = ((target - prediction) ** 2).sum() if case["loss"] == "squared-error" else -(target * torch.log(prediction)).sum()
    loss.backward()
    forward = {"rnn_output": output, "final_state": h_n.squeeze(1), "prediction": prediction, "loss": loss.reshape(1)}
    if c_n is not None:
        forward["final_cell"] = c_n.squeeze(1)
    gradients = {name: p.grad for name, p in parameters.items()}
    if dropped:
        prefix = case.get("recurrent_module", "rnn")
        gradients.update({module_name(prefix, name): p.grad for name, p in copies.items()})
    return forward, gradients
