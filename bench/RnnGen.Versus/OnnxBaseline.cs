using System;
using Microsoft.ML.OnnxRuntime;

namespace RnnGen.Versus;

/// <summary>
/// ONNX Runtime at its best for one thread (as ../shared/notes/toolchain.md found it): one intra-op and one inter-op
/// thread, sequential execution, every graph optimisation, inputs and outputs as OrtValues over arrays allocated once,
/// run through an IOBinding.
/// </summary>
public static class OnnxBaseline
{
    public static InferenceSession Open(string path)
    {
        using var options = new SessionOptions
        {
            IntraOpNumThreads = 1,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        return new InferenceSession(path, options);
    }

    public static OrtValue Tensor(float[] values, params long[] shape) => OrtValue.CreateTensorValueFromMemory(values, shape);
}

/// <summary>A sequence model, x [T, B, I] to y [T, B, O].</summary>
public sealed class OnnxSequence : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding _binding;
    private readonly RunOptions _run = new();
    private readonly OrtValue _x, _y;

    public OnnxSequence(string path, float[] inputs, int steps, int batch, int inputSize, float[] outputs, int outputSize)
    {
        _session = OnnxBaseline.Open(path);
        _x = OnnxBaseline.Tensor(inputs, steps, batch, inputSize);
        _y = OnnxBaseline.Tensor(outputs, steps, batch, outputSize);
        _binding = _session.CreateIoBinding();
        _binding.BindInput("x", _x);
        _binding.BindOutput("y", _y);
    }

    public void Run() => _session.RunWithBinding(_run, _binding);

    public void Dispose()
    {
        _binding.Dispose();
        _x.Dispose();
        _y.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}

/// <summary>
/// A streaming step, x [1, 1, I] and the state in, y and the new state out. Two bindings swap the state buffers, so the
/// new state of one call is the old state of the next without a copy.
/// </summary>
public sealed class OnnxStep : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtIoBinding[] _bindings;
    private readonly RunOptions _run = new();
    private readonly OrtValue[] _values;
    private int _next;

    public OnnxStep(string path, float[] input, float[] output, int hiddenSize, bool lstm)
    {
        _session = OnnxBaseline.Open(path);
        var x = OnnxBaseline.Tensor(input, 1, 1, input.Length);
        var y = OnnxBaseline.Tensor(output, 1, 1, output.Length);
        OrtValue NewState() => OnnxBaseline.Tensor(new float[hiddenSize], 1, 1, hiddenSize);
        OrtValue h0 = NewState(), h1 = NewState();
        OrtValue? c0 = lstm ? NewState() : null, c1 = lstm ? NewState() : null;
        _values = lstm ? [x, y, h0, h1, c0!, c1!] : [x, y, h0, h1];
        OrtIoBinding Bind(OrtValue h, OrtValue hNext, OrtValue? c, OrtValue? cNext)
        {
            OrtIoBinding binding = _session.CreateIoBinding();
            binding.BindInput("x", x);
            binding.BindInput("h", h);
            binding.BindOutput("y", y);
            binding.BindOutput("h_next", hNext);
            if (lstm)
            {
                binding.BindInput("c", c!);
                binding.BindOutput("c_next", cNext!);
            }
            return binding;
        }
        _bindings = [Bind(h0, h1, c0, c1), Bind(h1, h0, c1, c0)];
    }

    public void Run()
    {
        _session.RunWithBinding(_run, _bindings[_next]);
        _next ^= 1;
    }

    public void Dispose()
    {
        foreach (OrtIoBinding binding in _bindings)
        {
            binding.Dispose();
        }
        foreach (OrtValue value in _values)
        {
            value.Dispose();
        }
        _run.Dispose();
        _session.Dispose();
    }
}
