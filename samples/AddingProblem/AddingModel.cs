using RnnGen;

namespace AddingProblem;

/// <summary>
/// Reads a sequence of (value, marker) pairs and outputs one number: the sum of the two marked values.
/// Many-to-one: the head reads the final hidden state, so the network must carry the marked values to the end.
/// </summary>
[RnnModel<float>(InputSize = 2, HiddenSize = 48, OutputSize = 1, Topology = RnnTopology.ManyToOne)]
public partial class AddingModel { }
