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

    /// <summary>
    /// Refuses a file whose modules that the model reads hold a parameter the model does not have (a <c>bias_ih_l0</c> of a
    /// layer declared without biases, a third layer of a two-layer declaration, a <c>_reverse</c> direction of a
    /// unidirectional one): loading would silently drop it and compute another network. PyTorch's
    /// <c>load_state_dict(strict=True)</c> refuses such a key too, as unexpected.
    /// </summary>
    /// <param name="names">The file's names of the model's tensors (<see cref="InFile"/>).</param>
    /// <param name="reader">The file.</param>
    /// <exception cref="SafeTensorsException">The file has such a parameter.</exception>
    public static void EnsureNoneLeftOut(string[] names, SafeTensorsReader reader)
    {
        var read = new HashSet<string>(names, StringComparer.Ordinal);
        var modules = new HashSet<string>(names.Select(static name => Split(name).Module), StringComparer.Ordinal);
        foreach (SafeTensorInfo info in reader.Tensors)
        {
            (string module, string parameter) = Split(info.Name);
            if (!read.Contains(info.Name) && modules.Contains(module) && IsLayerParameter(parameter))
            {
                string own = string.Join(", ", names.Where(name => Split(name).Module == module).Select(static name => Split(name).Parameter));
                throw reader.CreateException(
                    $"Tensor '{info.Name}' {info.ShapeText} is a parameter of the file's module '{module}', which the model reads, but the model has no such parameter "
                    + $"(its parameters there: {own}): the declaration differs from the module that saved the file (Layers, Direction, RecurrentBias or HeadBias?), "
                    + "and loading would drop the tensor and compute another network. To load the rest anyway, pass new WeightLoadOptions { AllowUnexpectedTensors = true }.");
            }
        }
    }

    /// <summary>Whether a name after a module's path is a parameter of <c>nn.RNN</c>, <c>nn.GRU</c>, <c>nn.LSTM</c> (<c>weight_hr</c>: its projections) or <c>nn.Linear</c>.</summary>
    private static bool IsLayerParameter(string parameter) =>
        parameter is "weight" or "bias"
        || ((parameter.StartsWith("weight_", StringComparison.Ordinal) || parameter.StartsWith("bias_", StringComparison.Ordinal)) && parameter.Contains("_l", StringComparison.Ordinal));

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
