using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.TestKit;

namespace RnnGen.Benchmarks;

/// <summary>
/// The generator's own speed (issue 5, "Generator speed"): RnnGen.Generator.RnnGenerator driven in memory through
/// CSharpGeneratorDriver (as tests/RnnGen.TestKit's GeneratorHarness does) over one compilation holding 50 varied model
/// declarations in 10 files plus one unrelated file. Warm process: the reference assemblies' metadata and the syntax
/// trees are shared between invocations (as in the compiler server or the IDE); each invocation binds a fresh compilation.
/// <list type="bullet">
/// <item><see cref="FirstRun"/>: a fresh driver and a fresh compilation, the generator runs once over all 50 models (a build).</item>
/// <item><see cref="IncrementalRun"/>: the kept driver re-runs after an edit in the unrelated file (a keystroke in the IDE);
/// every model step should be Cached or Unchanged (checked in <see cref="Check"/>).</item>
/// <item><see cref="FirstRunAndEmit"/>: <see cref="FirstRun"/> plus the emit of the whole compilation (generated code included) to IL,
/// with documentation comments parsed as structured trivia (DocumentationMode.Parse, as the IDE parses them).</item>
/// <item><see cref="BuildAndEmit"/>: the same as <c>dotnet build</c> compiles it without a documentation file: the command-line
/// compiler parses doc comments as plain comments (DocumentationMode.None) unless it is asked for one.</item>
/// <item><see cref="BuildWithDocumentationFileAndEmit"/>: the same with <c>GenerateDocumentationFile</c> (<c>/doc</c>:
/// DocumentationMode.Diagnose, and the XML file written).</item>
/// </list>
/// </summary>
public class GeneratorSpeed
{
    public const int ModelCount = 50;
    private const int ModelsPerFile = 5;
    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    private SyntaxTree[] _trees = [];
    private readonly Dictionary<DocumentationMode, SyntaxTree[]> _treesByMode = [];
    private SyntaxTree _unrelated = null!;
    private CSharpCompilation _compilation = null!;
    private GeneratorDriver _driver = null!;
    private int _edits;

    /// <summary>50 declarations: sizes 4..512, float and double, Vanilla/Gru/Lstm, 1-3 layers, uni/bidirectional, the four topologies, streaming, the two losses and several output activations.</summary>
    public static IReadOnlyList<string> ModelDeclarations()
    {
        (int I, int H)[] sizes = [(4, 8), (8, 16), (16, 32), (32, 64), (64, 128), (128, 256), (256, 512), (3, 24), (10, 40), (50, 100)];
        string[] cells = ["Vanilla", "Gru", "Lstm"];
        string[] topologies = ["ManyToMany", "ManyToOne", "OneToOne", "OneToMany"];
        var declarations = new List<string>(ModelCount);
        for (int m = 0; m < ModelCount; m++)
        {
            (int input, int hidden) = sizes[m % sizes.Length];
            string cell = cells[m % 3];
            string topology = topologies[(m / 3) % 4];
            int layers = 1 + ((m / 2) % 3);
            bool bidirectional = m % 4 == 1 && topology != "OneToMany";
            bool streaming = !bidirectional && m % 5 == 0;
            int output = topology == "OneToMany" ? input : 2 + (m % 9);
            string type = m % 2 == 0 ? "float" : "double";
            var args = new StringBuilder(FormattableString.Invariant($"InputSize = {input}, HiddenSize = {hidden}, OutputSize = {output}"));
            if (layers > 1) { args.Append(CultureInfo.InvariantCulture, $", Layers = {layers}"); }
            if (bidirectional) { args.Append(", Direction = RnnDirection.Bidirectional"); }
            if (cell != "Vanilla") { args.Append(CultureInfo.InvariantCulture, $", Cell = RnnCell.{cell}"); }
            else if (m % 7 == 3) { args.Append(", Activation = RnnActivation.Relu"); }
            if (topology != "ManyToMany") { args.Append(CultureInfo.InvariantCulture, $", Topology = RnnTopology.{topology}"); }
            if (m % 6 == 2 && topology != "OneToMany") { args.Append(", OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy"); }
            else if (m % 6 == 4) { args.Append(", OutputActivation = RnnOutputActivation.Sigmoid"); }
            if (streaming) { args.Append(", Streaming = true"); }
            declarations.Add($"    [RnnModel<{type}>({args})]\n    public partial class Model{m:D2} {{ }}\n");
        }
        return declarations;
    }

