using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Simplification;
using RnnGen.Generator;

namespace RnnGen.CodeFixes;

/// <summary>
/// The fixes that edit the <c>[RnnModel]</c> arguments: RNNGEN003 clamps a size into its range, RNNGEN006 adds a missing
/// size, RNNGEN007 sets a softmax output or drops the cross-entropy loss, RNNGEN010 makes the model unidirectional or
/// drops <c>Streaming</c>, RNNGEN012 drops <c>Activation</c>, RNNGEN027 drops an argument the weights file contradicts.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(AttributeArgumentCodeFix)), Shared]
public sealed class AttributeArgumentCodeFix : CodeFixProvider
{
    /// <summary>What RNNGEN006's fix writes: a legal size that the user then replaces with the real one.</summary>
    private const int PlaceholderSize = 1;

    /// <inheritdoc />
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.ValueOutOfRange.Id, DiagnosticDescriptors.MissingSize.Id, DiagnosticDescriptors.CrossEntropyNeedsSoftmax.Id,
        DiagnosticDescriptors.StreamingNeedsUnidirectional.Id, DiagnosticDescriptors.ActivationNeedsVanillaCell.Id, DiagnosticDescriptors.WeightsContradicted.Id);

    /// <inheritdoc />
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc />
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (root?.FindNode(diagnostic.Location.SourceSpan).AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault() is not { } attribute)
            {
                continue;
            }

            diagnostic.Properties.TryGetValue(FixProperties.Argument, out string? argument);
            switch (diagnostic.Id)
            {
                case "RNNGEN003" when argument is not null && diagnostic.Properties.TryGetValue(FixProperties.Value, out string? value) && value is not null:
                    Offer(context, diagnostic, root, attribute, $"Set {argument} = {value}", Set(attribute, argument, NumberLiteral(value)));
                    break;
                case "RNNGEN006" when argument is not null:
                    Offer(context, diagnostic, root, attribute, $"Add {argument} = {PlaceholderSize} (then the real size)", Set(attribute, argument, NumberLiteral(PlaceholderSize.ToString())));
                    break;
                case "RNNGEN007":
                    Offer(context, diagnostic, root, attribute, "Set OutputActivation = RnnOutputActivation.Softmax", Set(attribute, "OutputActivation", EnumValue("RnnOutputActivation", "Softmax")));
                    Offer(context, diagnostic, root, attribute, "Remove Loss = CrossEntropy (squared error)", Remove(attribute, "Loss"));
                    break;
                case "RNNGEN010":
                    Offer(context, diagnostic, root, attribute, "Set Direction = RnnDirection.Unidirectional", Set(attribute, "Direction", EnumValue("RnnDirection", "Unidirectional")));
                    if (argument == "Streaming")
                    {
                        Offer(context, diagnostic, root, attribute, "Remove Streaming", Remove(attribute, "Streaming"));
                    }

                    break;
                case "RNNGEN012":
                    Offer(context, diagnostic, root, attribute, "Remove Activation (gated cells have fixed activations)", Remove(attribute, "Activation"));
                    break;
                case "RNNGEN027" when argument is not null:
                    Offer(context, diagnostic, root, attribute, $"Remove {argument} (take the weights file's value)", Remove(attribute, argument));
                    break;
            }
        }
    }

    private static void Offer(CodeFixContext context, Diagnostic diagnostic, SyntaxNode root, AttributeSyntax attribute, string title, AttributeSyntax fixedAttribute) =>
        context.RegisterCodeFix(
            CodeAction.Create(title, _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(attribute, fixedAttribute))), equivalenceKey: $"{diagnostic.Id}: {title}"),
            diagnostic);

    /// <summary>The attribute with <c>name = value</c>: the argument's value replaced, or the argument added last.</summary>
    private static AttributeSyntax Set(AttributeSyntax attribute, string name, ExpressionSyntax value)
    {
        if (Find(attribute, name) is { } existing)
        {
            return attribute.ReplaceNode(existing, existing.WithExpression(value.WithTriviaFrom(existing.Expression)));
        }

        AttributeArgumentSyntax added = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(name), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)),
            nameColon: null, value);
        AttributeArgumentListSyntax arguments = attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList();
        SeparatedSyntaxList<AttributeArgumentSyntax> list = arguments.Arguments;
        if (list.Count == 0)
        {
            return attribute.WithArgumentList(arguments.WithArguments(list.Add(added)));
        }

        // The last argument's trailing trivia (a comment, a line break) moves after the added one, so ", X = 1" follows the value.
        AttributeArgumentSyntax last = list[list.Count - 1];
        list = list.Replace(last, last.WithoutTrailingTrivia());
        added = added.WithTrailingTrivia(last.GetTrailingTrivia());
        return attribute.WithArgumentList(arguments.WithArguments(
            SyntaxFactory.SeparatedList(list.Append(added), list.GetSeparators().Append(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space)))));
    }

    /// <summary>The attribute without its <paramref name="name"/> argument.</summary>
    private static AttributeSyntax Remove(AttributeSyntax attribute, string name) =>
        Find(attribute, name) is { } argument && attribute.ArgumentList is { } arguments
            ? attribute.WithArgumentList(arguments.WithArguments(arguments.Arguments.Remove(argument)))
            : attribute;

    private static AttributeArgumentSyntax? Find(AttributeSyntax attribute, string name) =>
        attribute.ArgumentList?.Arguments.FirstOrDefault(argument => argument.NameEquals?.Name.Identifier.ValueText == name);

    private static ExpressionSyntax NumberLiteral(string value) =>
        SyntaxFactory.LiteralExpression(SyntaxKind.NumericLiteralExpression, SyntaxFactory.ParseToken(value));

    /// <summary><c>RnnGen.{type}.{member}</c>, written as short as the file's usings allow.</summary>
    private static ExpressionSyntax EnumValue(string type, string member) =>
        SyntaxFactory.ParseExpression($"global::RnnGen.{type}.{member}").WithAdditionalAnnotations(Simplifier.Annotation);
}
