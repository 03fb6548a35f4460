using System;
using System.IO;
using System.Linq;
using RnnGen.TestKit;
using RnnGen.Tests.SafeTensors;
using Xunit;

namespace RnnGen.Tests.Parity;

/// <summary>
/// The state dicts of tests/data/pytorch-variants (PyTorch modules under their own names, layers with bias=False): the
/// model holds exactly PyTorch's parameters, no more, and saves them back under the same names with the same values.
/// Their outputs and gradients are checked against PyTorch with the other cases (<see cref="PyTorchParityTests"/>).
/// </summary>
public sealed class PyTorchVariantsTests
{
    public static TheoryData<string> Cases() => new(ReferenceCase.LoadAll(PyTorchParityTests.VariantsReferenceDirectory).Select(c => c.Name));

    [Theory]
    [MemberData(nameof(Cases))]
    public void TheModelHoldsPyTorchsParametersAndSavesThemBackUnderTheirNames(string caseName)
    {
        ReferenceCase referenceCase = ReferenceCase.LoadAll(PyTorchParityTests.VariantsReferenceDirectory).Single(c => c.Name == caseName);
        IRnnModel<float> model = Conformance.CreateModel<float>(typeof(PyTorchVariantsTests).Assembly, referenceCase, "float");
        RnnWeights.Load(model, referenceCase.TensorFile);
        using var folder = new TemporaryDirectory();
        string saved = Path.Combine(folder.Path, "saved.safetensors");

        RnnWeights.Save(model, saved);
        if (Environment.GetEnvironmentVariable("RNNGEN_KEEP_SAVED_WEIGHTS") is { Length: > 0 } keep)
        {
            // For tests/data/pytorch_strict_load.py, which loads them into the PyTorch modules with strict=True.
            Directory.CreateDirectory(keep);
            File.Copy(saved, Path.Combine(keep, caseName + ".safetensors"), overwrite: true);
        }

        using SafeTensorsReader original = SafeTensorsReader.Open(referenceCase.TensorFile), written = SafeTensorsReader.Open(saved);
        SafeTensorInfo[] stateDict = [.. original.Tensors.Where(t => t.Name is not ("x" or "target" or "h0" or "c0") && !t.Name.StartsWith("expected.", StringComparison.Ordinal))];
        // PyTorch's state dict has no bias tensors for a bias=False layer: the model keeps no zeros in their place (and a
        // vanilla cell's bias_hh adds into its one b_a, so it has no place of its own).
        long merged = referenceCase.Cell == "rnn" ? stateDict.Where(t => t.Name.Contains(".bias_hh_", StringComparison.Ordinal)).Sum(t => t.ElementCount) : 0;
        Assert.Equal(stateDict.Sum(t => t.ElementCount) - merged, model.Parameters.Length);
        Assert.Equal(stateDict.Select(t => t.Name).Order(), written.Tensors.Select(t => t.Name).Order());
        foreach (SafeTensorInfo tensor in stateDict)
        {
            Assert.Equal(tensor.ShapeText, written.GetTensor(tensor.Name).ShapeText);
            float[] expected = original.Read<float>(tensor.Name);
            if (referenceCase.Cell == "rnn" && tensor.Name.Contains(".bias_", StringComparison.Ordinal))
            {
                // A vanilla b_a is saved whole as bias_ih, with zeros as bias_hh (PyTorch adds the two).
                string partner = tensor.Name.Contains(".bias_ih_", StringComparison.Ordinal) ? tensor.Name.Replace(".bias_ih_", ".bias_hh_") : tensor.Name.Replace(".bias_hh_", ".bias_ih_");
                float[] other = original.Read<float>(partner);
                expected = tensor.Name.Contains(".bias_ih_", StringComparison.Ordinal) ? [.. expected.Zip(other, (a, b) => a + b)] : new float[expected.Length];
            }
            Assert.Equal(expected, written.Read<float>(tensor.Name));
        }
    }
}
