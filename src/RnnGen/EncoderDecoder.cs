using System;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// A sequence-to-sequence pair for Tx ≠ Ty (translation): an encoder reads x&lt;1..Tx&gt; and its output initialises the
/// decoder, which emits y&lt;1..Ty&gt; by feedback. Both are generated models:
/// <list type="bullet">
/// <item>the encoder is many-to-one, with OutputSize = the decoder's state size (Layers × HiddenSize, twice that for an LSTM decoder: h rows, then c rows): its head maps the encoder's top
/// layer's final states (for a bidirectional encoder [forward state after step Tx | reverse state after step 1]) to the
/// decoder's initial state a&lt;0&gt; of every layer, rows in layer order; a tanh head keeps it in a hidden state's range;</item>
/// <item>the decoder is one-to-many: trained with teacher forcing (inputs = [start, y&lt;1&gt;, ..., y&lt;Ty-1&gt;]), run with <c>Generate</c>.</item>
/// </list>
/// Training backpropagates the decoder's loss into its initial state, and from there through the encoder.
/// </summary>
/// <typeparam name="TEncoder">The encoder model.</typeparam>
/// <typeparam name="TDecoder">The decoder model.</typeparam>
/// <typeparam name="T">The element type.</typeparam>
public sealed class EncoderDecoder<TEncoder, TDecoder, T>
    where TEncoder : IRnnModel<T>
    where TDecoder : IRnnGenerator<T>
    where T : unmanaged, IBinaryFloatingPointIeee754<T>
{
    private readonly T[] _decoderState;
    private readonly T[] _decoderStateGradients;
    private T[] _predictions = [];

    /// <summary>Pairs two models whose shapes fit together.</summary>
    /// <exception cref="ArgumentException">The encoder is not many-to-one, the decoder is not one-to-many, or the encoder's output does not match the decoder's state.</exception>
    public EncoderDecoder(TEncoder encoder, TDecoder decoder)
    {
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentNullException.ThrowIfNull(decoder);
        RnnShape encoderShape = encoder.Shape, decoderShape = decoder.Shape;
        if (encoderShape.Topology != RnnTopology.ManyToOne)
        {
            throw new ArgumentException($"The encoder must be many-to-one (its output initialises the decoder), but it is {encoderShape.Topology}.", nameof(encoder));
        }
        if (decoderShape.Topology != RnnTopology.OneToMany)
        {
            throw new ArgumentException($"The decoder must be one-to-many (it feeds its outputs back), but it is {decoderShape.Topology}.", nameof(decoder));
        }
        int stateSize = decoderShape.StateRows * decoderShape.HiddenSize;
        if (encoderShape.OutputSize != stateSize)
        {
            throw new ArgumentException(
                $"The encoder's OutputSize ({encoderShape.OutputSize}) must equal the size of the decoder's state, StateRows × HiddenSize ({decoderShape.StateRows} × {decoderShape.HiddenSize} = {stateSize}).",
                nameof(encoder));
        }
        Encoder = encoder;
        Decoder = decoder;
        _decoderState = new T[stateSize];
        _decoderStateGradients = new T[stateSize];
    }

    /// <summary>The encoder.</summary>
    public TEncoder Encoder { get; }

    /// <summary>The decoder.</summary>
    public TDecoder Decoder { get; }

    /// <summary>The parameters of both models, the size of an optimizer that trains the pair (<see cref="EncoderDecoderTrainer{TEncoder, TDecoder, T}"/>).</summary>
    public int ParameterCount => Encoder.Parameters.Length + Decoder.Parameters.Length;

    /// <summary>Encodes <paramref name="source"/> and runs the decoder over <paramref name="decoderInputs"/> from the encoded state (teacher forcing), writing its predictions.</summary>
    /// <param name="source">x&lt;1..Tx&gt;, [Tx, encoder InputSize].</param>
    /// <param name="decoderInputs">[start, y&lt;1&gt;, ..., y&lt;Ty-1&gt;], [Ty, decoder InputSize].</param>
    /// <param name="predictions">Receives [Ty, decoder OutputSize].</param>
    public void Predict(ReadOnlySpan<T> source, ReadOnlySpan<T> decoderInputs, Span<T> predictions)
    {
        Encoder.Forward(source, default, _decoderState);
        Decoder.Forward(decoderInputs, _decoderState, predictions);
    }

    /// <summary>
    /// One teacher-forced pass: encodes <paramref name="source"/>, decodes <paramref name="decoderInputs"/> from the encoded
    /// state, backpropagates the decoder's loss against <paramref name="targets"/> through both models (adding to both
    /// models' Gradients) and returns the loss.
    /// </summary>
    /// <param name="source">x&lt;1..Tx&gt;, [Tx, encoder InputSize].</param>
    /// <param name="decoderInputs">[start, y&lt;1&gt;, ..., y&lt;Ty-1&gt;], [Ty, decoder InputSize].</param>
    /// <param name="targets">y&lt;1..Ty&gt;, [Ty, decoder OutputSize].</param>
    public T Backpropagate(ReadOnlySpan<T> source, ReadOnlySpan<T> decoderInputs, ReadOnlySpan<T> targets)
    {
        if (_predictions.Length < targets.Length)
        {
            _predictions = new T[targets.Length];
        }
        Predict(source, decoderInputs, _predictions.AsSpan(0, targets.Length));
        T loss = Decoder.Backward(targets, default, _decoderStateGradients);
        Encoder.BackwardFromPredictionGradients(_decoderStateGradients, default, default);
        return loss;
    }

    /// <summary>Encodes <paramref name="source"/> and generates the output sequence from <paramref name="startInput"/>.</summary>
    /// <returns>The number of output steps generated.</returns>
    public int Translate(ReadOnlySpan<T> source, ReadOnlySpan<T> startInput, Span<T> outputs, GenerationOptions options)
    {
        Encoder.Forward(source, default, _decoderState);
        return Decoder.Generate(startInput, _decoderState, outputs, options);
    }

    /// <summary>
    /// Encodes <paramref name="source"/> and generates the output sequence from the token <paramref name="startToken"/>, for
    /// a decoder with an embedding (declared with <c>VocabularySize</c>), whose generation feeds each chosen token back.
    /// </summary>
    /// <returns>The number of output steps generated.</returns>
    /// <exception cref="InvalidOperationException">The decoder reads vectors, not token ids: give its start input as a vector.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="startToken"/> is not a token id of the decoder's vocabulary.</exception>
    public int Translate(ReadOnlySpan<T> source, int startToken, Span<T> outputs, GenerationOptions options)
    {
        int vocabulary = Decoder.Shape.VocabularySize;
        if (vocabulary == 0)
        {
            throw new InvalidOperationException($"The decoder {Decoder.GetType().Name} reads vectors of InputSize = {Decoder.Shape.InputSize}, not token ids: give its start input as a vector.");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(startToken);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(startToken, vocabulary);
        ReadOnlySpan<T> start = [T.CreateChecked(startToken)];
        return Translate(source, start, outputs, options);
    }
}
