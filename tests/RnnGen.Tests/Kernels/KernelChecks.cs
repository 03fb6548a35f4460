using System;
using System.Collections.Generic;
using System.Linq;
using System.Numerics;
using System.Reflection;
using System.Runtime.Intrinsics;
using RnnGen.Kernels;

namespace RnnGen.Tests.Kernels;

// Sizes around every path of the kernels at every vector width (float: 4, 8 or 16 lanes; double: 2, 4 or 8): 1, lanes ± 1,
// lanes, 8 lanes ± 1 (the register-blocked pass), whole blocks beyond the first-level cache (65 × 256), and one large size.
#pragma warning disable CS1591
public readonly struct S1 : ISize { public static int Value => 1; }
public readonly struct S2 : ISize { public static int Value => 2; }
public readonly struct S3 : ISize { public static int Value => 3; }
public readonly struct S4 : ISize { public static int Value => 4; }
public readonly struct S5 : ISize { public static int Value => 5; }
public readonly struct S7 : ISize { public static int Value => 7; }
public readonly struct S8 : ISize { public static int Value => 8; }
public readonly struct S9 : ISize { public static int Value => 9; }
public readonly struct S15 : ISize { public static int Value => 15; }
public readonly struct S16 : ISize { public static int Value => 16; }
public readonly struct S17 : ISize { public static int Value => 17; }
public readonly struct S31 : ISize { public static int Value => 31; }
public readonly struct S33 : ISize { public static int Value => 33; }
public readonly struct S63 : ISize { public static int Value => 63; }
public readonly struct S65 : ISize { public static int Value => 65; }
public readonly struct S127 : ISize { public static int Value => 127; }
public readonly struct S129 : ISize { public static int Value => 129; }
public readonly struct S192 : ISize { public static int Value => 192; }
public readonly struct S256 : ISize { public static int Value => 256; }
public readonly struct S300 : ISize { public static int Value => 300; }
#pragma warning restore CS1591

/// <summary>
/// Every kernel of RnnGen.Kernels against a scalar reference computed in double, for float and double, over sizes that
/// reach each of its paths at the vector width of the process running them (the tests run them in process and in child
/// processes at 128, 256 and 512 bits, and at 256 with AVX-512 off). A result passes when it is within (terms + 2) ε of the exact value, relative to the sum
/// of the terms' magnitudes: what float or double arithmetic in any summation order achieves. Values outside the span a
/// kernel may write (sentinels) must stay untouched.
/// </summary>
public static class KernelChecks
{
    private static readonly Type[] s_columns =
        [typeof(S1), typeof(S2), typeof(S3), typeof(S4), typeof(S5), typeof(S7), typeof(S8), typeof(S9), typeof(S15), typeof(S16),
         typeof(S17), typeof(S31), typeof(S33), typeof(S63), typeof(S65), typeof(S127), typeof(S129), typeof(S192), typeof(S256), typeof(S300)];

    private static readonly Type[] s_rows = [typeof(S1), typeof(S3), typeof(S4), typeof(S5), typeof(S9), typeof(S17), typeof(S65)];

    private static readonly int[] s_lengths = [.. Enumerable.Range(1, 70), 127, 128, 129, 300];

    private const double Sentinel = 12345;

