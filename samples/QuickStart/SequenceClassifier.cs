using RnnGen;

namespace QuickStart;

/// <summary>
/// A 3-layer bidirectional RNN that reads sequences of 10 features and classifies each whole sequence into one
/// of 5 classes. The generator writes its forward pass, parameters and weight I/O into this class at compile time, and
/// the compiler checks the declaration against the header of its weights file, which the build embeds in the binary.
/// </summary>
[RnnModel<float>(InputSize = 10, HiddenSize = 33, OutputSize = 5, Layers = 3,
    Direction = RnnDirection.Bidirectional,
    Activation = RnnActivation.Tanh,
    OutputActivation = RnnOutputActivation.Softmax,
    Topology = RnnTopology.ManyToOne,
    Loss = RnnLoss.CrossEntropy,
    Weights = "weights/classifier.safetensors")]
public partial class SequenceClassifier { }
