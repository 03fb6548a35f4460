using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using RnnGen.Generator.Emitters;
using RnnGen.Generator.Model;

namespace RnnGen.Generator;

/// <summary>
/// Checks a declaration against the header of the weights file it names (<c>Weights = "..."</c>), at compile time: every
/// tensor the model reads is there, of the shape the declaration gives it and a dtype the loader reads, and the modules the
/// model reads hold no parameter it lacks, which is what <c>LoadWeights</c> would otherwise find at run time.
/// </summary>
internal static class WeightsCheck
{
    private static readonly HashSet<string> s_dtypes = new(StringComparer.Ordinal) { "F32", "F64", "F16", "BF16" };

    public delegate void ReportProblem(DiagnosticDescriptor descriptor, string[] arguments);

    /// <summary>Reports every difference between <paramref name="model"/> and the readable <paramref name="header"/> of its weights file.</summary>
    public static void Check(ModelSpec model, WeightsHeader header, ReportProblem report)
    {
        string file = model.WeightsFile;
        Dictionary<string, HeaderTensor> present = header.Tensors.ToDictionary(static tensor => tensor.Name, StringComparer.Ordinal);
        List<StateDictTensor> expected = StateDict.Of(model, new ParameterLayout(model));
        string who = model.ClassName;
        foreach (StateDictTensor tensor in expected)
        {
            if (!present.TryGetValue(tensor.Name, out HeaderTensor? found))
            {
                report(DiagnosticDescriptors.WeightsTensorMissing, [file, tensor.Name, tensor.ShapeText, who, Holdings(header, tensor.Name)]);
            }
            else if (!s_dtypes.Contains(found.DType))
            {
                report(DiagnosticDescriptors.WeightsTensorDType, [file, tensor.Name, found.DType]);
            }
            else if (found.ShapeText != tensor.ShapeText)
            {
                report(DiagnosticDescriptors.WeightsTensorShape, [file, tensor.Name, found.ShapeText, who, tensor.ShapeText]);
            }
        }

        var names = new HashSet<string>(expected.Select(static tensor => tensor.Name), StringComparer.Ordinal);
        string[] modules = [model.RecurrentModule, model.HeadModule, .. model.HasEmbedding ? [model.EmbeddingModule] : Array.Empty<string>()];
        foreach (HeaderTensor tensor in header.Tensors.Where(tensor => !names.Contains(tensor.Name)))
        {
            // A bare module's state dict (no prefix) shares the file with whatever else it holds: nothing to attribute.
            if (modules.FirstOrDefault(module => module.Length > 0 && tensor.Module == module) is { } owner)
            {
                report(DiagnosticDescriptors.WeightsTensorUnexpected, [file, tensor.Name, tensor.ShapeText, owner, who]);
            }
        }
    }

    /// <summary>What the file holds under the missing tensor's module, or its modules, for the message.</summary>
    private static string Holdings(WeightsHeader header, string missing)
    {
        int dot = missing.LastIndexOf('.');
        string module = dot < 0 ? "" : missing.Substring(0, dot + 1);
        HeaderTensor[] siblings = [.. header.Tensors.Where(tensor => module.Length > 0 && tensor.Name.StartsWith(module, StringComparison.Ordinal))];
        if (siblings.Length > 0)
        {
            return $"the file's module '{module.TrimEnd('.')}' holds {string.Join(", ", siblings.Take(8).Select(static tensor => $"{tensor.Name} {tensor.ShapeText}"))}{(siblings.Length > 8 ? ", ..." : "")}";
        }
        string[] prefixes = [.. header.Tensors.Where(static tensor => tensor.Module.Length > 0).Select(static tensor => tensor.Module).Distinct().Take(8)];
        return prefixes.Length == 0
            ? "the file holds no tensors"
            : $"the file's modules are {string.Join(", ", prefixes.Select(static prefix => "'" + prefix + "'"))} (RecurrentModule, HeadModule and EmbeddingModule name yours)";
    }
}