    /// <summary>Runs every check and returns one line per failure (none when all pass).</summary>
    public static List<string> Run()
    {
        var failures = new List<string>();
        foreach (Type element in new[] { typeof(float), typeof(double) })
        {
            foreach (Type rows in s_rows)
            {
                foreach (Type columns in s_columns)
                {
                    foreach (string check in new[] { nameof(MultiplyAdd), nameof(Affine), nameof(MultiplyTransposedAdd), nameof(AddOuterProduct), nameof(ProjectInputs), nameof(AddTransposedProduct), nameof(PanelProducts) })
                    {
                        MethodInfo method = typeof(KernelChecks).GetMethod(check, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(element, rows, columns);
                        method.Invoke(null, [failures]);
                    }
                }
            }
            foreach (string check in new[] { nameof(ElementWise), nameof(ColumnPanels), nameof(PowersOfTwo) })
            {
                typeof(KernelChecks).GetMethod(check, BindingFlags.NonPublic | BindingFlags.Static)!.MakeGenericMethod(element).Invoke(null, [failures]);
            }
        }
        return failures;
    }

    private static void MultiplyAdd<T, TRows, TColumns>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize => VectorTimesMatrix<T, TRows, TColumns>(failures, affine: false);

    /// <summary>Affine writes bias + vector · W over whatever the result held (here NaN, which must not leak in).</summary>
    private static void Affine<T, TRows, TColumns>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize => VectorTimesMatrix<T, TRows, TColumns>(failures, affine: true);

    /// <summary>start + vector · W, where start is the accumulator itself (MultiplyAdd) or a separate bias (Affine).</summary>
    private static void VectorTimesMatrix<T, TRows, TColumns>(List<string> failures, bool affine)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int r = TRows.Value, c = TColumns.Value;
        var random = new Random((r * 1000) + c + (affine ? 7 : 0));
        double[] vector = Draw<T>(random, r), weights = Draw<T>(random, r * c), start = Draw<T>(random, c);
        Exact expected = StartPlusVectorTimesMatrix(start, vector, weights, r, c);
        string name = $"{(affine ? "Affine" : "MultiplyAdd")}<{typeof(T).Name}, {r}, {c}>";
        T[] result = Guarded<T>(affine ? Enumerable.Repeat(double.NaN, c).ToArray() : start, 0, c);
        if (affine)
        {
            MatrixKernels.Affine<T, TRows, TColumns>(Cast<T>(vector), Cast<T>(weights), Cast<T>(start), result.AsSpan(0, c));
        }
        else
        {
            MatrixKernels.MultiplyAdd<T, TRows, TColumns>(Cast<T>(vector), Cast<T>(weights), result.AsSpan(0, c));
        }
        expected.Check<T>(failures, name, result, 0, r + 1);
    }

    /// <summary>start[j] + Σ_i vector[i] * weights[i, j], exactly, for a [<paramref name="r"/>, <paramref name="c"/>] matrix.</summary>
    private static Exact StartPlusVectorTimesMatrix(double[] start, double[] vector, double[] weights, int r, int c)
    {
        var expected = new Exact(c);
        for (int j = 0; j < c; j++)
        {
            expected.Add(j, start[j]);
            for (int i = 0; i < r; i++)
            {
                expected.Add(j, vector[i] * weights[(i * c) + j]);
            }
        }
        return expected;
    }

