using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator.Model;

namespace RnnGen.Generator;

/// <summary>
/// Where the analyzer reports the problems of one declaration: at the argument concerned, or the attribute when the argument
/// is left out, and at the user's member for a taken name. The generator reports nothing and has none.
/// </summary>
internal sealed class DeclarationLocations(AttributeSyntax? attribute, Location attributeLocation, INamedTypeSymbol type, string hintName)
{
    public Location Attribute => attributeLocation;

    /// <summary>The named argument <paramref name="name"/>, or the attribute when it is left out.</summary>
    public Location Of(string name) =>
        attribute?.ArgumentList?.Arguments.FirstOrDefault(argument => argument.NameEquals?.Name.Identifier.ValueText == name)?.GetLocation()
        ?? attributeLocation;

    /// <summary>The user's declaration of the member <paramref name="name"/>.</summary>
    public Location? Member(string name) =>
        RnnGenerator.Parser.UserMembers(type, hintName).FirstOrDefault(member => member.Name == name)?.Locations.FirstOrDefault();

    public static DeclarationLocations Of(AttributeSyntax? attribute, TypeDeclarationSyntax declaration, INamedTypeSymbol type, ModelDeclaration model) =>
        new(attribute, attribute?.GetLocation() ?? declaration.Identifier.GetLocation(), type, ModelSpec.HintNameOf(model.Namespace, model.ContainingTypes, model.ClassName));
}