    private static string UnrelatedSource(int edit) =>
        "namespace Bench.App\n{\n    public static class Unrelated\n    {\n"
        + $"        public static int Value() => {edit};\n"
        + "        public static string Describe(int x) => x switch { 0 => \"zero\", 1 => \"one\", _ => x.ToString(System.Globalization.CultureInfo.InvariantCulture) };\n"
        + "    }\n}\n";

    [GlobalSetup]
    public void Setup()
    {
        IReadOnlyList<string> declarations = ModelDeclarations();
        var trees = new List<SyntaxTree>();
        for (int file = 0; file * ModelsPerFile < declarations.Count; file++)
        {
            string source = "using RnnGen;\n\nnamespace Bench.Models\n{\n" + string.Concat(declarations.Skip(file * ModelsPerFile).Take(ModelsPerFile)) + "}\n";
            trees.Add(CSharpSyntaxTree.ParseText(source, s_parseOptions, path: $"Models{file}.cs"));
        }
        _unrelated = CSharpSyntaxTree.ParseText(UnrelatedSource(0), s_parseOptions, path: "Unrelated.cs");
        trees.Add(_unrelated);
        _trees = [.. trees];
        foreach (DocumentationMode mode in new[] { DocumentationMode.None, DocumentationMode.Diagnose })
        {
            _treesByMode[mode] = [.. _trees.Select(t => CSharpSyntaxTree.ParseText(t.GetText(), s_parseOptions.WithDocumentationMode(mode), t.FilePath))];
        }
        _compilation = NewCompilation();
        _driver = NewDriver(trackSteps: false).RunGenerators(_compilation);
        _edits = 0;
    }

    private CSharpCompilation NewCompilation() =>
        GeneratorHarness.CreateCompilation().AddSyntaxTrees(_trees);

    private static GeneratorDriver NewDriver(bool trackSteps, DocumentationMode mode = DocumentationMode.Parse) =>
        CSharpGeneratorDriver.Create(
            [new RnnGen.Generator.RnnGenerator().AsSourceGenerator()],
            parseOptions: s_parseOptions.WithDocumentationMode(mode),
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>A build: a fresh driver runs the generator once over a freshly bound compilation of the 50 models.</summary>
    [Benchmark]
    public GeneratorDriver FirstRun() => NewDriver(trackSteps: false).RunGenerators(NewCompilation());

    /// <summary>The IDE case: the kept driver re-runs after the unrelated file was edited.</summary>
    [Benchmark]
    public GeneratorDriver IncrementalRun()
    {
        _edits++;
        SyntaxTree edited = CSharpSyntaxTree.ParseText(UnrelatedSource(_edits), s_parseOptions, path: "Unrelated.cs");
        CSharpCompilation next = _compilation.ReplaceSyntaxTree(_unrelated, edited);
        _compilation = next;
        _unrelated = edited;
        _driver = _driver.RunGenerators(next);
        return _driver;
    }

    /// <summary>A full compile: <see cref="FirstRun"/> plus the emit of everything (generated code included) to IL.</summary>
    [Benchmark]
    public long FirstRunAndEmit()
    {
        NewDriver(trackSteps: false).RunGeneratorsAndUpdateCompilation(NewCompilation(), out Compilation output, out _);
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult result = output.Emit(image);
        return result.Success ? image.Length : -1;
    }

    /// <summary><see cref="FirstRunAndEmit"/> as <c>dotnet build</c> compiles without a documentation file.</summary>
    [Benchmark]
    public long BuildAndEmit() => BuildAndEmit(DocumentationMode.None, writeDocumentation: false);

    /// <summary><see cref="FirstRunAndEmit"/> as <c>dotnet build</c> compiles with <c>GenerateDocumentationFile</c>.</summary>
    [Benchmark]
    public long BuildWithDocumentationFileAndEmit() => BuildAndEmit(DocumentationMode.Diagnose, writeDocumentation: true);

    private long BuildAndEmit(DocumentationMode mode, bool writeDocumentation)
    {
        CSharpCompilation compilation = GeneratorHarness.CreateCompilation().AddSyntaxTrees(_treesByMode[mode]);
        NewDriver(trackSteps: false, mode).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out _);
        using var image = new MemoryStream();
        using var documentation = writeDocumentation ? new MemoryStream() : null;
        Microsoft.CodeAnalysis.Emit.EmitResult result = output.Emit(image, xmlDocumentationStream: documentation);
        return result.Success ? image.Length : -1;
    }

