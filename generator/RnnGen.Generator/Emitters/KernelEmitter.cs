using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Emits the fixed-shape matrix-vector kernels, one per distinct weight shape. Bounds are compile-time
/// constants; the vector width (<c>Vector&lt;T&gt;.Count</c>) is only known when the JIT or NativeAOT
/// compiles the code, so each kernel runs whole vectors and then a scalar tail.
/// </summary>
internal static class KernelEmitter
{
    public static string MultiplyAddName(int rows, int columns) => $"MultiplyAdd{rows}x{columns}";

    public static void Emit(SourceWriter writer, ModelSpec model)
    {
        var shapes = new List<(int Rows, int Columns)> { (model.InputSize, model.HiddenSize) };
        if (model.Layers > 1)
        {
            shapes.Add((model.LayerWidth, model.HiddenSize));
        }
        shapes.Add((model.HiddenSize, model.HiddenSize));
        shapes.Add((model.LayerWidth, model.OutputSize));
        bool first = true;
        foreach ((int rows, int columns) in shapes.Distinct())
        {
            if (!first)
            {
                writer.Line();
            }
            first = false;
            EmitMultiplyAdd(writer, model.T, rows, columns);
        }
    }

    private static void EmitMultiplyAdd(SourceWriter writer, string t, int rows, int columns)
    {
        string vector = $"global::System.Numerics.Vector<{t}>";
        writer.Summary($"accumulator[j] += Σ_i vector[i] * weights[i, j] for a [{rows}, {columns}] weight matrix stored row by row.");
        writer.Block(
            $"private static void {MultiplyAddName(rows, columns)}(global::System.ReadOnlySpan<{t}> vector, global::System.ReadOnlySpan<{t}> weights, global::System.Span<{t}> accumulator)",
            () =>
            {
                writer.Line("// One bounds check per span here; every load below stays inside these bounds.");
                writer.Line($"_ = vector[{rows - 1}];");
                writer.Line($"_ = weights[{(rows * columns) - 1}];");
                writer.Line($"_ = accumulator[{columns - 1}];");
                writer.Line($"ref {t} weight = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);");
                writer.Line($"ref {t} sum = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(accumulator);");
                writer.Line("int j = 0;");
                writer.Line("// Whole vectors of outputs: broadcast each input against a contiguous row of weights (no horizontal sums).");
                writer.Block($"for (; j <= {columns} - {vector}.Count; j += {vector}.Count)", () =>
                {
                    writer.Line($"{vector} total = global::System.Numerics.Vector.LoadUnsafe(ref sum, (nuint)j);");
                    writer.Block($"for (int i = 0; i < {rows}; i++)", () =>
                        writer.Line($"total = global::System.Numerics.Vector.FusedMultiplyAdd(new {vector}(vector[i]), global::System.Numerics.Vector.LoadUnsafe(ref weight, (nuint)((i * {columns}) + j)), total);"));
                    writer.Line("global::System.Numerics.Vector.StoreUnsafe(total, ref sum, (nuint)j);");
                });
                writer.Line($"// The outputs left over when {columns} is not a multiple of the vector width.");
                writer.Block($"for (; j < {columns}; j++)", () =>
                {
                    writer.Line($"{t} total = accumulator[j];");
                    writer.Block($"for (int i = 0; i < {rows}; i++)", () =>
                        writer.Line($"total = {t}.FusedMultiplyAdd(vector[i], weights[(i * {columns}) + j], total);"));
                    writer.Line("accumulator[j] = total;");
                });
            });
    }
}
