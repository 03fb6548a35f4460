using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>What the generator declares in a model class: every member marked as generated code.</summary>
public sealed class GeneratedMembersTests
{
    /// <summary>Every member the generator declares in the model class carries [GeneratedCode] with the generator's version, constants aside (they have no code).</summary>
    [Theory]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 2, Streaming = true, Cell = RnnCell.Lstm")]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 3, Topology = RnnTopology.OneToMany, OutputActivation = RnnOutputActivation.Softmax")]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 2, Direction = RnnDirection.Bidirectional, Cell = RnnCell.Gru, Topology = RnnTopology.ManyToOne")]
    public void EveryGeneratedMemberButConstantsIsMarkedAsGeneratedCode(string arguments)
    {
        GeneratorRun run = GeneratorHarness.Run($"using RnnGen;\n[RnnModel<float>({arguments})]\npublic partial class Net {{ }}");
        SyntaxTree generated = run.Result.Results.Single().GeneratedSources.Single(source => source.HintName == "Net.g.cs").SyntaxTree;
        ClassDeclarationSyntax declaration = generated.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>().Single(c => c.Identifier.ValueText == "Net");
        string version = typeof(RnnGenerator).Assembly.GetName().Version!.ToString();
        MemberDeclarationSyntax[] members = [.. declaration.Members.Where(member => !member.Modifiers.Any(SyntaxKind.ConstKeyword))];
        Assert.True(members.Length > 20, $"only {members.Length} members");
        Assert.All(members, member => Assert.Contains(
            member.AttributeLists.SelectMany(list => list.Attributes),
            attribute => attribute.ToString() == $"global::System.CodeDom.Compiler.GeneratedCode(\"RnnGen.Generator\", \"{version}\")"));
    }
}
