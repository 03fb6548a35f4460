using System;
using System.Numerics;
using System.Numerics.Tensors;

namespace RnnGen.Benchmarks;

/// <summary>
/// What a user would write by hand for the same network (many-to-many, tanh, identity head, squared error
/// Σ (y - target)², PyTorch's row-major weights from <see cref="ReferenceWeights{T}"/>): forward over a sequence,
/// backpropagation through time into a flat gradient buffer, and one streaming step. Starting state zero, like the
/// generated Forward without an initial state (so step 1 has no recurrent product). Sizes are run-time values.
/// </summary>
public abstract class BaselineRnn<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    protected BaselineRnn(ReferenceWeights<T> weights, int maxSteps)
    {
        W = weights;
        S = weights.Shape;
        MaxSteps = maxSteps;
        Width = S.Directions * S.HiddenSize;
        LayerOutputs = new T[S.Layers][];
        LayerGradients = new T[S.Layers][];
        for (int l = 0; l < S.Layers; l++)
        {
            LayerOutputs[l] = new T[maxSteps * Width];
            LayerGradients[l] = new T[maxSteps * Width];
        }
        Predictions = new T[maxSteps * S.OutputSize];
        Gradients = new T[weights.Values.Length];
        Carried = new T[S.HiddenSize];
        Preactivation = new T[S.HiddenSize];
        OutputGradient = new T[S.OutputSize];
        State = new T[S.HiddenSize];
        NextState = new T[S.HiddenSize];
    }

    public ReferenceWeights<T> W { get; }
    public RnnShape S { get; }
    public int MaxSteps { get; }
    public int Width { get; }
    public int Steps { get; protected set; }
    public T[][] LayerOutputs { get; }
    public T[][] LayerGradients { get; }
    public T[] Predictions { get; }
    public T[] Gradients { get; }
    protected T[] Carried { get; }
    protected T[] Preactivation { get; }
    protected T[] OutputGradient { get; }
    protected T[] State { get; }
    protected T[] NextState { get; }
    protected ReadOnlySpan<T> Inputs => _inputs;
    private T[] _inputs = Array.Empty<T>();

    /// <summary>Runs the network over <paramref name="inputs"/> ([T, I]) and writes [T, O] predictions.</summary>
    public abstract void Forward(T[] inputs, Span<T> predictions);

    /// <summary>BPTT of the last forward pass; adds dE/dθ into <see cref="Gradients"/>, writes dE/dx and dE/da0; returns E.</summary>
    public abstract T Backward(ReadOnlySpan<T> targets, Span<T> inputGradients, Span<T> initialStateGradients);

    /// <summary>One streaming step of a one-layer unidirectional model: a = tanh(W_ih x + W_hh a + b), y = W_y a + b_y.</summary>
    public abstract void Step(ReadOnlySpan<T> input, Span<T> output);

    public void Reset() => Array.Clear(State);

    protected void Remember(T[] inputs)
    {
        _inputs = inputs;
        Steps = inputs.Length / S.InputSize;
    }

    public void ZeroGradients() => Array.Clear(Gradients);
}

