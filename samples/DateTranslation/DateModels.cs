using RnnGen;

namespace DateTranslation;

/// <summary>
/// The size of the state the encoder hands to the decoder. (The attribute cannot read the generated
/// <c>DateDecoder.HiddenSize</c>: the generator has to know the sizes before it generates that constant.)
/// </summary>
public static class DecoderState
{
    /// <summary>The decoder's hidden size.</summary>
    public const int HiddenSize = 96;

    /// <summary>The decoder's Layers × HiddenSize: the encoder's output size.</summary>
    public const int Size = 1 * HiddenSize;
}

/// <summary>
/// The encoder: reads the written date one character at a time in both directions, each through a learned 16-value
/// embedding; its tanh head maps the final states [forward after the last character | reverse after the first] to the
/// decoder's initial state.
/// </summary>
[RnnModel<float>(VocabularySize = Characters.SourceSize, InputSize = 32, HiddenSize = 48, OutputSize = DecoderState.Size,
    Direction = RnnDirection.Bidirectional,
    Topology = RnnTopology.ManyToOne,
    OutputActivation = RnnOutputActivation.Tanh)]
public partial class DateEncoder { }

/// <summary>
/// The decoder: starts from the encoder's state and writes the ISO date one character at a time, each chosen
/// character fed back through a learned 16-value embedding as the next input (teacher-forced in training), until the end token.
/// </summary>
[RnnModel<float>(VocabularySize = Characters.TargetSize, InputSize = 32, HiddenSize = DecoderState.HiddenSize, OutputSize = Characters.TargetSize,
    Topology = RnnTopology.OneToMany,
    OutputActivation = RnnOutputActivation.Softmax,
    Loss = RnnLoss.CrossEntropy)]
public partial class DateDecoder { }
