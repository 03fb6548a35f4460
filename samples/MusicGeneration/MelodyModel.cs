using RnnGen;

namespace MusicGeneration;

/// <summary>
/// One-to-many: from a start token the network emits a melody one token at a time, each output becoming the next
/// input. 50 one-hot tokens in and out (<see cref="MelodyTokens"/>), 128 tanh units, softmax over the next token,
/// trained with cross-entropy and teacher forcing (the true previous token as input).
/// </summary>
[RnnModel<float>(InputSize = MelodyTokens.Count, HiddenSize = 128, OutputSize = MelodyTokens.Count,
    Topology = RnnTopology.OneToMany,
    OutputActivation = RnnOutputActivation.Softmax,
    Loss = RnnLoss.CrossEntropy)]
public partial class MelodyModel { }
