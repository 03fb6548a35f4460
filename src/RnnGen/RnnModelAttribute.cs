using System;
using System.ComponentModel;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Declares a recurrent network on a <c>partial class</c>; the RnnGen source generator emits the
/// network's fixed-shape forward pass, parameters and weight I/O into the class.
/// </summary>
/// <typeparam name="T">The element type of weights and activations: <see cref="float"/> or <see cref="double"/>.</typeparam>
/// <example>
/// <code>
/// [RnnModel&lt;float&gt;(InputSize = 7, HiddenSize = 16, OutputSize = 3, Layers = 2,
///     Direction = RnnDirection.Bidirectional, Topology = RnnTopology.ManyToOne)]
/// public partial class Tagger { }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RnnModelAttribute<T> : Attribute
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The size of one input step x&lt;t&gt;. Required unless <see cref="Weights"/> names a file, which then gives it; 1 to <see cref="RnnLimits.MaxSize"/>.</summary>
    public int InputSize { get; set; }

    /// <summary>The size of the hidden state a&lt;t&gt; of each layer and direction. Required unless <see cref="Weights"/> names a file, which then gives it; 1 to <see cref="RnnLimits.MaxSize"/>.</summary>
    public int HiddenSize { get; set; }

    /// <summary>The size of one output step y&lt;t&gt;. Required unless <see cref="Weights"/> names a file, which then gives it; 1 to <see cref="RnnLimits.MaxSize"/>.</summary>
    public int OutputSize { get; set; }

    /// <summary>The number of stacked recurrent layers; layer k &gt; 0 reads the outputs of layer k - 1. 1 to <see cref="RnnLimits.MaxLayers"/>; default 1.</summary>
    public int Layers { get; set; } = 1;

    /// <summary>Whether each layer also reads the sequence backwards. Default <see cref="RnnDirection.Unidirectional"/>.</summary>
    public RnnDirection Direction { get; set; } = RnnDirection.Unidirectional;

    /// <summary>The recurrent cell. Default <see cref="RnnCell.Vanilla"/>.</summary>
    public RnnCell Cell { get; set; } = RnnCell.Vanilla;

    /// <summary>The hidden activation g1 of a vanilla cell (gated cells have PyTorch's fixed activations). Default <see cref="RnnActivation.Tanh"/>.</summary>
    public RnnActivation Activation { get; set; } = RnnActivation.Tanh;

    /// <summary>The output activation g2. Default <see cref="RnnOutputActivation.Identity"/>.</summary>
    public RnnOutputActivation OutputActivation { get; set; } = RnnOutputActivation.Identity;

    /// <summary>Where the output layer is applied. Default <see cref="RnnTopology.ManyToMany"/>.</summary>
    public RnnTopology Topology { get; set; } = RnnTopology.ManyToMany;

    /// <summary>The loss the model reports and (with training) minimises. Default <see cref="RnnLoss.SquaredError"/>.</summary>
    public RnnLoss Loss { get; set; } = RnnLoss.SquaredError;

    /// <summary>
    /// Also generate streaming inference: <c>Step(x, y)</c> advances one time step and keeps the state in the model,
    /// <c>Reset()</c> clears it. Unidirectional models only; <see cref="RnnTopology.OneToMany"/> models always stream.
    /// </summary>
    public bool Streaming { get; set; }

    /// <summary>
    /// The PyTorch module that holds the recurrent layers, as the state dict names it: the attribute of your
    /// <c>nn.Module</c> (<c>self.lstm = nn.LSTM(...)</c> is <c>"lstm"</c>), dotted when nested (<c>"encoder.rnn"</c>), or
    /// <c>""</c> for a bare <c>nn.LSTM</c>'s own state dict. Default <c>"rnn"</c>. Its tensors are <c>{name}.weight_ih_l0</c>, ...
    /// </summary>
    public string RecurrentModule { get; set; } = "rnn";

    /// <summary>The PyTorch <c>nn.Linear</c> module of the output layer, as the state dict names it (<c>self.fc</c> is <c>"fc"</c>; dotted when nested). Default <c>"head"</c>.</summary>
    public string HeadModule { get; set; } = "head";

    /// <summary>
    /// Whether the recurrent layers have biases, as PyTorch's <c>bias</c> argument of <c>nn.RNN</c>, <c>nn.GRU</c> and
    /// <c>nn.LSTM</c>. Default true; with false, no <c>bias_ih</c> or <c>bias_hh</c> tensor is read, written or trained.
    /// </summary>
    public bool RecurrentBias { get; set; } = true;

    /// <summary>
    /// An embedding layer before the recurrent layers, PyTorch's <c>nn.Embedding(VocabularySize, InputSize)</c>: the model then
    /// reads token ids (0 to VocabularySize - 1) instead of vectors, in <c>Forward</c>, <c>Step</c> and the batches (as
    /// <c>ReadOnlySpan&lt;int&gt;</c>, or as integer values in the <see cref="IRnnModel{T}"/> calls), and trains the table with
    /// the rest. Default 0: no embedding. 1 to <see cref="RnnLimits.MaxVocabularySize"/>.
    /// </summary>
    public int VocabularySize { get; set; }

    /// <summary>As <c>nn.Embedding(padding_idx=...)</c>: the token whose embedding row stays zero and receives no gradient. Default -1: none.</summary>
    public int PaddingIndex { get; set; } = -1;

    /// <summary>The PyTorch <c>nn.Embedding</c> module, as the state dict names it (<c>self.embedding</c> is <c>"embedding"</c>, the default; dotted when nested).</summary>
    public string EmbeddingModule { get; set; } = "embedding";

    /// <summary>Whether the output layer has a bias, as <c>nn.Linear</c>'s <c>bias</c> argument. Default true; with false, no <c>{HeadModule}.bias</c> tensor is read, written or trained.</summary>
    public bool HeadBias { get; set; } = true;

    /// <summary>
    /// Dropout between the recurrent layers, as <c>nn.LSTM(dropout=p)</c> (and <c>nn.GRU</c>, <c>nn.RNN</c>): in training mode
    /// (<see cref="IRnnDropout.Training"/>) each unit of every layer's output but the last's is zeroed with probability
    /// <c>p</c> before the next layer reads it, and the others are scaled by 1 / (1 - p); off in inference. 0 (the default,
    /// no dropout) to below 1. A one-layer model has no layer to drop between (RNNGEN019, as PyTorch warns).
    /// </summary>
    public double Dropout { get; set; }

    /// <summary>
    /// Dropout on the head's input, as an <c>nn.Dropout(p)</c> applied to the recurrent output before the <c>nn.Linear</c>
    /// head: in training mode each unit is zeroed with probability <c>p</c> and the others scaled by 1 / (1 - p); off in
    /// inference. 0 (the default, no dropout) to below 1.
    /// </summary>
    public double HeadDropout { get; set; }

    /// <summary>
    /// A safetensors file of the project holding the model's weights (e.g. <c>"models/amp.safetensors"</c>), whose header the
    /// compiler reads: the arguments this attribute leaves out among the sizes, <see cref="Layers"/>, <see cref="Direction"/>,
    /// <see cref="Cell"/>, the biases, the module names and the embedding are taken from the tensors' names and shapes (the
    /// generated file lists each and the tensor it comes from), those it states must agree with them (RNNGEN027), and a
    /// missing tensor, a wrong shape or an unsupported dtype is a compile error at this argument (RNNGEN020-RNNGEN026). The
    /// activations, topology, loss, padding and dropout are not in a state dict: they keep their defaults unless stated.
    /// The project lists the file once, <c>&lt;RnnGenWeights Include="models/amp.safetensors" /&gt;</c>; the build reads its
    /// header, never its tensor data, and embeds the file for <c>LoadEmbeddedWeights()</c>. Default: none.
    /// </summary>
    public string? Weights { get; set; }
}

