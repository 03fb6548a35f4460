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

        /// <summary>The generator's side: the spec to emit, nothing reported (the analyzer reports).</summary>
        public static ModelSpec? Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken) =>
            Parse((TypeDeclarationSyntax)context.TargetNode, (INamedTypeSymbol)context.TargetSymbol, context.Attributes[0], report: null, additionalFiles: default, cancellationToken);

        /// <summary>
        /// Validates the declaration, passing every problem to <paramref name="report"/> when given; returns the spec when there
        /// is none. With <paramref name="additionalFiles"/> (the analyzer's), a declared weights file is checked against its header.
        /// </summary>
        public static ModelSpec? Parse(TypeDeclarationSyntax declaration, INamedTypeSymbol type, AttributeData attribute, Action<Diagnostic>? report, ImmutableArray<AdditionalText> additionalFiles, CancellationToken cancellationToken)
        {
            int problems = 0;
            void Report(DiagnosticDescriptor descriptor, Location? location, string[] arguments, ImmutableDictionary<string, string?>? properties = null, Location? alsoAt = null)
            {
                if (descriptor.DefaultSeverity == DiagnosticSeverity.Error)
                {
                    problems++;
                }
                report?.Invoke(Diagnostic.Create(descriptor, location, alsoAt is null ? null : [alsoAt], properties, arguments));
            }

            Location typeLocation = declaration.Identifier.GetLocation();
            string? unsupportedKind = UnsupportedKind(declaration, type);
            if (unsupportedKind is not null)
            {
                Report(DiagnosticDescriptors.UnsupportedTypeKind, typeLocation, [type.Name, unsupportedKind]);
            }
            else if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                Report(DiagnosticDescriptors.ClassNotPartial, typeLocation, [type.Name]);
            }

            var containingTypes = new List<ContainingTypeSpec>();
            for (SyntaxNode? parent = declaration.Parent; parent is TypeDeclarationSyntax outer; parent = outer.Parent)
            {
                if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    // At the model class, which the analyzer is looking at (its code fix makes every type around it partial), and also at the type itself.
                    Report(DiagnosticDescriptors.ContainingTypeNotPartial, typeLocation, [outer.Identifier.ValueText, type.Name], alsoAt: outer.Identifier.GetLocation());
                }
                containingTypes.Insert(0, new ContainingTypeSpec(Keyword(outer), outer.Identifier.ValueText + outer.TypeParameterList, MetadataName(outer)));
            }

            var attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax;
            Location attributeLocation = attributeSyntax?.GetLocation() ?? typeLocation;
            var arguments = new ArgumentReader(attribute, attributeSyntax, attributeLocation, Report);

            ElementType? elementType = ReadElementType(attribute, attributeLocation, Report);
            int? inputSize = arguments.Size("InputSize", Limits.MaxSize, required: true, type.Name);
            int? hiddenSize = arguments.Size("HiddenSize", Limits.MaxSize, required: true, type.Name);
            int? outputSize = arguments.Size("OutputSize", Limits.MaxSize, required: true, type.Name);
            int? layers = arguments.Size("Layers", Limits.MaxLayers, required: false, type.Name);
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
            int? vocabularySize = arguments.Size("VocabularySize", Limits.MaxVocabularySize, required: false, type.Name, whenAbsent: 0);
            int? paddingIndex = arguments.Integer("PaddingIndex", -1);
            string? embeddingModule = arguments.ModulePath("EmbeddingModule", "embedding", allowEmpty: false);
            string? weights = arguments.Text("Weights");
            double? dropout = arguments.Probability("Dropout");
            double? headDropout = arguments.Probability("HeadDropout");
            if (dropout > 0 && layers == 1)
            {
                Report(DiagnosticDescriptors.DropoutWithoutNextLayer, arguments.LocationOf("Dropout"), [type.Name]);
            }
            if (recurrentModule is not null && recurrentModule == headModule)
            {
                Report(DiagnosticDescriptors.SameModuleNames, arguments.LocationOf("HeadModule"), ["RecurrentModule", "HeadModule", headModule]);
            }
            if (vocabularySize > 0 && embeddingModule is not null && (embeddingModule == recurrentModule || embeddingModule == headModule))
            {
                Report(DiagnosticDescriptors.SameModuleNames, arguments.LocationOf("EmbeddingModule"),
                    [embeddingModule == recurrentModule ? "RecurrentModule" : "HeadModule", "EmbeddingModule", embeddingModule]);
            }
            if (paddingIndex is { } padding && vocabularySize is { } vocabulary && padding != -1 && (vocabulary == 0 || padding < 0 || padding >= vocabulary))
            {
                Report(DiagnosticDescriptors.InvalidPaddingIndex, arguments.LocationOf("PaddingIndex"),
                    [padding.ToString(CultureInfo.InvariantCulture), vocabulary == 0
                        ? "a padding index needs an embedding: set VocabularySize, or remove PaddingIndex"
                        : $"it must be a token id of the vocabulary (0 to {vocabulary - 1}), or -1 for none"]);
            }

            if (loss == Loss.CrossEntropy && outputActivation is { } head && head != OutputActivation.Softmax)
            {
                Report(DiagnosticDescriptors.CrossEntropyNeedsSoftmax, arguments.LocationOf("Loss"), [head.ToString()]);
            }
            if (direction == Direction.Bidirectional && (streaming == true || topology == Topology.OneToMany))
            {
                string argument = streaming == true ? "Streaming" : "Topology";
                Report(DiagnosticDescriptors.StreamingNeedsUnidirectional, arguments.LocationOf(argument),
                    [streaming == true ? "A bidirectional model with Streaming = true" : "A bidirectional one-to-many model"], FixProperties.For(argument));
            }
            if (cell is Cell.Gru or Cell.Lstm && activation is { } g && g != HiddenActivation.Tanh)
            {
                Report(DiagnosticDescriptors.ActivationNeedsVanillaCell, arguments.LocationOf("Activation"), [g.ToString(), cell == Cell.Gru ? "GRU" : "LSTM"]);
            }
            if (topology == Topology.OneToMany && inputSize is { } x && outputSize is { } y && vocabularySize is { } v)
            {
                // With an embedding, the chosen output token is what goes back, through the embedding.
                (string how, string fed, int width) = v > 0 ? (" (the chosen token, through the embedding)", "VocabularySize", v) : ("", "InputSize", x);
                if (width != y)
                {
                    Report(DiagnosticDescriptors.FeedbackNeedsMatchingSizes, arguments.LocationOf("Topology"), [how, fed, width.ToString(CultureInfo.InvariantCulture), y.ToString(CultureInfo.InvariantCulture)]);
                }
            }

            ModelSpec? model = null;
            if (problems == 0 && HasWritableNames(type)
                && elementType is { } t && inputSize is { } i && hiddenSize is { } h && outputSize is { } o && layers is { } l
                && direction is { } d && activation is { } g1 && outputActivation is { } g2 && topology is { } topo && loss is { } e
                && streaming is { } stream && cell is { } c && recurrentModule is not null && headModule is not null
                && recurrentBias is { } withRecurrentBias && headBias is { } withHeadBias
                && vocabularySize is { } vocabularyCount && paddingIndex is { } paddingToken && embeddingModule is not null
                && dropout is { } layerDropout && headDropout is { } headInputDropout && weights is not null)
            {
                string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : null;
                model = new ModelSpec(ns, containingTypes.ToEquatableArray(), type.Name, t, i, h, o, l, d, g1, g2, topo, e, stream, c, recurrentModule, headModule, withRecurrentBias, withHeadBias,
                    vocabularyCount, paddingToken, embeddingModule, layerDropout, headInputDropout, WeightsHeader.Normalize(weights));
                if (model.ParameterCount > Limits.MaxArrayLength)
                {
                    Report(DiagnosticDescriptors.TooManyParameters, attributeLocation,
                        [type.Name, model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture), Limits.MaxArrayLength.ToString("N0", CultureInfo.InvariantCulture)]);
                    model = null;
                }
                else
                {
                    model = RejectTakenNames(model, type, Report);
                }
                if (model is not null && weights is { Length: > 0 } file && !additionalFiles.IsDefault)
                {
                    Location weightsLocation = arguments.LocationOf("Weights");
                    WeightsCheck.Check(model, file, additionalFiles, (descriptor, messageArguments) => Report(descriptor, weightsLocation, messageArguments), cancellationToken);
                }
            }
            return model;
        }

        /// <summary>
        /// Null (after an RNNGEN014 at each) when the class declares a member under a name the generated code gives one of its
        /// members: the generated file would not compile (CS0102) and the user would not see why. The generated names are
        /// only worked out (by generating the code) for a class that declares members of its own.
        /// </summary>
        private static ModelSpec? RejectTakenNames(ModelSpec model, INamedTypeSymbol type, ReportProblem report)
        {
            // In a build the analyzer sees the generated file too: its members are the generator's, not the user's.
            ISymbol[] declared = [.. type.GetMembers().Where(member => !member.IsImplicitlyDeclared && !member.Locations.All(location => IsGeneratedFile(location, model)))];
            if (declared.Length == 0)
            {
                return model;
            }

            HashSet<string> generated = GeneratedMembers.Of(model);
            bool taken = false;
            foreach (ISymbol member in declared)
            {
                if (generated.Contains(member.Name))
                {
                    report(DiagnosticDescriptors.MemberNameTaken, member.Locations.FirstOrDefault(), [type.Name, member.Name]);
                    taken = true;
                }
            }
            return taken ? null : model;
        }

        private static bool IsGeneratedFile(Location location, ModelSpec model) =>
            location.SourceTree?.FilePath is { } path && string.Equals(System.IO.Path.GetFileName(path), model.HintName, StringComparison.Ordinal);

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

        /// <summary>Reads the attribute's named arguments, reporting each bad value at that argument.</summary>
        private sealed class ArgumentReader(
            AttributeData attribute,
            AttributeSyntax? syntax,
            Location attributeLocation,
            ReportProblem report)
        {
            public Location LocationOf(string name) =>
                syntax?.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name)?.GetLocation()
                ?? attributeLocation;

            private bool TryGet(string name, out TypedConstant value)
            {
                foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
                {
                    if (argument.Key == name)
                    {
                        value = argument.Value;
                        return true;
                    }
                }
                value = default;
                return false;
            }

            public int? Size(string name, int max, bool required, string className, int whenAbsent = 1)
            {
                if (!TryGet(name, out TypedConstant constant))
                {
                    if (required)
                    {
                        report(DiagnosticDescriptors.MissingSize, attributeLocation, [className, name], FixProperties.For(name));
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
                return value;
            }

            /// <summary>
            /// A PyTorch module path: identifiers (or <c>nn.Sequential</c>'s indices) joined by dots, as a state dict's keys
            /// begin; <paramref name="fallback"/> when the argument is absent.
            /// </summary>
            public string? ModulePath(string name, string fallback, bool allowEmpty)
            {
                if (!TryGet(name, out TypedConstant constant))
                {
                    return fallback;
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
                return value;
            }

            /// <summary>A string argument, empty when absent or null.</summary>
            public string? Text(string name)
            {
                if (!TryGet(name, out TypedConstant constant) || constant.IsNull)
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
                if (!TryGet(name, out TypedConstant constant))
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
                if (!TryGet(name, out TypedConstant constant))
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
                if (!TryGet(name, out TypedConstant constant))
                {
                    return defaultValue;
                }
                if (constant.Kind != TypedConstantKind.Primitive || constant.Value is not bool value)
                {
                    report(DiagnosticDescriptors.InvalidArgument, LocationOf(name), [name, "bool"]);
                    return null;
                }
                return value;
            }

            public TEnum? Enum<TEnum>(string name, string enumName)
                where TEnum : struct, Enum
            {
                if (!TryGet(name, out TypedConstant constant))
                {
                    return default(TEnum);
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
                return (TEnum)(object)value;
            }
        }
    }
}
