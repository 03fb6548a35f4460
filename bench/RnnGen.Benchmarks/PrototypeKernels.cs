using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace RnnGen.Benchmarks;

/// <summary>
/// Hand-written kernels proposed for the generator, on the generated model's own parameter layout (weights
/// transposed, [inputs, outputs]) so they can be ported into the emitters. One layer, unidirectional, many-to-many,
/// tanh, identity head, squared error; sizes are run-time here (the generator would make them constants).
/// <list type="bullet">
/// <item>Forward: (1) the input projections of all steps, P = X W_ax^T + b_a, as one register-blocked
/// matrix-matrix product (4 steps x 2 vectors of outputs in 8 accumulators); (2) the serial recursion
/// a&lt;t&gt; = tanh(P&lt;t&gt; + W_aa a&lt;t-1&gt;) with a register-blocked matrix-vector product: 8 (or 4, or 2 x 4 split) output
/// vectors stay in registers while the inputs stream, so there is no accumulator load/store per input and there
/// are 8 independent FMA chains instead of 1; (3) a vectorised tanh (1 - 2 / (exp(2x) + 1) on Vector.Exp);
/// (4) the head for all steps as one matrix-matrix product.</item>
/// <item>BPTT: the serial path keeps only dz&lt;t&gt; = (dE/da&lt;t&gt; + carried) (1 - a²) and carried = W_aa^T dz&lt;t&gt;,
/// the latter as the same broadcast matrix-vector product over W_aa in PyTorch's [out, in] layout (a transposed
/// copy made once per call); every weight gradient and dE/dx is then one matrix-matrix product over all steps.</item>
/// </list>
/// Requires HiddenSize to be a multiple of Vector&lt;T&gt;.Count (true for every benchmarked shape).
/// </summary>
public sealed class PrototypeRnn<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly int _i, _h, _o;
    private readonly int _wx, _wh, _b, _wy, _by;
    private readonly T[] _parameters;
    private readonly T[] _projections; // [T, H]
    private readonly T[] _states;      // [T, H]
    private readonly T[] _predictions; // [T, O]
    private readonly T[] _outputGradients; // [T, O]
    private readonly T[] _stateGradients;  // [T, H] dE/da from the head
    private readonly T[] _preactivationGradients; // dz, [T, H]
    private readonly T[] _carried, _nextCarried;
    private readonly T[] _whPyTorch; // W_aa as [out, in] (the transpose of the generated layout), refreshed per Backward
    private readonly T[] _wxPyTorch; // W_ax as [H, I]
    private readonly T[] _wyPyTorch; // W_ya as [O, H]
    private readonly T[] _state, _nextState;
    private T[] _inputs = Array.Empty<T>();
    private int _steps;

    public PrototypeRnn(RnnShape shape, ReadOnlySpan<RnnParameterTensor> tensors, ReadOnlySpan<T> parameters, int maxSteps)
    {
        if (shape.Layers != 1 || shape.Directions != 1 || shape.HiddenSize % Vector<T>.Count != 0)
        {
            throw new NotSupportedException("The prototype covers one unidirectional layer with H a multiple of the vector width.");
        }
        _i = shape.InputSize; _h = shape.HiddenSize; _o = shape.OutputSize;
        foreach (RnnParameterTensor tensor in tensors)
        {
            switch (tensor.Name)
            {
                case "rnn.weight_ih_l0": _wx = tensor.Offset; break;
                case "rnn.weight_hh_l0": _wh = tensor.Offset; break;
                case "rnn.bias_ih_l0": _b = tensor.Offset; break;
                case "head.weight": _wy = tensor.Offset; break;
                case "head.bias": _by = tensor.Offset; break;
            }
        }
        _parameters = parameters.ToArray();
        Gradients = new T[parameters.Length];
        _projections = new T[maxSteps * _h];
        _states = new T[maxSteps * _h];
        _predictions = new T[maxSteps * _o];
        _outputGradients = new T[maxSteps * _o];
        _stateGradients = new T[maxSteps * _h];
        _preactivationGradients = new T[maxSteps * _h];
        _carried = new T[_h];
        _nextCarried = new T[_h];
        _whPyTorch = new T[_h * _h];
        _wxPyTorch = new T[_h * _i];
        _wyPyTorch = new T[_o * _h];
        _state = new T[_h];
        _nextState = new T[_h];
    }

    public T[] Gradients { get; }

    public void Forward(T[] inputs, Span<T> predictions)
    {
        int steps = inputs.Length / _i;
        _inputs = inputs;
        _steps = steps;
        ReadOnlySpan<T> p = _parameters;
        Span<T> projections = _projections.AsSpan(0, steps * _h);
        // (1) P = X W_ax^T + b_a for every step at once.
        MatMul(inputs, steps, _i, p.Slice(_wx, _i * _h), _h, projections, p.Slice(_b, _h));
        // (2) The serial part: a<t> = tanh(P<t> + W_aa a<t-1>).
        ReadOnlySpan<T> wh = p.Slice(_wh, _h * _h);
        Span<T> states = _states.AsSpan(0, steps * _h);
        projections.Slice(0, _h).CopyTo(states);
        TanhInPlace(states.Slice(0, _h));
        for (int t = 1; t < steps; t++)
        {
            MatVec(states.Slice((t - 1) * _h, _h), wh, _h, projections.Slice(t * _h, _h), states.Slice(t * _h, _h));
            TanhInPlace(states.Slice(t * _h, _h));
        }
        // (4) The head at every step: Y = A W_ya^T + b_y.
        MatMul(states, steps, _h, p.Slice(_wy, _h * _o), _o, _predictions.AsSpan(0, steps * _o), p.Slice(_by, _o));
        _predictions.AsSpan(0, steps * _o).CopyTo(predictions);
    }

    public T Backward(ReadOnlySpan<T> targets, Span<T> inputGradients, Span<T> initialStateGradients)
    {
        int steps = _steps, h = _h, o = _o, n = _i;
        ReadOnlySpan<T> p = _parameters;
        Span<T> g = Gradients;
        // Layouts for the broadcast form of the transposed products (O(H²) per call against O(T H²) work).
        Transpose(p.Slice(_wh, h * h), h, h, _whPyTorch);
        Transpose(p.Slice(_wx, n * h), n, h, _wxPyTorch);
        Transpose(p.Slice(_wy, h * o), h, o, _wyPyTorch);
        // Head: dY = 2 (Y - target); db_y += Σ dY; dW_ya^T += A^T dY; dA = dY W_ya.
        T loss = T.Zero, two = T.One + T.One;
        Span<T> dy = _outputGradients.AsSpan(0, steps * o);
        for (int k = 0; k < steps * o; k++)
        {
            T difference = _predictions[k] - targets[k];
            loss += difference * difference;
            dy[k] = two * difference;
        }
        ReadOnlySpan<T> states = _states.AsSpan(0, steps * h);
        AddColumnSums(dy, steps, o, g.Slice(_by, o));
        AddTransposedProduct(states, dy, steps, h, o, g.Slice(_wy, h * o));
        Span<T> da = _stateGradients.AsSpan(0, steps * h);
        MatMul(dy, steps, o, _wyPyTorch, h, da, default);
        // The serial part: dz<t> = (dA<t> + carried) (1 - a<t>²), carried = W_aa^T dz<t>.
        Span<T> dz = _preactivationGradients.AsSpan(0, steps * h);
        Span<T> carried = _carried;
        carried.Clear();
        for (int t = steps - 1; t >= 0; t--)
        {
            TanhBackward(states.Slice(t * h, h), da.Slice(t * h, h), carried, dz.Slice(t * h, h));
            MatVec(dz.Slice(t * h, h), _whPyTorch, h, default, carried);
        }
        if (!initialStateGradients.IsEmpty)
        {
            carried.CopyTo(initialStateGradients);
        }
        // Weight gradients over all steps at once.
        AddColumnSums(dz, steps, h, g.Slice(_b, h));
        AddTransposedProduct(_inputs, dz, steps, n, h, g.Slice(_wx, n * h));
        if (steps > 1)
        {
            AddTransposedProduct(states.Slice(0, (steps - 1) * h), dz.Slice(h), steps - 1, h, h, g.Slice(_wh, h * h));
        }
        if (!inputGradients.IsEmpty)
        {
            MatMul(dz, steps, h, _wxPyTorch, n, inputGradients, default);
        }
        return loss;
    }

    public void Reset() => Array.Clear(_state);

    public void Step(ReadOnlySpan<T> input, Span<T> output)
    {
        ReadOnlySpan<T> p = _parameters;
        Span<T> next = _nextState;
        MatVec(input, p.Slice(_wx, _i * _h), _h, p.Slice(_b, _h), next);
        MatVec(_state, p.Slice(_wh, _h * _h), _h, next, next);
        TanhInPlace(next);
        next.CopyTo(_state);
        MatVec(_state, p.Slice(_wy, _h * _o), _o, p.Slice(_by, _o), output);
    }

    // ---------------------------------------------------------------- kernels

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Fma(Vector<T> a, Vector<T> b, Vector<T> c)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.FusedMultiplyAdd(a.As<T, float>(), b.As<T, float>(), c.As<T, float>()).As<float, T>();
        }
        return Vector.FusedMultiplyAdd(a.As<T, double>(), b.As<T, double>(), c.As<T, double>()).As<double, T>();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<T> Exp(Vector<T> x)
    {
        if (typeof(T) == typeof(float))
        {
            return Vector.Exp(x.As<T, float>()).As<float, T>();
        }
        return Vector.Exp(x.As<T, double>()).As<double, T>();
    }

    /// <summary>values = tanh(values) = 1 - 2 / (exp(2x) + 1), Vector&lt;T&gt;.Count lanes at a time (exp overflows to +inf for large x, giving 1).</summary>
    public static void TanhInPlace(Span<T> values)
    {
        ref T v = ref MemoryMarshal.GetReference(values);
        Vector<T> one = Vector<T>.One, two = one + one;
        int j = 0;
        for (; j <= values.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> x = Vector.LoadUnsafe(ref v, (nuint)j);
            Vector<T> e = Exp(x + x);
            Vector.StoreUnsafe(one - (two / (e + one)), ref v, (nuint)j);
        }
        for (; j < values.Length; j++)
        {
            values[j] = T.Tanh(values[j]);
        }
    }

    /// <summary>dz = (da + carried) (1 - a²).</summary>
    private static void TanhBackward(ReadOnlySpan<T> a, ReadOnlySpan<T> da, ReadOnlySpan<T> carried, Span<T> dz)
    {
        int j = 0;
        for (; j <= a.Length - Vector<T>.Count; j += Vector<T>.Count)
        {
            Vector<T> s = new(a.Slice(j));
            ((new Vector<T>(da.Slice(j)) + new Vector<T>(carried.Slice(j))) * (Vector<T>.One - (s * s))).CopyTo(dz.Slice(j));
        }
        for (; j < a.Length; j++)
        {
            dz[j] = (da[j] + carried[j]) * (T.One - (a[j] * a[j]));
        }
    }

    /// <summary>
    /// result[0..n) = init + Σ_i vector[i] * matrix[i, 0..n) for a row-major [vector.Length, n] matrix (init empty = 0;
    /// init and result may alias). Output vectors are kept in registers, 8 at a time (4, then 2 with the inputs split
    /// in 4 interleaved partial sums, so there are always about 8 independent FMA chains), while the inputs stream.
    /// </summary>
    public static void MatVec(ReadOnlySpan<T> vector, ReadOnlySpan<T> matrix, int n, ReadOnlySpan<T> init, Span<T> result)
    {
        int k = vector.Length, w = Vector<T>.Count;
        if (matrix.Length < k * n || result.Length < n || (!init.IsEmpty && init.Length < n)) { throw new ArgumentException("sizes"); }
        ref T x = ref MemoryMarshal.GetReference(vector);
        ref T m = ref MemoryMarshal.GetReference(matrix);
        ref T r = ref MemoryMarshal.GetReference(result);
        ref T b = ref MemoryMarshal.GetReference(init);
        bool hasInit = !init.IsEmpty;
        int j = 0;
        for (; j <= n - (8 * w); j += 8 * w)
        {
            Vector<T> a0 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)j) : Vector<T>.Zero;
            Vector<T> a1 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + w)) : Vector<T>.Zero;
            Vector<T> a2 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + (2 * w))) : Vector<T>.Zero;
            Vector<T> a3 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + (3 * w))) : Vector<T>.Zero;
            Vector<T> a4 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + (4 * w))) : Vector<T>.Zero;
            Vector<T> a5 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + (5 * w))) : Vector<T>.Zero;
            Vector<T> a6 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + (6 * w))) : Vector<T>.Zero;
            Vector<T> a7 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + (7 * w))) : Vector<T>.Zero;
            ref T row = ref Unsafe.Add(ref m, j);
            for (int i = 0; i < k; i++, row = ref Unsafe.Add(ref row, n))
            {
                Vector<T> s = new(Unsafe.Add(ref x, i));
                a0 = Fma(s, Vector.LoadUnsafe(ref row), a0);
                a1 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)w), a1);
                a2 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(2 * w)), a2);
                a3 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(3 * w)), a3);
                a4 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(4 * w)), a4);
                a5 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(5 * w)), a5);
                a6 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(6 * w)), a6);
                a7 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(7 * w)), a7);
            }
            Vector.StoreUnsafe(a0, ref r, (nuint)j);
            Vector.StoreUnsafe(a1, ref r, (nuint)(j + w));
            Vector.StoreUnsafe(a2, ref r, (nuint)(j + (2 * w)));
            Vector.StoreUnsafe(a3, ref r, (nuint)(j + (3 * w)));
            Vector.StoreUnsafe(a4, ref r, (nuint)(j + (4 * w)));
            Vector.StoreUnsafe(a5, ref r, (nuint)(j + (5 * w)));
            Vector.StoreUnsafe(a6, ref r, (nuint)(j + (6 * w)));
            Vector.StoreUnsafe(a7, ref r, (nuint)(j + (7 * w)));
        }
        for (; j <= n - (4 * w); j += 4 * w)
        {
            // 4 output vectors x 2 interleaved halves of the inputs = 8 chains.
            Vector<T> a0 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)j) : Vector<T>.Zero;
            Vector<T> a1 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + w)) : Vector<T>.Zero;
            Vector<T> a2 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + (2 * w))) : Vector<T>.Zero;
            Vector<T> a3 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)(j + (3 * w))) : Vector<T>.Zero;
            Vector<T> c0 = Vector<T>.Zero, c1 = Vector<T>.Zero, c2 = Vector<T>.Zero, c3 = Vector<T>.Zero;
            ref T row = ref Unsafe.Add(ref m, j);
            int i = 0;
            for (; i + 1 < k; i += 2, row = ref Unsafe.Add(ref row, 2 * n))
            {
                Vector<T> s = new(Unsafe.Add(ref x, i));
                Vector<T> u = new(Unsafe.Add(ref x, i + 1));
                ref T next = ref Unsafe.Add(ref row, n);
                a0 = Fma(s, Vector.LoadUnsafe(ref row), a0);
                a1 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)w), a1);
                a2 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(2 * w)), a2);
                a3 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(3 * w)), a3);
                c0 = Fma(u, Vector.LoadUnsafe(ref next), c0);
                c1 = Fma(u, Vector.LoadUnsafe(ref next, (nuint)w), c1);
                c2 = Fma(u, Vector.LoadUnsafe(ref next, (nuint)(2 * w)), c2);
                c3 = Fma(u, Vector.LoadUnsafe(ref next, (nuint)(3 * w)), c3);
            }
            if (i < k)
            {
                Vector<T> s = new(Unsafe.Add(ref x, i));
                a0 = Fma(s, Vector.LoadUnsafe(ref row), a0);
                a1 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)w), a1);
                a2 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(2 * w)), a2);
                a3 = Fma(s, Vector.LoadUnsafe(ref row, (nuint)(3 * w)), a3);
            }
            Vector.StoreUnsafe(a0 + c0, ref r, (nuint)j);
            Vector.StoreUnsafe(a1 + c1, ref r, (nuint)(j + w));
            Vector.StoreUnsafe(a2 + c2, ref r, (nuint)(j + (2 * w)));
            Vector.StoreUnsafe(a3 + c3, ref r, (nuint)(j + (3 * w)));
        }
        for (; j <= n - w; j += w)
        {
            // One output vector x 4 interleaved quarters of the inputs.
            Vector<T> a0 = hasInit ? Vector.LoadUnsafe(ref b, (nuint)j) : Vector<T>.Zero;
            Vector<T> a1 = Vector<T>.Zero, a2 = Vector<T>.Zero, a3 = Vector<T>.Zero;
            ref T row = ref Unsafe.Add(ref m, j);
            int i = 0;
            for (; i + 3 < k; i += 4, row = ref Unsafe.Add(ref row, 4 * n))
            {
                a0 = Fma(new Vector<T>(Unsafe.Add(ref x, i)), Vector.LoadUnsafe(ref row), a0);
                a1 = Fma(new Vector<T>(Unsafe.Add(ref x, i + 1)), Vector.LoadUnsafe(ref row, (nuint)n), a1);
                a2 = Fma(new Vector<T>(Unsafe.Add(ref x, i + 2)), Vector.LoadUnsafe(ref row, (nuint)(2 * n)), a2);
                a3 = Fma(new Vector<T>(Unsafe.Add(ref x, i + 3)), Vector.LoadUnsafe(ref row, (nuint)(3 * n)), a3);
            }
            for (; i < k; i++, row = ref Unsafe.Add(ref row, n))
            {
                a0 = Fma(new Vector<T>(Unsafe.Add(ref x, i)), Vector.LoadUnsafe(ref row), a0);
            }
            Vector.StoreUnsafe((a0 + a1) + (a2 + a3), ref r, (nuint)j);
        }
        for (; j < n; j++)
        {
            T sum = hasInit ? Unsafe.Add(ref b, j) : T.Zero;
            for (int i = 0; i < k; i++)
            {
                sum = T.FusedMultiplyAdd(Unsafe.Add(ref x, i), Unsafe.Add(ref m, (i * n) + j), sum);
            }
            Unsafe.Add(ref r, j) = sum;
        }
    }

    /// <summary>
    /// C[rows, n] = A[rows, k] B[k, n] (+ bias per column when given), all row-major: 4 rows x 2 output vectors
    /// in 8 accumulators per pass, so each loaded B vector serves 4 rows and each broadcast A value 2 vectors.
    /// </summary>
    public static void MatMul(ReadOnlySpan<T> a, int rows, int k, ReadOnlySpan<T> bMatrix, int n, Span<T> c, ReadOnlySpan<T> bias)
    {
        if (a.Length < rows * k || bMatrix.Length < k * n || c.Length < rows * n) { throw new ArgumentException("sizes"); }
        int w = Vector<T>.Count;
        ref T pa = ref MemoryMarshal.GetReference(a);
        ref T pb = ref MemoryMarshal.GetReference(bMatrix);
        ref T pc = ref MemoryMarshal.GetReference(c);
        ref T pbias = ref MemoryMarshal.GetReference(bias);
        bool hasBias = !bias.IsEmpty;
        int r = 0;
        for (; r + 3 < rows; r += 4)
        {
            ref T a0r = ref Unsafe.Add(ref pa, r * k);
            ref T a1r = ref Unsafe.Add(ref a0r, k);
            ref T a2r = ref Unsafe.Add(ref a1r, k);
            ref T a3r = ref Unsafe.Add(ref a2r, k);
            int j = 0;
            for (; j <= n - (2 * w); j += 2 * w)
            {
                Vector<T> b0 = hasBias ? Vector.LoadUnsafe(ref pbias, (nuint)j) : Vector<T>.Zero;
                Vector<T> b1 = hasBias ? Vector.LoadUnsafe(ref pbias, (nuint)(j + w)) : Vector<T>.Zero;
                Vector<T> c00 = b0, c01 = b1, c10 = b0, c11 = b1, c20 = b0, c21 = b1, c30 = b0, c31 = b1;
                ref T brow = ref Unsafe.Add(ref pb, j);
                for (int i = 0; i < k; i++, brow = ref Unsafe.Add(ref brow, n))
                {
                    Vector<T> v0 = Vector.LoadUnsafe(ref brow), v1 = Vector.LoadUnsafe(ref brow, (nuint)w);
                    Vector<T> s0 = new(Unsafe.Add(ref a0r, i));
                    c00 = Fma(s0, v0, c00); c01 = Fma(s0, v1, c01);
                    Vector<T> s1 = new(Unsafe.Add(ref a1r, i));
                    c10 = Fma(s1, v0, c10); c11 = Fma(s1, v1, c11);
                    Vector<T> s2 = new(Unsafe.Add(ref a2r, i));
                    c20 = Fma(s2, v0, c20); c21 = Fma(s2, v1, c21);
                    Vector<T> s3 = new(Unsafe.Add(ref a3r, i));
                    c30 = Fma(s3, v0, c30); c31 = Fma(s3, v1, c31);
                }
                ref T crow = ref Unsafe.Add(ref pc, (r * n) + j);
                Vector.StoreUnsafe(c00, ref crow); Vector.StoreUnsafe(c01, ref crow, (nuint)w);
                Vector.StoreUnsafe(c10, ref crow, (nuint)n); Vector.StoreUnsafe(c11, ref crow, (nuint)(n + w));
                Vector.StoreUnsafe(c20, ref crow, (nuint)(2 * n)); Vector.StoreUnsafe(c21, ref crow, (nuint)((2 * n) + w));
                Vector.StoreUnsafe(c30, ref crow, (nuint)(3 * n)); Vector.StoreUnsafe(c31, ref crow, (nuint)((3 * n) + w));
            }
            for (; j <= n - w; j += w)
            {
                Vector<T> b0 = hasBias ? Vector.LoadUnsafe(ref pbias, (nuint)j) : Vector<T>.Zero;
                Vector<T> c0 = b0, c1 = b0, c2 = b0, c3 = b0;
                ref T brow = ref Unsafe.Add(ref pb, j);
                for (int i = 0; i < k; i++, brow = ref Unsafe.Add(ref brow, n))
                {
                    Vector<T> v0 = Vector.LoadUnsafe(ref brow);
                    c0 = Fma(new Vector<T>(Unsafe.Add(ref a0r, i)), v0, c0);
                    c1 = Fma(new Vector<T>(Unsafe.Add(ref a1r, i)), v0, c1);
                    c2 = Fma(new Vector<T>(Unsafe.Add(ref a2r, i)), v0, c2);
                    c3 = Fma(new Vector<T>(Unsafe.Add(ref a3r, i)), v0, c3);
                }
                ref T crow = ref Unsafe.Add(ref pc, (r * n) + j);
                Vector.StoreUnsafe(c0, ref crow); Vector.StoreUnsafe(c1, ref crow, (nuint)n);
                Vector.StoreUnsafe(c2, ref crow, (nuint)(2 * n)); Vector.StoreUnsafe(c3, ref crow, (nuint)(3 * n));
            }
            for (; j < n; j++)
            {
                for (int q = 0; q < 4; q++)
                {
                    T sum = hasBias ? Unsafe.Add(ref pbias, j) : T.Zero;
                    for (int i = 0; i < k; i++)
                    {
                        sum = T.FusedMultiplyAdd(Unsafe.Add(ref pa, ((r + q) * k) + i), Unsafe.Add(ref pb, (i * n) + j), sum);
                    }
                    Unsafe.Add(ref pc, ((r + q) * n) + j) = sum;
                }
            }
        }
        for (; r < rows; r++)
        {
            MatVec(a.Slice(r * k, k), bMatrix, n, bias, c.Slice(r * n, n));
        }
    }

    /// <summary>G[k, n] += A[rows, k]^T D[rows, n]: the weight gradient of all steps, 4 columns of A x 2 vectors of D per pass.</summary>
    public static void AddTransposedProduct(ReadOnlySpan<T> a, ReadOnlySpan<T> d, int rows, int k, int n, Span<T> gradient)
    {
        if (a.Length < rows * k || d.Length < rows * n || gradient.Length < k * n) { throw new ArgumentException("sizes"); }
        int w = Vector<T>.Count;
        ref T pa = ref MemoryMarshal.GetReference(a);
        ref T pd = ref MemoryMarshal.GetReference(d);
        ref T pg = ref MemoryMarshal.GetReference(gradient);
        int i = 0;
        for (; i + 3 < k; i += 4)
        {
            int j = 0;
            for (; j <= n - (2 * w); j += 2 * w)
            {
                ref T g0 = ref Unsafe.Add(ref pg, (i * n) + j);
                Vector<T> c00 = Vector.LoadUnsafe(ref g0), c01 = Vector.LoadUnsafe(ref g0, (nuint)w);
                Vector<T> c10 = Vector.LoadUnsafe(ref g0, (nuint)n), c11 = Vector.LoadUnsafe(ref g0, (nuint)(n + w));
                Vector<T> c20 = Vector.LoadUnsafe(ref g0, (nuint)(2 * n)), c21 = Vector.LoadUnsafe(ref g0, (nuint)((2 * n) + w));
                Vector<T> c30 = Vector.LoadUnsafe(ref g0, (nuint)(3 * n)), c31 = Vector.LoadUnsafe(ref g0, (nuint)((3 * n) + w));
                ref T arow = ref Unsafe.Add(ref pa, i);
                ref T drow = ref Unsafe.Add(ref pd, j);
                for (int t = 0; t < rows; t++, arow = ref Unsafe.Add(ref arow, k), drow = ref Unsafe.Add(ref drow, n))
                {
                    Vector<T> v0 = Vector.LoadUnsafe(ref drow), v1 = Vector.LoadUnsafe(ref drow, (nuint)w);
                    Vector<T> s0 = new(arow);
                    c00 = Fma(s0, v0, c00); c01 = Fma(s0, v1, c01);
                    Vector<T> s1 = new(Unsafe.Add(ref arow, 1));
                    c10 = Fma(s1, v0, c10); c11 = Fma(s1, v1, c11);
                    Vector<T> s2 = new(Unsafe.Add(ref arow, 2));
                    c20 = Fma(s2, v0, c20); c21 = Fma(s2, v1, c21);
                    Vector<T> s3 = new(Unsafe.Add(ref arow, 3));
                    c30 = Fma(s3, v0, c30); c31 = Fma(s3, v1, c31);
                }
                Vector.StoreUnsafe(c00, ref g0); Vector.StoreUnsafe(c01, ref g0, (nuint)w);
                Vector.StoreUnsafe(c10, ref g0, (nuint)n); Vector.StoreUnsafe(c11, ref g0, (nuint)(n + w));
                Vector.StoreUnsafe(c20, ref g0, (nuint)(2 * n)); Vector.StoreUnsafe(c21, ref g0, (nuint)((2 * n) + w));
                Vector.StoreUnsafe(c30, ref g0, (nuint)(3 * n)); Vector.StoreUnsafe(c31, ref g0, (nuint)((3 * n) + w));
            }
            for (; j <= n - w; j += w)
            {
                ref T g0 = ref Unsafe.Add(ref pg, (i * n) + j);
                Vector<T> c0 = Vector.LoadUnsafe(ref g0), c1 = Vector.LoadUnsafe(ref g0, (nuint)n);
                Vector<T> c2 = Vector.LoadUnsafe(ref g0, (nuint)(2 * n)), c3 = Vector.LoadUnsafe(ref g0, (nuint)(3 * n));
                ref T arow = ref Unsafe.Add(ref pa, i);
                ref T drow = ref Unsafe.Add(ref pd, j);
                for (int t = 0; t < rows; t++, arow = ref Unsafe.Add(ref arow, k), drow = ref Unsafe.Add(ref drow, n))
                {
                    Vector<T> v0 = Vector.LoadUnsafe(ref drow);
                    c0 = Fma(new Vector<T>(arow), v0, c0);
                    c1 = Fma(new Vector<T>(Unsafe.Add(ref arow, 1)), v0, c1);
                    c2 = Fma(new Vector<T>(Unsafe.Add(ref arow, 2)), v0, c2);
                    c3 = Fma(new Vector<T>(Unsafe.Add(ref arow, 3)), v0, c3);
                }
                Vector.StoreUnsafe(c0, ref g0); Vector.StoreUnsafe(c1, ref g0, (nuint)n);
                Vector.StoreUnsafe(c2, ref g0, (nuint)(2 * n)); Vector.StoreUnsafe(c3, ref g0, (nuint)(3 * n));
            }
            for (; j < n; j++)
            {
                for (int q = 0; q < 4; q++)
                {
                    T sum = Unsafe.Add(ref pg, ((i + q) * n) + j);
                    for (int t = 0; t < rows; t++)
                    {
                        sum = T.FusedMultiplyAdd(Unsafe.Add(ref pa, (t * k) + i + q), Unsafe.Add(ref pd, (t * n) + j), sum);
                    }
                    Unsafe.Add(ref pg, ((i + q) * n) + j) = sum;
                }
            }
        }
        for (; i < k; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T sum = Unsafe.Add(ref pg, (i * n) + j);
                for (int t = 0; t < rows; t++)
                {
                    sum = T.FusedMultiplyAdd(Unsafe.Add(ref pa, (t * k) + i), Unsafe.Add(ref pd, (t * n) + j), sum);
                }
                Unsafe.Add(ref pg, (i * n) + j) = sum;
            }
        }
    }

    /// <summary>sums[j] += Σ_t d[t, j].</summary>
    private static void AddColumnSums(ReadOnlySpan<T> d, int rows, int n, Span<T> sums)
    {
        for (int t = 0; t < rows; t++)
        {
            ReadOnlySpan<T> row = d.Slice(t * n, n);
            int j = 0;
            for (; j <= n - Vector<T>.Count; j += Vector<T>.Count)
            {
                (new Vector<T>(sums.Slice(j)) + new Vector<T>(row.Slice(j))).CopyTo(sums.Slice(j));
            }
            for (; j < n; j++)
            {
                sums[j] += row[j];
            }
        }
    }

    /// <summary>destination[c, r] = source[r, c] for a row-major [rows, columns] source.</summary>
    private static void Transpose(ReadOnlySpan<T> source, int rows, int columns, Span<T> destination)
    {
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                destination[(c * rows) + r] = source[(r * columns) + c];
            }
        }
    }
}