/// <summary>Nested scalar loops, the textbook formulas.</summary>
public sealed class ScalarRnn<T> : BaselineRnn<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public ScalarRnn(ReferenceWeights<T> weights, int maxSteps) : base(weights, maxSteps) { }

    public override void Forward(T[] inputs, Span<T> predictions)
    {
        Remember(inputs);
        int steps = Steps, h = S.HiddenSize, d = S.Directions, width = Width;
        T[] p = W.Values;
        for (int layer = 0; layer < S.Layers; layer++)
        {
            T[] input = layer == 0 ? inputs : LayerOutputs[layer - 1];
            int inputSize = W.LayerInputSize[layer], inputStride = layer == 0 ? S.InputSize : width;
            T[] output = LayerOutputs[layer];
            for (int dir = 0; dir < d; dir++)
            {
                int k = (layer * d) + dir;
                int wih = W.InputWeights[k], whh = W.RecurrentWeights[k], b = W.Bias[k];
                for (int step = 0; step < steps; step++)
                {
                    int t = dir == 0 ? step : steps - 1 - step;
                    int previous = dir == 0 ? t - 1 : t + 1;
                    for (int j = 0; j < h; j++)
                    {
                        T sum = p[b + j];
                        for (int i = 0; i < inputSize; i++)
                        {
                            sum += p[wih + (j * inputSize) + i] * input[(t * inputStride) + i];
                        }
                        if (step > 0)
                        {
                            for (int i = 0; i < h; i++)
                            {
                                sum += p[whh + (j * h) + i] * output[(previous * width) + (dir * h) + i];
                            }
                        }
                        output[(t * width) + (dir * h) + j] = T.Tanh(sum);
                    }
                }
            }
        }
        T[] top = LayerOutputs[S.Layers - 1];
        int o = S.OutputSize;
        for (int t = 0; t < steps; t++)
        {
            for (int j = 0; j < o; j++)
            {
                T sum = p[W.HeadBias + j];
                for (int i = 0; i < width; i++)
                {
                    sum += p[W.HeadWeights + (j * width) + i] * top[(t * width) + i];
                }
                predictions[(t * o) + j] = sum;
                Predictions[(t * o) + j] = sum;
            }
        }
    }

    public override T Backward(ReadOnlySpan<T> targets, Span<T> inputGradients, Span<T> initialStateGradients)
    {
        int steps = Steps, h = S.HiddenSize, d = S.Directions, width = Width, o = S.OutputSize;
        T[] p = W.Values, g = Gradients;
        T two = T.One + T.One, loss = T.Zero;
        T[] top = LayerOutputs[S.Layers - 1];
        T[] topGradients = LayerGradients[S.Layers - 1];
        Array.Clear(topGradients, 0, steps * width);
        for (int t = 0; t < steps; t++)
        {
            for (int j = 0; j < o; j++)
            {
                T difference = Predictions[(t * o) + j] - targets[(t * o) + j];
                loss += difference * difference;
                T dy = two * difference;
                g[W.HeadBias + j] += dy;
                for (int i = 0; i < width; i++)
                {
                    g[W.HeadWeights + (j * width) + i] += dy * top[(t * width) + i];
                    topGradients[(t * width) + i] += p[W.HeadWeights + (j * width) + i] * dy;
                }
            }
        }
        for (int layer = S.Layers - 1; layer >= 0; layer--)
        {
            ReadOnlySpan<T> input = layer == 0 ? Inputs : LayerOutputs[layer - 1];
            Span<T> inputGradient = layer == 0 ? inputGradients : LayerGradients[layer - 1];
            int inputSize = W.LayerInputSize[layer], inputStride = layer == 0 ? S.InputSize : width;
            if (!inputGradient.IsEmpty) { inputGradient.Slice(0, steps * inputStride).Clear(); }
            T[] output = LayerOutputs[layer], outputGradient = LayerGradients[layer];
            for (int dir = 0; dir < d; dir++)
            {
                int k = (layer * d) + dir;
                int wih = W.InputWeights[k], whh = W.RecurrentWeights[k], b = W.Bias[k];
                T[] carried = Carried, dz = Preactivation;
                Array.Clear(carried);
                for (int step = steps - 1; step >= 0; step--)
                {
                    int t = dir == 0 ? step : steps - 1 - step;
                    int previous = dir == 0 ? t - 1 : t + 1;
                    for (int j = 0; j < h; j++)
                    {
                        T a = output[(t * width) + (dir * h) + j];
                        dz[j] = (outputGradient[(t * width) + (dir * h) + j] + carried[j]) * (T.One - (a * a));
                        g[b + j] += dz[j];
                        for (int i = 0; i < inputSize; i++)
                        {
                            g[wih + (j * inputSize) + i] += dz[j] * input[(t * inputStride) + i];
                        }
                        if (!inputGradient.IsEmpty)
                        {
                            for (int i = 0; i < inputSize; i++)
                            {
                                inputGradient[(t * inputStride) + i] += p[wih + (j * inputSize) + i] * dz[j];
                            }
                        }
                        if (step > 0)
                        {
                            for (int i = 0; i < h; i++)
                            {
                                g[whh + (j * h) + i] += dz[j] * output[(previous * width) + (dir * h) + i];
                            }
                        }
                    }
                    for (int i = 0; i < h; i++)
                    {
                        T sum = T.Zero;
                        for (int j = 0; j < h; j++)
                        {
                            sum += p[whh + (j * h) + i] * dz[j];
                        }
                        carried[i] = sum;
                    }
                }
                if (!initialStateGradients.IsEmpty)
                {
                    carried.AsSpan().CopyTo(initialStateGradients.Slice(k * h, h));
                }
            }
        }
        return loss;
    }

    public override void Step(ReadOnlySpan<T> input, Span<T> output)
    {
        int h = S.HiddenSize, inputSize = S.InputSize;
        T[] p = W.Values;
        int wih = W.InputWeights[0], whh = W.RecurrentWeights[0], b = W.Bias[0];
        for (int j = 0; j < h; j++)
        {
            T sum = p[b + j];
            for (int i = 0; i < inputSize; i++)
            {
                sum += p[wih + (j * inputSize) + i] * input[i];
            }
            for (int i = 0; i < h; i++)
            {
                sum += p[whh + (j * h) + i] * State[i];
            }
            NextState[j] = T.Tanh(sum);
        }
        NextState.AsSpan().CopyTo(State);
        for (int j = 0; j < S.OutputSize; j++)
        {
            T sum = p[W.HeadBias + j];
            for (int i = 0; i < h; i++)
            {
                sum += p[W.HeadWeights + (j * h) + i] * State[i];
            }
            output[j] = sum;
        }
    }
}

