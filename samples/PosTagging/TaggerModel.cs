using RnnGen;

namespace PosTagging;

/// <summary>
/// Reads a sentence, one feature vector per token, in both directions, and outputs a distribution over the 12
/// universal tags at every token. Many-to-many, aligned: one output per input, as in named-entity recognition.
/// </summary>
[RnnModel<float>(InputSize = TokenEncoder.Size, HiddenSize = 48, OutputSize = UniversalTags.Count,
    Direction = RnnDirection.Bidirectional,
    Activation = RnnActivation.Tanh,
    OutputActivation = RnnOutputActivation.Softmax,
    Topology = RnnTopology.ManyToMany,
    Loss = RnnLoss.CrossEntropy)]
public partial class TaggerModel { }