    private static void MultiplyTransposedAdd<T, TRows, TColumns>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int r = TRows.Value, c = TColumns.Value;
        var random = new Random((r * 1000) + c + 1);
        double[] weights = Draw<T>(random, r * c), gradient = Draw<T>(random, c), start = Draw<T>(random, r);
        var expected = new Exact(r);
        for (int i = 0; i < r; i++)
        {
            expected.Add(i, start[i]);
            for (int j = 0; j < c; j++)
            {
                expected.Add(i, weights[(i * c) + j] * gradient[j]);
            }
        }
        T[] result = Guarded<T>(start, 0, r);
        MatrixKernels.MultiplyTransposedAdd<T, TRows, TColumns>(Cast<T>(weights), Cast<T>(gradient), result.AsSpan(0, r));
        expected.Check<T>(failures, $"MultiplyTransposedAdd<{typeof(T).Name}, {r}, {c}>", result, 0, c + 1);
    }

    private static void AddOuterProduct<T, TRows, TColumns>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int r = TRows.Value, c = TColumns.Value;
        var random = new Random((r * 1000) + c + 2);
        double[] vector = Draw<T>(random, r), gradient = Draw<T>(random, c), start = Draw<T>(random, r * c);
        var expected = new Exact(r * c);
        for (int i = 0; i < r; i++)
        {
            for (int j = 0; j < c; j++)
            {
                expected.Add((i * c) + j, start[(i * c) + j]);
                expected.Add((i * c) + j, vector[i] * gradient[j]);
            }
        }
        T[] result = Guarded<T>(start, 0, r * c);
        MatrixKernels.AddOuterProduct<T, TRows, TColumns>(Cast<T>(vector), Cast<T>(gradient), result.AsSpan(0, r * c));
        expected.Check<T>(failures, $"AddOuterProduct<{typeof(T).Name}, {r}, {c}>", result, 0, 2);
    }

    private static void ProjectInputs<T, TRows, TColumns>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int r = TRows.Value, c = TColumns.Value;
        // Four steps a pass, six or twelve (the wide passes, at 256 and 512 bits), and what each leaves over.
        foreach (int steps in new[] { 1, 3, 4, 5, 6, 9, 12, 13, 17, 29 })
        {
            var random = new Random((r * 1000) + c + (10 * steps));
            int stride = c + 3, column = 2;
            double[] inputs = Draw<T>(random, steps * r), weights = Draw<T>(random, r * c), bias = Draw<T>(random, c);
            int length = ((steps - 1) * stride) + column + c;
            var expected = new Exact(length);
            var initial = new double[length];
            Array.Fill(initial, Sentinel);
            for (int t = 0; t < steps; t++)
            {
                for (int j = 0; j < c; j++)
                {
                    int at = (t * stride) + column + j;
                    initial[at] = 99; // overwritten: the projection does not add to what was there
                    expected.Add(at, bias[j]);
                    for (int i = 0; i < r; i++)
                    {
                        expected.Add(at, inputs[(t * r) + i] * weights[(i * c) + j]);
                    }
                }
            }
            for (int at = 0; at < length; at++)
            {
                if (initial[at] == Sentinel)
                {
                    expected.Add(at, Sentinel);
                }
            }
            T[] result = Guarded<T>(initial, 0, length);
            MatrixKernels.ProjectInputs<T, TRows, TColumns>(Cast<T>(inputs), Cast<T>(weights), Cast<T>(bias), result.AsSpan(0, length), stride, column);
            expected.Check<T>(failures, $"ProjectInputs<{typeof(T).Name}, {r}, {c}> over {steps} steps", result, 0, r + 1);
        }
    }

    private static void AddTransposedProduct<T, TRows, TColumns>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int r = TRows.Value, c = TColumns.Value;
        foreach (int count in new[] { 0, 1, 5 })
        {
            var random = new Random((r * 1000) + c + (100 * count));
            int stride = r + 2;
            double[] rows = Draw<T>(random, Math.Max(0, ((count - 1) * stride) + r)), stepGradients = Draw<T>(random, count * c), start = Draw<T>(random, r * c);
            var expected = new Exact(r * c);
            for (int i = 0; i < r; i++)
            {
                for (int j = 0; j < c; j++)
                {
                    expected.Add((i * c) + j, start[(i * c) + j]);
                    for (int k = 0; k < count; k++)
                    {
                        expected.Add((i * c) + j, rows[(k * stride) + i] * stepGradients[(k * c) + j]);
                    }
                }
            }
            T[] result = Guarded<T>(start, 0, r * c);
            MatrixKernels.AddTransposedProduct<T, TRows, TColumns>(Cast<T>(rows), stride, Cast<T>(stepGradients), count, result.AsSpan(0, r * c));
            expected.Check<T>(failures, $"AddTransposedProduct<{typeof(T).Name}, {r}, {c}> over {count} steps", result, 0, count + 2);
        }
    }

    /// <summary>
    /// The batched passes' products on panels (<see cref="PanelKernels"/>): count rows, strided, times the packed matrix, from a
    /// bias (MultiplyRows, start stride 0) or onto the rows themselves (MultiplyAddRows). The counts reach the blocks of 8
    /// rows (512-bit panels), of 4, and the single rows after them.
    /// </summary>
    private static void PanelProducts<T, TRows, TColumns>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TRows : struct, ISize
        where TColumns : struct, ISize
    {
        int r = TRows.Value, c = TColumns.Value, vectorStride = r + 3;
        T[] panels = new T[PanelKernels.PackedLength<TRows, TColumns>()];
        foreach (int count in new[] { 1, 4, 7, 8, 9, 16, 33 })
        {
            foreach (bool fromBias in new[] { true, false })
            {
                var random = new Random((r * 1000) + c + (10 * count) + (fromBias ? 1 : 0));
                double[] vectors = Draw<T>(random, ((count - 1) * vectorStride) + r), weights = Draw<T>(random, r * c);
                double[] starts = Draw<T>(random, fromBias ? c : count * c);
                PanelKernels.Pack<T, TRows, TColumns>(Cast<T>(weights), panels);
                var expected = new Exact(count * c);
                for (int row = 0; row < count; row++)
                {
                    for (int j = 0; j < c; j++)
                    {
                        expected.Add((row * c) + j, starts[(fromBias ? 0 : row * c) + j]);
                        for (int i = 0; i < r; i++)
                        {
                            expected.Add((row * c) + j, vectors[(row * vectorStride) + i] * weights[(i * c) + j]);
                        }
                    }
                }
                string name = $"PanelKernels.{(fromBias ? "MultiplyRows" : "MultiplyAddRows")}<{typeof(T).Name}, {r}, {c}> over {count} rows";
                T[] result = Guarded<T>(fromBias ? new double[count * c] : starts, 0, count * c);
                if (fromBias)
                {
                    PanelKernels.MultiplyRows<T, TRows, TColumns>(Cast<T>(vectors), vectorStride, count, panels, Cast<T>(starts), 0, result.AsSpan(0, count * c), c);
                }
                else
                {
                    PanelKernels.MultiplyAddRows<T, TRows, TColumns>(Cast<T>(vectors), vectorStride, count, panels, result.AsSpan(0, count * c), c);
                }
                expected.Check<T>(failures, name, result, 0, r + 1);
            }
        }
    }

    /// <summary>
    /// The recurrence's product on column panels (runtime sizes, whole panels of 8 vectors; odd and even row counts for the
    /// 512-bit path's two rows a pass): the packed copy holds the matrix and no more, and accumulator + vector · W comes out
    /// as exact as the row-by-row product's, with the panels taken in either order.
    /// </summary>
    private static void ColumnPanels<T>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int panel = 8 * Vector<T>.Count;
        foreach ((int r, int c) in new[] { (1, panel), (2, panel), (16, 2 * panel), (17, 2 * panel), (65, 3 * panel), (129, panel) })
        {
            var random = new Random((r * 1000) + c + 5);
            double[] vector = Draw<T>(random, r), weights = Draw<T>(random, r * c), start = Draw<T>(random, c);
            Exact expected = StartPlusVectorTimesMatrix(start, vector, weights, r, c);
            string name = $"ColumnPanels<{typeof(T).Name}, {r}, {c}>";
            T[] panels = Guarded<T>(new double[r * c], 0, r * c);
            MatrixKernels.PackColumnPanels<T>(Cast<T>(weights), r, c, panels.AsSpan(0, r * c));
            if (panels.AsSpan(r * c).ContainsAnyExcept(T.CreateTruncating(Sentinel)))
            {
                failures.Add($"{name}: the packing wrote past the matrix");
            }
            foreach (bool lastPanelFirst in new[] { false, true })
            {
                T[] result = Guarded<T>(start, 0, c);
                MatrixKernels.MultiplyAddColumnPanels<T>(Cast<T>(vector), panels.AsSpan(0, r * c), r, c, result.AsSpan(0, c), lastPanelFirst);
                expected.Check<T>(failures, lastPanelFirst ? name + ", last panel first" : name, result, 0, r + 1);
            }
        }
    }

    /// <summary>The lanes' 2^(n + offset) at both widths, exact, over the normal exponents and the offsets the activations use.</summary>
    private static void PowersOfTwo<T>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int lowest = typeof(T) == typeof(float) ? -126 : -1022, highest = typeof(T) == typeof(float) ? 127 : 1023;
        foreach (int offset in new[] { 0, 64 })
        {
            for (int n = lowest - offset; n <= highest - offset; n++)
            {
                T expected = T.CreateTruncating(Math.ScaleB(1.0, n + offset)), whole = T.CreateTruncating(n);
                T narrow = VectorLanes<T>.PowerOfTwo(new Vector<T>(whole), offset)[0];
                T wide = Vector512Lanes<T>.PowerOfTwo(Vector512.Create(whole), offset)[Vector512<T>.Count - 1];
                if (narrow != expected || wide != expected)
                {
                    failures.Add($"PowerOfTwo<{typeof(T).Name}>({n}, {offset}) gave {narrow} and {wide} at the two widths, not {expected}");
                }
            }
        }
    }

    private static void ElementWise<T>(List<string> failures)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        foreach (int n in s_lengths)
        {
            var random = new Random(n);
            double[] x = Draw<T>(random, n, 4), g = Draw<T>(random, n), carried = Draw<T>(random, n), y = Array.ConvertAll(Draw<T>(random, n), v => double.CreateTruncating(T.CreateTruncating(Math.Tanh(v))));
            string name = $"<{typeof(T).Name}> at length {n}";

            Unary<T>(failures, "Tanh" + name, x, Math.Tanh, static v => Activations.Tanh(v), 3);
            Unary<T>(failures, "Sigmoid" + name, x, static v => 1 / (1 + Math.Exp(-v)), static v => Activations.Sigmoid(v), 3);
            Unary<T>(failures, "Relu" + name, x, static v => Math.Max(0, v), static v => Activations.Relu(v), 0);

            var tanhBackward = new Exact(n);
            var reluBackward = new Exact(n);
            for (int j = 0; j < n; j++)
            {
                tanhBackward.AddBounded(j, (g[j] + carried[j]) * (1 - (y[j] * y[j])), (Math.Abs(g[j]) + Math.Abs(carried[j])) * (1 + (y[j] * y[j])));
                reluBackward.AddBounded(j, y[j] > 0 ? g[j] + carried[j] : 0, Math.Abs(g[j]) + Math.Abs(carried[j]));
            }
            T[] result = Guarded<T>(new double[n], 0, n);
            Activations.TanhBackward<T>(Cast<T>(y), Cast<T>(g), Cast<T>(carried), result.AsSpan(0, n));
            tanhBackward.Check<T>(failures, "TanhBackward" + name, result, 0, 4);
            result = Guarded<T>(new double[n], 0, n);
            Activations.ReluBackward<T>(Cast<T>(y), Cast<T>(g), Cast<T>(carried), result.AsSpan(0, n));
            reluBackward.Check<T>(failures, "ReluBackward" + name, result, 0, 1);

            // Rows of a [5, n] matrix summed into a row, and a softmax over each of 3 rows.
            double[] rows = Draw<T>(random, 5 * n), start = Draw<T>(random, n);
            var rowSums = new Exact(n);
            for (int j = 0; j < n; j++)
            {
                rowSums.Add(j, start[j]);
                for (int row = 0; row < 5; row++)
                {
                    rowSums.Add(j, rows[(row * n) + j]);
                }
            }
            result = Guarded<T>(start, 0, n);
            Activations.AddRowsTo<T>(Cast<T>(rows), result.AsSpan(0, n));
            rowSums.Check<T>(failures, "AddRowsTo" + name, result, 0, 1);
            double[] logits = Draw<T>(random, 3 * n, 10);
            var softmax = new Exact(3 * n);
            for (int row = 0; row < 3; row++)
            {
                double max = logits.Skip(row * n).Take(n).Max(), total = logits.Skip(row * n).Take(n).Sum(v => Math.Exp(v - max));
                for (int j = 0; j < n; j++)
                {
                    softmax.Add((row * n) + j, Math.Exp(logits[(row * n) + j] - max) / total, terms: n + 2);
                }
            }
            result = Guarded<T>(logits, 0, 3 * n);
            Activations.SoftmaxRows<T>(result.AsSpan(0, 3 * n), n);
            softmax.Check<T>(failures, "SoftmaxRows" + name, result, 0, n + 4);

            Lstm<T>(failures, random, n, withCell: true);
            Lstm<T>(failures, random, n, withCell: false);
            Gru<T>(failures, random, n, withPrevious: true);
            Gru<T>(failures, random, n, withPrevious: false);
        }
    }

    private static void Lstm<T>(List<string> failures, Random random, int h, bool withCell)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double[] gates = Draw<T>(random, 4 * h, 3), cell = withCell ? Draw<T>(random, h) : [];
        var state = new Exact(h);
        var cache = new Exact(5 * h);
        for (int j = 0; j < h; j++)
        {
            double i = Sigmoid(gates[j]), f = Sigmoid(gates[h + j]), g = Math.Tanh(gates[(2 * h) + j]), o = Sigmoid(gates[(3 * h) + j]);
            double before = withCell ? cell[j] : 0, c = (f * before) + (i * g);
            // Error bounds (in ε): each activation's own rounding plus its argument's; the cell adds two products.
            double bi = i + Math.Abs(gates[j]), bf = f + Math.Abs(gates[h + j]), bg = Math.Abs(g) + Math.Abs(gates[(2 * h) + j]), bo = o + Math.Abs(gates[(3 * h) + j]);
            double bc = Math.Abs(f * before) + Math.Abs(i * g) + (bf * Math.Abs(before)) + (bi * Math.Abs(g)) + (bg * i);
            state.AddBounded(j, o * Math.Tanh(c), (Math.Abs(o * Math.Tanh(c)) + bo + bc) * 2);
            foreach ((int at, double value, double bound) in new[] { (j, i, bi), (h + j, f, bf), ((2 * h) + j, g, bg), ((3 * h) + j, o, bo), ((4 * h) + j, c, bc) })
            {
                cache.AddBounded(at, value, bound * 2);
            }
        }
        T[] stateResult = Guarded<T>(new double[h], 0, h), cacheResult = Guarded<T>(new double[5 * h], 0, 5 * h);
        Gates.LstmForward<T>(Cast<T>(gates), Cast<T>(cell), stateResult.AsSpan(0, h), cacheResult.AsSpan(0, 5 * h));
        string name = $"LstmForward<{typeof(T).Name}> at H = {h}{(withCell ? "" : " from the zero state")}";
        state.Check<T>(failures, name + " (state)", stateResult, 0, 10);
        cache.Check<T>(failures, name + " (cache)", cacheResult, 0, 8);
    }

    private static void Gru<T>(List<string> failures, Random random, int h, bool withPrevious)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        double[] inputGates = Draw<T>(random, 3 * h, 3), recurrentGates = Draw<T>(random, 3 * h, 3), previous = withPrevious ? Draw<T>(random, h) : [];
        var state = new Exact(h);
        var cache = new Exact(4 * h);
        for (int j = 0; j < h; j++)
        {
            double gxr = inputGates[j], ghr = recurrentGates[j], gxz = inputGates[h + j], ghz = recurrentGates[h + j];
            double gxn = inputGates[(2 * h) + j], ghn = recurrentGates[(2 * h) + j], before = withPrevious ? previous[j] : 0;
            double r = Sigmoid(gxr + ghr), z = Sigmoid(gxz + ghz), n = Math.Tanh(gxn + (r * ghn));
            // Error bounds (in ε): each activation's own rounding plus its argument's sum; the state mixes n and h by z.
            double br = r + Math.Abs(gxr) + Math.Abs(ghr), bz = z + Math.Abs(gxz) + Math.Abs(ghz);
            double bn = Math.Abs(n) + Math.Abs(gxn) + Math.Abs(r * ghn) + (br * Math.Abs(ghn));
            double next = ((1 - z) * n) + (z * before);
            state.AddBounded(j, next, (Math.Abs(next) + Math.Abs(z * n) + Math.Abs(z * before) + bn + (bz * Math.Abs(before - n))) * 2);
            foreach ((int at, double value, double bound) in new[] { (j, r, br), (h + j, z, bz), ((2 * h) + j, n, bn), ((3 * h) + j, ghn, Math.Abs(ghn)) })
            {
                cache.AddBounded(at, value, bound * 2);
            }
        }
        T[] stateResult = Guarded<T>(new double[h], 0, h), cacheResult = Guarded<T>(new double[4 * h], 0, 4 * h);
        Gates.GruForward<T>(Cast<T>(inputGates), Cast<T>(recurrentGates), Cast<T>(previous), stateResult.AsSpan(0, h), cacheResult.AsSpan(0, 4 * h));
        string name = $"GruForward<{typeof(T).Name}> at H = {h}{(withPrevious ? "" : " from the zero state")}";
        state.Check<T>(failures, name + " (state)", stateResult, 0, 12);
        cache.Check<T>(failures, name + " (cache)", cacheResult, 0, 10);
    }

    private static void Unary<T>(List<string> failures, string name, double[] x, Func<double, double> reference, Action<Span<T>> kernel, int ulps)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[] values = Guarded<T>(x, 0, x.Length);
        kernel(values.AsSpan(0, x.Length));
        var expected = new Exact(x.Length);
        for (int j = 0; j < x.Length; j++)
        {
            expected.Add(j, reference(double.CreateTruncating(T.CreateTruncating(x[j]))), terms: ulps);
        }
        expected.Check<T>(failures, name, values, 0, ulps);
    }

    private static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    /// <summary>Uniform values in [-scale, scale], rounded to T: the reference starts from exactly what the kernel reads.</summary>
    private static double[] Draw<T>(Random random, int count, double scale = 1)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        [.. Enumerable.Range(0, count).Select(_ => double.CreateTruncating(T.CreateTruncating(scale * ((2 * random.NextDouble()) - 1))))];

    /// <summary>The values rounded to T, so the reference starts from exactly what the kernel reads.</summary>
    private static T[] Cast<T>(double[] values)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => Array.ConvertAll(values, T.CreateTruncating);

    /// <summary>The values in T, followed by two sentinels a kernel must not touch.</summary>
    private static T[] Guarded<T>(double[] values, int start, int count)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var result = new T[count + 2];
        for (int i = 0; i < count; i++)
        {
            result[i] = T.CreateTruncating(values[start + i]);
        }
        result[count] = result[count + 1] = T.CreateTruncating(Sentinel);
        return result;
    }

    /// <summary>Exact values as double sums, with the sum of the terms' magnitudes that bounds the rounding error.</summary>
    private sealed class Exact(int count)
    {
        private readonly double[] _values = new double[count];
        private readonly double[] _magnitudes = new double[count];

        public void Add(int index, double term, int terms = 1) => AddBounded(index, term, Math.Abs(term) * terms);

        /// <summary>Adds a term whose rounding error is bounded by ε times <paramref name="bound"/> (e.g. a function of a sum that may cancel).</summary>
        public void AddBounded(int index, double term, double bound)
        {
            _values[index] += term;
            _magnitudes[index] += bound;
        }

        /// <summary>Compares <paramref name="result"/> with the exact values and checks the two sentinels after them.</summary>
        public void Check<T>(List<string> failures, string name, T[] result, int start, int operations)
            where T : unmanaged, IBinaryFloatingPointIeee754<T>
        {
            double epsilon = typeof(T) == typeof(float) ? Math.ScaleB(1, -23) : Math.ScaleB(1, -52); // an ulp at 1
            for (int i = 0; i < _values.Length; i++)
            {
                double got = double.CreateTruncating(result[start + i]);
                double allowed = (operations + 2) * epsilon * Math.Max(_magnitudes[i], Math.Abs(_values[i]));
                if (!(Math.Abs(got - _values[i]) <= allowed))
                {
                    failures.Add($"{name}[{i}] = {got:R}, expected {_values[i]:R} (allowed error {allowed:E2})");
                    return;
                }
            }
            if (double.CreateTruncating(result[start + _values.Length]) != Sentinel || double.CreateTruncating(result[start + _values.Length + 1]) != Sentinel)
            {
                failures.Add($"{name} wrote past the end of its span");
            }
        }
    }
}
