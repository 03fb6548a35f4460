using RnnGen;

namespace QuickStart;

/// <summary>
/// A classifier of sequences, declared by its weights file: the compiler reads the file's header and takes from it what
/// the attribute leaves out (10 input features, 3 bidirectional layers of 33 tanh units, 5 classes: the generated file's
/// first lines list each and the tensor it comes from), and the build embeds the file in the binary. The attribute states
/// only what a PyTorch state dict does not record: the head runs once, on the last step, and its output is a softmax.
/// </summary>
[RnnModel<float>(Weights = "weights/classifier.safetensors", Topology = RnnTopology.ManyToOne, OutputActivation = RnnOutputActivation.Softmax)]
public partial class SequenceClassifier { }
