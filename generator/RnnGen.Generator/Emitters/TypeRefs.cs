namespace RnnGen.Generator.Emitters;

/// <summary>
/// The fully qualified names the generated code uses, in one place (as System.Text.Json's generator keeps its
/// <c>...TypeRef</c> constants): every name is <c>global::</c>-qualified, so no user type or namespace can capture it.
/// </summary>
internal static class TypeRefs
{
    public const string Array = "global::System.Array";
    public const string ArgumentException = "global::System.ArgumentException";
    public const string ArgumentNullException = "global::System.ArgumentNullException";
    public const string InvalidOperationException = "global::System.InvalidOperationException";
    public const string Arguments = "global::RnnGen.RnnArguments";
    public const string LossFunctions = "global::RnnGen.RnnLossFunctions";
    public const string Sampler = "global::RnnGen.RnnSampler";
    public const string Kernels = "global::RnnGen.Kernels";
    public const string MatrixKernels = "global::RnnGen.Kernels.MatrixKernels";
    public const string Activations = "global::RnnGen.Kernels.Activations";
    public const string LossGradients = "global::RnnGen.Kernels.LossGradients";
    public const string SizeInterface = "global::RnnGen.Kernels.ISize";

    /// <summary>The namespace of the size structs the generator emits once per compilation.</summary>
    public const string SizesNamespace = "RnnGen.Sizes";

    public static string Span(string t) => $"global::System.Span<{t}>";

    /// <summary>The buffer of a model's parameters or gradients, which starts a cache line.</summary>
    public static string AlignedBuffer(string t) => $"{Kernels}.CacheAlignedBuffer<{t}>";

    public static string ReadOnlySpan(string t) => $"global::System.ReadOnlySpan<{t}>";

    /// <summary>A type as a cref names it (<c>global::System.Span{float}</c>): an overloaded member's cref names its parameters, or it is ambiguous (CS0419).</summary>
    public static string Cref(string type) => type.Replace('<', '{').Replace('>', '}');

    /// <summary>The size struct standing for <paramref name="size"/> as a kernel's type argument, e.g. <c>global::RnnGen.Sizes.N128</c>.</summary>
    public static string Size(int size) => $"global::{SizesNamespace}.{SizeName(size)}";

    public static string SizeName(int size) => $"N{size}";

    /// <summary>The kernels' type argument for whether a layer has biases.</summary>
    public static string Bias(bool present) => present ? $"{Kernels}.WithBias" : $"{Kernels}.NoBias";
}
