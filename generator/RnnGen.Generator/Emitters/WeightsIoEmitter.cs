using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>Emits <c>LoadWeights</c> and <c>SaveWeights</c>: safetensors files with PyTorch's state-dict names.</summary>
internal static class WeightsIoEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model)
    {
        string first = ModelSpec.TensorName(model.RecurrentModule, "weight_ih_l0");
        string headWeight = ModelSpec.TensorName(model.HeadModule, "weight"), headBias = ModelSpec.TensorName(model.HeadModule, "bias");
        string names = model.HeadBias ? $"<c>{first}</c>, ..., <c>{headWeight}</c>, <c>{headBias}</c>" : $"<c>{first}</c>, ..., <c>{headWeight}</c>";
        if (model.HasEmbedding)
        {
            names += $", <c>{ModelSpec.TensorName(model.EmbeddingModule, "weight")}</c>";
        }
        string biases = model.Cell == Cell.Vanilla && model.RecurrentBias ? "; b_a becomes bias_ih + bias_hh" : "";
        writer.Summary($"Loads every weight from a safetensors file with PyTorch's state-dict names ({names}){biases}.");
        writer.Line("/// <param name=\"path\">The file, e.g. one saved from PyTorch with <c>safetensors.torch.save_file(model.state_dict(), path)</c>.</param>");
        writer.Line("/// <param name=\"options\">With <c>FindModules</c>, modules under other names are found by their tensors' shapes.</param>");
        writer.Line("/// <exception cref=\"global::RnnGen.SafeTensorsException\">A tensor is missing or has the wrong shape or dtype, or the file is corrupt; the weights are then left as they were.</exception>");
        writer.Line("public void LoadWeights(string path, global::RnnGen.WeightLoadOptions? options = null) => global::RnnGen.RnnWeights.Load(this, path, options);");
        writer.Line();
        writer.Summary("Saves every weight to a safetensors file with PyTorch's state-dict names, through a temporary file so an existing file is replaced whole or not at all.");
        writer.Line("/// <param name=\"path\">The file to write.</param>");
        writer.Line("public void SaveWeights(string path) => global::RnnGen.RnnWeights.Save(this, path);");
        if (model.WeightsFile.Length > 0)
        {
            writer.Line();
            writer.Summary($"Loads the trained weights of <c>{model.WeightsFile}</c> from the copy the build embeds in this assembly (the project's <c>RnnGenWeights</c> item, checked against this declaration when compiling): no file is read at run time, in NativeAOT and trimmed apps too.");
            writer.Line("/// <param name=\"options\">With <c>FindModules</c>, modules under other names are found by their tensors' shapes.</param>");
            writer.Line("/// <exception cref=\"global::System.InvalidOperationException\">The assembly holds no copy: its project does not list the file as an <c>RnnGenWeights</c> item.</exception>");
            writer.Line("/// <exception cref=\"global::RnnGen.SafeTensorsException\">The file does not fit the model after all (it changed after the build); the weights are then left as they were.</exception>");
            writer.Line($"public void LoadEmbeddedWeights(global::RnnGen.WeightLoadOptions? options = null) => global::RnnGen.RnnWeights.LoadEmbedded(this, typeof({model.ClassName}).Assembly, \"{model.WeightsResource}\", options);");
        }
    }
}
