using System.Linq;
using Microsoft.CodeAnalysis;

namespace RnnGen.Generator.Model;

/// <summary>
/// What the compiler knows of one <c>[RnnModel&lt;T&gt;]</c> declaration, as plain values: the class's names, the element
/// type, the attribute's named arguments as written, and the names of the members the class declares. The first step of the
/// pipeline (no weights file is known there); <see cref="RnnGenerator.Parser.Build"/> turns it into a <see cref="ModelSpec"/>
/// once the headers of the project's weights files are combined with it.
/// </summary>
/// <param name="Namespace">The containing namespace, or null for the global one.</param>
/// <param name="ContainingTypes">The types around the class, outermost first.</param>
/// <param name="ClassName">The class's name.</param>
/// <param name="ElementType">float or double.</param>
/// <param name="Arguments">The attribute's named arguments, in source order.</param>
/// <param name="MemberNames">The names of the members the user declares in the class (RNNGEN014 keeps them from the generated ones).</param>
internal sealed record ModelDeclaration(
    string? Namespace,
    EquatableArray<ContainingTypeSpec> ContainingTypes,
    string ClassName,
    ElementType ElementType,
    EquatableArray<DeclaredArgument> Arguments,
    EquatableArray<string> MemberNames)
{
    /// <summary>The argument named <paramref name="name"/>, or null when the attribute leaves it out.</summary>
    public DeclaredArgument? Argument(string name) => Arguments.FirstOrDefault(argument => argument.Name == name);
}

/// <summary>One named argument of the attribute as written: its name, what kind of constant it is, and its value (an int, string, bool or double, an enum's number, or null).</summary>
internal sealed record DeclaredArgument(string Name, TypedConstantKind Kind, object? Value)
{
    /// <summary>The argument as a plain value: arrays and types (never valid here) keep only their kind.</summary>
    public static DeclaredArgument From(string name, TypedConstant constant) =>
        new(name, constant.Kind, constant.Kind is TypedConstantKind.Primitive or TypedConstantKind.Enum ? constant.Value : null);
}
