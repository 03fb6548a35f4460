namespace RnnGen;

/// <summary>How <see cref="RnnWeights.Load{T}(IRnnModel{T}, SafeTensorsReader, WeightLoadOptions?)"/> matches a file's tensors to the model's.</summary>
public sealed record WeightLoadOptions
{
    /// <summary>
    /// When the file holds no tensors under a module name the model declares (<c>RecurrentModule</c>, <c>HeadModule</c>),
    /// use the one module of the file whose tensors have that module's names and shapes (e.g. <c>lstm.weight_ih_l0</c>
    /// [32, 4], ... for <c>rnn</c>; <c>fc.weight</c> [3, 16] and <c>fc.bias</c> [3] for <c>head</c>). None, or more than one,
    /// is an error that lists the candidates with their shapes.
    /// </summary>
    public bool FindModules { get; init; }
}
