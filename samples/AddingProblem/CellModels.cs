using RnnGen;

namespace AddingProblem;

// The three models of `--compare`: the same task, size and topology, only the recurrent cell differs.
// 32 units each: the vanilla cell has 1,153 parameters, the GRU 3,489 and the LSTM 4,641.

/// <summary>A vanilla tanh RNN (PyTorch's <c>nn.RNN</c>) for the cell comparison.</summary>
[RnnModel<float>(InputSize = 2, HiddenSize = 32, OutputSize = 1, Topology = RnnTopology.ManyToOne, Cell = RnnCell.Vanilla)]
public partial class VanillaAddingModel { }

/// <summary>A GRU (PyTorch's <c>nn.GRU</c>) for the cell comparison.</summary>
[RnnModel<float>(InputSize = 2, HiddenSize = 32, OutputSize = 1, Topology = RnnTopology.ManyToOne, Cell = RnnCell.Gru)]
public partial class GruAddingModel { }

/// <summary>An LSTM (PyTorch's <c>nn.LSTM</c>) for the cell comparison.</summary>
[RnnModel<float>(InputSize = 2, HiddenSize = 32, OutputSize = 1, Topology = RnnTopology.ManyToOne, Cell = RnnCell.Lstm)]
public partial class LstmAddingModel { }
