using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using RnnGen.TestKit;
using Xunit;
using Xunit.Abstractions;

namespace RnnGen.Tests.Fuzz;

/// <summary>
/// Malformed and incomplete declarations, as an editor sees them while the user types: random truncations and token edits
/// (delete, duplicate, swap, replace) of valid declarations, plus generated declarations with wrong argument types, missing
/// or repeated arguments, constant expressions and the attribute on structs, records, interfaces, nested and generic types.
/// The generator must never throw; generated files must not have errors unless an RNNGEN diagnostic explains them; and
/// an error-free input with [RnnModel] on a class must either generate compiling code or get an RNNGEN diagnostic.
/// <c>RNNGEN_FUZZ_SEED=&lt;n&gt;</c> replays another set of declarations.
/// </summary>
public sealed class GeneratorFuzzTests(ITestOutputHelper output)
{
    private const int TokenEdits = 600;
    private const int Truncations = 100;
    private const int Composed = 300;

    private static readonly string[] ValidDeclarations =
    [
        """
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 3, HiddenSize = 4, OutputSize = 2)]
        public partial class Tagger { }
        """,
        """
        using RnnGen;
        namespace Demo
        {
            public partial class Outer
            {
                [RnnModel<double>(InputSize = 7, HiddenSize = 6, OutputSize = 3, Layers = 2, Direction = RnnDirection.Bidirectional,
                                  Activation = RnnActivation.Relu, OutputActivation = RnnOutputActivation.Softmax,
                                  Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
                internal sealed partial class Classifier { }
            }
        }
        """,
        """
        using RnnGen;
        static class Sizes { public const int Features = 2 * 2; }
        [RnnModel<float>(InputSize = Sizes.Features, HiddenSize = 1 << 3, OutputSize = Sizes.Features - 1, Layers = 3,
            OutputActivation = RnnOutputActivation.Sigmoid)]
        partial class Deep { }
        """,
        """
        namespace Demo.Nested.Deeper
        {
            [global::RnnGen.RnnModelAttribute<double>(OutputSize = 1, HiddenSize = 2, InputSize = 1, Activation = global::RnnGen.RnnActivation.Tanh)]
            public abstract partial class Cell { public int Extra => 1; }
        }
        """,
    ];

    /// <summary>Replacement tokens and argument values: wrong types, out-of-range and constant expressions, odd syntax.</summary>
    private static readonly string[] Fragments =
    [
        "struct", "record", "record struct", "interface", "static", "abstract", "partial", "class", "enum", "readonly", "ref",
        "<", ">", "(", ")", "[", "]", "{", "}", "=", ",", ";", ".", ":", "?", "!", "::", "=>",
        "\"7\"", "7.5", "7f", "7L", "7u", "-1", "0", "4096", "4097", "int.MaxValue", "null", "default", "true", "'c'",
        "typeof(int)", "nameof(Tagger)", "1 + 2", "2 * 3 + 1", "1 << 12", "(int)3.9", "checked(2 * 2)", "sizeof(int)",
        "(RnnDirection)7", "(RnnDirection)1", "RnnDirection.Bidirectional", "RnnActivation.Relu", "RnnLoss.CrossEntropy",
        "RnnOutputActivation.Softmax", "RnnTopology.ManyToOne", "RnnDirection", "InputSize", "HiddenSize", "Layers", "Unknown",
        "float", "double", "int", "decimal", "Half", "object", "string", "T", "float?", "System.Single", "RnnModel", "RnnModel<float>",
        "Tagger", "Outer", "Demo", "global", "using", "namespace", "#if X", "#endif", "/*", "*/", "//", "@class", "\\u0041",
    ];

    private static readonly string[] ElementTypes = ["float", "double", "float", "double", "int", "decimal", "Half", "object", "string", "System.Single", "System.Double", "float?", "T", "Missing"];

    private static readonly string[] Arguments = ["InputSize", "HiddenSize", "OutputSize", "Layers", "Direction", "Activation", "OutputActivation", "Topology", "Loss", "Streaming"];

