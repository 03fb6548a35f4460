using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Splits the network's code between the model class and a private type nested in it, so that the user's own members
/// cannot collide with the generated implementation's (its fields, offsets and helpers): the class gets the public
/// constants and, for every other public member, a one-line forwarder with the member's docs; the nested type keeps the
/// rest, and the public members without their docs. Read from the emitted implementation itself (parsed), so every public
/// member the emitters write is forwarded, with the signature they gave it.
/// </summary>
internal static class SurfaceEmitter
{
    /// <summary>The field of the model class that holds the implementation.</summary>
    public const string Field = "_network";

    /// <summary>The nested type of the implementation: the class's name and <c>Network</c>, which cannot be the class's own name.</summary>
    public static string TypeName(ModelSpec model) => model.ClassName + "Network";

    /// <summary>
    /// Writes the public surface of <paramref name="implementation"/> (members written at indent 0) into the class and
    /// returns what stays in the nested type: the implementation without the constants and docs that moved.
    /// </summary>
    public static string EmitForwarders(SourceWriter writer, string implementation)
    {
        const string Prefix = "class C\n{\n";
        var type = (ClassDeclarationSyntax)CSharpSyntaxTree.ParseText(Prefix + implementation + "}").GetCompilationUnitRoot().Members.Single();
        var moved = new List<TextSpan>();
        bool first = true;
        foreach (MemberDeclarationSyntax member in type.Members.Where(static member => member.Modifiers.Any(SyntaxKind.PublicKeyword)))
        {
            if (!first && member.GetLeadingTrivia().Any(static trivia => trivia.IsKind(SyntaxKind.EndOfLineTrivia)))
            {
                writer.Line(); // a blank line above it in the implementation: a new group
            }
            first = false;
            if (member.Modifiers.Any(SyntaxKind.ConstKeyword))
            {
                WriteLines(writer, member.ToFullString());
                moved.Add(new TextSpan(member.FullSpan.Start - Prefix.Length, member.FullSpan.Length));
                continue;
            }
            if (DocumentationSpan(member) is { } docs)
            {
                WriteLines(writer, (Prefix + implementation).Substring(docs.Start, docs.Length));
                moved.Add(new TextSpan(docs.Start - Prefix.Length, docs.Length));
            }
            writer.Line(Forwarder(member));
        }
        return Without(implementation, moved);
    }

    /// <summary>The one-line member that calls the implementation's member of the same signature.</summary>
    private static string Forwarder(MemberDeclarationSyntax member)
    {
        switch (member)
        {
            case MethodDeclarationSyntax method:
                string arguments = string.Join(", ", method.ParameterList.Parameters.Select(static parameter =>
                    string.Concat(parameter.Modifiers.Select(static modifier => modifier.ValueText + " ")) + parameter.Identifier.ValueText));
                return $"public {method.ReturnType} {method.Identifier.ValueText}{method.ParameterList} => {Field}.{method.Identifier.ValueText}({arguments});";
            case PropertyDeclarationSyntax property when property.AccessorList?.Accessors.Any(static a => a.IsKind(SyntaxKind.SetAccessorDeclaration)) == true:
                return $"public {property.Type} {property.Identifier.ValueText} {{ get => {Field}.{property.Identifier.ValueText}; set => {Field}.{property.Identifier.ValueText} = value; }}";
            case PropertyDeclarationSyntax property:
                return $"public {property.Type} {property.Identifier.ValueText} => {Field}.{property.Identifier.ValueText};";
            default:
                throw new InvalidOperationException($"No forwarder for a public {member.Kind()}.");
        }
    }

    /// <summary>A member's XML doc comment with the indentation before it, or null when it has none.</summary>
    private static TextSpan? DocumentationSpan(MemberDeclarationSyntax member)
    {
        SyntaxTriviaList trivia = member.GetLeadingTrivia();
        int firstDoc = -1, lastDoc = -1;
        for (int i = 0; i < trivia.Count; i++)
        {
            if (trivia[i].IsKind(SyntaxKind.SingleLineDocumentationCommentTrivia))
            {
                firstDoc = firstDoc < 0 ? i : firstDoc;
                lastDoc = i;
            }
        }
        if (firstDoc < 0)
        {
            return null;
        }
        // FullSpan: a doc comment's Span leaves out its first line's "///".
        int start = firstDoc > 0 && trivia[firstDoc - 1].IsKind(SyntaxKind.WhitespaceTrivia) ? trivia[firstDoc - 1].FullSpan.Start : trivia[firstDoc].FullSpan.Start;
        return TextSpan.FromBounds(start, trivia[lastDoc].FullSpan.End);
    }

    private static void WriteLines(SourceWriter writer, string text)
    {
        foreach (string line in text.Split('\n'))
        {
            if (line.Trim().Length > 0)
            {
                writer.Line(line.Trim());
            }
        }
    }

    private static string Without(string text, List<TextSpan> spans)
    {
        var kept = new System.Text.StringBuilder(text.Length);
        int at = 0;
        foreach (TextSpan span in spans.OrderBy(static span => span.Start))
        {
            kept.Append(text, at, span.Start - at);
            at = span.End;
        }
        return kept.Append(text, at, text.Length - at).ToString();
    }
}
