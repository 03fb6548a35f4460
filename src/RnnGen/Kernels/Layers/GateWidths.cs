namespace RnnGen.Kernels;

/// <summary>Three times a size: the fused width of a GRU's three gates.</summary>
internal readonly struct Times3<TSize> : ISize
    where TSize : struct, ISize
{
    /// <inheritdoc />
    public static int Value => 3 * TSize.Value;
}

/// <summary>Four times a size: the fused width of an LSTM's four gates.</summary>
internal readonly struct Times4<TSize> : ISize
    where TSize : struct, ISize
{
    /// <inheritdoc />
    public static int Value => 4 * TSize.Value;
}
