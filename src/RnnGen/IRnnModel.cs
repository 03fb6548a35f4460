using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// What every generated model offers, for code that handles models of any shape (weight I/O,
/// conformance tests, tools). Generated classes implement it; call the generated members directly in hot code.
/// </summary>
/// <typeparam name="T">The element type, <see cref="float"/> or <see cref="double"/>.</typeparam>
public interface IRnnModel<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>The declared shape of the network.</summary>
    RnnShape Shape { get; }

    /// <summary>Every parameter in one contiguous buffer, laid out as <see cref="ParameterTensors"/> describes.</summary>
    Span<T> Parameters { get; }

    /// <summary>
    /// Makes this instance compute with <paramref name="source"/>'s parameter buffer (shared, not copied): one instance per
    /// thread then serves calls in parallel from one set of weights. An instance's other state (the buffers of its last
    /// forward pass, its gradients, its streaming state) is its own, so one instance must not be called from two threads at once.
    /// </summary>
    /// <param name="source">Another instance of the same generated model.</param>
    void ShareParameters(IRnnModel<T> source);

    /// <summary>Where each PyTorch state-dict tensor lives in <see cref="Parameters"/>.</summary>
    ReadOnlySpan<RnnParameterTensor> ParameterTensors { get; }

    /// <summary>The number of steps of the last <see cref="Forward(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> call (0 before the first).</summary>
    int Steps { get; }

    /// <summary>The top layer's hidden state at every step of the last forward pass, [Steps, Directions * HiddenSize], forward half then reverse half.</summary>
    ReadOnlySpan<T> HiddenOutputs { get; }

    /// <summary>Every layer's and direction's final state after the last forward pass, [StateRows, HiddenSize]: PyTorch's h_n, then for an LSTM c_n.</summary>
    ReadOnlySpan<T> FinalState { get; }

    /// <summary>Runs the network over a sequence.</summary>
    /// <param name="inputs">The sequence, [T, InputSize] row by row (a model with an embedding: its T token ids, [T], as integer values); T ≥ 1 is inferred from the length.</param>
    /// <param name="initialState">[StateRows, HiddenSize]: PyTorch's h0, then for an LSTM c0; or empty for zeros.</param>
    /// <param name="predictions">Receives [T, OutputSize] for many-to-many, [OutputSize] for many-to-one.</param>
    void Forward(ReadOnlySpan<T> inputs, ReadOnlySpan<T> initialState, Span<T> predictions);

    /// <summary>
    /// Runs the network over B independent sequences of possibly different lengths at once, each from zero states, the same as
    /// B <see cref="Forward"/> calls up to rounding. Allocates nothing once a batch of as many sequences and padded steps has run.
    /// </summary>
    /// <param name="inputs">[B, T, InputSize] batch first (a model with an embedding: [B, T] token ids), each sequence padded to T steps; B is the number of lengths.</param>
    /// <param name="lengths">Each sequence's length, 1 to T.</param>
    /// <param name="predictions">Receives [B, T, OutputSize] for many-to-many (zero past each length), [B, OutputSize] for many-to-one.</param>
    void ForwardBatch(ReadOnlySpan<T> inputs, ReadOnlySpan<int> lengths, Span<T> predictions);

    /// <summary>
    /// Runs <see cref="ForwardBatch"/> and backpropagates the declared loss of every sequence: adds the sum of their dE/dθ to
    /// <see cref="Gradients"/> and returns the sum of their losses, the same as a Forward and a Backward call per sequence up to rounding.
    /// </summary>
    /// <param name="inputs">[B, T, InputSize] batch first (a model with an embedding: [B, T] token ids), each sequence padded to T steps; B is the number of lengths.</param>
    /// <param name="lengths">Each sequence's length, 1 to T.</param>
    /// <param name="targets">[B, T, OutputSize] for many-to-many (the padding rows are not read), [B, OutputSize] for many-to-one.</param>
    T AccumulateBatchGradients(ReadOnlySpan<T> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<T> targets);

    /// <summary>The declared loss E of <paramref name="predictions"/> against <paramref name="targets"/>, summed over steps and outputs.</summary>
    T Loss(ReadOnlySpan<T> predictions, ReadOnlySpan<T> targets);

    /// <summary>Draws every parameter as PyTorch initialises it, from <paramref name="random"/>.</summary>
    void InitializeParameters(Random random);

    /// <summary>dE/dθ accumulated by <see cref="Backward"/>, laid out exactly like <see cref="Parameters"/>.</summary>
    Span<T> Gradients { get; }

    /// <summary>Sets every element of <see cref="Gradients"/> to zero.</summary>
    void ZeroGradients();

    /// <summary>
    /// Backpropagates the declared loss of the last forward pass through time: adds dE/dθ of every parameter to
    /// <see cref="Gradients"/> and returns the loss E (cross-entropy computed from the logits, so it stays finite).
    /// </summary>
    /// <param name="targets">The wanted outputs, shaped like the last forward pass's predictions.</param>
    /// <param name="inputGradients">Receives dE/dx, [T, InputSize], or empty when not wanted.</param>
    /// <param name="initialStateGradients">Receives dE/d(initial state), [StateRows, HiddenSize], or empty when not wanted.</param>
    T Backward(ReadOnlySpan<T> targets, Span<T> inputGradients, Span<T> initialStateGradients);

    /// <summary>
    /// Backpropagates a gradient that arrives from outside, dE/d(predictions) of the last forward pass (for a model whose
    /// outputs feed another model, such as an encoder whose output initialises a decoder), and adds dE/dθ to <see cref="Gradients"/>.
    /// </summary>
    /// <param name="predictionGradients">dE/dy, shaped like the last forward pass's predictions.</param>
    /// <param name="inputGradients">Receives dE/dx, [T, InputSize], or empty when not wanted.</param>
    /// <param name="initialStateGradients">Receives dE/d(initial state), [StateRows, HiddenSize], or empty when not wanted.</param>
    void BackwardFromPredictionGradients(ReadOnlySpan<T> predictionGradients, Span<T> inputGradients, Span<T> initialStateGradients);
}

