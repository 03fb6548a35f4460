namespace RnnGen;

/// <summary>
/// Training mode, generated for models declared with <c>Dropout</c> (and more than one layer) or <c>HeadDropout</c>: PyTorch's
/// <c>model.train()</c> and <c>model.eval()</c>, with masks that are a pure function of a key, so that a sequence is dropped
/// the same way whichever call, batch or worker runs it.
/// </summary>
/// <remarks>
/// In training mode, <c>Forward</c>, <c>ForwardBatch</c> and <c>AccumulateBatchGradients</c> zero each unit at a dropout
/// site with the declared probability p and scale the others by 1 / (1 - p) (inverted dropout, so inference needs no
/// rescaling); <c>Backward</c> backpropagates through the masks of the forward pass it follows. Sequence b of a call draws
/// its masks from <see cref="DropoutKey"/> + b (<see cref="Kernels.Dropout.Keeps"/> defines them), and the call then advances
/// <see cref="DropoutKey"/> by its number of sequences, so B <c>Forward</c> calls drop exactly as one batch of the same B
/// sequences does. Streaming (<c>Step</c>, <c>StepBlock</c>) and generation never drop. <see cref="RnnTrainer{TModel, T}"/>
/// puts its workers in training mode and keys every sequence by the seed, the epoch and its place in the epoch's order.
/// </remarks>
public interface IRnnDropout
{
    /// <summary>Whether forward passes apply the declared dropout. False for a new model: it starts in inference mode.</summary>
    bool Training { get; set; }

    /// <summary>The key of the masks of the next sequence a training-mode forward pass reads; each such pass advances it by its number of sequences.</summary>
    ulong DropoutKey { get; set; }
}