/// <summary>The recurrent cell, with PyTorch's semantics and parameter names.</summary>
public enum RnnCell
{
    /// <summary><c>nn.RNN</c>: a&lt;t&gt; = g1(W_aa a&lt;t-1&gt; + W_ax x&lt;t&gt; + b_a).</summary>
    Vanilla = 0,

    /// <summary>
    /// <c>nn.GRU</c>, gates r, z, n: r = σ(W_ir x + b_ir + W_hr h + b_hr), z = σ(W_iz x + b_iz + W_hz h + b_hz),
    /// n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)), h' = (1 - z) ⊙ n + z ⊙ h.
    /// </summary>
    Gru = 1,

    /// <summary>
    /// <c>nn.LSTM</c>, gates i, f, g, o: c' = f ⊙ c + i ⊙ g, h' = o ⊙ tanh(c'). Its state is (h, c): initial and final states
    /// hold the h rows, then the c rows.
    /// </summary>
    Lstm = 2,
}

/// <summary>Whether a recurrent layer reads the sequence in one or both directions.</summary>
public enum RnnDirection
{
    /// <summary>t = 1..T only.</summary>
    Unidirectional = 0,

    /// <summary>A forward direction (t = 1..T) and a reverse direction (t = T..1) with separate weights; the layer's output at t is [forward | reverse].</summary>
    Bidirectional = 1,
}

