using RnnGen;
using RnnGen.Samples;

namespace PosTagging;

/// <summary>
/// Reads a sentence as word ids through a learned embedding (48 values per word, <see cref="WordVocabulary"/>), in both
/// directions, and outputs a distribution over the 12 universal tags at every token, as a PyTorch <c>nn.Embedding</c> +
/// <c>nn.RNN(bidirectional=True)</c> + <c>nn.Linear</c> tagger does.
/// </summary>
[RnnModel<float>(VocabularySize = WordVocabulary.Size, PaddingIndex = WordVocabulary.Padding, InputSize = 48, HiddenSize = 48,
    OutputSize = UniversalTags.Count,
    Direction = RnnDirection.Bidirectional,
    Activation = RnnActivation.Tanh,
    OutputActivation = RnnOutputActivation.Softmax,
    Topology = RnnTopology.ManyToMany,
    Loss = RnnLoss.CrossEntropy)]
public partial class TaggerTokenModel { }
