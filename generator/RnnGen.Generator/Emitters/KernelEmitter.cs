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
    /// <summary>Output vectors kept in registers per pass of the matrix-vector product: enough independent FMA chains to cover the FMA latency.</summary>
    private const int BlockVectors = 8;

    /// <summary>Interleaved partial sums for the last output vectors, so even a narrow product keeps several chains going.</summary>
    private const int SplitInputs = 4;

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
                writer.Line($"ref {t} input = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(vector);");
                writer.Line("int j = 0;");
                writer.Line($"// {BlockVectors} output vectors at a time stay in registers while the inputs stream: each input is broadcast against a");
                writer.Line($"// contiguous stretch of its weight row, and the {BlockVectors} sums are independent FMA chains (no horizontal sums).");
                writer.Block($"for (; j <= {columns} - ({BlockVectors} * {vector}.Count); j += {BlockVectors} * {vector}.Count)", () =>
                {
                    for (int k = 0; k < BlockVectors; k++)
                    {
                        writer.Line($"{vector} total{k} = global::System.Numerics.Vector.LoadUnsafe(ref sum, (nuint)(j + ({k} * {vector}.Count)));");
                    }
                    writer.Line($"ref {t} row = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref weight, j);");
                    writer.Block($"for (int i = 0; i < {rows}; i++, row = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref row, {columns}))", () =>
                    {
                        writer.Line($"{vector} broadcast = new(global::System.Runtime.CompilerServices.Unsafe.Add(ref input, i));");
                        for (int k = 0; k < BlockVectors; k++)
                        {
                            writer.Line($"total{k} = global::System.Numerics.Vector.MultiplyAddEstimate(broadcast, global::System.Numerics.Vector.LoadUnsafe(ref row, (nuint)({k} * {vector}.Count)), total{k});");
                        }
                    });
                    for (int k = 0; k < BlockVectors; k++)
                    {
                        writer.Line($"global::System.Numerics.Vector.StoreUnsafe(total{k}, ref sum, (nuint)(j + ({k} * {vector}.Count)));");
                    }
                });
                writer.Line($"// The remaining whole vectors one at a time, the inputs split into {SplitInputs} interleaved partial sums to keep {SplitInputs} chains going.");
                writer.Block($"for (; j <= {columns} - {vector}.Count; j += {vector}.Count)", () =>
                {
                    writer.Line($"{vector} total0 = global::System.Numerics.Vector.LoadUnsafe(ref sum, (nuint)j);");
                    writer.Line($"{vector} {string.Join(", ", Enumerable.Range(1, SplitInputs - 1).Select(k => $"total{k} = {vector}.Zero"))};");
                    writer.Line($"ref {t} row = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref weight, j);");
                    writer.Line("int i = 0;");
                    writer.Block($"for (; i <= {rows} - {SplitInputs}; i += {SplitInputs}, row = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref row, {SplitInputs * columns}))", () =>
                    {
                        for (int k = 0; k < SplitInputs; k++)
                        {
                            writer.Line($"total{k} = global::System.Numerics.Vector.MultiplyAddEstimate(new {vector}(global::System.Runtime.CompilerServices.Unsafe.Add(ref input, i + {k})), global::System.Numerics.Vector.LoadUnsafe(ref row, (nuint){k * columns}), total{k});");
                        }
                    });
                    writer.Block($"for (; i < {rows}; i++, row = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref row, {columns}))", () =>
                        writer.Line($"total0 = global::System.Numerics.Vector.MultiplyAddEstimate(new {vector}(global::System.Runtime.CompilerServices.Unsafe.Add(ref input, i)), global::System.Numerics.Vector.LoadUnsafe(ref row), total0);"));
                    writer.Line($"global::System.Numerics.Vector.StoreUnsafe({string.Join(" + ", Enumerable.Range(0, SplitInputs).Select(k => $"total{k}"))}, ref sum, (nuint)j);");
                });
                writer.Line($"// The outputs left over when {columns} is not a multiple of the vector width.");
                writer.Block($"for (; j < {columns}; j++)", () =>
                {
                    writer.Line($"{t} total = accumulator[j];");
                    writer.Block($"for (int i = 0; i < {rows}; i++)", () =>
                        writer.Line($"total = {t}.MultiplyAddEstimate(vector[i], weights[(i * {columns}) + j], total);"));
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
                        writer.Line($"global::System.Numerics.Vector.StoreUnsafe(global::System.Numerics.Vector.MultiplyAddEstimate(new {vector}(scale), global::System.Numerics.Vector.LoadUnsafe(ref gradientStart, (nuint)j), global::System.Numerics.Vector.LoadUnsafe(ref row, (nuint)j)), ref row, (nuint)j);"));
                    writer.Block($"for (; j < {columns}; j++)", () =>
                        writer.Line($"global::System.Runtime.CompilerServices.Unsafe.Add(ref row, j) = {t}.MultiplyAddEstimate(scale, gradient[j], global::System.Runtime.CompilerServices.Unsafe.Add(ref row, j));"));
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
                        writer.Line("partial = global::System.Numerics.Vector.MultiplyAddEstimate(global::System.Numerics.Vector.LoadUnsafe(ref row, (nuint)j), global::System.Numerics.Vector.LoadUnsafe(ref gradientStart, (nuint)j), partial);"));
                    writer.Line($"{t} total = global::System.Numerics.Vector.Sum(partial);");
                    writer.Block($"for (; j < {columns}; j++)", () =>
                        writer.Line($"total = {t}.MultiplyAddEstimate(global::System.Runtime.CompilerServices.Unsafe.Add(ref row, j), gradient[j], total);"));
                    writer.Line("result[i] += total;");
                });
            });
    }
}
