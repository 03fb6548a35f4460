using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generator.Model;

/// <summary>
/// Everything the emitter needs to write one model: names and numbers only (no symbols, syntax or
/// locations), so equal declarations compare equal and the incremental pipeline can skip re-emitting them.
/// </summary>
internal sealed record ModelSpec(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    ElementType ElementType,
    int InputSize,
    int HiddenSize,
    int OutputSize,
    int Layers,
    Direction Direction,
    HiddenActivation Activation,
    OutputActivation OutputActivation,
    Topology Topology,
    Loss Loss,
    bool Streaming,
    Cell Cell,
    string RecurrentModule,
    string HeadModule,
    bool RecurrentBias,
    bool HeadBias,
    int VocabularySize,
    int PaddingIndex,
    string EmbeddingModule,
    double Dropout,
    double HeadDropout,
    string WeightsFile,
    EquatableArray<string> Inferred)
{
    /// <summary>The resource the build embeds the declared weights file as (build/RnnGen.targets): <c>RnnGen.Weights/</c> and its path as listed (normalized).</summary>
    public string WeightsResource => "RnnGen.Weights/" + WeightsFile;

    /// <summary>Whether training drops units between layers: <c>Dropout</c> is set and there is a next layer to read them.</summary>
    public bool HasLayerDropout => Dropout > 0 && Layers > 1;

    /// <summary>Whether training drops units of the head's input.</summary>
    public bool HasHeadDropout => HeadDropout > 0;

    /// <summary>Whether the model has a training mode (<c>IRnnDropout</c>).</summary>
    public bool HasDropout => HasLayerDropout || HasHeadDropout;

    /// <summary>
    /// How many dropped copies of a layer's rows a pass keeps: one for each layer below the top (with layer dropout), then
    /// one of the top layer's rows for a head applied at every step (a once-applied head's one input vector has its own).
    /// </summary>
    public int DroppedSlots => (HasLayerDropout ? Layers - 1 : 0) + (HasHeadDropout && HeadPerStep ? 1 : 0);

    /// <summary>The slot of the top layer's dropped rows, which a head applied at every step reads.</summary>
    public int HeadSlot => HasLayerDropout ? Layers - 1 : 0;

    /// <summary>Whether an embedding maps token ids to the inputs (<c>VocabularySize</c> is set).</summary>
    public bool HasEmbedding => VocabularySize > 0;

    /// <summary>The values one input step holds in the calls: a token id with an embedding, else InputSize.</summary>
    public int StepInputSize => HasEmbedding ? 1 : InputSize;

    /// <summary>A tensor's state-dict name: the module's path (none for a bare module), a dot, the parameter's name.</summary>
    public static string TensorName(string module, string parameter) => module.Length == 0 ? parameter : $"{module}.{parameter}";

    /// <summary>How many gate blocks the cell's fused weight matrices hold: 1 (vanilla), 3 (GRU: r, z, n) or 4 (LSTM: i, f, g, o).</summary>
    public int Gates => Cell switch { Cell.Gru => 3, Cell.Lstm => 4, _ => 1 };


    /// <summary>The rows of a whole state, each HiddenSize wide: Layers × Directions, twice for an LSTM (h rows, then c rows).</summary>
    public int StateRows => (Cell == Cell.Lstm ? 2 : 1) * Layers * Directions;

    /// <summary>Values kept per step and layer direction for backpropagation besides a&lt;t&gt;: GRU r, z, n and W_hn h + b_hn; LSTM i, f, g, o and c.</summary>
    public int CacheWidth => Cell switch { Cell.Gru => 4 * HiddenSize, Cell.Lstm => 5 * HiddenSize, _ => 0 };

    /// <summary>Whether the head runs at every step (many-to-many, and one-to-many under teacher forcing) rather than once.</summary>
    public bool HeadPerStep => Topology is Topology.ManyToMany or Topology.OneToMany;

    /// <summary>Whether Step and Reset are generated.</summary>
    public bool HasStep => Streaming || Topology == Topology.OneToMany;

    /// <summary>
    /// Whether the sample-in, sample-out <c>T Step(T input)</c> is generated: streaming models with one input value and one
    /// output (the usual audio shape; generation's feedback and token ids keep the span form).
    /// </summary>
    public bool HasSampleStep => Streaming && Topology != Topology.OneToMany && !HasEmbedding && InputSize == 1 && OutputSize == 1;

    public int Directions => Direction == Direction.Bidirectional ? 2 : 1;

    /// <summary>The width of one layer's output at one step: [forward | reverse].</summary>
    public int LayerWidth => Directions * HiddenSize;

    public int LayerInputSize(int layer) => layer == 0 ? InputSize : LayerWidth;

    /// <summary>
    /// Every weight and bias, counted in 64 bits: per layer and direction W_ih, W_hh and the biases (b_a, or b_ih and
    /// b_hh; none without <see cref="RecurrentBias"/>), then the head (its bias only with <see cref="HeadBias"/>), then an
    /// embedding's table. Sizes that are each legal can multiply past <see cref="int.MaxValue"/>; the parser rejects a
    /// model beyond <see cref="Limits.MaxArrayLength"/> (RNNGEN013), so the layout's int offsets cannot overflow.
    /// </summary>
    public long ParameterCount
    {
        get
        {
            long width = (long)Gates * HiddenSize, count = 0;
            for (int layer = 0; layer < Layers; layer++)
            {
                count += Directions * ((((long)LayerInputSize(layer) + HiddenSize) * width) + (BiasesPerBlock * width));
            }
            return count + ((long)LayerWidth * OutputSize) + (HeadBias ? OutputSize : 0) + ((long)VocabularySize * InputSize);
        }
    }

    /// <summary>How many bias vectors of the gates' width each layer direction stores: b_a (vanilla), b_ih and b_hh (gated), or none.</summary>
    public int BiasesPerBlock => !RecurrentBias ? 0 : Gates > 1 ? 2 : 1;

    /// <summary>The sizes the kernels are instantiated at (their type arguments): input, hidden, layer and head widths.</summary>
    public EquatableArray<int> KernelSizes =>
        new(new[] { InputSize, HiddenSize, LayerWidth, OutputSize }.Distinct().OrderBy(size => size).ToImmutableArray());

    /// <summary>The C# keyword of the element type.</summary>
    public string T => ElementType == ElementType.Double ? "double" : "float";

    /// <summary>The file name of the generated source: the type's full name, which is unique in a compilation.</summary>
    public string HintName => HintNameOf(Namespace, ContainingTypes, ClassName);

    /// <summary>The <see cref="HintName"/> of a class, from its names alone (the analyzer needs it before there is a spec).</summary>
    public static string HintNameOf(string? ns, EquatableArray<ContainingTypeSpec> containingTypes, string className)
    {
        string prefix = ns is null ? "" : ns + ".";
        foreach (ContainingTypeSpec type in containingTypes)
        {
            prefix += type.MetadataName + ".";
        }
        return (prefix + className).Replace('`', '_') + ".g.cs";
    }
}

