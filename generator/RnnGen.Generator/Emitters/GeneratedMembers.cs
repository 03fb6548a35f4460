using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// The names of every member the emitters add to a model class, public or not, which a user's own member must not take
/// (RNNGEN014): read from the generated code itself, so the list cannot fall behind the emitters.
/// </summary>
internal static class GeneratedMembers
{
    /// <summary>Every member name that <paramref name="model"/>'s generated code declares in the model class.</summary>
    public static HashSet<string> Of(ModelSpec model)
    {
        CompilationUnitSyntax generated = CSharpSyntaxTree.ParseText(RnnGenerator.Emitter.Emit(model)).GetCompilationUnitRoot();
        ClassDeclarationSyntax type = generated.DescendantNodes().OfType<ClassDeclarationSyntax>().First(c => c.Identifier.ValueText == model.ClassName);
        return new HashSet<string>(type.Members.SelectMany(Names), System.StringComparer.Ordinal);
    }

    private static IEnumerable<string> Names(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax method => [method.Identifier.ValueText],
        PropertyDeclarationSyntax property => [property.Identifier.ValueText],
        BaseFieldDeclarationSyntax field => field.Declaration.Variables.Select(variable => variable.Identifier.ValueText),
        BaseTypeDeclarationSyntax nested => [nested.Identifier.ValueText],
        _ => [],
    };
}
