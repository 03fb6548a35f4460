using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.Generator;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>What the generator declares in a model class: every member marked as generated code, and documented cleanly.</summary>
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

    /// <summary>
    /// In a project that writes its XML docs (GenerateDocumentationFile, here with every warning an error) the generated
    /// docs raise no warning: every public member documented (CS1591), every cref to an overloaded member naming its
    /// parameters (CS0419: the span and sample Step, the token overloads).
    /// </summary>
    [Theory]
    [InlineData("InputSize = 1, HiddenSize = 8, OutputSize = 1, Layers = 2, Cell = RnnCell.Gru, Streaming = true, OutputActivation = RnnOutputActivation.Tanh")]
    [InlineData("InputSize = 4, HiddenSize = 8, OutputSize = 3, VocabularySize = 10, Cell = RnnCell.Lstm, Streaming = true")]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 5, VocabularySize = 5, Topology = RnnTopology.OneToMany, OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy")]
    [InlineData("InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 2, Direction = RnnDirection.Bidirectional, Dropout = 0.1, HeadDropout = 0.2, Topology = RnnTopology.ManyToOne")]
    public void GeneratedDocsCompileWithoutWarningsWhereDocsAreChecked(string arguments)
    {
        string source = $"using RnnGen;\n/// <summary>A model.</summary>\n[RnnModel<float>({arguments})]\npublic partial class Net {{ }}";
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(GeneratorHarness.DocumentedParseOptions, source));
        Assert.NotNull(GeneratorHarness.Load(run)); // throws, listing them, on any warning
    }
}
