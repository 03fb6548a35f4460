using RnnGen;
using RnnGen.Samples;

namespace TextClassification;

/// <summary>
/// Reads a passage of <see cref="Passages.Length"/> tokens as word ids through a learned embedding (32 values per word,
/// <see cref="WordVocabulary"/>), in both directions, and outputs one distribution over the genre classes, as a PyTorch
/// <c>nn.Embedding</c> + <c>nn.RNN(bidirectional=True)</c> + <c>nn.Linear</c> classifier does.
/// </summary>
[RnnModel<float>(VocabularySize = WordVocabulary.Size, PaddingIndex = WordVocabulary.Padding, InputSize = 32, HiddenSize = 48,
    OutputSize = Genres.Count,
    Direction = RnnDirection.Bidirectional,
    Activation = RnnActivation.Tanh,
    OutputActivation = RnnOutputActivation.Softmax,
    Topology = RnnTopology.ManyToOne,
    Loss = RnnLoss.CrossEntropy)]
public partial class GenreTokenModel { }