/// <summary>A type that encloses the model class, re-declared as <c>partial</c> around the generated members.</summary>
/// <param name="Keyword">The declaration keyword, e.g. <c>class</c>, <c>struct</c>, <c>record</c>, <c>interface</c>.</param>
/// <param name="Name">The name with its type parameter list, e.g. <c>Outer&lt;TKey&gt;</c>.</param>
/// <param name="MetadataName">The name as metadata spells it, e.g. <c>Outer`1</c>.</param>
internal sealed record ContainingTypeSpec(string Keyword, string Name, string MetadataName);

// These mirror the public enums of the RnnGen runtime library value for value; the parser reads the
// attribute's arguments as numbers, since the generator cannot reference the runtime library.
internal enum ElementType { Single, Double }

internal enum Direction { Unidirectional = 0, Bidirectional = 1 }

internal enum HiddenActivation { Tanh = 0, Relu = 1 }

internal enum OutputActivation { Identity = 0, Sigmoid = 1, Tanh = 2, Softmax = 3 }

internal enum Topology { ManyToMany = 0, ManyToOne = 1, OneToOne = 2, OneToMany = 3 }

internal enum Loss { SquaredError = 0, CrossEntropy = 1 }

internal enum Cell { Vanilla = 0, Gru = 1, Lstm = 2 }

internal static class Limits
{
    // Equal to RnnGen.RnnLimits (a test keeps them equal).
    public const int MaxSize = 4096;
    public const int MaxLayers = 16;
    public const int MaxVocabularySize = 1 << 24;

    /// <summary>The most elements a .NET array holds (Array.MaxLength, which netstandard2.0 does not have).</summary>
    public const long MaxArrayLength = 0x7FFFFFC7;
}
