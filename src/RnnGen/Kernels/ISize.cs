using System.ComponentModel;

namespace RnnGen.Kernels;

/// <summary>
/// A size known when the kernels are compiled: the generator emits one struct per distinct size of a compilation's models
/// (<c>RnnGen.Sizes.N128</c> and so on) and passes them as type arguments, so the JIT and NativeAOT compile one body per shape
/// with every bound folded to a constant, shared by all models of that shape.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface ISize
{
    /// <summary>The size.</summary>
    static abstract int Value { get; }
}
