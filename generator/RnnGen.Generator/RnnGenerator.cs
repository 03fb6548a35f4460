using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;

namespace RnnGen.Generator;

/// <summary>
/// Emits a fixed-shape recurrent network into every class marked with <c>[RnnModel&lt;T&gt;]</c>.
/// The pipeline: the attribute's arguments are parsed into a value-equatable <see cref="ModelSpec"/>
/// (<see cref="Parser"/>), diagnostics are reported from their own output, and each spec is written
/// out by the <see cref="Emitter"/>.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class RnnGenerator : IIncrementalGenerator
{
    /// <summary>The attribute's metadata name (generic arity 1).</summary>
    internal const string AttributeMetadataName = "RnnGen.RnnModelAttribute`1";

    /// <inheritdoc />
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                predicate: static (node, _) => node is TypeDeclarationSyntax,
                transform: static (syntaxContext, cancellationToken) => Parser.Parse(syntaxContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        // Diagnostics have their own output, so a change that only moves a diagnostic does not re-emit source.
        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .WithTrackingName(TrackingNames.Diagnostics);
        context.RegisterSourceOutput(diagnostics, static (productionContext, items) =>
        {
            foreach (DiagnosticInfo item in items)
            {
                productionContext.ReportDiagnostic(item.ToDiagnostic());
            }
        });

        IncrementalValuesProvider<ModelSpec> models = parsed
            .Where(static result => result.Model is not null)
            .Select(static (result, _) => result.Model!)
            .WithTrackingName(TrackingNames.Models);
        context.RegisterSourceOutput(models, static (productionContext, model) =>
            productionContext.AddSource(model.HintName, Emitter.Emit(model)));
    }
}

/// <summary>Names of the pipeline steps, for incremental-caching tests.</summary>
internal static class TrackingNames
{
    public const string Parse = nameof(Parse);
    public const string Diagnostics = nameof(Diagnostics);
    public const string Models = nameof(Models);
}
