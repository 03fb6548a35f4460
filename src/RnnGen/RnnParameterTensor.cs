namespace RnnGen;

/// <summary>How a PyTorch tensor's values map onto a model's flat parameter buffer.</summary>
public enum RnnTensorLayout
{
    /// <summary>Stored as PyTorch stores it: row-major [Rows, Columns] (or [Rows] for a vector).</summary>
    AsIs = 0,

    /// <summary>A PyTorch [Rows, Columns] matrix stored transposed, row-major [Columns, Rows], so a matrix-vector product broadcasts one input at a time against a contiguous row.</summary>
    Transposed = 1,

    /// <summary>PyTorch's second bias (bias_hh) of a vanilla cell: one buffer holds bias_ih + bias_hh, so loading adds it, and saving writes zeros.</summary>
    AddedBias = 2,
}

/// <summary>One PyTorch state-dict tensor of a generated model and where it lives in the parameter buffer.</summary>
/// <param name="Name">The PyTorch name, e.g. <c>rnn.weight_ih_l0</c>, <c>rnn.weight_hh_l1_reverse</c>, <c>head.weight</c>.</param>
/// <param name="Rows">PyTorch's first dimension.</param>
/// <param name="Columns">PyTorch's second dimension, or 0 for a vector of <paramref name="Rows"/> elements.</param>
/// <param name="Offset">The first element's index in the parameter buffer.</param>
/// <param name="Layout">How the values are arranged there.</param>
public readonly record struct RnnParameterTensor(string Name, int Rows, int Columns, int Offset, RnnTensorLayout Layout)
{
    /// <summary>The number of elements.</summary>
    public int Length => Columns == 0 ? Rows : Rows * Columns;

    /// <summary>The PyTorch shape as text, e.g. <c>[16, 7]</c>.</summary>
    public string ShapeText => Columns == 0 ? $"[{Rows}]" : $"[{Rows}, {Columns}]";
}
