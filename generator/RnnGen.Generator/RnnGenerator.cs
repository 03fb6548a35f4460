using System.Collections.Immutable;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generator.Emitters;
using RnnGen.Generator.Model;

namespace RnnGen.Generator;

/// <summary>
/// Emits a fixed-shape recurrent network into every class marked with <c>[RnnModel&lt;T&gt;]</c>.
/// The pipeline: the class and the attribute's arguments are read into a value-equatable <see cref="ModelDeclaration"/>,
/// which is combined with the headers of the project's weights files and validated into a <see cref="ModelSpec"/>
/// (<see cref="Parser"/>; null for a declaration with a problem, which <see cref="RnnModelAnalyzer"/> reports from the same
/// validation: the generator reports nothing), and each spec is written out by the <see cref="Emitter"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class RnnGenerator : IIncrementalGenerator
{
    /// <summary>The attribute's metadata name (generic arity 1).</summary>
    internal const string AttributeMetadataName = "RnnGen.RnnModelAttribute`1";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ModelDeclaration> declarations = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (syntaxContext, cancellationToken) => Parser.Read(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse)
            .Where(static declaration => declaration is not null)
            .Select(static (declaration, _) => declaration!);

        // The headers of the project's weights files, which build/RnnGen.targets writes: each is parsed again only when its text changes.
        IncrementalValueProvider<EquatableArray<WeightsHeader>> headers = context.AdditionalTextsProvider
            .Where(static text => WeightsHeader.IsHeaderFile(text))
            .Select(static (text, cancellationToken) => WeightsHeader.Read(text, cancellationToken))
            .WithTrackingName(TrackingNames.Headers)
            .Collect()
            .Select(static (all, _) => all.ToEquatableArray());

        IncrementalValuesProvider<ModelSpec> models = declarations
            .Combine(headers)
            .Select(static (pair, cancellationToken) => Parser.Build(pair.Left, pair.Right, locations: null, report: null, cancellationToken))
            .Where(static model => model is not null)
            .Select(static (model, _) => model!)
            .WithTrackingName(TrackingNames.Models);
        context.RegisterSourceOutput(models, static (productionContext, model) =>
            productionContext.AddSource(model.HintName, Utf8(Emitter.Emit(model))));

        // The kernels' size structs, once per compilation: models of the same shape share them, and so share the
        // kernels' compiled bodies. Only the sizes are collected, so an edit to one model re-emits this file only when
        // the set of sizes changes.
        IncrementalValueProvider<EquatableArray<int>> sizes = models
            .Select(static (model, _) => model.KernelSizes)
            .Collect()
            .Select(static (all, _) => new EquatableArray<int>(all.SelectMany(static sizes => sizes).Distinct().OrderBy(static size => size).ToImmutableArray()))
            .WithTrackingName(TrackingNames.Sizes);
        context.RegisterSourceOutput(sizes, static (productionContext, items) =>
        {
            if (items.Count > 0)
            {
                productionContext.AddSource(SizesEmitter.HintName, Utf8(SizesEmitter.Emit(items)));
            }
        });
    }

    /// <summary>The generated text as UTF-8 (its comments hold non-ASCII characters such as Σ), so the IDE and the emitted PDB agree on its bytes.</summary>
    private static SourceText Utf8(string text) => SourceText.From(text, Encoding.UTF8);
}

/// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Headers = nameof(Headers);
    public const string Models = nameof(Models);
    public const string Sizes = nameof(Sizes);
}
