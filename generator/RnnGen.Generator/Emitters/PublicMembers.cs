using System.Collections.Generic;
using System.Linq;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// The names of the public members the emitters add to a model class, which a user's own member must not take
/// (RNNGEN014; a test compares this list with the members of generated code).
/// </summary>
internal static class PublicMembers
{
    private static readonly string[] s_everyModel =
    [
        "InputSize", "HiddenSize", "OutputSize", "Layers", "Directions", "LayerWidth", "StateRows", "ParameterCount",
        "Shape", "ParameterTensors", "Parameters", "Gradients", "ShareParameters", "InitializeParameters", "ZeroGradients",
        "Forward", "ForwardBatch", "Steps", "HiddenOutputs", "FinalState", "Loss", "Backward", "BackwardFromPredictionGradients",
        "AccumulateBatchGradients", "LoadWeights", "SaveWeights",
    ];

    private static readonly string[] s_streaming = ["StreamState", "Reset", "Step", "StepBlock"];

    /// <summary>Every public member name that <paramref name="model"/>'s generated code declares.</summary>
    public static IEnumerable<string> Of(ModelSpec model) =>
        s_everyModel
            .Concat(model.HasStep ? s_streaming : [])
            .Concat(model.Topology == Topology.OneToMany ? ["Generate"] : []);
}
