using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen.Kernels;

/// <summary>
/// The output layer applied at every step, y&lt;t&gt; = W x&lt;t&gt; + b, backward over all steps at once. Its parameter block is
/// [W transposed, [TInput, TOutput] | b, [TOutput]], or W alone for a layer <see cref="NoBias"/>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DenseLayer
{
    /// <summary>
    /// From dE/dy&lt;t&gt; of every step: adds dW += Σ x&lt;t&gt; ⊗ dy&lt;t&gt; and, with a bias, db += Σ dy&lt;t&gt; (matrix-matrix products) to
    /// <paramref name="gradients"/>, and dE/dx&lt;t&gt; = W dy&lt;t&gt; to <paramref name="inputGradients"/>.
    /// </summary>
    /// <param name="parameters">The layer's parameter block.</param>
    /// <param name="gradients">The same block of the gradient buffer, added to.</param>
    /// <param name="inputs">x&lt;t&gt; of every step, [T, TInput].</param>
    /// <param name="outputGradients">dE/dy&lt;t&gt; of every step, [T, TOutput].</param>
    /// <param name="inputGradients">dE/dx&lt;t&gt;, [T, TInput], added to.</param>
    public static void BackwardSteps<T, TInput, TOutput, TBias>(ReadOnlySpan<T> parameters, Span<T> gradients, ReadOnlySpan<T> inputs, ReadOnlySpan<T> outputGradients, Span<T> inputGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TInput : struct, ISize
        where TOutput : struct, ISize
        where TBias : struct, IBias
    {
        int inputSize = TInput.Value, outputSize = TOutput.Value, weights = inputSize * outputSize;
        int steps = outputGradients.Length / outputSize;
        KernelGuard.Require(outputGradients.Length == steps * outputSize && inputs.Length == steps * inputSize && inputGradients.Length == steps * inputSize, Shape);
        ReadOnlySpan<T> weightValues = parameters.Slice(0, weights);
        if (TBias.Present)
        {
            Activations.AddRowsTo(outputGradients, gradients.Slice(weights, outputSize));
        }

        MatrixKernels.AddTransposedProduct<T, TInput, TOutput>(inputs, inputSize, outputGradients, steps, gradients.Slice(0, weights));
        for (int t = 0; t < steps; t++)
        {
            MatrixKernels.MultiplyTransposedAdd<T, TInput, TOutput>(weightValues, outputGradients.Slice(t * outputSize, outputSize), inputGradients.Slice(t * inputSize, inputSize));
        }
    }

    private const string Shape = "The inputs, their gradients and the output gradients must be the same number of steps of the layer's sizes.";
}
