using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// The element-wise part of the gated cells, one step of one layer direction, with PyTorch's gate order; the generated
/// code does the matrix products (one fused product for all gates) and calls these.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RnnGates
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
        for (int j = 0; j < h; j++)
        {
            T r = Sigmoid(inputGates[j] + recurrentGates[j]);
            T z = Sigmoid(inputGates[h + j] + recurrentGates[h + j]);
            T recurrentCandidate = recurrentGates[(2 * h) + j];
            T n = T.Tanh(inputGates[(2 * h) + j] + (r * recurrentCandidate));
            T before = previous.IsEmpty ? T.Zero : previous[j];
            state[j] = ((T.One - z) * n) + (z * before);
            cache[j] = r;
            cache[h + j] = z;
            cache[(2 * h) + j] = n;
            cache[(3 * h) + j] = recurrentCandidate;
        }
    }

    /// <summary>
    /// GRU backward for one step: with dh = <paramref name="stateGradient"/> + <paramref name="carried"/>, writes dE/d(gx) and dE/d(gh)
    /// and replaces <paramref name="carried"/> with the part of dE/dh that flows directly (z ⊙ dh); the caller adds W_hh's part.
    /// </summary>
    public static void GruBackward<T>(ReadOnlySpan<T> stateGradient, Span<T> carried, ReadOnlySpan<T> previous, ReadOnlySpan<T> cache, Span<T> inputGateGradients, Span<T> recurrentGateGradients)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        int h = carried.Length;
        for (int j = 0; j < h; j++)
        {
            T r = cache[j], z = cache[h + j], n = cache[(2 * h) + j], recurrentCandidate = cache[(3 * h) + j];
            T before = previous.IsEmpty ? T.Zero : previous[j];
            T dh = stateGradient[j] + carried[j];
            T dn = dh * (T.One - z) * (T.One - (n * n));
            T dr = dn * recurrentCandidate * r * (T.One - r);
            T dz = dh * (before - n) * z * (T.One - z);
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
        for (int j = 0; j < h; j++)
        {
            T i = Sigmoid(gates[j]), f = Sigmoid(gates[h + j]), g = T.Tanh(gates[(2 * h) + j]), o = Sigmoid(gates[(3 * h) + j]);
            T cell = (f * (previousCell.IsEmpty ? T.Zero : previousCell[j])) + (i * g);
            state[j] = o * T.Tanh(cell);
            cache[j] = i;
            cache[h + j] = f;
            cache[(2 * h) + j] = g;
            cache[(3 * h) + j] = o;
            cache[(4 * h) + j] = cell;
        }
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
        for (int j = 0; j < h; j++)
        {
            T i = cache[j], f = cache[h + j], g = cache[(2 * h) + j], o = cache[(3 * h) + j], cell = cache[(4 * h) + j];
            T squashed = T.Tanh(cell);
            T dh = stateGradient[j] + carried[j];
            T dc = carriedCell[j] + (dh * o * (T.One - (squashed * squashed)));
            T before = previousCell.IsEmpty ? T.Zero : previousCell[j];
            gateGradients[j] = dc * g * i * (T.One - i);
            gateGradients[h + j] = dc * before * f * (T.One - f);
            gateGradients[(2 * h) + j] = dc * i * (T.One - (g * g));
            gateGradients[(3 * h) + j] = dh * squashed * o * (T.One - o);
            carriedCell[j] = dc * f;
        }
    }

    private static T Sigmoid<T>(T value)
        where T : unmanaged, IBinaryFloatingPointIeee754<T> => T.One / (T.One + T.Exp(-value));
}
