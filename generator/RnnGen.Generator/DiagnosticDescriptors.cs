using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator;

/// <summary>Every diagnostic <see cref="RnnModelAnalyzer"/> reports; IDs are listed in AnalyzerReleases.Unshipped.md.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "RnnGen";

    /// <summary>The package's page, whose README lists every RNNGEN error under "Errors" (the README in the repository is the same text).</summary>
    public const string HelpLink = "https://www.nuget.org/packages/RnnGen#readme-body-tab";

    private static DiagnosticDescriptor Error(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLink);

    private static DiagnosticDescriptor Warning(string id, string title, string message) =>
        new(id, title, message, Category, DiagnosticSeverity.Warning, isEnabledByDefault: true, helpLinkUri: HelpLink);

    public static readonly DiagnosticDescriptor ClassNotPartial = Error(
        "RNNGEN001",
        "Model class must be partial",
        "The class '{0}' has [RnnModel] and must be declared 'partial' so the generator can add the network to it");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = Error(
        "RNNGEN002",
        "Containing type must be partial",
        "The type '{0}' contains the model class '{1}' and must be declared 'partial' so the generator can add the network to it");

    public static readonly DiagnosticDescriptor ValueOutOfRange = Error(
        "RNNGEN003",
        "Size out of range",
        "{0} is {1}; it must be between 1 and {2}");

    public static readonly DiagnosticDescriptor UndefinedEnumValue = Error(
        "RNNGEN004",
        "Undefined enum value",
        "{0} is {1}, which is not a defined {2} value");

    public static readonly DiagnosticDescriptor UnsupportedElementType = Error(
        "RNNGEN005",
        "Unsupported element type",
        "RnnModel<{0}> is not supported; use RnnModel<float> or RnnModel<double>");

    public static readonly DiagnosticDescriptor MissingSize = Error(
        "RNNGEN006",
        "Required size missing",
        "[RnnModel] on '{0}' must set {1}, or name a weights file (Weights) that gives it");

    public static readonly DiagnosticDescriptor CrossEntropyNeedsSoftmax = Error(
        "RNNGEN007",
        "Cross-entropy needs a softmax output",
        "Loss = CrossEntropy needs OutputActivation = Softmax, but OutputActivation is {0}");

    public static readonly DiagnosticDescriptor UnsupportedTypeKind = Error(
        "RNNGEN008",
        "Unsupported model type",
        "'{0}' is {1}; [RnnModel] needs a non-generic, non-static class");

    public static readonly DiagnosticDescriptor InvalidArgument = Error(
        "RNNGEN009",
        "Argument is not a constant of the expected type",
        "{0} must be a constant {1} that the compiler knows before generating code; the constants the generator itself emits (such as another model's HiddenSize) cannot be used here, so declare a const of your own");

    public static readonly DiagnosticDescriptor StreamingNeedsUnidirectional = Error(
        "RNNGEN010",
        "Only unidirectional models can stream",
        "{0} needs the whole sequence before the first output of its reverse direction, so it cannot run step by step; use Direction = Unidirectional");

    public static readonly DiagnosticDescriptor FeedbackNeedsMatchingSizes = Error(
        "RNNGEN011",
        "Output cannot become the next input",
        "Topology = OneToMany feeds each output back as the next input{0}, so {1} ({2}) must equal OutputSize ({3})");

    public static readonly DiagnosticDescriptor ActivationNeedsVanillaCell = Error(
        "RNNGEN012",
        "Gated cells have fixed activations",
        "Activation = {0} applies to the vanilla cell only; a {1} cell uses PyTorch's sigmoid and tanh gates, so remove Activation");

    public static readonly DiagnosticDescriptor TooManyParameters = Error(
        "RNNGEN013",
        "Model too large",
        "{0} has {1} parameters, more than the {2} elements a .NET array can hold (its parameters and their gradients are each one array); reduce Layers, HiddenSize, InputSize or OutputSize");

    public static readonly DiagnosticDescriptor MemberNameTaken = Error(
        "RNNGEN014",
        "Member name taken by the generated code",
        "{0} declares {1}, the name of a member the generator adds to the model; rename it");

    public static readonly DiagnosticDescriptor InvalidModulePath = Error(
        "RNNGEN015",
        "Module name is not a state-dict path",
        "{0} is \"{1}\"; it must name a PyTorch module as a state dict's keys begin: identifiers joined by dots, e.g. \"lstm\" or \"encoder.rnn\"{2}");

    public static readonly DiagnosticDescriptor SameModuleNames = Error(
        "RNNGEN016",
        "Two modules share a name",
        "{0} and {1} are both \"{2}\"; they are two modules of the state dict, with two names");

    public static readonly DiagnosticDescriptor InvalidPaddingIndex = Error(
        "RNNGEN017",
        "Padding index out of range",
        "PaddingIndex is {0}; {1}");

    public static readonly DiagnosticDescriptor InvalidDropout = Error(
        "RNNGEN018",
        "Dropout probability out of range",
        "{0} is {1}; a dropout probability must be at least 0 and below 1");

    public static readonly DiagnosticDescriptor DropoutWithoutNextLayer = Warning(
        "RNNGEN019",
        "Dropout between layers of a one-layer model",
        "Dropout applies between stacked layers, after every layer but the last, and {0} has one layer, so it drops nothing (PyTorch warns the same); set Layers above 1, or use HeadDropout to drop the head's input");

    public static readonly DiagnosticDescriptor WeightsFileNotListed = Error(
        "RNNGEN020",
        "Weights file not listed in the project",
        "Weights is \"{0}\", which the project does not list: add <RnnGenWeights Include=\"{0}\" /> to the project, so the build reads its header for the compiler");

    public static readonly DiagnosticDescriptor WeightsFileUnreadable = Error(
        "RNNGEN021",
        "Weights file cannot be read",
        "The weights file \"{0}\" cannot be read: {1}");

    public static readonly DiagnosticDescriptor WeightsTensorMissing = Error(
        "RNNGEN022",
        "Tensor missing from the weights file",
        "\"{0}\" has no tensor '{1}' {2}, which {3} reads; {4}");

    public static readonly DiagnosticDescriptor WeightsTensorShape = Error(
        "RNNGEN023",
        "Tensor of the wrong shape in the weights file",
        "Tensor '{1}' of \"{0}\" is {2}, and {3} reads it as {4}");

    public static readonly DiagnosticDescriptor WeightsTensorDType = Error(
        "RNNGEN024",
        "Tensor of an unsupported dtype in the weights file",
        "Tensor '{1}' of \"{0}\" is {2}; RnnGen reads F32, F64, F16 and BF16");

    public static readonly DiagnosticDescriptor WeightsTensorUnexpected = Warning(
        "RNNGEN025",
        "Tensor the model does not have in the weights file",
        "Tensor '{1}' {2} of \"{0}\" is a parameter of module '{3}', which {4} reads but has no such parameter (a layer, direction or bias more than declared?), so LoadWeights refuses the file unless told to allow it");

    public static readonly DiagnosticDescriptor WeightsArgumentUnknown = Error(
        "RNNGEN026",
        "Argument cannot be read from the weights file",
        "\"{0}\" does not give {1}, which the attribute leaves out: {2}");

    public static readonly DiagnosticDescriptor WeightsContradicted = Error(
        "RNNGEN027",
        "Argument contradicts the weights file",
        "{0} states {1} = {2}, and \"{3}\" holds {4}: {5}; remove the argument to take the file's value");

    /// <summary>Every descriptor, as the analyzer declares them.</summary>
    public static ImmutableArray<DiagnosticDescriptor> All { get; } = ImmutableArray.Create(
        ClassNotPartial, ContainingTypeNotPartial, ValueOutOfRange, UndefinedEnumValue, UnsupportedElementType, MissingSize, CrossEntropyNeedsSoftmax,
        UnsupportedTypeKind, InvalidArgument, StreamingNeedsUnidirectional, FeedbackNeedsMatchingSizes, ActivationNeedsVanillaCell, TooManyParameters, MemberNameTaken,
        InvalidModulePath, SameModuleNames, InvalidPaddingIndex, InvalidDropout, DropoutWithoutNextLayer,
        WeightsFileNotListed, WeightsFileUnreadable, WeightsTensorMissing, WeightsTensorShape, WeightsTensorDType, WeightsTensorUnexpected,
        WeightsArgumentUnknown, WeightsContradicted);
}
