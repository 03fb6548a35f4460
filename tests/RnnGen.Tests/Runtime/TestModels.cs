using RnnGen;

namespace RnnGen.Tests.Runtime;

// Small models declared as a user would, for the run-time behaviour tests.
[RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
public partial class SmallTagger { }

[RnnModel<double>(InputSize = 2, HiddenSize = 5, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional,
    OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
public partial class SmallClassifier { }

[RnnModel<double>(InputSize = 1, HiddenSize = 1, OutputSize = 1)]
public partial class ScalarCell { }

[RnnModel<double>(InputSize = 1, HiddenSize = 2, OutputSize = 1, Activation = RnnActivation.Relu, OutputActivation = RnnOutputActivation.Sigmoid)]
public partial class ReluSigmoidCell { }

[RnnModel<double>(InputSize = 3, HiddenSize = 6, OutputSize = 2, Layers = 2, Streaming = true, OutputActivation = RnnOutputActivation.Tanh)]
public partial class StreamingTagger { }

[RnnModel<double>(InputSize = 4, HiddenSize = 8, OutputSize = 4, Topology = RnnTopology.OneToMany,
    OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class NoteGenerator { }

[RnnModel<double>(InputSize = 2, HiddenSize = 3, OutputSize = 1, Topology = RnnTopology.OneToOne, OutputActivation = RnnOutputActivation.Sigmoid)]
public partial class XorNet { }

// An encoder-decoder pair: the encoder's 2 x 5 outputs initialise the decoder's two layers of 5 units.
[RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 10, Direction = RnnDirection.Bidirectional,
    Topology = RnnTopology.ManyToOne, OutputActivation = RnnOutputActivation.Tanh)]
public partial class SourceEncoder { }

[RnnModel<double>(InputSize = 5, HiddenSize = 5, OutputSize = 5, Layers = 2, Topology = RnnTopology.OneToMany,
    OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class TargetDecoder { }

/// <summary>TargetDecoder reading token ids through an embedding: teacher forcing feeds it the targets' tokens.</summary>
[RnnModel<double>(VocabularySize = 5, InputSize = 3, HiddenSize = 5, OutputSize = 5, Layers = 2, Topology = RnnTopology.OneToMany,
    OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class TokenTargetDecoder { }

[RnnModel<double>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 2, Cell = RnnCell.Gru, Streaming = true)]
public partial class StreamingGru { }

[RnnModel<double>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 2, Cell = RnnCell.Lstm, Streaming = true)]
public partial class StreamingLstm { }

// Float, 12 units: a whole vector of them and a scalar tail at every vector width.
[RnnModel<float>(InputSize = 3, HiddenSize = 12, OutputSize = 2, Layers = 2, Cell = RnnCell.Gru, Streaming = true)]
public partial class StreamingGruFloat { }

[RnnModel<float>(InputSize = 3, HiddenSize = 12, OutputSize = 2, Layers = 2, Cell = RnnCell.Lstm, Streaming = true)]
public partial class StreamingLstmFloat { }

// Float, 8 units: one vector of them with 256-bit vectors, where the step writes the new state over the old in place.
[RnnModel<float>(InputSize = 3, HiddenSize = 8, OutputSize = 2, Cell = RnnCell.Gru, Streaming = true)]
public partial class StreamingGruOneVector { }

[RnnModel<float>(InputSize = 3, HiddenSize = 8, OutputSize = 2, Layers = 2, Cell = RnnCell.Lstm, Streaming = true)]
public partial class StreamingLstmOneVector { }

// Float, 16 units: whole vectors of them, where the step computes every gate's sums before the gate arithmetic.
[RnnModel<float>(InputSize = 3, HiddenSize = 16, OutputSize = 2, Layers = 2, Cell = RnnCell.Gru, Streaming = true)]
public partial class StreamingGruWholeVectors { }

[RnnModel<float>(InputSize = 3, HiddenSize = 16, OutputSize = 2, Layers = 2, Cell = RnnCell.Lstm, Streaming = true)]
public partial class StreamingLstmWholeVectors { }

// Float, 32 units: two 512-bit vectors of them on AVX-512 cores, where the step keeps both vectors' gate sums in registers.
[RnnModel<float>(InputSize = 3, HiddenSize = 32, OutputSize = 2, Cell = RnnCell.Gru, Streaming = true)]
public partial class StreamingGruTwoWideVectors { }

[RnnModel<float>(InputSize = 3, HiddenSize = 32, OutputSize = 2, Layers = 2, Cell = RnnCell.Lstm, Streaming = true)]
public partial class StreamingLstmTwoWideVectors { }

// W_hh larger than the first-level cache: the streaming step goes through the matrix products instead of the fused pass.
[RnnModel<float>(InputSize = 3, HiddenSize = 64, OutputSize = 2, Cell = RnnCell.Gru, Streaming = true)]
public partial class StreamingGruWide { }

[RnnModel<float>(InputSize = 3, HiddenSize = 48, OutputSize = 2, Cell = RnnCell.Lstm, Streaming = true)]
public partial class StreamingLstmWide { }

// Vanilla streaming steps with the sums in registers: H = 8 floats is one vector at 256 bits; 16 two of them, or one at
// 512 bits on AVX-512 cores; 32 floats two at 512 bits (four at 256 bits take the products); 8 doubles two at 256 bits or
// one at 512. Relu as well as tanh, and a layer without a bias.
[RnnModel<float>(InputSize = 3, HiddenSize = 8, OutputSize = 2, Layers = 2, Streaming = true)]
public partial class StreamingVanillaOneVector { }

[RnnModel<float>(InputSize = 3, HiddenSize = 16, OutputSize = 2, Streaming = true, Activation = RnnActivation.Relu)]
public partial class StreamingVanillaTwoVectors { }

[RnnModel<float>(InputSize = 1, HiddenSize = 32, OutputSize = 1, Streaming = true, RecurrentBias = false)]
public partial class StreamingVanillaTwoWideVectors { }

[RnnModel<double>(InputSize = 2, HiddenSize = 8, OutputSize = 3, Layers = 2, Streaming = true, Activation = RnnActivation.Relu)]
public partial class StreamingVanillaDouble { }

// A vanilla W_aa larger than the first-level cache (128 × 128 floats): the sequence forward reads it from column panels, the streaming step in place.
[RnnModel<float>(InputSize = 3, HiddenSize = 128, OutputSize = 2, Streaming = true)]
public partial class StreamingVanillaWide { }

// One input value and one output (the audio shape): the sample step, T Step(T). H = 8 is one 256-bit vector of units
// and its head one vector of weights; H = 5 leaves every kernel its scalar tail; H = 64 is eight head vectors (the dot
// product's two interleaved sums).
[RnnModel<float>(InputSize = 1, HiddenSize = 8, OutputSize = 1, Cell = RnnCell.Gru, Streaming = true, OutputActivation = RnnOutputActivation.Tanh)]
public partial class SampleGru { }

[RnnModel<double>(InputSize = 1, HiddenSize = 5, OutputSize = 1, Layers = 2, Cell = RnnCell.Lstm, Streaming = true)]
public partial class SampleLstm { }

[RnnModel<float>(InputSize = 1, HiddenSize = 64, OutputSize = 1, Cell = RnnCell.Lstm, Streaming = true, HeadBias = false)]
public partial class SampleLstmWide { }

// Bidirectional gated cells, for the batched forward pass: each sequence's reverse direction starts at its own last step.
[RnnModel<double>(InputSize = 3, HiddenSize = 6, OutputSize = 4, Layers = 2, Direction = RnnDirection.Bidirectional, Cell = RnnCell.Gru,
    Topology = RnnTopology.ManyToOne, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
public partial class BidirectionalGruClassifier { }

[RnnModel<double>(InputSize = 2, HiddenSize = 5, OutputSize = 3, Direction = RnnDirection.Bidirectional, Cell = RnnCell.Lstm)]
public partial class BidirectionalLstmTagger { }

// PyTorch modules as people name them (tests/data/pytorch-modules, written by tests/data/pytorch_module_names.py).
[RnnModel<float>(InputSize = 4, HiddenSize = 6, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional, Cell = RnnCell.Lstm,
    RecurrentModule = "lstm", HeadModule = "fc")]
public partial class NamedLstmTagger { }

[RnnModel<float>(InputSize = 4, HiddenSize = 6, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional, Cell = RnnCell.Lstm)]
public partial class DefaultNamedLstmTagger { }

[RnnModel<float>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Cell = RnnCell.Gru, RecurrentModule = "encoder.rnn", HeadModule = "decoder.proj")]
public partial class NestedModuleGru { }

[RnnModel<float>(InputSize = 4, HiddenSize = 6, OutputSize = 3, Cell = RnnCell.Lstm)]
public partial class SingleLstm { }

[RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, RecurrentModule = "", HeadModule = "out")]
public partial class BareModuleRnn { }
