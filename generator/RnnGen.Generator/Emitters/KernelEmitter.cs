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
        // Recurrent weights fuse every gate's columns (GateWidth = Gates * HiddenSize), so one product serves all gates.
        var shapes = new List<(int Rows, int Columns)> { (model.InputSize, model.GateWidth) };
        if (model.Layers > 1)
        {
            shapes.Add((model.LayerWidth, model.GateWidth));
        }
        shapes.Add((model.HiddenSize, model.GateWidth));
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
            writer.Line();
            EmitAddOuterProduct(writer, model.T, rows, columns);
            writer.Line();
            EmitMultiplyTransposedAdd(writer, model.T, rows, columns);
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

    private static void EmitAddOuterProduct(SourceWriter writer, string t, int rows, int columns)
    {
        string vector = $"global::System.Numerics.Vector<{t}>";
        writer.Summary($"weightGradients[i, j] += vector[i] * gradient[j] for a [{rows}, {columns}] matrix stored row by row: the weight gradient of one step.");
        writer.Block(
            $"private static void AddOuterProduct{rows}x{columns}(global::System.ReadOnlySpan<{t}> vector, global::System.ReadOnlySpan<{t}> gradient, global::System.Span<{t}> weightGradients)",
            () =>
            {
                writer.Line("// One bounds check per span here; every load below stays inside these bounds.");
                writer.Line($"_ = vector[{rows - 1}];");
                writer.Line($"_ = gradient[{columns - 1}];");
                writer.Line($"_ = weightGradients[{(rows * columns) - 1}];");
                writer.Line($"ref {t} gradientStart = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(gradient);");
                writer.Line($"ref {t} row = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(weightGradients);");
                writer.Block($"for (int i = 0; i < {rows}; i++, row = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref row, {columns}))", () =>
                {
                    writer.Line($"{t} scale = vector[i];");
                    writer.Line("int j = 0;");
                    writer.Block($"for (; j <= {columns} - {vector}.Count; j += {vector}.Count)", () =>
                        writer.Line($"global::System.Numerics.Vector.StoreUnsafe(global::System.Numerics.Vector.FusedMultiplyAdd(new {vector}(scale), global::System.Numerics.Vector.LoadUnsafe(ref gradientStart, (nuint)j), global::System.Numerics.Vector.LoadUnsafe(ref row, (nuint)j)), ref row, (nuint)j);"));
                    writer.Block($"for (; j < {columns}; j++)", () =>
                        writer.Line($"global::System.Runtime.CompilerServices.Unsafe.Add(ref row, j) = {t}.FusedMultiplyAdd(scale, gradient[j], global::System.Runtime.CompilerServices.Unsafe.Add(ref row, j));"));
                });
            });
    }

    private static void EmitMultiplyTransposedAdd(SourceWriter writer, string t, int rows, int columns)
    {
        string vector = $"global::System.Numerics.Vector<{t}>";
        writer.Summary($"result[i] += Σ_j weights[i, j] * gradient[j] for a [{rows}, {columns}] matrix stored row by row: a gradient sent back through the weights.");
        writer.Block(
            $"private static void MultiplyTransposedAdd{rows}x{columns}(global::System.ReadOnlySpan<{t}> weights, global::System.ReadOnlySpan<{t}> gradient, global::System.Span<{t}> result)",
            () =>
            {
                writer.Line("// One bounds check per span here; every load below stays inside these bounds.");
                writer.Line($"_ = weights[{(rows * columns) - 1}];");
                writer.Line($"_ = gradient[{columns - 1}];");
                writer.Line($"_ = result[{rows - 1}];");
                writer.Line($"ref {t} gradientStart = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(gradient);");
                writer.Line($"ref {t} row = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);");
                writer.Block($"for (int i = 0; i < {rows}; i++, row = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref row, {columns}))", () =>
                {
                    writer.Line($"{vector} partial = {vector}.Zero;");
                    writer.Line("int j = 0;");
                    writer.Block($"for (; j <= {columns} - {vector}.Count; j += {vector}.Count)", () =>
                        writer.Line("partial = global::System.Numerics.Vector.FusedMultiplyAdd(global::System.Numerics.Vector.LoadUnsafe(ref row, (nuint)j), global::System.Numerics.Vector.LoadUnsafe(ref gradientStart, (nuint)j), partial);"));
                    writer.Line($"{t} total = global::System.Numerics.Vector.Sum(partial);");
                    writer.Block($"for (; j < {columns}; j++)", () =>
                        writer.Line($"total = {t}.FusedMultiplyAdd(global::System.Runtime.CompilerServices.Unsafe.Add(ref row, j), gradient[j], total);"));
                    writer.Line("result[i] += total;");
                });
            });
    }
}
