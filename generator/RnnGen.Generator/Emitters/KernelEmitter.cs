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

    public static string ProjectInputsName(int rows, int columns) => $"ProjectInputs{rows}x{columns}";

    public static string AddTransposedProductName(int rows, int columns) => $"AddTransposedProduct{rows}x{columns}";

    /// <summary>Steps per pass of the input projection: each weight vector loaded serves this many steps.</summary>
    private const int BlockSteps = 4;

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
        if (model.Cell == Cell.Vanilla)
        {
            foreach (int inputSize in Enumerable.Range(0, model.Layers).Select(model.LayerInputSize).Distinct())
            {
                EmitProjectInputs(writer, model.T, inputSize, model.HiddenSize);
                writer.Line();
            }
            foreach (int rows in Enumerable.Range(0, model.Layers).Select(model.LayerInputSize).Append(model.HiddenSize).Distinct())
            {
                EmitAddTransposedProduct(writer, model.T, rows, model.HiddenSize);
                writer.Line();
            }
        }
        bool first = true;
        foreach ((int rows, int columns) in shapes.Distinct())
        {
            if (!first)
            {
                writer.Line();
            }
            first = false;
            EmitMultiplyAdd(writer, model.T, rows, columns);
            // A vanilla layer's weight gradients come from AddTransposedProduct over all steps; one step's outer
            // product serves only the head and the initial state.
            if (model.Cell != Cell.Vanilla || (rows, columns) == (model.HiddenSize, model.HiddenSize) || (rows, columns) == (model.LayerWidth, model.OutputSize))
            {
                writer.Line();
                EmitAddOuterProduct(writer, model.T, rows, columns);
            }
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

    /// <summary>
    /// Emits the input projection of a whole sequence: outputs[t, column + j] = bias[j] + Σ_i inputs[t, i] W[i, j] for
    /// every step, as one matrix-matrix product over a layer's output rows (stride LayerWidth).
    /// </summary>
    private static void EmitProjectInputs(SourceWriter writer, string t, int rows, int columns)
    {
        string vector = $"global::System.Numerics.Vector<{t}>";
        string add = "global::System.Runtime.CompilerServices.Unsafe.Add";
        string load = "global::System.Numerics.Vector.LoadUnsafe";
        string store = "global::System.Numerics.Vector.StoreUnsafe";
        string multiplyAdd = "global::System.Numerics.Vector.MultiplyAddEstimate";
        writer.Summary($"outputs[t, column + j] = bias[j] + Σ_i inputs[t, i] * weights[i, j] for every step t, a [{rows}, {columns}] weight matrix stored row by row: {BlockSteps} steps × 2 output vectors per pass, so each weight vector loaded serves {BlockSteps} steps.");
        writer.Block(
            $"private static void {ProjectInputsName(rows, columns)}(global::System.ReadOnlySpan<{t}> inputs, global::System.ReadOnlySpan<{t}> weights, global::System.ReadOnlySpan<{t}> bias, global::System.Span<{t}> outputs, int column)",
            () =>
            {
                writer.Line($"int steps = inputs.Length / {rows};");
                writer.Line("// One bounds check per span here; every load and store below stays inside these bounds.");
                writer.Line($"_ = weights[{(rows * columns) - 1}];");
                writer.Line($"_ = bias[{columns - 1}];");
                writer.Line($"_ = outputs[((steps - 1) * LayerWidth) + column + {columns - 1}];");
                writer.Line($"ref {t} weight = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(weights);");
                writer.Line($"ref {t} biasStart = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(bias);");
                writer.Line("int t = 0;");
                writer.Block($"for (; t <= steps - {BlockSteps}; t += {BlockSteps})", () =>
                {
                    for (int q = 0; q < BlockSteps; q++)
                    {
                        writer.Line($"ref {t} input{q} = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(inputs.Slice((t + {q}) * {rows}, {rows}));");
                        writer.Line($"ref {t} output{q} = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(outputs.Slice(((t + {q}) * LayerWidth) + column, {columns}));");
                    }
                    writer.Line("int j = 0;");
                    writer.Block($"for (; j <= {columns} - (2 * {vector}.Count); j += 2 * {vector}.Count)", () =>
                    {
                        writer.Line($"{vector} bias0 = {load}(ref biasStart, (nuint)j), bias1 = {load}(ref biasStart, (nuint)(j + {vector}.Count));");
                        for (int q = 0; q < BlockSteps; q++)
                        {
                            writer.Line($"{vector} sum{q}a = bias0, sum{q}b = bias1;");
                        }
                        writer.Line($"ref {t} row = ref {add}(ref weight, j);");
                        writer.Block($"for (int i = 0; i < {rows}; i++, row = ref {add}(ref row, {columns}))", () =>
                        {
                            writer.Line($"{vector} weightA = {load}(ref row), weightB = {load}(ref row, (nuint){vector}.Count);");
                            for (int q = 0; q < BlockSteps; q++)
                            {
                                writer.Line($"{vector} x{q} = new({add}(ref input{q}, i));");
                                writer.Line($"sum{q}a = {multiplyAdd}(x{q}, weightA, sum{q}a);");
                                writer.Line($"sum{q}b = {multiplyAdd}(x{q}, weightB, sum{q}b);");
                            }
                        });
                        for (int q = 0; q < BlockSteps; q++)
                        {
                            writer.Line($"{store}(sum{q}a, ref output{q}, (nuint)j);");
                            writer.Line($"{store}(sum{q}b, ref output{q}, (nuint)(j + {vector}.Count));");
                        }
                    });
                    writer.Line($"// The columns left over (fewer than two vectors), one at a time for the same {BlockSteps} steps.");
                    writer.Block($"for (; j < {columns}; j++)", () =>
                    {
                        for (int q = 0; q < BlockSteps; q++)
                        {
                            writer.Line($"{t} total{q} = {add}(ref biasStart, j);");
                        }
                        writer.Block($"for (int i = 0; i < {rows}; i++)", () =>
                        {
                            writer.Line($"{t} w = {add}(ref weight, (i * {columns}) + j);");
                            for (int q = 0; q < BlockSteps; q++)
                            {
                                writer.Line($"total{q} = {t}.MultiplyAddEstimate({add}(ref input{q}, i), w, total{q});");
                            }
                        });
                        for (int q = 0; q < BlockSteps; q++)
                        {
                            writer.Line($"{add}(ref output{q}, j) = total{q};");
                        }
                    });
                });
                writer.Line($"// The last steps (fewer than {BlockSteps}) one at a time.");
                writer.Block("for (; t < steps; t++)", () =>
                {
                    writer.Line($"global::System.Span<{t}> output = outputs.Slice((t * LayerWidth) + column, {columns});");
                    writer.Line("bias.CopyTo(output);");
                    writer.Line($"{MultiplyAddName(rows, columns)}(inputs.Slice(t * {rows}, {rows}), weights, output);");
                });
            });
    }

    /// <summary>
    /// Emits the weight gradient of many steps at once: gradients[i, j] += Σ_k rows[k, i] * stepGradients[k, j], with rows
    /// <c>stride</c> apart (a layer's inputs, or its states), as one matrix-matrix product: 4 rows of the gradient × 2
    /// vectors per pass, so each loaded step-gradient vector serves 4 rows.
    /// </summary>
    private static void EmitAddTransposedProduct(SourceWriter writer, string t, int rows, int columns)
    {
        string vector = $"global::System.Numerics.Vector<{t}>";
        string add = "global::System.Runtime.CompilerServices.Unsafe.Add";
        string load = "global::System.Numerics.Vector.LoadUnsafe";
        string store = "global::System.Numerics.Vector.StoreUnsafe";
        string multiplyAdd = "global::System.Numerics.Vector.MultiplyAddEstimate";
        writer.Summary($"gradients[i, j] += Σ_k rows[k * stride + i] * stepGradients[k, j] over {{count}} steps, for a [{rows}, {columns}] gradient: the weight gradient of every step as one matrix-matrix product.");
        writer.Block(
            $"private static void {AddTransposedProductName(rows, columns)}(global::System.ReadOnlySpan<{t}> rows, int stride, global::System.ReadOnlySpan<{t}> stepGradients, int count, global::System.Span<{t}> gradients)",
            () =>
            {
                writer.Line("// One bounds check per span here; every load and store below stays inside these bounds.");
                writer.Line($"_ = gradients[{(rows * columns) - 1}];");
                writer.Line($"_ = rows[((count - 1) * stride) + {rows - 1}];");
                writer.Line($"_ = stepGradients[(count * {columns}) - 1];");
                writer.Line($"ref {t} row = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(rows);");
                writer.Line($"ref {t} step = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(stepGradients);");
                writer.Line($"ref {t} gradient = ref global::System.Runtime.InteropServices.MemoryMarshal.GetReference(gradients);");
                writer.Line("int i = 0;");
                writer.Block($"for (; i <= {rows} - 4; i += 4)", () =>
                {
                    writer.Line("int j = 0;");
                    writer.Block($"for (; j <= {columns} - (2 * {vector}.Count); j += 2 * {vector}.Count)", () =>
                    {
                        for (int q = 0; q < 4; q++)
                        {
                            writer.Line($"{vector} sum{q}a = {vector}.Zero, sum{q}b = {vector}.Zero;");
                        }
                        writer.Block("for (int k = 0; k < count; k++)", () =>
                        {
                            writer.Line($"ref {t} stepRow = ref {add}(ref step, (k * {columns}) + j);");
                            writer.Line($"{vector} gradientA = {load}(ref stepRow), gradientB = {load}(ref stepRow, (nuint){vector}.Count);");
                            writer.Line($"ref {t} values = ref {add}(ref row, (k * stride) + i);");
                            for (int q = 0; q < 4; q++)
                            {
                                writer.Line($"{vector} value{q} = new({add}(ref values, {q}));");
                                writer.Line($"sum{q}a = {multiplyAdd}(value{q}, gradientA, sum{q}a);");
                                writer.Line($"sum{q}b = {multiplyAdd}(value{q}, gradientB, sum{q}b);");
                            }
                        });
                        for (int q = 0; q < 4; q++)
                        {
                            writer.Line($"ref {t} gradientRow{q} = ref {add}(ref gradient, ((i + {q}) * {columns}) + j);");
                            writer.Line($"{store}({load}(ref gradientRow{q}) + sum{q}a, ref gradientRow{q});");
                            writer.Line($"{store}({load}(ref gradientRow{q}, (nuint){vector}.Count) + sum{q}b, ref gradientRow{q}, (nuint){vector}.Count);");
                        }
                    });
                    writer.Line("// The columns left over (fewer than two vectors), one at a time for the same 4 rows.");
                    writer.Block($"for (; j < {columns}; j++)", () =>
                    {
                        writer.Line($"{t} total0 = 0, total1 = 0, total2 = 0, total3 = 0;");
                        writer.Block("for (int k = 0; k < count; k++)", () =>
                        {
                            writer.Line($"{t} stepGradient = {add}(ref step, (k * {columns}) + j);");
                            writer.Line($"ref {t} values = ref {add}(ref row, (k * stride) + i);");
                            for (int q = 0; q < 4; q++)
                            {
                                writer.Line($"total{q} = {t}.MultiplyAddEstimate({add}(ref values, {q}), stepGradient, total{q});");
                            }
                        });
                        for (int q = 0; q < 4; q++)
                        {
                            writer.Line($"{add}(ref gradient, ((i + {q}) * {columns}) + j) += total{q};");
                        }
                    });
                });
                writer.Line("// The rows left over (fewer than 4), one at a time.");
                writer.Block($"for (; i < {rows}; i++)", () =>
                {
                    writer.Block($"for (int j = 0; j < {columns}; j++)", () =>
                    {
                        writer.Line($"{t} total = 0;");
                        writer.Block("for (int k = 0; k < count; k++)", () =>
                            writer.Line($"total = {t}.MultiplyAddEstimate({add}(ref row, (k * stride) + i), {add}(ref step, (k * {columns}) + j), total);"));
                        writer.Line($"{add}(ref gradient, (i * {columns}) + j) += total;");
                    });
                });
            });
    }
}