    private static readonly Dictionary<string, string[]> GoodValues = new()
    {
        ["InputSize"] = ["1", "3", "Constants.N", "2 * 2", "Sizes.Features"],
        ["HiddenSize"] = ["1", "5", "Constants.N + 1", "1 << 3"],
        ["OutputSize"] = ["1", "2", "Constants.N", "(int)2.0"],
        ["Layers"] = ["1", "2", "16"],
        ["Direction"] = ["RnnDirection.Unidirectional", "RnnDirection.Bidirectional"],
        ["Activation"] = ["RnnActivation.Tanh", "RnnActivation.Relu"],
        ["OutputActivation"] = ["RnnOutputActivation.Identity", "RnnOutputActivation.Sigmoid", "RnnOutputActivation.Tanh", "RnnOutputActivation.Softmax"],
        ["Topology"] = ["RnnTopology.ManyToMany", "RnnTopology.ManyToOne"],
        ["Loss"] = ["RnnLoss.SquaredError", "RnnLoss.CrossEntropy"],
        ["Streaming"] = ["false", "true"],
    };

    private static readonly string[] BadValues =
    [
        "0", "-1", "4097", "17", "int.MaxValue", "int.MinValue", "\"3\"", "3.5", "3L", "null", "default", "true", "(RnnDirection)9",
        "(RnnActivation)(-1)", "RnnActivation.Relu", "RnnTopology.ManyToOne", "NotAConstant", "System.Environment.ProcessorCount",
        "new int()", "typeof(int)", "nameof(Tagger)", "checked(int.MaxValue + 1)", "1 / 0", "(byte)300", "'x'", "Sizes.Features",
    ];

    private static readonly string[] Targets =
    [
        "public partial class {0} {{ }}", "partial class {0} {{ }}", "public class {0} {{ }}", "public sealed partial class {0} {{ }}",
        "public abstract partial class {0} {{ }}", "public static partial class {0} {{ }}", "public partial struct {0} {{ }}",
        "public readonly partial struct {0} {{ }}", "public partial record {0};", "public partial record class {0}(int A);",
        "public partial record struct {0};", "public partial interface I{0} {{ }}", "public partial class {0}<T> {{ }}",
        "public partial class {0}<T> where T : struct {{ }}", "file partial class {0} {{ }}", "public partial class {0} : System.IDisposable {{ public void Dispose() {{ }} }}",
        "public partial class {0} {{ public void Forward() {{ }} }}", "public enum {0} {{ A }}", "public delegate void {0}();",
        "public partial class {0} {{ }} public partial class {0} {{ }}", "public partial class {0} {{ partial void M(); }}",
    ];

    private static readonly string[] Containers =
    [
        "{0}", "namespace Demo {{ {0} }}", "namespace Demo.A.B; {0}", "public partial class Outer {{ {0} }}", "public class Outer {{ {0} }}",
        "public partial class Outer<T> {{ {0} }}", "public partial struct Outer {{ {0} }}", "public partial record Outer {{ {0} }}",
        "public static partial class Outer {{ {0} }}", "namespace Demo {{ public partial class A {{ internal partial class B {{ {0} }} }} }}",
        "public partial interface IOuter {{ {0} }}", "class Host {{ void M() {{ {0} }} }}",
    ];

