using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>
/// A batch of sequences of possibly different lengths, packed by step as PyTorch's packed sequences are: the sequences
/// are ordered longest first (ties in their batch order), and step t holds one row for each sequence longer than t, so the
/// sequences still running at a step are the first rows of its block and each step's recurrent product is one
/// matrix-matrix product over them. A model keeps one and re-arranges it for every batch; its arrays grow to the largest
/// batch seen and are then reused.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class PackedBatch
{
    private int[] _order = []; // the batch index of the sequence at each sorted position
    private int[] _lengths = []; // each sorted position's length
    private int[] _stepStarts = [0]; // the first packed row of each step, then the total

    /// <summary>The number of sequences.</summary>
    public int Count { get; private set; }

    /// <summary>The steps of the padded layout, at least the longest sequence's length.</summary>
    public int Steps { get; private set; }

    /// <summary>The number of packed rows: the sum of the lengths.</summary>
    public int Rows => _stepStarts[Steps];

    /// <summary>The first packed row of step <paramref name="t"/>.</summary>
    public int StepStart(int t) => _stepStarts[t];

    /// <summary>The number of sequences still running at step <paramref name="t"/>: the rows of its block.</summary>
    public int StepRows(int t) => _stepStarts[t + 1] - _stepStarts[t];

    /// <summary>
    /// The rows of the step a direction processes <paramref name="processed"/>-th (t = 0.. forward, t = Steps - 1.. in
    /// reverse): where its block starts and how many rows it has; how many of them, the first ones row for row, carry a state
    /// from the step processed before it (all of them forward after step 0; in reverse, the sequences that also ran at
    /// t + 1, while the others start there); and where that step's block starts (0 when none carry).
    /// </summary>
    internal BatchStep StepAt(int processed, bool reverse)
    {
        int t = reverse ? Steps - 1 - processed : processed;
        int carried = reverse ? (t + 1 < Steps ? StepRows(t + 1) : 0) : (t > 0 ? StepRows(t) : 0);
        return new BatchStep(_stepStarts[t], StepRows(t), carried, carried == 0 ? 0 : _stepStarts[reverse ? t + 1 : t - 1]);
    }

    /// <summary>
    /// After a batched backward recursion, off the serial path: dW_in += Σ in ⊗ d_in over every packed row, as one
    /// matrix-matrix product, and dW_rec += Σ state&lt;t-1&gt; ⊗ d_rec&lt;t&gt;, one product per step over its rows that carried a state in.
    /// </summary>
    internal void AddWeightGradients<T, TInput, THidden, TWidth>(LayerWalk walk, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputs, ReadOnlySpan<T> inputSteps, ReadOnlySpan<T> recurrentSteps, Span<T> inputWeightGradients, Span<T> recurrentWeightGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where THidden : struct, ISize
        where TWidth : struct, ISize
    {
        MatrixKernels.AddTransposedProduct<T, TInput, TWidth>(inputs, TInput.Value, inputSteps, Rows, inputWeightGradients);
        for (int step = 0; step < Steps; step++)
        {
            (int first, _, int carried, int previousFirst) = StepAt(step, walk.Reverse);
            if (carried > 0)
            {
                MatrixKernels.AddTransposedProduct<T, THidden, TWidth>(outputs.Slice(walk.State(previousFirst)), walk.Stride,
                    recurrentSteps.Slice(first * TWidth.Value, carried * TWidth.Value), carried, recurrentWeightGradients);
            }
        }
    }

    /// <summary>Orders the batch for these lengths (each 1..<paramref name="steps"/>, checked by the caller); allocates only when the batch is larger than any before.</summary>
    /// <param name="lengths">Each sequence's length, in batch order.</param>
    /// <param name="steps">The steps of the padded layout.</param>
    public void Arrange(ReadOnlySpan<int> lengths, int steps)
    {
        int count = lengths.Length;
        if (_order.Length < count)
        {
            _order = new int[count];
            _lengths = new int[count];
        }
        if (_stepStarts.Length < steps + 2)
        {
            _stepStarts = new int[steps + 2];
        }
        Count = count;
        Steps = steps;
        // A counting sort, stable and longest first: first[n] ends up as the sorted position of the next sequence of length n.
        Span<int> first = _stepStarts.AsSpan(0, steps + 2);
        first.Clear();
        foreach (int length in lengths)
        {
            first[length]++;
        }
        int position = 0;
        for (int length = steps; length >= 1; length--)
        {
            int sequences = first[length];
            first[length] = position;
            position += sequences;
        }
        for (int b = 0; b < count; b++)
        {
            int at = first[lengths[b]]++;
            _order[at] = b;
            _lengths[at] = lengths[b];
        }
        // Step t's block holds the sequences longer than t, the first positions of the order.
        int running = count, row = 0;
        for (int t = 0; t < steps; t++)
        {
            while (running > 0 && _lengths[running - 1] <= t)
            {
                running--;
            }
            _stepStarts[t] = row;
            row += running;
        }
        _stepStarts[steps] = row;
    }

    /// <summary>Copies a padded batch, [Count, Steps, width] batch first, into packed rows, [Rows, width].</summary>
    public void Pack<T>(ReadOnlySpan<T> padded, int width, Span<T> packed)
    {
        for (int position = 0; position < Count; position++)
        {
            int sequence = _order[position];
            for (int t = 0; t < _lengths[position]; t++)
            {
                padded.Slice(((sequence * Steps) + t) * width, width).CopyTo(packed.Slice(PackedRow(t, position) * width, width));
            }
        }
    }

    /// <summary>Copies packed rows, [Rows, width], into a padded batch, [Count, Steps, width], whose padding rows it sets to zero.</summary>
    public void Unpack<T>(ReadOnlySpan<T> packed, int width, Span<T> padded)
    {
        for (int position = 0; position < Count; position++)
        {
            int sequence = _order[position], length = _lengths[position];
            for (int t = 0; t < length; t++)
            {
                packed.Slice(PackedRow(t, position) * width, width).CopyTo(padded.Slice(((sequence * Steps) + t) * width, width));
            }
            padded.Slice(((sequence * Steps) + length) * width, (Steps - length) * width).Clear();
        }
    }

    /// <summary>
    /// Every sequence's final layer output, [Count, LayerWidth] in sorted order, from the packed outputs of the top layer: the
    /// forward half after the sequence's last step and, bidirectional, the reverse half after its first.
    /// </summary>
    /// <param name="outputs">The top layer's packed outputs, [Rows, LayerWidth].</param>
    /// <param name="hiddenSize">The width of one direction's half.</param>
    /// <param name="finals">Receives [Count, LayerWidth].</param>
    public void GatherFinalOutputs<T>(ReadOnlySpan<T> outputs, int hiddenSize, Span<T> finals)
    {
        int layerWidth = outputs.Length / Rows;
        for (int position = 0; position < Count; position++)
        {
            Span<T> final = finals.Slice(position * layerWidth, layerWidth);
            outputs.Slice(PackedRow(_lengths[position] - 1, position) * layerWidth, hiddenSize).CopyTo(final);
            if (layerWidth > hiddenSize)
            {
                outputs.Slice((PackedRow(0, position) * layerWidth) + hiddenSize, hiddenSize).CopyTo(final.Slice(hiddenSize));
            }
        }
    }

    /// <summary>Adds every sequence's gradient of its final layer output, [Count, LayerWidth] in sorted order, into the packed gradients of the top layer's outputs where <see cref="GatherFinalOutputs"/> took them from.</summary>
    /// <param name="finalGradients">[Count, LayerWidth].</param>
    /// <param name="hiddenSize">The width of one direction's half.</param>
    /// <param name="outputGradients">The top layer's packed output gradients, [Rows, LayerWidth], added to.</param>
    public void AddFinalGradients<T>(ReadOnlySpan<T> finalGradients, int hiddenSize, Span<T> outputGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int layerWidth = outputGradients.Length / Rows;
        for (int position = 0; position < Count; position++)
        {
            ReadOnlySpan<T> final = finalGradients.Slice(position * layerWidth, layerWidth);
            Activations.AddTo(final.Slice(0, hiddenSize), outputGradients.Slice(PackedRow(_lengths[position] - 1, position) * layerWidth, hiddenSize));
            if (layerWidth > hiddenSize)
            {
                Activations.AddTo(final.Slice(hiddenSize), outputGradients.Slice((PackedRow(0, position) * layerWidth) + hiddenSize, hiddenSize));
            }
        }
    }

    /// <summary>The batch index of the sequence at sorted position <paramref name="position"/>.</summary>
    internal int SequenceAt(int position) => _order[position];

    /// <summary>The packed row of step <paramref name="t"/> of the sequence at sorted position <paramref name="position"/> (which runs at that step).</summary>
    private int PackedRow(int t, int position) => _stepStarts[t] + position;

    /// <summary>Copies rows in batch order, [Count, width], to sorted order.</summary>
    public void Sort<T>(ReadOnlySpan<T> rows, int width, Span<T> sorted)
    {
        for (int position = 0; position < Count; position++)
        {
            rows.Slice(_order[position] * width, width).CopyTo(sorted.Slice(position * width, width));
        }
    }

    /// <summary>Copies rows in sorted order, [Count, width], to batch order.</summary>
    public void Unsort<T>(ReadOnlySpan<T> sorted, int width, Span<T> destination)
    {
        for (int position = 0; position < Count; position++)
        {
            sorted.Slice(position * width, width).CopyTo(destination.Slice(_order[position] * width, width));
        }
    }
}

/// <summary>One step's rows in a <see cref="PackedBatch"/>, as a direction processes it (<see cref="PackedBatch.StepAt"/>).</summary>
/// <param name="First">The step's first packed row.</param>
/// <param name="Rows">The sequences still running at the step.</param>
/// <param name="Carried">How many of them, the first ones, carry a state from the step processed before.</param>
/// <param name="PreviousFirst">The first packed row of the step processed before (0 when none carry).</param>
internal readonly record struct BatchStep(int First, int Rows, int Carried, int PreviousFirst);
