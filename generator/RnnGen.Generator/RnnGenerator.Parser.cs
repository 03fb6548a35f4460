using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Emitters;
using RnnGen.Generator.Model;

namespace RnnGen.Generator;

public sealed partial class RnnGenerator
{
    /// <summary>
    /// Turns one <c>[RnnModel&lt;T&gt;]</c> declaration into a <see cref="ModelSpec"/>, or null when something is wrong with it.
    /// The one validation of declarations: the generator runs it silently, <see cref="RnnModelAnalyzer"/> with reporting.
    /// </summary>
    internal static class Parser
    {
        /// <summary>Receives one problem of a declaration: what, where (and where else), its message's arguments, and what its code fix needs.</summary>
        private delegate void ReportProblem(DiagnosticDescriptor descriptor, Location? location, string[] arguments, ImmutableDictionary<string, string?>? properties = null, Location? alsoAt = null);

        /// <summary>Passes each problem on as a diagnostic (when there is someone to tell) and counts the errors among them.</summary>
        private sealed class Problems(Action<Diagnostic>? report)
        {
            public int Errors { get; private set; }

            public void Report(DiagnosticDescriptor descriptor, Location? location, string[] arguments, ImmutableDictionary<string, string?>? properties = null, Location? alsoAt = null)
            {
                if (descriptor.DefaultSeverity == DiagnosticSeverity.Error)
                {
                    Errors++;
                }
                report?.Invoke(Diagnostic.Create(descriptor, location, alsoAt is null ? null : [alsoAt], properties, arguments));
            }
        }

        /// <summary>The generator's first step: the declaration as plain values, or null when its class cannot hold a model (the analyzer says why).</summary>
        public static ModelDeclaration? Read(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
            Read((TypeDeclarationSyntax)context.TargetNode, (INamedTypeSymbol)context.TargetSymbol, context.Attributes[0], report: null, out bool valid, cancellationToken) is { } declaration && valid
                ? declaration
                : null;

        /// <summary>
        /// Reads the class and the attribute's arguments as written, passing every problem of the class itself (kind, partial,
        /// element type) to <paramref name="report"/> when given; <paramref name="valid"/> is false when there is one, or when
        /// a name around the class is still being typed.
        /// </summary>
        public static ModelDeclaration Read(TypeDeclarationSyntax declaration, INamedTypeSymbol type, AttributeData attribute, Action<Diagnostic>? report, out bool valid, CancellationToken cancellationToken)
        {
            var problems = new Problems(report);

            Location typeLocation = declaration.Identifier.GetLocation();
            string? unsupportedKind = UnsupportedKind(declaration, type);
            if (unsupportedKind is not null)
            {
                problems.Report(DiagnosticDescriptors.UnsupportedTypeKind, typeLocation, [type.Name, unsupportedKind]);
            }
            else if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                problems.Report(DiagnosticDescriptors.ClassNotPartial, typeLocation, [type.Name]);
            }

            var containingTypes = new List<ContainingTypeSpec>();
            for (SyntaxNode? parent = declaration.Parent; parent is TypeDeclarationSyntax outer; parent = outer.Parent)
            {
                if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    // At the model class, which the analyzer is looking at (its code fix makes every type around it partial), and also at the type itself.
                    problems.Report(DiagnosticDescriptors.ContainingTypeNotPartial, typeLocation, [outer.Identifier.ValueText, type.Name], alsoAt: outer.Identifier.GetLocation());
                }
                containingTypes.Insert(0, new ContainingTypeSpec(Keyword(outer), outer.Identifier.ValueText + outer.TypeParameterList, MetadataName(outer)));
            }

            Location attributeLocation = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? typeLocation;
            ElementType? elementType = ReadElementType(attribute, attributeLocation, problems.Report);
            string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
            EquatableArray<ContainingTypeSpec> containing = containingTypes.ToEquatableArray();
            string hintName = ModelSpec.HintNameOf(ns, containing, type.Name);
            valid = problems.Errors == 0 && HasWritableNames(type);
            return new ModelDeclaration(
                ns,
                containing,
                type.Name,
                elementType ?? ElementType.Single,
                attribute.NamedArguments.Select(static argument => DeclaredArgument.From(argument.Key, argument.Value)).ToEquatableArray(),
                UserMembers(type, hintName).Select(static member => member.Name).Distinct().ToEquatableArray());
        }

