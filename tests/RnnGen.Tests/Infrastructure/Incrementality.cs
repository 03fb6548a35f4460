using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using RnnGen.Generator;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Infrastructure;

/// <summary>
/// The generator's incremental caching, checked as NetEscapades.EnumGenerators checks its own: a second run over an
/// unchanged compilation redoes nothing, and no step output keeps a Roslyn object that would pin a compilation.
/// </summary>
internal static class Incrementality
{
    /// <summary>Runs the generator over <paramref name="compilation"/>, then over a clone of it, and returns the second run.</summary>
    public static GeneratorRunResult RunTwice(CSharpCompilation compilation, out GeneratorRunResult first, ImmutableArray<AdditionalText> additionalTexts = default)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver(trackSteps: true, additionalTexts).RunGenerators(compilation);
        first = driver.GetRunResult().Results.Single();
        return driver.RunGenerators(compilation.Clone()).GetRunResult().Results.Single();
    }

    /// <summary>
    /// A second run over a clone of <paramref name="compilation"/> finds every tracked step and every output Cached or
    /// Unchanged, and no output of the first run holds a <see cref="Compilation"/>, <see cref="ISymbol"/>,
    /// <see cref="SyntaxNode"/>, <see cref="SyntaxTree"/> or <see cref="SemanticModel"/> anywhere in its object graph.
    /// </summary>
    public static void AssertSecondRunRedoesNothing(CSharpCompilation compilation, ImmutableArray<AdditionalText> additionalTexts = default)
    {
        GeneratorRunResult second = RunTwice(compilation, out GeneratorRunResult first, additionalTexts);
        foreach ((string name, IncrementalGeneratorRunStep step) in AllSteps(second))
        {
            Assert.All(step.Outputs, output => Assert.True(
                output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                $"step {name} was {output.Reason} on a second run over the same compilation"));
        }
        foreach ((string name, IncrementalGeneratorRunStep step) in AllSteps(first))
        {
            foreach ((object value, IncrementalStepRunReason _) in step.Outputs)
            {
                AssertHoldsNoCompilationObjects(value, name);
            }
        }
    }

    /// <summary>
    /// The generator's own tracked steps (every name in <see cref="TrackingNames"/>) and its source outputs, each with its
    /// name. Roslyn's internal steps are left out: the one that pairs the compilation with the attributed nodes is
    /// Modified whenever the compilation object is new, by design.
    /// </summary>
    public static IEnumerable<(string Name, IncrementalGeneratorRunStep Step)> AllSteps(GeneratorRunResult result)
    {
        string[] ours = [.. typeof(TrackingNames).GetFields(BindingFlags.Public | BindingFlags.Static).Select(field => (string)field.GetRawConstantValue()!)];
        // Headers runs once per weights file: a project without one has no such step.
        foreach (string name in ours.Where(static name => name != TrackingNames.Headers))
        {
            Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} is not tracked");
        }
        return result.TrackedSteps.Where(pair => ours.Contains(pair.Key)).Concat(result.TrackedOutputSteps)
            .SelectMany(pair => pair.Value.Select(step => (pair.Key, step)));
    }

    /// <summary>The outputs of the step named <paramref name="name"/>.</summary>
    public static IEnumerable<(object Value, IncrementalStepRunReason Reason)> Outputs(GeneratorRunResult result, string name)
    {
        Assert.True(result.TrackedSteps.ContainsKey(name), $"step {name} is not tracked");
        return result.TrackedSteps[name].SelectMany(step => step.Outputs);
    }

    /// <summary>Walks <paramref name="value"/>'s fields, arrays and collections, failing on a Roslyn object that holds a compilation.</summary>
    public static void AssertHoldsNoCompilationObjects(object? value, string path)
    {
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        Walk(value, path);

        void Walk(object? node, string at)
        {
            if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum || (!node.GetType().IsValueType && !seen.Add(node)))
            {
                return;
            }
            Assert.False(node is Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel,
                $"{at} holds a {node.GetType().Name}, which keeps a compilation alive and defeats caching");
            Type type = node.GetType();
            // Roslyn's plain values (descriptors, spans) hold none of those; their own graphs are not ours to walk.
            if (type.Assembly.GetName().Name?.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal) == true)
            {
                return;
            }
            if (node is IEnumerable items)
            {
                int index = 0;
                foreach (object? item in items)
                {
                    Walk(item, $"{at}[{index++}]");
                }
            }
            for (Type? declaring = type; declaring is not null && declaring != typeof(object); declaring = declaring.BaseType)
            {
                foreach (FieldInfo field in declaring.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    Walk(field.GetValue(node), $"{at}.{field.Name}");
                }
            }
        }
    }
}
