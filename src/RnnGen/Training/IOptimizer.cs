using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Updates a flat parameter buffer from the gradient of the same layout, one step at a time, and saves and
/// restores its own state (step count, moment buffers) so training can resume from a checkpoint.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IOptimizer<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The length of the parameter and gradient buffers this optimizer updates.</summary>
    int ParameterCount { get; }

    /// <summary>lr, as a torch.optim parameter group's <c>"lr"</c>: may be changed between steps, e.g. by a schedule.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative or non-finite value.</exception>
    double LearningRate { get; set; }

    /// <summary>The number of steps taken so far (restored by <see cref="LoadState"/>).</summary>
    long StepCount { get; }

    /// <summary>Applies one update to <paramref name="parameters"/> from <paramref name="gradients"/>.</summary>
    /// <param name="parameters">The parameters, <see cref="ParameterCount"/> long; updated in place.</param>
    /// <param name="gradients">dE/dθ, laid out like <paramref name="parameters"/>.</param>
    /// <exception cref="ArgumentException">A span's length differs from <see cref="ParameterCount"/>.</exception>
    void Step(Span<T> parameters, ReadOnlySpan<T> gradients);

    /// <summary>Adds the optimizer's state to <paramref name="writer"/>: tensors named <c>optimizer.{kind}.{buffer}</c> and the step count as metadata.</summary>
    /// <param name="writer">The file being assembled.</param>
    void SaveState(SafeTensorsWriter writer);

    /// <summary>Restores the state that <see cref="SaveState"/> wrote; on failure nothing changes.</summary>
    /// <param name="reader">The open file.</param>
    /// <exception cref="SafeTensorsException">An entry is missing, malformed or of the wrong size; the message names it and both sizes.</exception>
    void LoadState(SafeTensorsReader reader);
}
