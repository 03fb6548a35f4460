using System.Collections.Generic;
using RnnGen.Generator.Emitters;

namespace RnnGen.Generator.Model;

/// <summary>One tensor of the PyTorch state dict a model reads and writes: its name and shape, and where it lives in the parameters.</summary>
/// <param name="Name">The state-dict name, e.g. <c>lstm.weight_ih_l0</c>.</param>
/// <param name="Rows">PyTorch's first dimension.</param>
/// <param name="Columns">PyTorch's second dimension, or 0 for a vector.</param>
/// <param name="Offset">The name of the constant holding its offset in the parameter buffer.</param>
/// <param name="Layout">How it is stored there: <c>Transposed</c>, <c>AsIs</c> or <c>AddedBias</c> (a vanilla bias_hh, added into b_a).</param>
internal sealed record StateDictTensor(string Name, int Rows, int Columns, string Offset, string Layout)
{
    /// <summary>The shape as PyTorch and safetensors give it, e.g. <c>[512, 128]</c>.</summary>
    public string ShapeText => Columns == 0 ? $"[{Rows}]" : $"[{Rows}, {Columns}]";
}

/// <summary>The state dict of a model, in the order PyTorch's modules list it: the recurrent layers, the head, the embedding.</summary>
internal static class StateDict
{
    public static List<StateDictTensor> Of(ModelSpec model, ParameterLayout layout)
    {
        var tensors = new List<StateDictTensor>();
        string Recurrent(string parameter) => ModelSpec.TensorName(model.RecurrentModule, parameter);
        foreach (DirectionBlock block in layout.Blocks)
        {
            tensors.Add(new(Recurrent($"weight_ih{block.PyTorchSuffix}"), block.GateWidth, block.InputSize, $"{block.Name}InputWeights", "Transposed"));
            tensors.Add(new(Recurrent($"weight_hh{block.PyTorchSuffix}"), block.GateWidth, block.HiddenSize, $"{block.Name}RecurrentWeights", "Transposed"));
            if (!block.HasBias)
            {
                continue;
            }
            if (block.IsGated)
            {
                tensors.Add(new(Recurrent($"bias_ih{block.PyTorchSuffix}"), block.GateWidth, 0, $"{block.Name}InputBias", "AsIs"));
                tensors.Add(new(Recurrent($"bias_hh{block.PyTorchSuffix}"), block.GateWidth, 0, $"{block.Name}RecurrentBias", "AsIs"));
            }
            else
            {
                tensors.Add(new(Recurrent($"bias_ih{block.PyTorchSuffix}"), block.HiddenSize, 0, $"{block.Name}Bias", "AsIs"));
                tensors.Add(new(Recurrent($"bias_hh{block.PyTorchSuffix}"), block.HiddenSize, 0, $"{block.Name}Bias", "AddedBias"));
            }
        }
        tensors.Add(new(ModelSpec.TensorName(model.HeadModule, "weight"), model.OutputSize, model.LayerWidth, "HeadWeights", "Transposed"));
        if (model.HeadBias)
        {
            tensors.Add(new(ModelSpec.TensorName(model.HeadModule, "bias"), model.OutputSize, 0, "HeadBias", "AsIs"));
        }
        if (model.HasEmbedding)
        {
            tensors.Add(new(ModelSpec.TensorName(model.EmbeddingModule, "weight"), model.VocabularySize, model.InputSize, "EmbeddingWeights", "AsIs"));
        }
        return tensors;
    }
}
