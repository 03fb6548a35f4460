using System;
using System.ComponentModel;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace RnnGen.Kernels;

/// <summary>
/// The element-wise part of the gated cells, one step of one layer direction, with PyTorch's gate order; the generated
/// code does the matrix products (one fused product for all gates) and calls these.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Gates
{
    /// <summary>
    /// GRU: r = σ(gx_r + gh_r), z = σ(gx_z + gh_z), n = tanh(gx_n + r ⊙ gh_n), h' = (1 - z) ⊙ n + z ⊙ h, where gx = W_ih x + b_ih and
    /// gh = W_hh h + b_hh ([r | z | n] blocks). Writes h' into <paramref name="state"/> and [r | z | n | gh_n] into <paramref name="cache"/>.
    /// </summary>
    /// <param name="inputGates">gx = W_ih x + b_ih, [3H].</param>
    /// <param name="recurrentGates">gh = W_hh h + b_hh, [3H].</param>
    /// <param name="previous">h, or empty for the zero state.</param>
    /// <param name="state">Receives h', [H].</param>
    /// <param name="cache">Receives [r | z | n | gh_n], [4H].</param>
    public static void GruForward<T>(ReadOnlySpan<T> inputGates, ReadOnlySpan<T> recurrentGates, ReadOnlySpan<T> previous, Span<T> state, Span<T> cache)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int h = state.Length;
        KernelGuard.Require(inputGates.Length >= 3 * h && recurrentGates.Length >= 3 * h && (previous.IsEmpty || previous.Length >= h) && cache.Length >= 4 * h, SpanTooShort);
        ref T gx = ref MemoryMarshal.GetReference(inputGates);
        ref T gh = ref MemoryMarshal.GetReference(recurrentGates);
        ref T before = ref MemoryMarshal.GetReference(previous);
        ref T output = ref MemoryMarshal.GetReference(state);
        ref T kept = ref MemoryMarshal.GetReference(cache);
        bool hasPrevious = !previous.IsEmpty;
        int j = VectorMath.PairsAsVector512<T>() ? WideGruUnits(h, ref gx, ref gh, hasPrevious, ref before, ref output, ref kept) : 0;
        j = GruUnits<T, Vector<T>, VectorLanes<T>>(h, j, ref gx, ref gh, hasPrevious, ref before, ref output, ref kept);
        for (; j < h; j++)
        {
            T r = VectorMath.Sigmoid(Unsafe.Add(ref gx, j) + Unsafe.Add(ref gh, j));
            T z = VectorMath.Sigmoid(Unsafe.Add(ref gx, h + j) + Unsafe.Add(ref gh, h + j));
            T recurrentCandidate = Unsafe.Add(ref gh, (2 * h) + j);
            T n = VectorMath.Tanh(T.MultiplyAddEstimate(r, recurrentCandidate, Unsafe.Add(ref gx, (2 * h) + j)));
            Unsafe.Add(ref output, j) = hasPrevious ? T.MultiplyAddEstimate(z, Unsafe.Add(ref before, j) - n, n) : n - (z * n);
            Unsafe.Add(ref kept, j) = r;
            Unsafe.Add(ref kept, h + j) = z;
            Unsafe.Add(ref kept, (2 * h) + j) = n;
            Unsafe.Add(ref kept, (3 * h) + j) = recurrentCandidate;
        }
    }

    /// <summary><see cref="GruUnits"/> at 512 bits, from the first unit.</summary>
    // Out of line: inlined into GruForward beside the 256-bit pass, NativeAOT's compiler (x86-64-v3, where this branch is
    // dead) stopped inlining there and left every vector operation of the 256-bit pass a call: the GRU step at H = 32 took
    // 363-388 ns, and 156-205 with this pass out of line (two runs each, on Zen 4).
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int WideGruUnits<T>(int h, ref T gx, ref T gh, bool hasPrevious, ref T before, ref T output, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        GruUnits<T, Vector512<T>, Vector512Lanes<T>>(h, 0, ref gx, ref gh, hasPrevious, ref before, ref output, ref kept);

    /// <summary><see cref="GruForward"/> for the whole vectors of units from <paramref name="from"/> on; returns where they end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int GruUnits<T, TVector, TLanes>(int h, int from, ref T gx, ref T gh, bool hasPrevious, ref T before, ref T output, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int j = from;
        for (; j <= h - TLanes.Count; j += TLanes.Count)
        {
            nuint at = (nuint)j, z = (nuint)(h + j), n = (nuint)((2 * h) + j), candidate = (nuint)((3 * h) + j);
            TVector r = TLanes.Sigmoid(TLanes.Add(TLanes.Load(ref gx, at), TLanes.Load(ref gh, at)));
            TVector update = TLanes.Sigmoid(TLanes.Add(TLanes.Load(ref gx, z), TLanes.Load(ref gh, z)));
            TVector recurrentCandidate = TLanes.Load(ref gh, n);
            TVector newGate = TLanes.Tanh(TLanes.MultiplyAdd(r, recurrentCandidate, TLanes.Load(ref gx, n)));
            TVector next = hasPrevious
                ? TLanes.MultiplyAdd(update, TLanes.Subtract(TLanes.Load(ref before, at), newGate), newGate)
                : TLanes.Subtract(newGate, TLanes.Multiply(update, newGate));
            TLanes.Store(next, ref output, at);
            TLanes.Store(r, ref kept, at);
            TLanes.Store(update, ref kept, z);
            TLanes.Store(newGate, ref kept, n);
            TLanes.Store(recurrentCandidate, ref kept, candidate);
        }
        return j;
    }

    /// <summary>
    /// GRU backward for one step: with dh = <paramref name="stateGradient"/> + <paramref name="carried"/>, writes dE/d(gx) and dE/d(gh)
    /// and replaces <paramref name="carried"/> with the part of dE/dh that flows directly (z ⊙ dh); the caller adds W_hh's part.
    /// </summary>
    public static void GruBackward<T>(ReadOnlySpan<T> stateGradient, Span<T> carried, ReadOnlySpan<T> previous, ReadOnlySpan<T> cache, Span<T> inputGateGradients, Span<T> recurrentGateGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int h = carried.Length;
        KernelGuard.Require(stateGradient.Length >= h && (previous.IsEmpty || previous.Length >= h) && cache.Length >= 4 * h
            && inputGateGradients.Length >= 3 * h && recurrentGateGradients.Length >= 3 * h, SpanTooShort);
        ref T gradient = ref MemoryMarshal.GetReference(stateGradient);
        ref T carry = ref MemoryMarshal.GetReference(carried);
        ref T before = ref MemoryMarshal.GetReference(previous);
        ref T kept = ref MemoryMarshal.GetReference(cache);
        ref T input = ref MemoryMarshal.GetReference(inputGateGradients);
        ref T recurrent = ref MemoryMarshal.GetReference(recurrentGateGradients);
        bool hasPrevious = !previous.IsEmpty;
        int j = 0;
        for (; j <= h - Vector<T>.Count; j += Vector<T>.Count)
        {
            nuint at = (nuint)j, z = (nuint)(h + j), n = (nuint)((2 * h) + j), candidate = (nuint)((3 * h) + j);
            Vector<T> reset = Vector.LoadUnsafe(ref kept, at), update = Vector.LoadUnsafe(ref kept, z), newGate = Vector.LoadUnsafe(ref kept, n);
            Vector<T> dh = Vector.LoadUnsafe(ref gradient, at) + Vector.LoadUnsafe(ref carry, at);
            Vector<T> dn = dh * (Vector<T>.One - update) * (Vector<T>.One - (newGate * newGate));
            Vector<T> dr = dn * Vector.LoadUnsafe(ref kept, candidate) * reset * (Vector<T>.One - reset);
            Vector<T> old = hasPrevious ? Vector.LoadUnsafe(ref before, at) : Vector<T>.Zero;
            Vector<T> dz = dh * (old - newGate) * update * (Vector<T>.One - update);
            Vector.StoreUnsafe(dr, ref input, at);
            Vector.StoreUnsafe(dz, ref input, z);
            Vector.StoreUnsafe(dn, ref input, n);
            Vector.StoreUnsafe(dr, ref recurrent, at);
            Vector.StoreUnsafe(dz, ref recurrent, z);
            Vector.StoreUnsafe(dn * reset, ref recurrent, n);
            Vector.StoreUnsafe(dh * update, ref carry, at);
        }
        for (; j < h; j++)
        {
            T r = cache[j], z = cache[h + j], n = cache[(2 * h) + j], recurrentCandidate = cache[(3 * h) + j];
            T old = hasPrevious ? previous[j] : T.Zero;
            T dh = stateGradient[j] + carried[j];
            T dn = dh * (T.One - z) * (T.One - (n * n));
            T dr = dn * recurrentCandidate * r * (T.One - r);
            T dz = dh * (old - n) * z * (T.One - z);
            inputGateGradients[j] = dr;
            inputGateGradients[h + j] = dz;
            inputGateGradients[(2 * h) + j] = dn;
            recurrentGateGradients[j] = dr;
            recurrentGateGradients[h + j] = dz;
            recurrentGateGradients[(2 * h) + j] = dn * r;
            carried[j] = dh * z;
        }
    }

    /// <summary>
    /// LSTM: from the fused pre-activations [i | f | g | o] = W_ih x + b_ih + W_hh h + b_hh, c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g) and
    /// h' = σ(o) ⊙ tanh(c'). Writes h' into <paramref name="state"/> and [i | f | g | o | c'] (activated) into <paramref name="cache"/>.
    /// </summary>
    /// <param name="gates">The pre-activations, [4H].</param>
    /// <param name="previousCell">c, or empty for the zero state.</param>
    /// <param name="state">Receives h', [H].</param>
    /// <param name="cache">Receives [i | f | g | o | c'], [5H].</param>
    public static void LstmForward<T>(ReadOnlySpan<T> gates, ReadOnlySpan<T> previousCell, Span<T> state, Span<T> cache)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int h = state.Length;
        KernelGuard.Require(gates.Length >= 4 * h && (previousCell.IsEmpty || previousCell.Length >= h) && cache.Length >= 5 * h, SpanTooShort);
        // The activations a gate at a time, each a short loop of independent vectors that the CPU overlaps; one pass doing
        // every gate of a vector of units took 1.2-1.5× as long (its chains, and the registers they spill, serialise it).
        gates.Slice(0, 4 * h).CopyTo(cache);
        Activations.Sigmoid(cache.Slice(0, 2 * h));
        Activations.Tanh(cache.Slice(2 * h, h));
        Activations.Sigmoid(cache.Slice(3 * h, h));
        ref T before = ref MemoryMarshal.GetReference(previousCell);
        ref T output = ref MemoryMarshal.GetReference(state);
        ref T kept = ref MemoryMarshal.GetReference(cache);
        bool hasCell = !previousCell.IsEmpty;
        int j = VectorMath.PairsAsVector512<T>() ? LstmCells<T, Vector512<T>, Vector512Lanes<T>>(h, 0, hasCell, ref before, ref output, ref kept) : 0;
        j = LstmCells<T, Vector<T>, VectorLanes<T>>(h, j, hasCell, ref before, ref output, ref kept);
        for (; j < h; j++)
        {
            T i = Unsafe.Add(ref kept, j), f = Unsafe.Add(ref kept, h + j), g = Unsafe.Add(ref kept, (2 * h) + j), o = Unsafe.Add(ref kept, (3 * h) + j);
            T cell = hasCell ? T.MultiplyAddEstimate(f, Unsafe.Add(ref before, j), i * g) : i * g;
            Unsafe.Add(ref output, j) = o * VectorMath.Tanh(cell);
            Unsafe.Add(ref kept, (4 * h) + j) = cell;
        }
    }

    /// <summary>
    /// <see cref="LstmForward"/>'s c' and h' from the activated gates in <paramref name="kept"/>, for the whole vectors of
    /// units from <paramref name="from"/> on; returns where they end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LstmCells<T, TVector, TLanes>(int h, int from, bool hasCell, ref T before, ref T output, ref T kept)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        where TVector : struct
        where TLanes : ILanes<TVector, T>
    {
        int j = from;
        for (; j <= h - TLanes.Count; j += TLanes.Count)
        {
            nuint at = (nuint)j;
            TVector input = TLanes.Load(ref kept, at), candidate = TLanes.Load(ref kept, at + (nuint)(2 * h));
            TVector cell = hasCell ? TLanes.MultiplyAdd(TLanes.Load(ref kept, at + (nuint)h), TLanes.Load(ref before, at), TLanes.Multiply(input, candidate)) : TLanes.Multiply(input, candidate);
            TLanes.Store(TLanes.Multiply(TLanes.Load(ref kept, at + (nuint)(3 * h)), TLanes.Tanh(cell)), ref output, at);
            TLanes.Store(cell, ref kept, at + (nuint)(4 * h));
        }
        return j;
    }

    /// <summary>
    /// LSTM backward for one step: with dh = <paramref name="stateGradient"/> + <paramref name="carried"/> and dc carried in
    /// <paramref name="carriedCell"/>, writes dE/d(pre-activations) and replaces <paramref name="carriedCell"/> with dE/dc of the
    /// previous step; the caller replaces <paramref name="carried"/> with W_hh's part.
    /// </summary>
    public static void LstmBackward<T>(ReadOnlySpan<T> stateGradient, ReadOnlySpan<T> carried, Span<T> carriedCell, ReadOnlySpan<T> previousCell, ReadOnlySpan<T> cache, Span<T> gateGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int h = carriedCell.Length;
        KernelGuard.Require(stateGradient.Length >= h && carried.Length >= h && (previousCell.IsEmpty || previousCell.Length >= h)
            && cache.Length >= 5 * h && gateGradients.Length >= 4 * h, SpanTooShort);
        ref T gradient = ref MemoryMarshal.GetReference(stateGradient);
        ref T carry = ref MemoryMarshal.GetReference(carried);
        ref T cellCarry = ref MemoryMarshal.GetReference(carriedCell);
        ref T before = ref MemoryMarshal.GetReference(previousCell);
        ref T kept = ref MemoryMarshal.GetReference(cache);
        ref T gates = ref MemoryMarshal.GetReference(gateGradients);
        bool hasCell = !previousCell.IsEmpty;
        int j = 0;
        for (; j <= h - Vector<T>.Count; j += Vector<T>.Count)
        {
            nuint at = (nuint)j, f = (nuint)(h + j), g = (nuint)((2 * h) + j), o = (nuint)((3 * h) + j), c = (nuint)((4 * h) + j);
            Vector<T> input = Vector.LoadUnsafe(ref kept, at), forget = Vector.LoadUnsafe(ref kept, f);
            Vector<T> candidate = Vector.LoadUnsafe(ref kept, g), output = Vector.LoadUnsafe(ref kept, o);
            Vector<T> squashed = VectorMath.Tanh(Vector.LoadUnsafe(ref kept, c));
            Vector<T> dh = Vector.LoadUnsafe(ref gradient, at) + Vector.LoadUnsafe(ref carry, at);
            Vector<T> dc = Vector.LoadUnsafe(ref cellCarry, at) + (dh * output * (Vector<T>.One - (squashed * squashed)));
            Vector<T> old = hasCell ? Vector.LoadUnsafe(ref before, at) : Vector<T>.Zero;
            Vector.StoreUnsafe(dc * candidate * input * (Vector<T>.One - input), ref gates, at);
            Vector.StoreUnsafe(dc * old * forget * (Vector<T>.One - forget), ref gates, f);
            Vector.StoreUnsafe(dc * input * (Vector<T>.One - (candidate * candidate)), ref gates, g);
            Vector.StoreUnsafe(dh * squashed * output * (Vector<T>.One - output), ref gates, o);
            Vector.StoreUnsafe(dc * forget, ref cellCarry, at);
        }
        for (; j < h; j++)
        {
            T i = cache[j], f = cache[h + j], g = cache[(2 * h) + j], o = cache[(3 * h) + j], cell = cache[(4 * h) + j];
            T squashed = VectorMath.Tanh(cell);
            T dh = stateGradient[j] + carried[j];
            T dc = carriedCell[j] + (dh * o * (T.One - (squashed * squashed)));
            T old = hasCell ? previousCell[j] : T.Zero;
            gateGradients[j] = dc * g * i * (T.One - i);
            gateGradients[h + j] = dc * old * f * (T.One - f);
            gateGradients[(2 * h) + j] = dc * i * (T.One - (g * g));
            gateGradients[(3 * h) + j] = dh * squashed * o * (T.One - o);
            carriedCell[j] = dc * f;
        }
    }

    private const string SpanTooShort = "A span passed to a gate kernel is shorter than the hidden size needs.";
}
