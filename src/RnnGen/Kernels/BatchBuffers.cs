using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>
/// The buffers of a generated model's batched passes (<c>ForwardBatch</c>, <c>AccumulateBatchGradients</c>), in the packed
/// layout of <see cref="PackedBatch"/>: each grows when a batch needs more than it holds and is then reused, so steady-state
/// calls allocate nothing.
/// </summary>
/// <typeparam name="T">The model's element type.</typeparam>
/// <param name="layers">The model's stacked layers.</param>
/// <param name="inputSize">The size of one input step.</param>
/// <param name="layerWidth">The width of one layer's output row (both directions).</param>
/// <param name="outputSize">The size of one output step.</param>
/// <param name="headPerStep">Whether the head runs at every step (many-to-many, one-to-many) rather than once per sequence.</param>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class BatchBuffers<T>(int layers, int inputSize, int layerWidth, int outputSize, bool headPerStep)
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private T[] _inputs = [], _layerOutputs = [], _finalOutputs = [], _logits = [], _predictions = [], _workspace = [], _cache = [];
    private T[] _targets = [], _logitGradients = [], _layerGradients = [], _finalGradients = [];

    /// <summary>x of every sequence's steps, packed, [rows, InputSize].</summary>
    public T[] Inputs => _inputs;

    /// <summary>Every layer's outputs, packed, [Layers, rows, LayerWidth].</summary>
    public T[] LayerOutputs => _layerOutputs;

    /// <summary>Every sequence's top-layer final outputs, [B, LayerWidth], when the head runs once per sequence.</summary>
    public T[] FinalOutputs => _finalOutputs;

    /// <summary>W_ya a + b_y: of every packed row, [rows, OutputSize], or of every sequence, [B, OutputSize], longest first.</summary>
    public T[] Logits => _logits;

    /// <summary>y, like <see cref="Logits"/>.</summary>
    public T[] Predictions => _predictions;

    /// <summary>The cell runners' scratch.</summary>
    public T[] Workspace => _workspace;

    /// <summary>The gated cells' gates of every layer direction and packed row, for the backward pass.</summary>
    public T[] Cache => _cache;

    /// <summary>The targets in the order of <see cref="Predictions"/>.</summary>
    public T[] Targets => _targets;

    /// <summary>dE/dz, like <see cref="Logits"/>.</summary>
    public T[] LogitGradients => _logitGradients;

    /// <summary>dE/d(every layer's outputs), like <see cref="LayerOutputs"/>.</summary>
    public T[] LayerGradients => _layerGradients;

    /// <summary>dE/d(every sequence's final outputs), like <see cref="FinalOutputs"/>.</summary>
    public T[] FinalGradients => _finalGradients;

    /// <summary>Grows the buffers for <paramref name="rows"/> packed rows of <paramref name="sequences"/> sequences.</summary>
    /// <param name="rows">The packed rows to hold (a model passes the padded B × T, so that batches of that size never grow them, whatever their lengths).</param>
    /// <param name="sequences">B.</param>
    /// <param name="workspaceLength">The scratch the forward runners need.</param>
    /// <param name="keepForBackward">Whether to grow what the backward pass needs too.</param>
    /// <param name="backwardWorkspaceLength">The scratch the backward runners need.</param>
    /// <param name="cacheLength">The gated cells' cache, 0 for a vanilla cell.</param>
    /// <exception cref="ArgumentException">The layer outputs of <paramref name="rows"/> rows are more than an array can hold.</exception>
    public void Reserve(int rows, int sequences, int workspaceLength, bool keepForBackward, int backwardWorkspaceLength, long cacheLength)
    {
        long layerValues = (long)layers * rows * layerWidth;
        RnnArguments.RequireArrayLength(Math.Max(layerValues, cacheLength), rows, "inputs");
        int predictionRows = headPerStep ? rows : sequences;
        Grow(ref _inputs, rows * inputSize);
        Grow(ref _layerOutputs, (int)layerValues);
        Grow(ref _finalOutputs, headPerStep ? 0 : sequences * layerWidth);
        Grow(ref _logits, predictionRows * outputSize);
        Grow(ref _predictions, predictionRows * outputSize);
        Grow(ref _workspace, workspaceLength);
        if (keepForBackward)
        {
            Grow(ref _workspace, backwardWorkspaceLength);
            Grow(ref _cache, (int)cacheLength);
            Grow(ref _targets, predictionRows * outputSize);
            Grow(ref _logitGradients, predictionRows * outputSize);
            Grow(ref _layerGradients, (int)layerValues);
            Grow(ref _finalGradients, headPerStep ? 0 : sequences * layerWidth);
        }
    }

    /// <summary>Replaces <paramref name="buffer"/> with a larger array when it holds fewer than <paramref name="length"/> elements (its contents are not kept).</summary>
    private static void Grow(ref T[] buffer, int length)
    {
        if (buffer.Length < length)
        {
            buffer = new T[length];
        }
    }
}
