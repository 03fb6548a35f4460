using RnnGen;

namespace RnnGen.Tests.Runtime;

// Small models declared as a user would, for the run-time behaviour tests.
[RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
public partial class SmallTagger { }

[RnnModel<double>(InputSize = 2, HiddenSize = 5, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional,
    OutputActivation = OutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
public partial class SmallClassifier { }

[RnnModel<double>(InputSize = 1, HiddenSize = 1, OutputSize = 1)]
public partial class ScalarCell { }

[RnnModel<double>(InputSize = 1, HiddenSize = 2, OutputSize = 1, Activation = RnnActivation.Relu, OutputActivation = OutputActivation.Sigmoid)]
public partial class ReluSigmoidCell { }
