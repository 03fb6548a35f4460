using System;
using System.Collections.Generic;
using System.Numerics;

namespace RnnGen.Benchmarks;

/// <summary>
/// Every weight of a vanilla RNN + linear head in PyTorch's layout (row-major [out, in] matrices, one bias b_a =
/// bias_ih + bias_hh per layer and direction), in one flat buffer so an optimizer can update it as one span.
/// Filled from a generated model through its <c>ParameterTensors</c> (which map PyTorch names to the model's
/// transposed flat buffer), and mapped back to compare gradients.
/// </summary>
public sealed class ReferenceWeights<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    public ReferenceWeights(RnnShape shape)
    {
        Shape = shape;
        int h = shape.HiddenSize, d = shape.Directions;
        int offset = 0;
        InputWeights = new int[shape.Layers * d];
        RecurrentWeights = new int[shape.Layers * d];
        Bias = new int[shape.Layers * d];
        LayerInputSize = new int[shape.Layers];
        for (int layer = 0; layer < shape.Layers; layer++)
        {
            int input = layer == 0 ? shape.InputSize : d * h;
            LayerInputSize[layer] = input;
            for (int dir = 0; dir < d; dir++)
            {
                int k = (layer * d) + dir;
                string suffix = $"l{layer}" + (dir == 1 ? "_reverse" : "");
                InputWeights[k] = offset; Names[$"rnn.weight_ih_{suffix}"] = offset; offset += h * input;
                RecurrentWeights[k] = offset; Names[$"rnn.weight_hh_{suffix}"] = offset; offset += h * h;
                Bias[k] = offset; Names[$"rnn.bias_ih_{suffix}"] = offset; offset += h;
            }
        }
        HeadWeights = offset; Names["head.weight"] = offset; offset += shape.OutputSize * d * h;
        HeadBias = offset; Names["head.bias"] = offset; offset += shape.OutputSize;
        Values = new T[offset];
    }

    public RnnShape Shape { get; }
    public T[] Values { get; }
    public int[] InputWeights { get; }      // [H, in] row-major, per layer * Directions + direction
    public int[] RecurrentWeights { get; }  // [H, H]
    public int[] Bias { get; }              // [H]
    public int[] LayerInputSize { get; }
    public int HeadWeights { get; }         // [O, D*H]
    public int HeadBias { get; }            // [O]
    private Dictionary<string, int> Names { get; } = new();

    /// <summary>Copies a generated model's flat (transposed) parameter buffer into PyTorch's layout.</summary>
    public void CopyFrom(ReadOnlySpan<RnnParameterTensor> tensors, ReadOnlySpan<T> generated) => Map(tensors, generated, Values);

    private void Map(ReadOnlySpan<RnnParameterTensor> tensors, ReadOnlySpan<T> generated, Span<T> mine)
    {
        int covered = 0;
        foreach (RnnParameterTensor tensor in tensors)
        {
            if (tensor.Layout == RnnTensorLayout.AddedBias)
            {
                continue; // bias_hh shares b_a with bias_ih
            }
            if (!Names.TryGetValue(tensor.Name, out int start))
            {
                throw new InvalidOperationException($"Unknown tensor {tensor.Name}");
            }
            covered += tensor.Length;
            for (int row = 0; row < tensor.Rows; row++)
            {
                int columns = Math.Max(tensor.Columns, 1);
                for (int column = 0; column < columns; column++)
                {
                    int g = tensor.Layout == RnnTensorLayout.Transposed ? tensor.Offset + (column * tensor.Rows) + row : tensor.Offset + row;
                    int m = start + (row * columns) + column;
                    mine[m] = generated[g];
                }
            }
        }
        if (covered != Values.Length)
        {
            throw new InvalidOperationException($"The tensors cover {covered} of {Values.Length} values");
        }
    }

    /// <summary>Maps <paramref name="mine"/> (this layout) into <paramref name="generated"/> (the model's layout).</summary>
    public void MapToGenerated(ReadOnlySpan<RnnParameterTensor> tensors, ReadOnlySpan<T> mine, Span<T> generated)
    {
        foreach (RnnParameterTensor tensor in tensors)
        {
            if (tensor.Layout == RnnTensorLayout.AddedBias)
            {
                continue;
            }
            int start = Names[tensor.Name];
            int columns = Math.Max(tensor.Columns, 1);
            for (int row = 0; row < tensor.Rows; row++)
            {
                for (int column = 0; column < columns; column++)
                {
                    int g = tensor.Layout == RnnTensorLayout.Transposed ? tensor.Offset + (column * tensor.Rows) + row : tensor.Offset + row;
                    generated[g] = mine[start + (row * columns) + column];
                }
            }
        }
    }
}