/// <summary>The hidden activation g1 in a&lt;t&gt; = g1(W_aa a&lt;t-1&gt; + W_ax x&lt;t&gt; + b_a).</summary>
public enum RnnActivation
{
    /// <summary>Hyperbolic tangent (PyTorch's default, <c>nonlinearity='tanh'</c>).</summary>
    Tanh = 0,

    /// <summary>max(0, z) (PyTorch's <c>nonlinearity='relu'</c>).</summary>
    Relu = 1,
}

/// <summary>The output activation g2 in y&lt;t&gt; = g2(W_ya a&lt;t&gt; + b_y).</summary>
public enum RnnOutputActivation
{
    /// <summary>No activation: y is the affine output.</summary>
    Identity = 0,

    /// <summary>1 / (1 + exp(-z)), element-wise.</summary>
    Sigmoid = 1,

    /// <summary>Hyperbolic tangent, element-wise.</summary>
    Tanh = 2,

    /// <summary>exp(z_j) / Σ_k exp(z_k) over the outputs of one step.</summary>
    Softmax = 3,
}

/// <summary>The former name of <see cref="RnnOutputActivation"/>, kept so that declarations written with it still compile (with a warning).</summary>
[Obsolete("Use RnnOutputActivation, named like the other RnnGen enums.")]
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OutputActivation
{
    /// <summary><see cref="RnnOutputActivation.Identity"/>.</summary>
    public const RnnOutputActivation Identity = RnnOutputActivation.Identity;

    /// <summary><see cref="RnnOutputActivation.Sigmoid"/>.</summary>
    public const RnnOutputActivation Sigmoid = RnnOutputActivation.Sigmoid;

    /// <summary><see cref="RnnOutputActivation.Tanh"/>.</summary>
    public const RnnOutputActivation Tanh = RnnOutputActivation.Tanh;

    /// <summary><see cref="RnnOutputActivation.Softmax"/>.</summary>
    public const RnnOutputActivation Softmax = RnnOutputActivation.Softmax;
}

/// <summary>How input and output sequences line up.</summary>
public enum RnnTopology
{
    /// <summary>The output layer runs at every step: T inputs give T outputs (tagging, Tx = Ty).</summary>
    ManyToMany = 0,

    /// <summary>The output layer runs once on the top layer's final states: T inputs give one output (classification).</summary>
    ManyToOne = 1,

    /// <summary>One input gives one output (Tx = Ty = 1): a feed-forward network with the recurrent layers as hidden layers.</summary>
    OneToOne = 2,

    /// <summary>
    /// Generation (Tx = 1, Ty &gt; 1): the output at step t becomes the input at step t + 1, so InputSize must equal
    /// OutputSize. Trained with teacher forcing like <see cref="ManyToMany"/>; <c>Generate</c> feeds outputs back.
    /// With an encoder model that initialises its state, it is the decoder of a sequence-to-sequence pair (Tx ≠ Ty).
    /// </summary>
    OneToMany = 3,
}

/// <summary>The loss E between targets and predictions, summed over outputs and steps.</summary>
public enum RnnLoss
{
    /// <summary>E = Σ_t Σ_j (target_j - prediction_j)², with no 1/2 and no mean.</summary>
    SquaredError = 0,

    /// <summary>E = -Σ_t Σ_j target_j log(prediction_j); needs <see cref="RnnOutputActivation.Softmax"/>.</summary>
    CrossEntropy = 1,
}

/// <summary>The limits the generator enforces on a declaration (larger values are reported as RNNGEN003).</summary>
public static class RnnLimits
{
    /// <summary>The largest input, hidden or output size.</summary>
    public const int MaxSize = 4096;

    /// <summary>The largest number of stacked layers.</summary>
    public const int MaxLayers = 16;

    /// <summary>The largest vocabulary of an embedding: 2^24, so that every token id is exact as a float.</summary>
    public const int MaxVocabularySize = 1 << 24;
}
