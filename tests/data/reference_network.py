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
    output, final = rnn(x, state)
    h_n, c_n = final if cell == "lstm" else (final, None)
    output = output.squeeze(1)
    if case["topology"] == "many-to-one":
        top = h_n[-directions:].squeeze(1).reshape(1, -1)
        logits = head(top)
    else:
        logits = head(output)
    prediction = ACTIVATIONS[case["head"]](logits)
    target = tensors["target"].to(dtype)
    loss = ((target - prediction) ** 2).sum() if case["loss"] == "squared-error" else -(target * torch.log(prediction)).sum()
    loss.backward()
    forward = {"rnn_output": output, "final_state": h_n.squeeze(1), "prediction": prediction, "loss": loss.reshape(1)}
    if c_n is not None:
        forward["final_cell"] = c_n.squeeze(1)
    gradients = {name: p.grad for name, p in parameters.items()}
    return forward, gradients
