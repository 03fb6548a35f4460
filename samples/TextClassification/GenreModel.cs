using RnnGen;

namespace TextClassification;

/// <summary>
/// Reads a passage of <see cref="Passages.Length"/> tokens, one hashed feature vector per token, in both
/// directions, and outputs one distribution over the genre classes. Many-to-one: the head reads the final states.
/// </summary>
[RnnModel<float>(InputSize = Passages.FeatureSize, HiddenSize = 48, OutputSize = Genres.Count,
    Direction = RnnDirection.Bidirectional,
    Activation = RnnActivation.Tanh,
    OutputActivation = RnnOutputActivation.Softmax,
    Topology = RnnTopology.ManyToOne,
    Loss = RnnLoss.CrossEntropy)]
public partial class GenreModel { }
