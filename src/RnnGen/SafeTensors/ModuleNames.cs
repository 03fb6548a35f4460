using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen;

/// <summary>
/// Where a model's tensors are in a file: under the names the model declares, or, with
/// <see cref="WeightLoadOptions.FindModules"/>, under the one module of the file whose tensors match a declared module's
/// (the same parameter names after the module's path, the same shapes).
/// </summary>
internal static class ModuleNames
{
    /// <summary>The file's name for each of <paramref name="tensors"/>, in order.</summary>
    /// <exception cref="SafeTensorsException">A module to find is in the file no times or several times.</exception>
    public static string[] InFile(IReadOnlyList<RnnParameterTensor> tensors, SafeTensorsReader reader, bool findModules)
    {
        string[] names = [.. tensors.Select(static tensor => tensor.Name)];
        if (!findModules)
        {
            return names;
        }

        string[] filePrefixes = [.. reader.Tensors.Select(static info => Split(info.Name).Module).Distinct(StringComparer.Ordinal)];
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (IGrouping<string, int> module in Enumerable.Range(0, tensors.Count).GroupBy(index => Split(tensors[index].Name).Module, StringComparer.Ordinal))
        {
            if (module.All(index => reader.TryGetTensor(tensors[index].Name, out _)))
            {
                taken.Add(module.Key);
                continue;
            }

            string[] candidates = [.. filePrefixes.Where(prefix => !taken.Contains(prefix) && module.All(index => Matches(reader, prefix, tensors[index])))];
            if (candidates.Length != 1)
            {
                throw reader.CreateException(Unmatched(module.Key, [.. module.Select(index => tensors[index])], candidates, reader));
            }

            taken.Add(candidates[0]);
            foreach (int index in module)
            {
                names[index] = Join(candidates[0], Split(tensors[index].Name).Parameter);
            }
        }

        return names;
    }

    /// <summary>A hint for a missing tensor: the modules the file does hold.</summary>
    public static string Hint(SafeTensorsReader reader)
    {
        string[] modules = [.. reader.Tensors.Select(static info => Split(info.Name).Module).Where(static module => module.Length > 0).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
        return modules.Length == 0
            ? ""
            : $" The file's modules are {string.Join(", ", modules.Select(static module => $"'{module}'"))}: declare the model's RecurrentModule and HeadModule with their names, or load with WeightLoadOptions.FindModules.";
    }

    private static bool Matches(SafeTensorsReader reader, string prefix, RnnParameterTensor tensor) =>
        reader.TryGetTensor(Join(prefix, Split(tensor.Name).Parameter), out SafeTensorInfo? info) && RnnWeights.HasShape(info, tensor);

    private static string Unmatched(string module, RnnParameterTensor[] wanted, string[] candidates, SafeTensorsReader reader)
    {
        string shapes = string.Join(", ", wanted.Select(static tensor => $"{Split(tensor.Name).Parameter} {tensor.ShapeText}"));
        string first = Split(wanted[0].Name).Parameter;
        string[] near = [.. reader.Tensors.Where(info => Split(info.Name).Parameter == first).Select(static info => $"{info.Name} {info.ShapeText}")];
        string found = candidates.Length == 0
            ? $"no module of the file has them{(near.Length == 0 ? $" (none has a '{first}')" : $"; its tensors named '{first}': {string.Join(", ", near)}")}"
            : $"{candidates.Length} modules of the file have them: {string.Join(", ", candidates.Select(static prefix => $"'{prefix}'"))}; declare the one to load";
        return $"The file has no module '{module}', and FindModules looked for one with {shapes}: {found}.";
    }

    private static (string Module, string Parameter) Split(string name)
    {
        int dot = name.LastIndexOf('.');
        return dot < 0 ? ("", name) : (name[..dot], name[(dot + 1)..]);
    }

    private static string Join(string module, string parameter) => module.Length == 0 ? parameter : $"{module}.{parameter}";
}
