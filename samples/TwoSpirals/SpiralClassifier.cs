using RnnGen;

namespace TwoSpirals;

/// <summary>
/// One-to-one: one input (a point (x, y)) gives one output (the probability of each spiral). With a single step from a
/// zero state the recurrent weights W_aa play no part, so this is a feed-forward network with two relu hidden layers
/// of 64 units and a softmax output: y = softmax(W_ya relu(W_2 relu(W_1 x + b_1) + b_2) + b_y). (With tanh units and the
/// same optimiser the network stays near a straight boundary for hundreds of epochs; relu units bend it within a few.)
/// </summary>
[RnnModel<float>(InputSize = 2, HiddenSize = 64, OutputSize = 2, Layers = 2,
    Activation = RnnActivation.Relu,
    Topology = RnnTopology.OneToOne,
    OutputActivation = RnnOutputActivation.Softmax,
    Loss = RnnLoss.CrossEntropy)]
public partial class SpiralClassifier { }
