using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// The kernel methods the generated code calls, instantiated at the model's sizes: the kernels live in the runtime
/// library (<c>RnnGen.Kernels.MatrixKernels</c>), and the size structs as type arguments make the JIT and NativeAOT
/// compile one body per shape with constant bounds, shared by every model of that shape.
/// </summary>
internal static class KernelCalls
{
    /// <summary>accumulator += vector · W for a [rows, columns] matrix.</summary>
    public static string MultiplyAdd(ModelSpec model, int rows, int columns) => Matrix(nameof(MultiplyAdd), model, rows, columns);

    /// <summary>result = bias + vector · W for a [rows, columns] matrix.</summary>
    public static string Affine(ModelSpec model, int rows, int columns) => Matrix(nameof(Affine), model, rows, columns);

    /// <summary>result += W · gradient for a [rows, columns] matrix.</summary>
    public static string MultiplyTransposedAdd(ModelSpec model, int rows, int columns) => Matrix(nameof(MultiplyTransposedAdd), model, rows, columns);

    /// <summary>W_gradient += vector ⊗ gradient for a [rows, columns] matrix.</summary>
    public static string AddOuterProduct(ModelSpec model, int rows, int columns) => Matrix(nameof(AddOuterProduct), model, rows, columns);

    /// <summary>Every step's x · W + b at once, for a [rows, columns] matrix.</summary>
    public static string ProjectInputs(ModelSpec model, int rows, int columns) => Matrix(nameof(ProjectInputs), model, rows, columns);

    private static string Matrix(string kernel, ModelSpec model, int rows, int columns) =>
        $"{TypeRefs.MatrixKernels}.{kernel}<{model.T}, {TypeRefs.Size(rows)}, {TypeRefs.Size(columns)}>";
}