/// <summary>The same network on TensorPrimitives: a Dot per output row, Tanh per step, MultiplyAdd per row for the gradients.</summary>
public sealed class TensorPrimitivesRnn<T> : BaselineRnn<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _preactivation;
    private readonly T[] _squares;

    public TensorPrimitivesRnn(ReferenceWeights<T> weights, int maxSteps) : base(weights, maxSteps)
    {
        _preactivation = new T[S.HiddenSize];
        _squares = new T[S.HiddenSize];
    }

    public override void Forward(T[] inputs, Span<T> predictions)
    {
        Remember(inputs);
        int steps = Steps, h = S.HiddenSize, d = S.Directions, width = Width;
        ReadOnlySpan<T> p = W.Values;
        Span<T> z = _preactivation;
        for (int layer = 0; layer < S.Layers; layer++)
        {
            ReadOnlySpan<T> input = layer == 0 ? inputs : LayerOutputs[layer - 1];
            int inputSize = W.LayerInputSize[layer], inputStride = layer == 0 ? S.InputSize : width;
            Span<T> output = LayerOutputs[layer];
            for (int dir = 0; dir < d; dir++)
            {
                int k = (layer * d) + dir;
                ReadOnlySpan<T> wih = p.Slice(W.InputWeights[k], h * inputSize), whh = p.Slice(W.RecurrentWeights[k], h * h), b = p.Slice(W.Bias[k], h);
                for (int step = 0; step < steps; step++)
                {
                    int t = dir == 0 ? step : steps - 1 - step;
                    int previous = dir == 0 ? t - 1 : t + 1;
                    ReadOnlySpan<T> x = input.Slice(t * inputStride, inputSize);
                    for (int j = 0; j < h; j++)
                    {
                        z[j] = b[j] + TensorPrimitives.Dot(wih.Slice(j * inputSize, inputSize), x);
                    }
                    if (step > 0)
                    {
                        ReadOnlySpan<T> a = output.Slice((previous * width) + (dir * h), h);
                        for (int j = 0; j < h; j++)
                        {
                            z[j] += TensorPrimitives.Dot(whh.Slice(j * h, h), a);
                        }
                    }
                    TensorPrimitives.Tanh(z, output.Slice((t * width) + (dir * h), h));
                }
            }
        }
        ReadOnlySpan<T> top = LayerOutputs[S.Layers - 1];
        int o = S.OutputSize;
        ReadOnlySpan<T> head = p.Slice(W.HeadWeights, o * width), headBias = p.Slice(W.HeadBias, o);
        for (int t = 0; t < steps; t++)
        {
            ReadOnlySpan<T> a = top.Slice(t * width, width);
            for (int j = 0; j < o; j++)
            {
                predictions[(t * o) + j] = headBias[j] + TensorPrimitives.Dot(head.Slice(j * width, width), a);
            }
        }
        predictions.Slice(0, steps * o).CopyTo(Predictions);
    }

    public override T Backward(ReadOnlySpan<T> targets, Span<T> inputGradients, Span<T> initialStateGradients)
    {
        int steps = Steps, h = S.HiddenSize, d = S.Directions, width = Width, o = S.OutputSize;
        ReadOnlySpan<T> p = W.Values;
        Span<T> g = Gradients;
        T two = T.One + T.One, loss = T.Zero;
        ReadOnlySpan<T> top = LayerOutputs[S.Layers - 1];
        Span<T> topGradients = LayerGradients[S.Layers - 1].AsSpan(0, steps * width);
        topGradients.Clear();
        Span<T> dy = OutputGradient;
        ReadOnlySpan<T> head = p.Slice(W.HeadWeights, o * width);
        Span<T> headGradient = g.Slice(W.HeadWeights, o * width), headBiasGradient = g.Slice(W.HeadBias, o);
        for (int t = 0; t < steps; t++)
        {
            TensorPrimitives.Subtract(Predictions.AsSpan(t * o, o), targets.Slice(t * o, o), dy);
            loss += TensorPrimitives.SumOfSquares<T>(dy);
            TensorPrimitives.Multiply(dy, two, dy);
            TensorPrimitives.Add(headBiasGradient, dy, headBiasGradient);
            ReadOnlySpan<T> a = top.Slice(t * width, width);
            Span<T> da = topGradients.Slice(t * width, width);
            for (int j = 0; j < o; j++)
            {
                Span<T> row = headGradient.Slice(j * width, width);
                TensorPrimitives.MultiplyAdd(a, dy[j], row, row);
                TensorPrimitives.MultiplyAdd(head.Slice(j * width, width), dy[j], da, da);
            }
        }
        Span<T> dz = Preactivation, carried = Carried, squares = _squares;
        for (int layer = S.Layers - 1; layer >= 0; layer--)
        {
            ReadOnlySpan<T> input = layer == 0 ? Inputs : LayerOutputs[layer - 1];
            Span<T> inputGradient = layer == 0 ? inputGradients : LayerGradients[layer - 1];
            int inputSize = W.LayerInputSize[layer], inputStride = layer == 0 ? S.InputSize : width;
            if (!inputGradient.IsEmpty) { inputGradient.Slice(0, steps * inputStride).Clear(); }
            ReadOnlySpan<T> output = LayerOutputs[layer], outputGradient = LayerGradients[layer];
            for (int dir = 0; dir < d; dir++)
            {
                int k = (layer * d) + dir;
                ReadOnlySpan<T> wih = p.Slice(W.InputWeights[k], h * inputSize), whh = p.Slice(W.RecurrentWeights[k], h * h);
                Span<T> gih = g.Slice(W.InputWeights[k], h * inputSize), ghh = g.Slice(W.RecurrentWeights[k], h * h), gb = g.Slice(W.Bias[k], h);
                carried.Clear();
                for (int step = steps - 1; step >= 0; step--)
                {
                    int t = dir == 0 ? step : steps - 1 - step;
                    int previous = dir == 0 ? t - 1 : t + 1;
                    ReadOnlySpan<T> a = output.Slice((t * width) + (dir * h), h);
                    // dz = (dE/da + carried) * (1 - a²)
                    TensorPrimitives.Add(outputGradient.Slice((t * width) + (dir * h), h), carried, dz);
                    TensorPrimitives.Multiply(a, a, squares);
                    TensorPrimitives.Subtract(T.One, squares, squares);
                    TensorPrimitives.Multiply(dz, squares, dz);
                    TensorPrimitives.Add(gb, dz, gb);
                    ReadOnlySpan<T> x = input.Slice(t * inputStride, inputSize);
                    Span<T> dx = inputGradient.IsEmpty ? default : inputGradient.Slice(t * inputStride, inputSize);
                    ReadOnlySpan<T> previousState = step > 0 ? output.Slice((previous * width) + (dir * h), h) : default;
                    for (int j = 0; j < h; j++)
                    {
                        Span<T> row = gih.Slice(j * inputSize, inputSize);
                        TensorPrimitives.MultiplyAdd(x, dz[j], row, row);
                        if (!dx.IsEmpty)
                        {
                            TensorPrimitives.MultiplyAdd(wih.Slice(j * inputSize, inputSize), dz[j], dx, dx);
                        }
                        if (!previousState.IsEmpty)
                        {
                            Span<T> recurrentRow = ghh.Slice(j * h, h);
                            TensorPrimitives.MultiplyAdd(previousState, dz[j], recurrentRow, recurrentRow);
                        }
                    }
                    carried.Clear();
                    for (int j = 0; j < h; j++)
                    {
                        TensorPrimitives.MultiplyAdd(whh.Slice(j * h, h), dz[j], carried, carried);
                    }
                }
                if (!initialStateGradients.IsEmpty)
                {
                    carried.CopyTo(initialStateGradients.Slice(k * h, h));
                }
            }
        }
        return loss;
    }

    public override void Step(ReadOnlySpan<T> input, Span<T> output)
    {
        int h = S.HiddenSize, inputSize = S.InputSize;
        ReadOnlySpan<T> p = W.Values;
        ReadOnlySpan<T> wih = p.Slice(W.InputWeights[0], h * inputSize), whh = p.Slice(W.RecurrentWeights[0], h * h), b = p.Slice(W.Bias[0], h);
        Span<T> z = _preactivation;
        for (int j = 0; j < h; j++)
        {
            z[j] = b[j] + TensorPrimitives.Dot(wih.Slice(j * inputSize, inputSize), input) + TensorPrimitives.Dot(whh.Slice(j * h, h), State);
        }
        TensorPrimitives.Tanh(z, State);
        ReadOnlySpan<T> head = p.Slice(W.HeadWeights, S.OutputSize * h);
        for (int j = 0; j < S.OutputSize; j++)
        {
            output[j] = p[W.HeadBias + j] + TensorPrimitives.Dot(head.Slice(j * h, h), State);
        }
    }
}
