using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using RnnGen.Generator.Model;

namespace RnnGen.Generator;

/// <summary>
/// Reports every RNNGEN diagnostic of an <c>[RnnModel&lt;T&gt;]</c> declaration, from the validation the generator runs
/// (<see cref="RnnGenerator.Parser"/>), so the two cannot disagree. Diagnostics come from an analyzer, not from the
/// generator, because the IDE offers code fixes only for an analyzer's (RnnGen.CodeFixes has them).
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class RnnModelAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc />
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => DiagnosticDescriptors.All;

    /// <inheritdoc />
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(static start =>
        {
            // A compilation without the runtime library has no model to check.
            if (start.Compilation.GetTypeByMetadataName(RnnGenerator.AttributeMetadataName) is { } attributeType)
            {
                EquatableArray<WeightsHeader> headers = WeightsHeader.AllOf(start.Options.AdditionalFiles, start.CancellationToken);
                start.RegisterSymbolAction(symbol => Analyze(symbol, attributeType, headers), SymbolKind.NamedType);
            }
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol attributeType, EquatableArray<WeightsHeader> headers)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass?.OriginalDefinition, attributeType)
                && attribute.ApplicationSyntaxReference?.GetSyntax(context.CancellationToken) is AttributeSyntax { Parent.Parent: TypeDeclarationSyntax declaration } syntax)
            {
                ModelDeclaration model = RnnGenerator.Parser.Read(declaration, type, attribute, context.ReportDiagnostic, out _, context.CancellationToken);
                // The arguments are checked whatever the class's problems, so that all are reported at once.
                RnnGenerator.Parser.Build(model, headers, DeclarationLocations.Of(syntax, declaration, type, model), context.ReportDiagnostic, context.CancellationToken);
            }
        }
    }
}