/// <summary>The declared shape of a generated network.</summary>
/// <param name="InputSize">The size of one input step.</param>
/// <param name="HiddenSize">The size of one layer's hidden state in one direction.</param>
/// <param name="OutputSize">The size of one output step.</param>
/// <param name="Layers">The number of stacked layers.</param>
/// <param name="Direction">One or both directions.</param>
/// <param name="Activation">The hidden activation g1.</param>
/// <param name="OutputActivation">The output activation g2.</param>
/// <param name="Topology">Where the output layer runs.</param>
/// <param name="Loss">The loss function.</param>
/// <param name="Cell">The recurrent cell.</param>
/// <param name="VocabularySize">The number of token ids an embedding layer maps to input vectors, or 0 for a model that reads vectors.</param>
public readonly record struct RnnShape(
    int InputSize,
    int HiddenSize,
    int OutputSize,
    int Layers,
    RnnDirection Direction,
    RnnActivation Activation,
    RnnOutputActivation OutputActivation,
    RnnTopology Topology,
    RnnLoss Loss,
    RnnCell Cell = RnnCell.Vanilla,
    int VocabularySize = 0)
{
    /// <summary>
    /// The values one step of the inputs holds in the model's <see cref="IRnnModel{T}"/> calls: InputSize for a model that
    /// reads vectors; 1 for a model with an embedding, whose inputs are token ids (as integer values of the element type).
    /// </summary>
    public int StepInputSize => VocabularySize > 0 ? 1 : InputSize;

    /// <summary>1 for a unidirectional network, 2 for a bidirectional one.</summary>
    public int Directions => Direction == RnnDirection.Bidirectional ? 2 : 1;

    /// <summary>The rows of a whole state (initial or final), each HiddenSize wide: Layers × Directions, twice for an LSTM (h rows, then c rows).</summary>
    public int StateRows => (Cell == RnnCell.Lstm ? 2 : 1) * Layers * Directions;
}

/// <summary>Streaming inference, generated for unidirectional models declared with <c>Streaming = true</c> and for one-to-many models.</summary>
/// <typeparam name="T">The element type.</typeparam>
public interface IRnnStreaming<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Every layer's current state, [StateRows, HiddenSize] (h rows, then for an LSTM c rows).</summary>
    ReadOnlySpan<T> StreamState { get; }

    /// <summary>Advances one time step: reads x&lt;t&gt; [InputSize], updates the kept state and writes y&lt;t&gt; [OutputSize]. Allocates nothing.</summary>
    void Step(ReadOnlySpan<T> input, Span<T> output);

    /// <summary>
    /// Advances over a block of n steps, the same as n <see cref="Step"/> calls (up to rounding) with each layer's input
    /// projection as one matrix product: reads x [n, InputSize] and writes y [n, OutputSize]. Allocates nothing once a
    /// block this long has run.
    /// </summary>
    void StepBlock(ReadOnlySpan<T> inputs, Span<T> outputs);

    /// <summary>Sets the kept state to zeros.</summary>
    void Reset();

    /// <summary>Sets the kept state to <paramref name="initialState"/>, [StateRows, HiddenSize].</summary>
    void Reset(ReadOnlySpan<T> initialState);
}

/// <summary>
/// Streaming one sample at a time, generated for streaming models with one input value and one output (the usual audio
/// shape: a sample in, a sample out). The sample comes in and goes out by value, so a step stores nothing to the caller's memory.
/// </summary>
/// <typeparam name="T">The element type.</typeparam>
public interface IRnnSampleStreaming<T> : IRnnStreaming<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>Advances one time step: returns y&lt;t&gt; for x&lt;t&gt; and updates the kept state, as <see cref="IRnnStreaming{T}.Step"/> does with spans of one value. Allocates nothing.</summary>
    T Step(T input);
}

/// <summary>Generation by feedback, generated for one-to-many models.</summary>
/// <typeparam name="T">The element type.</typeparam>
public interface IRnnGenerator<T> : IRnnModel<T>, IRnnStreaming<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    /// <summary>
    /// Generates a sequence: x&lt;1&gt; = <paramref name="firstInput"/>, then each output (as <paramref name="options"/> chooses
    /// it) becomes the next input, until <paramref name="outputs"/> is full or the end token is produced.
    /// </summary>
    /// <param name="firstInput">x&lt;1&gt;, [InputSize] (e.g. a start token).</param>
    /// <param name="initialState">The initial state, [StateRows, HiddenSize] (e.g. from an encoder), or empty for zeros.</param>
    /// <param name="outputs">Receives y&lt;1..&gt;, [maximum length, OutputSize].</param>
    /// <param name="options">How each output becomes the next input, and when to stop.</param>
    /// <returns>The number of steps generated (the end token's step included).</returns>
    int Generate(ReadOnlySpan<T> firstInput, ReadOnlySpan<T> initialState, Span<T> outputs, GenerationOptions options);
}
