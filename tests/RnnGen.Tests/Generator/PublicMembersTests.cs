using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator;
using RnnGen.Generator.Emitters;
using RnnGen.Generator.Model;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>The names RNNGEN014 protects are exactly the public members the emitters write, for every kind of model.</summary>
public sealed class PublicMembersTests
{
    [Theory]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 2")]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 2, Streaming = true, Cell = RnnCell.Lstm")]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 3, Topology = RnnTopology.OneToMany, OutputActivation = RnnOutputActivation.Softmax")]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 2, Direction = RnnDirection.Bidirectional, Cell = RnnCell.Gru, Topology = RnnTopology.ManyToOne")]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 2, Topology = RnnTopology.OneToOne")]
    public void ListMatchesTheGeneratedCode(string arguments)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation($"using RnnGen;\n[RnnModel<float>({arguments})]\npublic partial class Net {{ }}");
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true).RunGenerators(compilation);
        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        ModelSpec model = Assert.IsType<ModelSpec>(result.TrackedSteps[TrackingNames.Parse].Single().Outputs.Single().Value);
        SyntaxTree generated = result.GeneratedSources.Single(source => source.HintName == "Net.g.cs").SyntaxTree;
        ClassDeclarationSyntax declaration = generated.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Single(c => c.Identifier.ValueText == "Net");
        string[] declared = [.. declaration.Members
            .Where(member => member.Modifiers.Any(SyntaxKind.PublicKeyword))
            .SelectMany(Names)
            .Distinct()
            .Order()];
        Assert.Equal([.. PublicMembers.Of(model).Order()], declared);
    }

    private static string[] Names(MemberDeclarationSyntax member) => member switch
    {
        MethodDeclarationSyntax method => [method.Identifier.ValueText],
        PropertyDeclarationSyntax property => [property.Identifier.ValueText],
        BaseFieldDeclarationSyntax field => [.. field.Declaration.Variables.Select(variable => variable.Identifier.ValueText)],
        BaseTypeDeclarationSyntax type => [type.Identifier.ValueText],
        _ => [member.ToString()],
    };
}