    /// <summary>
    /// Untimed: the 50 models generate without any warning or error and compile; an edit in the unrelated file leaves
    /// every tracked step of the generator Cached or Unchanged. Returns a report line (GENERATOR ...), or null with the problem in <paramref name="problem"/>.
    /// </summary>
    public static string? Check(out string problem)
    {
        var bench = new GeneratorSpeed();
        bench.Setup();
        CSharpCompilation compilation = bench.NewCompilation();
        GeneratorDriver driver = NewDriver(trackSteps: true).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        var sources = run.Results.SelectMany(r => r.GeneratedSources).ToList();
        using var image = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emit = output.Emit(image);
        var problems = generatorDiagnostics.Concat(emit.Diagnostics).Where(d => d.Severity >= DiagnosticSeverity.Warning).Select(d => d.ToString()).Distinct().ToList();
        if (!emit.Success || problems.Count > 0 || sources.Count < ModelCount)
        {
            problem = $"{sources.Count} generated files, emit {(emit.Success ? "succeeded" : "failed")}: " + string.Join(" | ", problems.Take(5));
            return null;
        }

        SyntaxTree unrelated = compilation.SyntaxTrees.Single(t => t.FilePath == "Unrelated.cs");
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(unrelated, CSharpSyntaxTree.ParseText(UnrelatedSource(1), s_parseOptions, path: "Unrelated.cs"));
        GeneratorRunResult rerun = driver.RunGenerators(edited).GetRunResult().Results.Single();
        var reasons = rerun.TrackedSteps
            .Where(s => s.Key is "Parse" or "Diagnostics" or "Models")
            .SelectMany(s => s.Value.SelectMany(step => step.Outputs.Select(o => o.Reason)))
            .Concat(rerun.TrackedOutputSteps.SelectMany(s => s.Value.SelectMany(step => step.Outputs.Select(o => o.Reason))))
            .ToList();
        int fresh = reasons.Count(r => r is not (IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged));
        if (fresh > 0)
        {
            problem = $"after an unrelated edit {fresh} of {reasons.Count} tracked step outputs were New/Modified/Removed";
            return null;
        }
        long bytes = sources.Sum(s => (long)Encoding.UTF8.GetByteCount(s.SourceText.ToString()));
        long lines = sources.Sum(s => (long)s.SourceText.Lines.Count);
        problem = "";
        return FormattableString.Invariant(
            $"GENERATOR {ModelCount} models -> {sources.Count} files, {bytes / 1024.0:F0} KB, {lines} lines, IL image {image.Length / 1024.0:F0} KB, 0 warnings; unrelated edit: all {reasons.Count} tracked step outputs Cached/Unchanged");
    }
}
