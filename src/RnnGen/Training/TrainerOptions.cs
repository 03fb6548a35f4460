namespace RnnGen;

/// <summary>How a trainer (<see cref="RnnTrainer{TModel, T}"/>, <see cref="EncoderDecoderTrainer{TEncoder, TDecoder, T}"/>) trains; it validates the values when it is created.</summary>
public sealed record TrainerOptions
{
    /// <summary>The number of sequences per optimizer step, ≥ 1 (the last batch of an epoch may be smaller).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The number of passes over the data that the trainer's <c>Train</c> makes (at most, with early stopping), ≥ 1.</summary>
    public int Epochs { get; init; } = 10;

    /// <summary>Seeds the shuffling of the sequences before each epoch (each epoch's order depends only on it and the epoch's number).</summary>
    public int Seed { get; init; }

    /// <summary>What the batch's summed loss and gradient are divided by: its sequences (the default) or its target steps.</summary>
    public LossReduction LossReduction { get; init; }

    /// <summary>When set, the batch gradient is clipped to this global L2 norm (finite, &gt; 0) before the optimizer step; null for no clipping.</summary>
    public double? MaxGradientNorm { get; init; }

    /// <summary>
    /// Null for full backpropagation through time; k ≥ 1 to split each sequence into windows of k steps (the last
    /// may be shorter), each backpropagated alone, with the previous window's final state as its initial state.
    /// Valid only for unidirectional many-to-many and one-to-many models (a bidirectional model's reverse direction ends
    /// each window at its first step, so its final state cannot seed the next window).
    /// </summary>
    public int? TruncationWindow { get; init; }

    /// <summary>
    /// The number of workers (model instances on the trained model's parameters, each run on its own thread) that share
    /// a batch, ≥ 1. The default is 2 on every machine: the shares, and so the order in which gradients are summed,
    /// decide the weights bit for bit, and a default taken from the machine's cores would train other weights on a
    /// one-core machine (which runs the two shares in turn).
    /// </summary>
    public int DegreeOfParallelism { get; init; } = 2;
}

/// <summary>What a trainer divides a batch's summed loss (and gradient) by.</summary>
public enum LossReduction
{
    /// <summary>The number of sequences in the batch: each sequence weighs the same, whatever its length.</summary>
    MeanPerSequence = 0,

    /// <summary>
    /// The number of target steps in the batch (one per many-to-one sequence): each predicted step weighs the same, as a
    /// language model's per-token loss, PyTorch's <c>CrossEntropyLoss()</c> over the flattened steps. (For squared error,
    /// PyTorch's <c>MSELoss()</c> also divides by OutputSize; this does not.)
    /// </summary>
    MeanPerStep = 1,
}
