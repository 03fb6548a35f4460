using RnnGen;

// The PyTorch reference cases of tests/data/pytorch, pytorch-gated and pytorch-variants, declared as a user would, so the
// compiler runs the real generator on them (the conformance runner builds the same declarations in memory).

[RnnModel<float>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_uni1_tanh_m2m_float { }

[RnnModel<double>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_uni1_tanh_m2m_double { }

[RnnModel<float>(InputSize = 7, HiddenSize = 16, OutputSize = 3, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Relu, OutputActivation = RnnOutputActivation.Sigmoid, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.SquaredError)]
public partial class Case_uni2_relu_m2o_float { }

[RnnModel<double>(InputSize = 7, HiddenSize = 16, OutputSize = 3, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Relu, OutputActivation = RnnOutputActivation.Sigmoid, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.SquaredError)]
public partial class Case_uni2_relu_m2o_double { }

[RnnModel<float>(InputSize = 4, HiddenSize = 8, OutputSize = 4, Layers = 1, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_bi1_tanh_m2m_float { }

[RnnModel<double>(InputSize = 4, HiddenSize = 8, OutputSize = 4, Layers = 1, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_bi1_tanh_m2m_double { }

[RnnModel<float>(InputSize = 10, HiddenSize = 33, OutputSize = 5, Layers = 3, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
public partial class Case_bi3_tanh_m2o_softmax_float { }

[RnnModel<double>(InputSize = 10, HiddenSize = 33, OutputSize = 5, Layers = 3, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
public partial class Case_bi3_tanh_m2o_softmax_double { }

[RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_uni1_tiny_float { }

[RnnModel<double>(InputSize = 1, HiddenSize = 1, OutputSize = 1, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_uni1_tiny_double { }

[RnnModel<float>(InputSize = 6, HiddenSize = 12, OutputSize = 6, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.CrossEntropy)]
public partial class Case_uni2_h0_m2m_softmax_float { }

[RnnModel<double>(InputSize = 6, HiddenSize = 12, OutputSize = 6, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.CrossEntropy)]
public partial class Case_uni2_h0_m2m_softmax_double { }

[RnnModel<float>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_gru_uni1_m2m_float { }

[RnnModel<double>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_gru_uni1_m2m_double { }

[RnnModel<float>(InputSize = 6, HiddenSize = 19, OutputSize = 4, Layers = 2, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
public partial class Case_gru_bi2_m2o_softmax_float { }

[RnnModel<double>(InputSize = 6, HiddenSize = 19, OutputSize = 4, Layers = 2, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
public partial class Case_gru_bi2_m2o_softmax_double { }

[RnnModel<float>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_lstm_uni1_m2m_float { }

[RnnModel<double>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_lstm_uni1_m2m_double { }

[RnnModel<float>(InputSize = 8, HiddenSize = 24, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Sigmoid, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_lstm_bi2_m2m_h0_float { }

[RnnModel<double>(InputSize = 8, HiddenSize = 24, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Sigmoid, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError)]
public partial class Case_lstm_bi2_m2m_h0_double { }

// tests/data/pytorch-variants: modules under their authors' names, layers built with bias=False, embeddings.

[RnnModel<float>(InputSize = 3, HiddenSize = 6, OutputSize = 2, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, RecurrentModule = "lstm", HeadModule = "fc", RecurrentBias = false, HeadBias = false)]
public partial class Case_lstm_named_nobias_float { }

[RnnModel<double>(InputSize = 3, HiddenSize = 6, OutputSize = 2, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, RecurrentModule = "lstm", HeadModule = "fc", RecurrentBias = false, HeadBias = false)]
public partial class Case_lstm_named_nobias_double { }

[RnnModel<float>(InputSize = 4, HiddenSize = 5, OutputSize = 3, Layers = 1, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy, RecurrentModule = "gru", HeadModule = "classifier", RecurrentBias = false)]
public partial class Case_gru_bi_nobias_m2o_softmax_float { }

[RnnModel<double>(InputSize = 4, HiddenSize = 5, OutputSize = 3, Layers = 1, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy, RecurrentModule = "gru", HeadModule = "classifier", RecurrentBias = false)]
public partial class Case_gru_bi_nobias_m2o_softmax_double { }

[RnnModel<float>(InputSize = 2, HiddenSize = 4, OutputSize = 3, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Tanh, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, RecurrentModule = "encoder.rnn", HeadModule = "decoder.proj", HeadBias = false)]
public partial class Case_rnn_nested_nohead_bias_h0_float { }

[RnnModel<double>(InputSize = 2, HiddenSize = 4, OutputSize = 3, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Vanilla, Activation = RnnActivation.Tanh, OutputActivation = RnnOutputActivation.Tanh, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, RecurrentModule = "encoder.rnn", HeadModule = "decoder.proj", HeadBias = false)]
public partial class Case_rnn_nested_nohead_bias_h0_double { }

[RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 2, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Sigmoid, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, RecurrentBias = false)]
public partial class Case_lstm_bi_nobias_h0_float { }

[RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 2, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Sigmoid, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, RecurrentBias = false)]
public partial class Case_lstm_bi_nobias_h0_double { }

[RnnModel<float>(InputSize = 4, HiddenSize = 5, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy, RecurrentModule = "lstm", HeadModule = "fc", VocabularySize = 11, PaddingIndex = 0)]
public partial class Case_lstm_embedding_padding_m2o_float { }

[RnnModel<double>(InputSize = 4, HiddenSize = 5, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy, RecurrentModule = "lstm", HeadModule = "fc", VocabularySize = 11, PaddingIndex = 0)]
public partial class Case_lstm_embedding_padding_m2o_double { }

[RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, VocabularySize = 7, EmbeddingModule = "embed.tokens")]
public partial class Case_gru_embedding_m2m_float { }

[RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 1, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, VocabularySize = 7, EmbeddingModule = "embed.tokens")]
public partial class Case_gru_embedding_m2m_double { }

[RnnModel<float>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 3, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, RecurrentModule = "lstm", HeadModule = "fc", Dropout = 0.3, HeadDropout = 0.25)]
public partial class Case_lstm_bi_dropout_m2m_float { }

[RnnModel<double>(InputSize = 3, HiddenSize = 5, OutputSize = 2, Layers = 3, Direction = RnnDirection.Bidirectional,
    Cell = RnnCell.Lstm, OutputActivation = RnnOutputActivation.Identity, Topology = RnnTopology.ManyToMany, Loss = RnnLoss.SquaredError, RecurrentModule = "lstm", HeadModule = "fc", Dropout = 0.3, HeadDropout = 0.25)]
public partial class Case_lstm_bi_dropout_m2m_double { }

[RnnModel<float>(InputSize = 4, HiddenSize = 6, OutputSize = 3, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy, Dropout = 0.5, HeadDropout = 0.2)]
public partial class Case_gru_dropout_m2o_softmax_float { }

[RnnModel<double>(InputSize = 4, HiddenSize = 6, OutputSize = 3, Layers = 2, Direction = RnnDirection.Unidirectional,
    Cell = RnnCell.Gru, OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy, Dropout = 0.5, HeadDropout = 0.2)]
public partial class Case_gru_dropout_m2o_softmax_double { }