    [Fact]
    public void MalformedDeclarationsNeverBreakTheGenerator()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("RNNGEN_FUZZ_SEED"), out int replay) ? replay : 6;
        var random = new Random(seed);
        var cases = new List<(string Kind, string Source)>();
        for (int i = 0; i < Truncations; i++)
        {
            string valid = ValidDeclarations[random.Next(ValidDeclarations.Length)];
            cases.Add(("truncate", valid[..random.Next(1, valid.Length)]));
        }

        for (int i = 0; i < TokenEdits; i++)
        {
            string source = ValidDeclarations[random.Next(ValidDeclarations.Length)];
            int edits = random.Next(4) == 0 ? random.Next(2, 5) : 1;
            for (int e = 0; e < edits; e++)
            {
                source = EditToken(source, random);
            }

            cases.Add(("token-edit", source));
        }

        for (int i = 0; i < Composed; i++)
        {
            cases.Add(("composed", Compose(random)));
        }

        var clock = Stopwatch.StartNew();
        var outcomes = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentBag<string>();
        Parallel.For(0, cases.Count, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, i =>
        {
            (string kind, string source) = cases[i];
            string? failure = Check(source, out string outcome);
            outcomes.AddOrUpdate($"{kind}: {outcome}", 1, (_, n) => n + 1);
            if (failure is not null)
            {
                failures.Add($"case {i} ({kind}, seed {seed}): {failure}\n--- source ---\n{source}\n");
            }
        });

        foreach ((string outcome, int count) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{count,5}  {outcome}");
        }

        output.WriteLine($"{cases.Count} declarations in {clock.Elapsed.TotalSeconds:F1} s");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases.Count} declarations broke the generator:\n"
            + string.Join("\n", failures.Select(f => f.Split('\n')[1]).Order(StringComparer.Ordinal))
            + "\nThe first ones in full:\n" + string.Join("\n", failures.Take(5)));
        // The mix must exercise both sides: code generated, and declarations rejected with a diagnostic.
        Assert.True(outcomes.Where(o => o.Key.EndsWith("generated", StringComparison.Ordinal)).Sum(o => o.Value) >= cases.Count / 10);
        Assert.True(outcomes.Where(o => o.Key.Contains("RNNGEN", StringComparison.Ordinal)).Sum(o => o.Value) >= cases.Count / 10);
    }

    /// <summary>Found by the fuzz: names the parser had to invent while the user types used to be written out as-is.</summary>
    [Theory]
    [InlineData("using RnnGen; namespace Demo. { [RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial class Net { } }")]
    [InlineData("using RnnGen; namespace { [RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial class Net { } }")]
    [InlineData("using RnnGen; public partial class { [RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)] public partial class Net { } }")]
    public void IncompleteNamesAroundTheModelGenerateNothing(string source)
    {
        Assert.Null(Check(source, out _));
        Assert.Empty(GeneratorHarness.Run(source).GeneratedSources);
    }

    /// <summary>Null when the generator handled <paramref name="source"/>; otherwise what went wrong.</summary>
    private static string? Check(string source, out string outcome)
    {
        CSharpCompilation input = GeneratorHarness.CreateCompilation(source);
        GeneratorRun run = GeneratorHarness.Run(input);
        outcome = "threw";
        if (run.Result.Results.FirstOrDefault(r => r.Exception is not null).Exception is { } exception)
        {
            return $"the generator threw {exception}";
        }

        if (run.RnnGenDiagnostics.FirstOrDefault(d => d.Id == "CS8785") is { } crash)
        {
            return $"the generator threw: {crash}";
        }

        bool reported = run.RnnGenDiagnostics.Any(d => d.Id.StartsWith("RNNGEN", StringComparison.Ordinal));
        var generated = run.GeneratedSources;
        outcome = (reported ? "RNNGEN reported" : "no RNNGEN") + (generated.Count > 0 ? ", generated" : ", nothing generated");
        if (generated.Any(file => file.Source.Contains("System.Reflection", StringComparison.Ordinal) || file.Source.Contains("typeof(", StringComparison.Ordinal)))
        {
            return "the generated code uses reflection";
        }

        List<Diagnostic> outputErrors = generated.Count == 0
            ? []
            : run.OutputCompilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        HashSet<SyntaxTree> inputTrees = [.. input.SyntaxTrees];
        List<Diagnostic> generatedFileErrors = outputErrors.Where(d => d.Location.SourceTree is { } tree && !inputTrees.Contains(tree)).ToList();
        if (generatedFileErrors.Count > 0 && !reported)
        {
            return "errors in generated files without an RNNGEN diagnostic:\n" + string.Join("\n", generatedFileErrors.Take(5));
        }

        bool inputHasErrors = input.GetDiagnostics().Any(d => d.Severity == DiagnosticSeverity.Error);
        if (!inputHasErrors && !reported && HasModelOnClass(input))
        {
            if (generated.Count == 0)
            {
                return "an error-free [RnnModel] class got neither code nor an RNNGEN diagnostic";
            }

            if (outputErrors.Count > 0)
            {
                return "an error-free input's generated code does not compile:\n" + string.Join("\n", outputErrors.Take(5));
            }
        }

        return null;
    }

    private static bool HasModelOnClass(CSharpCompilation compilation)
    {
        foreach (SyntaxTree tree in compilation.SyntaxTrees)
        {
            SemanticModel model = compilation.GetSemanticModel(tree);
            foreach (ClassDeclarationSyntax declaration in tree.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            {
                if (model.GetDeclaredSymbol(declaration) is { } type &&
                    type.GetAttributes().Any(a => a.AttributeClass?.OriginalDefinition.ToDisplayString() == "RnnGen.RnnModelAttribute<T>"))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Deletes, duplicates, swaps or replaces one token (keeping the trivia around it).</summary>
    private static string EditToken(string source, Random random)
    {
        SyntaxToken[] tokens = [.. SyntaxFactory.ParseTokens(source).Where(t => !t.IsKind(SyntaxKind.EndOfFileToken))];
        if (tokens.Length < 2)
        {
            return source;
        }

        string[] texts = [.. tokens.Select(t => t.ToFullString())];
        int at = random.Next(tokens.Length);
        string Replace(SyntaxToken token, string text) => token.LeadingTrivia.ToFullString() + text + token.TrailingTrivia.ToFullString();
        switch (random.Next(4))
        {
            case 0:
                texts[at] = Replace(tokens[at], "");
                break;
            case 1:
                texts[at] = texts[at] + " " + tokens[at].Text + " ";
                break;
            case 2:
                int other = Math.Min(tokens.Length - 1, at + random.Next(1, 4));
                (texts[at], texts[other]) = (Replace(tokens[at], tokens[other].Text), Replace(tokens[other], tokens[at].Text));
                break;
            default:
                string replacement = random.Next(3) == 0 ? tokens[random.Next(tokens.Length)].Text : Fragments[random.Next(Fragments.Length)];
                texts[at] = Replace(tokens[at], " " + replacement + " ");
                break;
        }

        return string.Concat(texts);
    }

    /// <summary>A declaration assembled from parts: element type, arguments (good, bad, missing, repeated, positional), target and container.</summary>
    private static string Compose(Random random)
    {
        var arguments = new List<string>();
        foreach (string name in Arguments)
        {
            int roll = random.Next(20);
            bool required = name is "InputSize" or "HiddenSize" or "OutputSize";
            if (roll == 0 || (!required && roll < 12))
            {
                continue; // missing
            }

            string value = roll < 18 ? GoodValues[name][random.Next(GoodValues[name].Length)] : BadValues[random.Next(BadValues.Length)];
            arguments.Add($"{name} = {value}");
            if (random.Next(30) == 0)
            {
                arguments.Add($"{name} = {value}"); // repeated
            }
        }

        arguments = [.. arguments.OrderBy(_ => random.Next())];
        if (random.Next(25) == 0)
        {
            arguments.Insert(0, "3"); // positional
        }

        string attributeName = random.Next(10) switch
        {
            0 => "RnnModelAttribute",
            1 => "global::RnnGen.RnnModel",
            2 => "Alias",
            _ => "RnnModel",
        };
        string element = random.Next(4) == 0 ? ElementTypes[random.Next(ElementTypes.Length)] : (random.Next(2) == 0 ? "float" : "double");
        string argumentList = random.Next(30) == 0 ? "" : $"({string.Join(", ", arguments)})";
        string typeArguments = attributeName == "Alias" ? "" : $"<{element}>";
        string attribute = $"[{(random.Next(15) == 0 ? "type: " : "")}{attributeName}{typeArguments}{argumentList}]";
        if (random.Next(20) == 0)
        {
            attribute += attribute; // the attribute twice
        }

        string target = Targets[random.Next(3) == 0 ? random.Next(Targets.Length) : random.Next(4)];
        string container = Containers[random.Next(2) == 0 ? random.Next(Containers.Length) : random.Next(3)];
        string declaration = string.Format(System.Globalization.CultureInfo.InvariantCulture, container, attribute + " " + string.Format(System.Globalization.CultureInfo.InvariantCulture, target, "Net"));
        string usings = "using RnnGen;\nusing Alias = RnnGen.RnnModelAttribute<float>;\n";
        // Usings must precede a file-scoped namespace and everything else; the constants come after.
        return usings + declaration + "\nstatic class Sizes { public const int Features = 4; }\nstatic class Constants { public const int N = 3; }\n";
    }
}
