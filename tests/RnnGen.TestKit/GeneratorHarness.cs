using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using RnnGen.Generator;

namespace RnnGen.TestKit;

/// <summary>Runs the RnnGen generator on in-memory source, as the compiler would, against the .NET 10 reference assemblies.</summary>
public static class GeneratorHarness
{
    private static readonly CSharpParseOptions s_parseOptions = new(LanguageVersion.Latest);

    private static readonly ImmutableArray<MetadataReference> s_references =
        [.. Basic.Reference.Assemblies.Net100.References.All, MetadataReference.CreateFromFile(typeof(IRnnModel<>).Assembly.Location)];

    private static int s_compilationCount;

    /// <summary>The parse options of a project that writes its XML docs (GenerateDocumentationFile), where doc comments are checked (CS0419, CS1591, ...).</summary>
    public static CSharpParseOptions DocumentedParseOptions { get; } = s_parseOptions.WithDocumentationMode(DocumentationMode.Diagnose);

    /// <summary>Compiles <paramref name="sources"/> without the generator.</summary>
    public static CSharpCompilation CreateCompilation(params string[] sources) => CreateCompilation(s_parseOptions, sources);

    /// <summary>Compiles <paramref name="sources"/> without the generator, parsed with <paramref name="parseOptions"/> (and so is what the generator adds).</summary>
    public static CSharpCompilation CreateCompilation(CSharpParseOptions parseOptions, params string[] sources) =>
        CSharpCompilation.Create(
            // A fresh name each time: several model assemblies may be loaded into one process.
            $"RnnGenTestModels{System.Threading.Interlocked.Increment(ref s_compilationCount)}",
            sources.Select((source, index) => CSharpSyntaxTree.ParseText(source, parseOptions, path: $"Models{index}.cs")),
            s_references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, optimizationLevel: OptimizationLevel.Release));

    /// <summary>
    /// Runs the generator once over <paramref name="compilation"/>, and the analyzer that reports the RNNGEN diagnostics, as a
    /// build does; both see <paramref name="additionalFiles"/> (path, text) as the project's additional files.
    /// </summary>
    public static GeneratorRun Run(CSharpCompilation compilation, bool trackSteps = false, IEnumerable<(string Path, string Text)>? additionalFiles = null)
    {
        ImmutableArray<AdditionalText> texts = [.. (additionalFiles ?? []).Select(static file => (AdditionalText)new InMemoryAdditionalText(file.Path, file.Text))];
        // The generated files are parsed as the project's own are.
        GeneratorDriver driver = CreateDriver(trackSteps, texts, compilation.SyntaxTrees.FirstOrDefault()?.Options as CSharpParseOptions);
        driver = driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        // A build analyzes the compilation with the generated files in it.
        var options = new AnalyzerOptions(texts);
        ImmutableArray<Diagnostic> analyzerDiagnostics = output.WithAnalyzers([new RnnModelAnalyzer()], options).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();
        return new GeneratorRun(driver, driver.GetRunResult(), output, generatorDiagnostics.AddRange(analyzerDiagnostics));
    }

    /// <summary>Runs the generator once over <paramref name="sources"/>.</summary>
    public static GeneratorRun Run(params string[] sources) => Run(CreateCompilation(sources));

    /// <summary>A driver with the generator, tracking step outputs when asked (for incremental-caching tests).</summary>
    public static GeneratorDriver CreateDriver(bool trackSteps, ImmutableArray<AdditionalText> additionalTexts = default, CSharpParseOptions? parseOptions = null) =>
        CSharpGeneratorDriver.Create(
            [new RnnGenerator().AsSourceGenerator()],
            additionalTexts: additionalTexts.IsDefault ? [] : additionalTexts,
            parseOptions: parseOptions ?? s_parseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator, fails on any error or warning in the generated compilation, and loads it.</summary>
    /// <exception cref="InvalidOperationException">The generator or the compiler reported a problem; the message lists them.</exception>
    public static Assembly CompileAndLoad(params string[] sources) => Load(Run(sources));

    /// <summary>Fails on any error or warning of <paramref name="run"/> or of compiling its output, and loads the compiled assembly.</summary>
    /// <exception cref="InvalidOperationException">The generator or the compiler reported a problem; the message lists them.</exception>
    public static Assembly Load(GeneratorRun run)
    {
        var problems = run.AllDiagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        using var image = new MemoryStream();
        var emit = run.OutputCompilation.Emit(image);
        problems.AddRange(emit.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning));
        if (problems.Count > 0 || !emit.Success)
        {
            throw new InvalidOperationException("The generated models did not compile cleanly:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Distinct()));
        }
        image.Position = 0;
        // Loaded beside the default context, so the models share this process's RnnGen runtime types.
        return AssemblyLoadContext.Default.LoadFromStream(image);
    }
}

/// <summary>An additional file of a project, in memory.</summary>
public sealed class InMemoryAdditionalText(string path, string text) : AdditionalText
{
    private readonly Microsoft.CodeAnalysis.Text.SourceText _text = Microsoft.CodeAnalysis.Text.SourceText.From(text);

    /// <inheritdoc />
    public override string Path => path;

    /// <inheritdoc />
    public override Microsoft.CodeAnalysis.Text.SourceText GetText(System.Threading.CancellationToken cancellationToken = default) => _text;
}

/// <summary>The outcome of one generator run.</summary>
/// <param name="Driver">The driver after the run, to run again for caching tests.</param>
/// <param name="Result">The generated sources and the generator's diagnostics.</param>
/// <param name="OutputCompilation">The input compilation plus the generated sources.</param>
/// <param name="RnnGenDiagnostics">The analyzer's RNNGEN diagnostics, and the generator's own (none, unless it failed: CS8785).</param>
public sealed record GeneratorRun(GeneratorDriver Driver, GeneratorDriverRunResult Result, Compilation OutputCompilation, ImmutableArray<Diagnostic> RnnGenDiagnostics)
{
    /// <summary>The RNNGEN diagnostics and the output compilation's, together.</summary>
    public IEnumerable<Diagnostic> AllDiagnostics => RnnGenDiagnostics.Concat(OutputCompilation.GetDiagnostics());

    /// <summary>The generated files, by hint name.</summary>
    public IReadOnlyList<(string HintName, string Source)> GeneratedSources =>
        Result.Results.SelectMany(r => r.GeneratedSources).Select(s => (s.HintName, s.SourceText.ToString())).ToList();
}
