namespace RnnGen;

/// <summary>How <see cref="RnnWeights.Load{T}(IRnnModel{T}, SafeTensorsReader, WeightLoadOptions?)"/> matches a file's tensors to the model's, and what it accepts in them.</summary>
public sealed record WeightLoadOptions
{
    /// <summary>
    /// When the file holds no tensors under a module name the model declares (<c>RecurrentModule</c>, <c>HeadModule</c>),
    /// use the one module of the file whose tensors have that module's names and shapes (e.g. <c>lstm.weight_ih_l0</c>
    /// [32, 4], ... for <c>rnn</c>; <c>fc.weight</c> [3, 16] and <c>fc.bias</c> [3] for <c>head</c>). None, or more than one,
    /// is an error that lists the candidates with their shapes.
    /// </summary>
    public bool FindModules { get; init; }

    /// <summary>
    /// Load tensors that hold NaN or infinity (a diverged training run's weights, kept to study it). Off by default: such a
    /// file is refused with a <see cref="SafeTensorsException"/> naming the tensor and its first non-finite element, since
    /// every output of a model with one non-finite weight is NaN.
    /// </summary>
    public bool AllowNonFinite { get; init; }

    /// <summary>
    /// Load a file whose modules that the model reads hold parameters the model does not have (a third layer where the
    /// model declares two, biases where it declares none), ignoring them, as PyTorch's <c>load_state_dict(strict=False)</c>
    /// does. Off by default: such a file is refused with a <see cref="SafeTensorsException"/> naming the tensor, since the
    /// model would compute another network than the one saved. Tensors of modules the model does not read are always ignored.
    /// </summary>
    public bool AllowUnexpectedTensors { get; init; }
}