        /// <summary>
        /// The second step: validates the declaration's arguments, with what the declared weights file says (among the
        /// project's <paramref name="headers"/>) for those it leaves out, passing every problem to <paramref name="report"/> at
        /// <paramref name="locations"/> when given; returns the spec when there is none.
        /// </summary>
        public static ModelSpec? Build(ModelDeclaration declaration, EquatableArray<WeightsHeader> headers, DeclarationLocations? locations, Action<Diagnostic>? report, CancellationToken cancellationToken)
        {
            var problems = new Problems(report);

            string className = declaration.ClassName;
            var arguments = new ArgumentReader(declaration, locations, problems.Report);
            string? weights = arguments.Text("Weights");
            WeightsHeader? header = null;
            if (weights is { Length: > 0 })
            {
                header = headers.FirstOrDefault(listed => string.Equals(listed.File, WeightsHeader.Normalize(weights), StringComparison.Ordinal));
                if (header is null)
                {
                    problems.Report(DiagnosticDescriptors.WeightsFileNotListed, arguments.LocationOf("Weights"), [weights]);
                }
                else if (header.Error is { } error)
                {
                    problems.Report(DiagnosticDescriptors.WeightsFileUnreadable, arguments.LocationOf("Weights"), [weights, error]);
                }
                arguments.UseFile(weights, header is { Error: null }
                    ? WeightsInference.Read(header, arguments.Written("RecurrentModule"), arguments.Written("HeadModule"), arguments.Written("EmbeddingModule"))
                    : FileFacts.Unavailable);
            }

            int? inputSize = arguments.Size("InputSize", Limits.MaxSize, required: true);
            int? hiddenSize = arguments.Size("HiddenSize", Limits.MaxSize, required: true);
            int? outputSize = arguments.Size("OutputSize", Limits.MaxSize, required: true);
            int? layers = arguments.Size("Layers", Limits.MaxLayers, required: false);
            Direction? direction = arguments.Enum<Direction>("Direction", "RnnDirection");
            HiddenActivation? activation = arguments.Enum<HiddenActivation>("Activation", "RnnActivation");
            OutputActivation? outputActivation = arguments.Enum<OutputActivation>("OutputActivation", "RnnOutputActivation");
            Topology? topology = arguments.Enum<Topology>("Topology", "RnnTopology");
            Loss? loss = arguments.Enum<Loss>("Loss", "RnnLoss");

            bool? streaming = arguments.Flag("Streaming");
            Cell? cell = arguments.Enum<Cell>("Cell", "RnnCell");
            string? recurrentModule = arguments.ModulePath("RecurrentModule", "rnn", allowEmpty: true);
            string? headModule = arguments.ModulePath("HeadModule", "head", allowEmpty: false);
            bool? recurrentBias = arguments.Flag("RecurrentBias", defaultValue: true);
            bool? headBias = arguments.Flag("HeadBias", defaultValue: true);
            int? vocabularySize = arguments.Size("VocabularySize", Limits.MaxVocabularySize, required: false, whenAbsent: 0);
            int? paddingIndex = arguments.Integer("PaddingIndex", -1);
            string? embeddingModule = arguments.ModulePath("EmbeddingModule", "embedding", allowEmpty: false);
            double? dropout = arguments.Probability("Dropout");
            double? headDropout = arguments.Probability("HeadDropout");
            if (dropout > 0 && layers == 1)
            {
                problems.Report(DiagnosticDescriptors.DropoutWithoutNextLayer, arguments.LocationOf("Dropout"), [className]);
            }
            if (recurrentModule is not null && recurrentModule == headModule)
            {
                problems.Report(DiagnosticDescriptors.SameModuleNames, arguments.LocationOf("HeadModule"), ["RecurrentModule", "HeadModule", headModule]);
            }
            if (vocabularySize > 0 && embeddingModule is not null && (embeddingModule == recurrentModule || embeddingModule == headModule))
            {
                problems.Report(DiagnosticDescriptors.SameModuleNames, arguments.LocationOf("EmbeddingModule"),
                    [embeddingModule == recurrentModule ? "RecurrentModule" : "HeadModule", "EmbeddingModule", embeddingModule]);
            }
            if (paddingIndex is { } padding && vocabularySize is { } vocabulary && padding != -1 && (vocabulary == 0 || padding < 0 || padding >= vocabulary))
            {
                problems.Report(DiagnosticDescriptors.InvalidPaddingIndex, arguments.LocationOf("PaddingIndex"),
                    [padding.ToString(CultureInfo.InvariantCulture), vocabulary == 0
                        ? "a padding index needs an embedding: set VocabularySize, or remove PaddingIndex"
                        : $"it must be a token id of the vocabulary (0 to {vocabulary - 1}), or -1 for none"]);
            }

            if (loss == Loss.CrossEntropy && outputActivation is { } head && head != OutputActivation.Softmax)
            {
                problems.Report(DiagnosticDescriptors.CrossEntropyNeedsSoftmax, arguments.LocationOf("Loss"), [head.ToString()]);
            }
            if (direction == Direction.Bidirectional && (streaming == true || topology == Topology.OneToMany))
            {
                string argument = streaming == true ? "Streaming" : "Topology";
                problems.Report(DiagnosticDescriptors.StreamingNeedsUnidirectional, arguments.LocationOf(argument),
                    [streaming == true ? "A bidirectional model with Streaming = true" : "A bidirectional one-to-many model"], FixProperties.For(argument));
            }
            if (cell is Cell.Gru or Cell.Lstm && activation is { } g && g != HiddenActivation.Tanh)
            {
                problems.Report(DiagnosticDescriptors.ActivationNeedsVanillaCell, arguments.LocationOf("Activation"), [g.ToString(), cell == Cell.Gru ? "GRU" : "LSTM"]);
            }
            if (topology == Topology.OneToMany && inputSize is { } x && outputSize is { } y && vocabularySize is { } v)
            {
                // With an embedding, the chosen output token is what goes back, through the embedding.
                (string how, string fed, int width) = v > 0 ? (" (the chosen token, through the embedding)", "VocabularySize", v) : ("", "InputSize", x);
                if (width != y)
                {
                    problems.Report(DiagnosticDescriptors.FeedbackNeedsMatchingSizes, arguments.LocationOf("Topology"), [how, fed, width.ToString(CultureInfo.InvariantCulture), y.ToString(CultureInfo.InvariantCulture)]);
                }
            }

            ModelSpec? model = null;
            if (problems.Errors == 0
                && inputSize is { } i && hiddenSize is { } h && outputSize is { } o && layers is { } l
                && direction is { } d && activation is { } g1 && outputActivation is { } g2 && topology is { } topo && loss is { } e
                && streaming is { } stream && cell is { } c && recurrentModule is not null && headModule is not null
                && recurrentBias is { } withRecurrentBias && headBias is { } withHeadBias
                && vocabularySize is { } vocabularyCount && paddingIndex is { } paddingToken && embeddingModule is not null
                && dropout is { } layerDropout && headDropout is { } headInputDropout && weights is not null)
            {
                model = new ModelSpec(declaration.Namespace, declaration.ContainingTypes, className, declaration.ElementType, i, h, o, l, d, g1, g2, topo, e, stream, c,
                    recurrentModule, headModule, withRecurrentBias, withHeadBias, vocabularyCount, paddingToken, embeddingModule, layerDropout, headInputDropout,
                    WeightsHeader.Normalize(weights), arguments.Inferred.ToEquatableArray());
                if (model.ParameterCount > Limits.MaxArrayLength)
                {
                    problems.Report(DiagnosticDescriptors.TooManyParameters, arguments.AttributeLocation,
                        [className, model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture), Limits.MaxArrayLength.ToString("N0", CultureInfo.InvariantCulture)]);
                    model = null;
                }
                else
                {
                    model = RejectTakenNames(model, declaration, locations, problems.Report);
                }
                if (model is not null && header is { Error: null })
                {
                    Location? weightsLocation = arguments.LocationOf("Weights");
                    WeightsCheck.Check(model, header, (descriptor, messageArguments) => problems.Report(descriptor, weightsLocation, messageArguments));
                    model = problems.Errors == 0 ? model : null;
                }
            }
            return model;
        }

        /// <summary>
        /// Null (after an RNNGEN014 at each) when the class declares a member under a name the generated code gives one of its
        /// members: the generated file would not compile (CS0102) and the user would not see why. The generated names are
        /// only worked out (by generating the code) for a class that declares members of its own.
        /// </summary>
        private static ModelSpec? RejectTakenNames(ModelSpec model, ModelDeclaration declaration, DeclarationLocations? locations, ReportProblem report)
        {
            if (declaration.MemberNames.Count == 0)
            {
                return model;
            }

            HashSet<string> generated = GeneratedMembers.Of(model);
            bool taken = false;
            foreach (string member in declaration.MemberNames.Where(generated.Contains))
            {
                report(DiagnosticDescriptors.MemberNameTaken, locations?.Member(member), [model.ClassName, member]);
                taken = true;
            }
            return taken ? null : model;
        }

        /// <summary>The members the user declares in <paramref name="type"/>: in a build the analyzer sees the generated file (<paramref name="hintName"/>) too, and its members are the generator's.</summary>
        internal static IEnumerable<ISymbol> UserMembers(INamedTypeSymbol type, string hintName) =>
            type.GetMembers().Where(member => !member.IsImplicitlyDeclared && !member.Locations.All(location => IsGeneratedFile(location, hintName)));

        private static bool IsGeneratedFile(Location location, string hintName) =>
            location.SourceTree?.FilePath is { } path && string.Equals(System.IO.Path.GetFileName(path), hintName, StringComparison.Ordinal);

        /// <summary>
        /// False while the code is being typed and a name around the class is still missing (<c>namespace Demo.</c>,
        /// <c>partial class { ... }</c>): the compiler reports those; nothing could be generated that compiles.
        /// </summary>
        private static bool HasWritableNames(INamedTypeSymbol type)
        {
            for (ISymbol? symbol = type; symbol is not null and not INamespaceSymbol { IsGlobalNamespace: true };
                 symbol = (ISymbol?)symbol.ContainingType ?? symbol.ContainingNamespace)
            {
                if (!IsWritableIdentifier(symbol.Name)
                    || (symbol is INamedTypeSymbol named && named.TypeParameters.Any(static p => !IsWritableIdentifier(p.Name))))
                {
                    return false;
                }
            }
            return true;
        }

        private static bool IsWritableIdentifier(string name) => SyntaxFacts.IsValidIdentifier(name);

        private static string? UnsupportedKind(TypeDeclarationSyntax declaration, INamedTypeSymbol type)
        {
            if (declaration is not ClassDeclarationSyntax)
            {
                return declaration is RecordDeclarationSyntax ? "a record" : "not a class";
            }
            if (type.IsStatic)
            {
                return "static";
            }
            return type.Arity > 0 ? "generic" : null;
        }

        private static ElementType? ReadElementType(AttributeData attribute, Location location, ReportProblem report)
        {
            ITypeSymbol? elementType = attribute.AttributeClass?.TypeArguments.FirstOrDefault();
            switch (elementType?.SpecialType)
            {
                case SpecialType.System_Single:
                    return ElementType.Single;
                case SpecialType.System_Double:
                    return ElementType.Double;
                default:
                    report(DiagnosticDescriptors.UnsupportedElementType, location, [elementType?.ToDisplayString() ?? "?"]);
                    return null;
            }
        }

        private static string Keyword(TypeDeclarationSyntax type) => type switch
        {
            RecordDeclarationSyntax record when record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) => "record struct",
            RecordDeclarationSyntax => "record",
            _ => type.Keyword.ValueText,
        };

        private static string MetadataName(TypeDeclarationSyntax type) =>
            type.TypeParameterList is { Parameters.Count: > 0 } parameters
                ? $"{type.Identifier.ValueText}`{parameters.Parameters.Count}"
                : type.Identifier.ValueText;

        /// <summary>
        /// Reads the attribute's named arguments, reporting each bad value at that argument. Once told of a weights file
        /// (<see cref="UseFile"/>), an argument the attribute leaves out takes the file's value (listed in
        /// <see cref="Inferred"/>), and one it states must agree with the file.
        /// </summary>
        private sealed class ArgumentReader(ModelDeclaration declaration, DeclarationLocations? locations, ReportProblem report)
        {
            private readonly HashSet<string> _reasonsGiven = new(StringComparer.Ordinal);
            private string _file = "";
            private FileFacts? _facts;

            /// <summary>What the arguments left out were read as, and from which tensors, for the generated code's comment.</summary>
            public List<string> Inferred { get; } = [];

            public Location? AttributeLocation => locations?.Attribute;

            public Location? LocationOf(string name) => locations?.Of(name);

            public void UseFile(string file, FileFacts facts) => (_file, _facts) = (file, facts);

            /// <summary>The string the attribute gives <paramref name="name"/>, unchecked, or null.</summary>
            public string? Written(string name) => TryGet(name, out DeclaredArgument argument) ? argument.Value as string : null;

            private bool TryGet(string name, out DeclaredArgument value) => (value = declaration.Argument(name)!) is not null;

            /// <summary>
            /// For an argument the attribute leaves out, true when the weights file decides it: <paramref name="value"/> is the
            /// file's value, or null when the file cannot give it (said once per reason; nothing more when the file itself could
            /// not be read). False, for the argument's default, when the file has nothing to say (no embedding: no EmbeddingModule).
            /// </summary>
            private bool FromFile(string name, out object? value)
            {
                value = null;
                if (_facts is null || Array.IndexOf(FileFacts.Arguments, name) < 0)
                {
                    return false;
                }
                if (_facts.TryGet(name, out FileFact fact))
                {
                    Inferred.Add($"{name} = {WeightsInference.Show(fact.Value)}: {fact.Evidence}");
                    value = fact.Value;
                    return true;
                }
                if (_facts.WhyUnknown(name) is { } why)
                {
                    if (_reasonsGiven.Add(why))
                    {
                        report(DiagnosticDescriptors.WeightsArgumentUnknown, LocationOf("Weights"), [_file, name, why]);
                    }
                    return true;
                }
                return _facts.IsUnavailable;
            }

            /// <summary>True, after an RNNGEN027, when the weights file gives <paramref name="name"/> another value than the attribute's.</summary>
            private bool Contradicts(string name, object value)
            {
                if (_facts is not null && _facts.TryGet(name, out FileFact fact) && !Equals(fact.Value, value))
                {
                    report(DiagnosticDescriptors.WeightsContradicted, LocationOf(name),
                        [declaration.ClassName, name, WeightsInference.Show(value), _file, WeightsInference.Show(fact.Value), fact.Evidence], FixProperties.For(name));
                    return true;
                }
                return false;
            }

            public int? Size(string name, int max, bool required, int whenAbsent = 1)
            {
                if (!TryGet(name, out DeclaredArgument constant))
                {
                    if (FromFile(name, out object? inferred))
                    {
                        if (inferred is int size && (size > max || (size < 1 && !(size == 0 && whenAbsent == 0))))
                        {
                            report(DiagnosticDescriptors.ValueOutOfRange, LocationOf("Weights"), [name, size.ToString(CultureInfo.InvariantCulture), max.ToString(CultureInfo.InvariantCulture)]);
                            return null;
                        }
                        return (int?)inferred;
                    }
                    if (required)
                    {
                        report(DiagnosticDescriptors.MissingSize, AttributeLocation, [declaration.ClassName, name], FixProperties.For(name));
                        return null;
                    }
                    return whenAbsent;
                }
                if (constant.Kind != TypedConstantKind.Primitive || constant.Value is not int value)
                {
                    report(DiagnosticDescriptors.InvalidArgument, LocationOf(name), [name, "int"]);
                    return null;
                }
                if (value < 1 || value > max)
                {
                    report(DiagnosticDescriptors.ValueOutOfRange, LocationOf(name), [name, value.ToString(), max.ToString()], FixProperties.For(name, value < 1 ? 1 : max));
                    return null;
                }
                return Contradicts(name, value) ? null : value;
            }

            /// <summary>
            /// A PyTorch module path: identifiers (or <c>nn.Sequential</c>'s indices) joined by dots, as a state dict's keys
            /// begin; <paramref name="fallback"/> when the argument is absent.
            /// </summary>
            public string? ModulePath(string name, string fallback, bool allowEmpty)
            {
                if (!TryGet(name, out DeclaredArgument constant))
                {
                    return FromFile(name, out object? inferred) ? (string?)inferred : fallback;
                }
                if (constant.Kind != TypedConstantKind.Primitive || constant.Value is not string value)
                {
                    report(DiagnosticDescriptors.InvalidArgument, LocationOf(name), [name, "string"]);
                    return null;
                }
                bool valid = value.Length == 0
                    ? allowEmpty
                    : value.Split('.').All(static part => part.Length > 0 && part.All(static ch => ch == '_' || char.IsLetterOrDigit(ch)));
                if (!valid)
                {
                    report(DiagnosticDescriptors.InvalidModulePath, LocationOf(name), [name, value, allowEmpty ? " (or \"\" for a bare module)" : ""]);
                    return null;
                }
                return Contradicts(name, value) ? null : value;
            }

            /// <summary>A string argument, empty when absent or null.</summary>
            public string? Text(string name)
            {
                if (!TryGet(name, out DeclaredArgument constant) || constant is { Kind: TypedConstantKind.Primitive, Value: null })
                {
                    return "";
                }
                if (constant.Kind != TypedConstantKind.Primitive || constant.Value is not string value)
                {
                    report(DiagnosticDescriptors.InvalidArgument, LocationOf(name), [name, "string"]);
                    return null;
                }
                return value;
            }

            /// <summary>An int argument, <paramref name="fallback"/> when absent; its range is the caller's to check.</summary>
            public int? Integer(string name, int fallback)
            {
                if (!TryGet(name, out DeclaredArgument constant))
                {
                    return fallback;
                }
                if (constant.Kind != TypedConstantKind.Primitive || constant.Value is not int value)
                {
                    report(DiagnosticDescriptors.InvalidArgument, LocationOf(name), [name, "int"]);
                    return null;
                }
                return value;
            }

            /// <summary>A dropout probability, 0 when absent: at least 0 and below 1.</summary>
            public double? Probability(string name)
            {
                if (!TryGet(name, out DeclaredArgument constant))
                {
                    return 0;
                }
                if (constant.Kind != TypedConstantKind.Primitive || constant.Value is not double value)
                {
                    report(DiagnosticDescriptors.InvalidArgument, LocationOf(name), [name, "double"]);
                    return null;
                }
                if (!(value >= 0 && value < 1))
                {
                    report(DiagnosticDescriptors.InvalidDropout, LocationOf(name), [name, value.ToString("R", CultureInfo.InvariantCulture)]);
                    return null;
                }
                return value;
            }

            public bool? Flag(string name, bool defaultValue = false)
            {
                if (!TryGet(name, out DeclaredArgument constant))
                {
                    return FromFile(name, out object? inferred) ? (bool?)inferred : defaultValue;
                }
                if (constant.Kind != TypedConstantKind.Primitive || constant.Value is not bool value)
                {
                    report(DiagnosticDescriptors.InvalidArgument, LocationOf(name), [name, "bool"]);
                    return null;
                }
                return Contradicts(name, value) ? null : value;
            }

            public TEnum? Enum<TEnum>(string name, string enumName)
                where TEnum : struct, Enum
            {
                if (!TryGet(name, out DeclaredArgument constant))
                {
                    return FromFile(name, out object? inferred) ? (TEnum?)inferred : default(TEnum);
                }
                if (constant.Kind != TypedConstantKind.Enum || constant.Value is not int value)
                {
                    report(DiagnosticDescriptors.InvalidArgument, LocationOf(name), [name, enumName]);
                    return null;
                }
                if (!System.Enum.IsDefined(typeof(TEnum), value))
                {
                    report(DiagnosticDescriptors.UndefinedEnumValue, LocationOf(name), [name, value.ToString(), enumName]);
                    return null;
                }
                var chosen = (TEnum)(object)value;
                return Contradicts(name, chosen) ? null : chosen;
            }
        }
    }
}
