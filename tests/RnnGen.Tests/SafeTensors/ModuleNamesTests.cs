using System;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Tests.Runtime;
using Xunit;

namespace RnnGen.Tests.SafeTensors;

/// <summary>
/// State dicts of PyTorch modules with their authors' own names (tests/data/pytorch-modules, written by
/// tests/data/pytorch_module_names.py): declared module names, dotted paths and a bare module load and reproduce what
/// PyTorch computes; FindModules finds undeclared ones by their shapes, and says which when it cannot choose.
/// </summary>
public sealed class ModuleNamesTests
{
    [Fact]
    public void DeclaredModuleNamesLoadAndReproducePyTorch()
    {
        var model = new NamedLstmTagger();
        model.LoadWeights(File("tagger"));
        AssertReproduces(model, "tagger");
    }

    [Fact]
    public void DottedModulePathsLoadAndSaveBackUnderTheirNames()
    {
        var model = new NestedModuleGru();
        model.LoadWeights(File("nested"));
        AssertReproduces(model, "nested");

        using var folder = new TemporaryDirectory();
        string saved = Path.Combine(folder.Path, "saved.safetensors");
        model.SaveWeights(saved);
        using SafeTensorsReader original = SafeTensorsReader.Open(File("nested")), written = SafeTensorsReader.Open(saved);
        string[] stateDict = [.. original.Tensors.Select(t => t.Name).Where(name => name is not ("x" or "expected.prediction")).Order()];
        Assert.Equal(stateDict, written.Tensors.Select(t => t.Name).Order());
        foreach (string name in stateDict)
        {
            Assert.Equal(original.Read<float>(name), written.Read<float>(name));
        }
    }

    [Fact]
    public void ABareModulesStateDictHasNoPrefix()
    {
        var model = new BareModuleRnn();
        model.LoadWeights(File("bare"));
        AssertReproduces(model, "bare");
    }

    [Fact]
    public void FindModulesLoadsUndeclaredNamesByTheirShapes()
    {
        var found = new DefaultNamedLstmTagger();
        found.LoadWeights(File("tagger"), new WeightLoadOptions { FindModules = true });
        var declared = new NamedLstmTagger();
        declared.LoadWeights(File("tagger"));
        Assert.Equal(declared.Parameters.ToArray(), found.Parameters.ToArray());
        AssertReproduces(found, "tagger");
    }

    /// <summary>Without FindModules the default names are looked for, and the error says what the file holds instead.</summary>
    [Fact]
    public void UndeclaredNamesFailNamingTheFilesModules()
    {
        var model = new DefaultNamedLstmTagger();
        var exception = Assert.Throws<SafeTensorsException>(() => model.LoadWeights(File("tagger")));
        Assert.Contains("Missing tensor 'rnn.weight_ih_l0'", exception.Message);
        Assert.Contains("'fc', 'lstm'", exception.Message);
        Assert.Contains("FindModules", exception.Message);
        Assert.All(model.Parameters.ToArray(), value => Assert.Equal(0f, value));
    }

    /// <summary>Two LSTMs of the same shapes: FindModules names both and loads nothing.</summary>
    [Fact]
    public void AmbiguousModulesAreListedAndNothingIsLoaded()
    {
        var model = new SingleLstm();
        model.InitializeParameters(new Random(1));
        float[] before = model.Parameters.ToArray();
        var exception = Assert.Throws<SafeTensorsException>(() => model.LoadWeights(File("twins"), new WeightLoadOptions { FindModules = true }));
        Assert.Contains("The file has no module 'rnn'", exception.Message);
        Assert.Contains("2 modules of the file have them: 'first', 'second'", exception.Message);
        Assert.Equal(before, model.Parameters.ToArray());
    }

    /// <summary>A module of the right names but other shapes is no candidate: the error lists the tensors that came close.</summary>
    [Fact]
    public void AbsentModulesListTheNearestTensors()
    {
        var model = new SingleLstm();
        var exception = Assert.Throws<SafeTensorsException>(() => model.LoadWeights(File("nested"), new WeightLoadOptions { FindModules = true }));
        Assert.Contains("no module of the file has them; its tensors named 'weight_ih_l0': encoder.rnn.weight_ih_l0 [15, 3]", exception.Message);
    }

    private static void AssertReproduces(IRnnModel<float> model, string name)
    {
        using SafeTensorsReader file = SafeTensorsReader.Open(File(name));
        float[] inputs = file.Read<float>("x");
        double[] expected = file.Read<double>("expected.prediction");
        var predictions = new float[expected.Length];
        model.Forward(inputs, default, predictions);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(predictions[i] - expected[i]) <= 1e-5 + (1e-4 * Math.Abs(expected[i])), $"{name} output {i}: {predictions[i]:R} against PyTorch's {expected[i]:R}");
        }
    }

    private static string File(string name) => Path.Combine(AppContext.BaseDirectory, "data", "pytorch-modules", $"{name}.safetensors");
}
