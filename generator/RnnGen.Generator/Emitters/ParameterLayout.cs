using System.Collections.Generic;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Where each weight and bias lives in the flat parameter buffer. One block per layer and direction,
/// [W_ax transposed | W_aa transposed | b_a], then the head, [W_ya transposed | b_y] (no biases in a model declared
/// without them), then an embedding's table, [VocabularySize, InputSize] as PyTorch stores it. Weight matrices are
/// stored transposed (input-major) so a matrix-vector product broadcasts one input against a contiguous
/// row of outputs and needs no horizontal sums.
/// </summary>
internal sealed class ParameterLayout
{
    public ParameterLayout(ModelSpec model)
    {
        int offset = 0;
        var blocks = new List<DirectionBlock>();
        for (int layer = 0; layer < model.Layers; layer++)
        {
            for (int direction = 0; direction < model.Directions; direction++)
            {
                int inputSize = model.LayerInputSize(layer);
                int stateRow = (layer * model.Directions) + direction;
                var block = new DirectionBlock(layer, direction, inputSize, offset, model.HiddenSize, model.Gates, model.RecurrentBias, stateRow, (model.Layers * model.Directions) + stateRow);
                blocks.Add(block);
                offset = block.End;
            }
        }
        Blocks = blocks;
        HeadWeights = offset;
        HeadBias = HeadWeights + (model.LayerWidth * model.OutputSize);
        EmbeddingWeights = HeadBias + (model.HeadBias ? model.OutputSize : 0);
        ParameterCount = EmbeddingWeights + (model.VocabularySize * model.InputSize);
    }

    public IReadOnlyList<DirectionBlock> Blocks { get; }

    public int HeadWeights { get; }

    /// <summary>Where b_y starts, or (declared without it) where the buffer ends.</summary>
    public int HeadBias { get; }

    /// <summary>Where an embedding's table starts, [VocabularySize, InputSize] (or, without one, where the buffer ends).</summary>
    public int EmbeddingWeights { get; }

    public int ParameterCount { get; }
}

/// <summary>The parameters of one direction of one layer, and where its rows sit in a whole state.</summary>
/// <param name="StateRow">The row of this block's h in a whole state (initial or final): layer * Directions + direction, PyTorch's h_n order.</param>
/// <param name="CellRow">The row of an LSTM block's c, after every h row.</param>
/// <remarks>
/// A vanilla block is [W_ax transposed | W_aa transposed | b_a]; a gated block is [W_ih transposed | W_hh transposed | b_ih | b_hh],
/// each matrix fusing every gate's rows (PyTorch's gate order), so one product computes all gates. Without
/// <paramref name="HasBias"/>, either ends after its weights.
/// </remarks>
internal sealed record DirectionBlock(int Layer, int Direction, int InputSize, int Start, int HiddenSize, int Gates, bool HasBias, int StateRow, int CellRow)
{
    public int GateWidth => Gates * HiddenSize;

    public bool IsGated => Gates > 1;

    /// <summary>The name prefix of this block's members, e.g. <c>Layer1Reverse</c>.</summary>
    public string Name => $"Layer{Layer}{(Direction == 0 ? "Forward" : "Reverse")}";

    /// <summary>PyTorch's parameter-name suffix, e.g. <c>_l1_reverse</c>.</summary>
    public string PyTorchSuffix => $"_l{Layer}{(Direction == 0 ? "" : "_reverse")}";

    /// <summary>Words for comments, e.g. <c>layer 1, reverse direction</c>.</summary>
    public string Description => $"layer {Layer}, {(Direction == 0 ? "forward" : "reverse")} direction";

    /// <summary>The same words starting a sentence, e.g. <c>Layer 1, reverse direction</c>.</summary>
    public string Title => $"Layer {Layer}, {(Direction == 0 ? "forward" : "reverse")} direction";

    public bool IsReverse => Direction == 1;

    /// <summary>The order this block reads the steps in, for comments: <c>t = 1..T</c> or <c>t = T..1</c>.</summary>
    public string Time => IsReverse ? "t = T..1" : "t = 1..T";

    public int InputWeights => Start;

    public int RecurrentWeights => Start + (InputSize * GateWidth);

    /// <summary>b_a of a vanilla cell (bias_ih + bias_hh), or bias_ih of a gated one; where the block ends without biases.</summary>
    public int Bias => RecurrentWeights + (HiddenSize * GateWidth);

    /// <summary>bias_hh of a gated cell.</summary>
    public int RecurrentBias => Bias + GateWidth;

    public int End => !HasBias ? Bias : IsGated ? RecurrentBias + GateWidth : Bias + HiddenSize;
}
