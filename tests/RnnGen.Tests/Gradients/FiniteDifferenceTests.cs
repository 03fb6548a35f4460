using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using CsCheck;
using RnnGen.TestKit;
using Xunit;

namespace RnnGen.Tests.Gradients;

/// <summary>
/// The generated Backward against finite differences of the generated Forward, in double, over random shapes:
/// I, H, O in 1..40, 1 to 3 layers, both directions, the four topologies, the three cells, every g1, g2 and loss, with and
/// without biases in the recurrent layers and the head, with and without an embedding (token inputs, a padding token), with
/// and without dropout (in training mode, at the fixed masks of one key), T in 1..30.
/// </summary>
public sealed class FiniteDifferenceTests
{
    internal const int ShapeCount = 240;

    /// <summary>A random pool of shapes, compiled once into one in-memory assembly and ordered smallest first, so CsCheck shrinks a failure toward a small shape.</summary>
    internal static readonly Lazy<(ModelShape[] Shapes, Assembly Models)> s_pool = new(() =>
    {
        var random = new Random(20261126);
        ModelShape[] shapes = Enumerable.Range(0, ShapeCount).Select(_ => ModelShape.Random(random))
            .OrderBy(s => s.Size).Select((s, index) => s with { Name = $"Shape{index}" }).ToArray();
        return (shapes, GeneratorHarness.CompileAndLoad(string.Join("\n", shapes.Select(s => s.Declaration))));
    });

    [Fact]
    public void BackwardMatchesFiniteDifferencesOnRandomShapes()
    {
        (ModelShape[] shapes, Assembly models) = s_pool.Value;
        var checkedShapes = new ConcurrentDictionary<int, bool>();
        var counts = new GradientCheck.Counts();
        Gen.Select(Gen.Int[0, ShapeCount - 1], Gen.Int[1, 30], Gen.Int)
            .Sample(
                (shapeIndex, steps, seed) =>
                {
                    ModelShape shape = shapes[shapeIndex];
                    var model = (IRnnModel<double>)Activator.CreateInstance(models.GetType(shape.Name, throwOnError: true)!)!;
                    GradientCheck.Run(model, shape, steps, seed, counts);
                    checkedShapes[shapeIndex] = true;
                },
                iter: 700,
                print: sample => $"{shapes[sample.Item1]} with T = {sample.Item2}, data seed {sample.Item3}");
        Assert.True(checkedShapes.Count >= 200, $"only {checkedShapes.Count} distinct shapes were checked");
        // Entries skipped at relu kinks must stay the exception, or the property would check little.
        Assert.True(counts.Skipped < counts.Compared / 10, $"{counts.Skipped} entries skipped at kinks, {counts.Compared} compared");
    }

    /// <summary>A hand-picked case that exercises the initial-state gradient in every layer and direction.</summary>
    [Fact]
    public void InitialStateAndInputGradientsMatchFiniteDifferences()
    {
        var model = new Runtime.SmallClassifier();
        var shape = new ModelShape("SmallClassifier", 2, 5, 3, 2, true, "ManyToOne", "Tanh", "Softmax", "CrossEntropy");
        var counts = new GradientCheck.Counts();
        GradientCheck.Run(model, shape, steps: 6, seed: 5, counts, checkAllStateEntries: true);
        Assert.Equal(0, counts.Skipped);
    }
}

/// <summary>A model declaration drawn at random.</summary>
public sealed record ModelShape(string Name, int Input, int Hidden, int Output, int Layers, bool Bidirectional, string Topology, string Activation, string Head, string Loss, string Cell = "Vanilla",
    bool RecurrentBias = true, bool HeadBias = true, int Vocabulary = 0, int Padding = -1, double Dropout = 0, double HeadDropout = 0)
{
    public static ModelShape Random(Random random)
    {
        string head = new[] { "Identity", "Sigmoid", "Tanh", "Softmax" }[random.Next(4)];
        string topology = new[] { "ManyToMany", "ManyToOne", "OneToOne", "OneToMany" }[random.Next(4)];
        int input = random.Next(1, 41);
        bool generates = topology == "OneToMany";
        int vocabulary = random.Next(4) == 0 ? random.Next(2, 31) : 0; // an embedding in a quarter of the shapes
        int layers = random.Next(1, 4);
        return new ModelShape(
            "",
            input,
            random.Next(1, 41),
            generates ? (vocabulary > 0 ? vocabulary : input) : random.Next(1, 41), // one-to-many feeds outputs back as inputs (or tokens)
            layers,
            !generates && random.Next(2) == 1,
            topology,
            random.Next(2) == 0 ? "Tanh" : "Relu",
            head,
            head == "Softmax" && random.Next(2) == 1 ? "CrossEntropy" : "SquaredError",
            new[] { "Vanilla", "Gru", "Lstm" }[random.Next(3)],
            RecurrentBias: random.Next(4) != 0, // PyTorch's bias=False in a quarter of the shapes, each layer kind on its own
            HeadBias: random.Next(4) != 0,
            Vocabulary: vocabulary,
            Padding: vocabulary > 0 && random.Next(2) == 0 ? random.Next(vocabulary) : -1,
            Dropout: layers > 1 && random.Next(3) == 0 ? 0.4 : 0, // dropout between layers in a third of the deep shapes
            HeadDropout: random.Next(5) == 0 ? 0.3 : 0);
    }

    /// <summary>Whether the head runs once (many-to-one, one-to-one) rather than at every step.</summary>
    public bool HeadOnce => Topology is "ManyToOne" or "OneToOne";

    public int Size => (Layers * (Bidirectional ? 2 : 1) * Hidden * (Input + Hidden + Output) * (Cell == "Vanilla" ? 1 : 4)) + (Vocabulary * Input);

    /// <summary>The rows of a whole state: h rows, then for an LSTM c rows.</summary>
    public int StateRows => (Cell == "Lstm" ? 2 : 1) * Layers * (Bidirectional ? 2 : 1);

    public string Declaration => $$"""
        [global::RnnGen.RnnModel<double>(InputSize = {{Input}}, HiddenSize = {{Hidden}}, OutputSize = {{Output}}, Layers = {{Layers}},
            Direction = global::RnnGen.RnnDirection.{{(Bidirectional ? "Bidirectional" : "Unidirectional")}}, Cell = global::RnnGen.RnnCell.{{Cell}},{{(Cell == "Vanilla" ? $" Activation = global::RnnGen.RnnActivation.{Activation}," : "")}}
            OutputActivation = global::RnnGen.RnnOutputActivation.{{Head}}, Topology = global::RnnGen.RnnTopology.{{Topology}},
            Loss = global::RnnGen.RnnLoss.{{Loss}}, RecurrentBias = {{(RecurrentBias ? "true" : "false")}}, HeadBias = {{(HeadBias ? "true" : "false")}}{{(Vocabulary > 0 ? $", VocabularySize = {Vocabulary}, PaddingIndex = {Padding}" : "")}}{{(Dropout > 0 ? $", Dropout = {Dropout}" : "")}}{{(HeadDropout > 0 ? $", HeadDropout = {HeadDropout}" : "")}})]
        public partial class {{Name}} { }
        """;

    public override string ToString() =>
        $"{Cell} I={Input} H={Hidden} O={Output} L={Layers} {(Bidirectional ? "bi" : "uni")} {(Cell == "Vanilla" ? Activation + "/" : "")}{Head}/{Loss} {Topology}{(RecurrentBias ? "" : " no-rnn-bias")}{(HeadBias ? "" : " no-head-bias")}{(Vocabulary > 0 ? $" vocabulary {Vocabulary} padding {Padding}" : "")}{(Dropout > 0 ? $" dropout {Dropout}" : "")}{(HeadDropout > 0 ? $" head dropout {HeadDropout}" : "")}";
}

/// <summary>Compares Backward's gradients with fourth-order central differences of the loss.</summary>
internal static class GradientCheck
{
    /// <summary>
    /// Relative error bound: |analytic - numeric| / max(|analytic|, |numeric|, floor) with floor = 1e-5 (1 + |E|). The
    /// stencil's rounding noise is about 3e-13 |E| (machine epsilon times |E| over the step), so gradients below the floor,
    /// vanishing ones, are compared absolutely at 1e-11 (1 + |E|) instead of relatively to their own tiny size.
    /// </summary>
    private const double Tolerance = 1e-6;

    /// <summary>How many entries were compared, and how many skipped because the loss has a kink there; shared across threads.</summary>
    public sealed class Counts
    {
        private int _compared, _skipped;

        public int Compared => _compared;

        public int Skipped => _skipped;

        public void Add(bool compared) => System.Threading.Interlocked.Increment(ref compared ? ref _compared : ref _skipped);
    }

    public static void Run(IRnnModel<double> model, ModelShape shape, int steps, int seed, Counts counts, bool checkAllStateEntries = false)
    {
        var random = new Random(seed);
        model.InitializeParameters(random);
        steps = shape.Topology == "OneToOne" ? 1 : steps;
        // Token ids for a model with an embedding (the padding token among them), else vectors.
        double[] inputs = shape.Vocabulary > 0
            ? [.. Enumerable.Range(0, steps).Select(t => (double)(t == 0 && shape.Padding >= 0 ? shape.Padding : random.Next(shape.Vocabulary)))]
            : Values(random, steps * shape.Input, 1.0);
        double[] initialState = Values(random, shape.StateRows * shape.Hidden, 0.5);
        int outputSteps = shape.HeadOnce ? 1 : steps;
        double[] targets = Targets(random, shape, outputSteps);
        var predictions = new double[outputSteps * shape.Output];

        // With dropout, in training mode at fixed masks: every forward pass reads the same key.
        var dropout = model as IRnnDropout;
        dropout?.Training = true;
        void FixMasks() => dropout?.DropoutKey = (ulong)seed;

        model.ZeroGradients();
        FixMasks();
        model.Forward(inputs, initialState, predictions);
        var inputGradients = new double[steps * shape.Input];
        var stateGradients = new double[initialState.Length];
        double loss = model.Backward(targets, inputGradients, stateGradients);
        double[] parameterGradients = model.Gradients.ToArray();
        Assert.Equal(model.Loss(predictions, targets), loss, Math.Max(1e-12, Math.Abs(loss) * 1e-10));

        double Loss()
        {
            FixMasks();
            model.Forward(inputs, initialState, predictions);
            return model.Loss(predictions, targets);
        }

        double[] parameters = model.Parameters.ToArray();
        // The padding token's row reaches the loss but gets no gradient, by design: CheckEmbedding checks it is zero.
        int paddingRow = shape.Padding >= 0 ? model.ParameterTensors[^1].Offset + (shape.Padding * shape.Input) : -1;
        foreach (int index in Sample(random, parameters.Length, 8).Where(index => paddingRow < 0 || index < paddingRow || index >= paddingRow + shape.Input))
        {
            Compare($"parameter {Describe(model, index)}", parameterGradients[index], Numeric(v => { model.Parameters[index] = v; return Loss(); }, parameters[index], loss), loss, counts);
            model.Parameters[index] = parameters[index];
        }
        if (shape.Vocabulary > 0)
        {
            CheckEmbedding(model, shape, inputs, parameterGradients, Loss, loss, random, counts);
        }
        foreach (int index in shape.Vocabulary > 0 ? [] : Sample(random, inputs.Length, 3))
        {
            double original = inputs[index];
            Compare($"input {index}", inputGradients[index], Numeric(v => { inputs[index] = v; return Loss(); }, original, loss), loss, counts);
            inputs[index] = original;
        }
        foreach (int index in checkAllStateEntries ? Enumerable.Range(0, initialState.Length) : Sample(random, initialState.Length, 3))
        {
            double original = initialState[index];
            Compare($"initial state {index}", stateGradients[index], Numeric(v => { initialState[index] = v; return Loss(); }, original, loss), loss, counts);
            initialState[index] = original;
        }
    }

    /// <summary>
    /// The table's gradient: entries of the rows the tokens read against finite differences, the padding token's row exactly
    /// zero (as <c>nn.Embedding(padding_idx=...)</c>, though its values do reach the loss), every other row zero.
    /// </summary>
    private static void CheckEmbedding(IRnnModel<double> model, ModelShape shape, double[] tokens, double[] parameterGradients, Func<double> lossAt, double loss, Random random, Counts counts)
    {
        RnnParameterTensor table = model.ParameterTensors[^1];
        Assert.Equal("embedding.weight", table.Name);
        for (int id = 0; id < shape.Vocabulary; id++)
        {
            bool read = tokens.Contains(id) && id != shape.Padding;
            for (int j = 0; j < shape.Input; j++)
            {
                int index = table.Offset + (id * shape.Input) + j;
                if (!read)
                {
                    Assert.True(parameterGradients[index] == 0, $"embedding row {id} (not read, or the padding token): gradient {parameterGradients[index]:R}, not 0");
                }
            }
        }
        int[] readRows = [.. tokens.Select(static token => (int)token).Where(id => id != shape.Padding).Distinct()];
        for (int k = 0; k < Math.Min(3, readRows.Length * shape.Input); k++)
        {
            int index = table.Offset + (readRows[random.Next(readRows.Length)] * shape.Input) + random.Next(shape.Input);
            double original = model.Parameters[index];
            Compare($"parameter {Describe(model, index)}", parameterGradients[index], Numeric(v => { model.Parameters[index] = v; return lossAt(); }, original, loss), loss, counts);
            model.Parameters[index] = original;
        }
    }

    private static void Compare(string what, double analytic, double? numeric, double loss, Counts counts)
    {
        counts.Add(numeric is not null);
        if (numeric is not { } value)
        {
            return; // the loss is not smooth here (a relu switching inside the stencil); nothing to compare
        }
        double floor = 1e-5 * (1 + Math.Abs(loss));
        double error = Math.Abs(analytic - value) / Math.Max(Math.Max(Math.Abs(analytic), Math.Abs(value)), floor);
        Assert.True(error < Tolerance, $"{what}: Backward gives {analytic:R}, finite differences {value:R} (relative error {error:E2})");
    }

    /// <summary>
    /// dE/dv by the fourth-order central difference at two step sizes, cross-checked by a plain central difference
    /// with a step of 1e-6; null when they disagree, which means a kink (relu) lies within a stencil, where no
    /// derivative exists to compare. (A kink very close to v shifts both wide stencils alike, so only the narrow
    /// difference reveals it.)
    /// </summary>
    private static double? Numeric(Func<double, double> lossAt, double value, double loss)
    {
        double Stencil(double h) => (-lossAt(value + (2 * h)) + (8 * lossAt(value + h)) - (8 * lossAt(value - h)) + lossAt(value - (2 * h))) / (12 * h);
        double coarse = Stencil(1e-3), fine = Stencil(5e-4);
        double narrow = (lossAt(value + 1e-6) - lossAt(value - 1e-6)) / 2e-6;
        double scale = Math.Max(Math.Abs(coarse), Math.Abs(fine));
        // The absolute terms are each estimate's rounding noise: about 1e-16 |E| over the step.
        bool smooth = Math.Abs(coarse - fine) <= (1e-7 * scale) + (1e-12 * (1 + Math.Abs(loss)))
            && Math.Abs(narrow - fine) <= (1e-6 * scale) + (1e-9 * (1 + Math.Abs(loss)));
        return smooth ? fine : null;
    }

    private static string Describe(IRnnModel<double> model, int index)
    {
        foreach (RnnParameterTensor tensor in model.ParameterTensors)
        {
            if (tensor.Layout != RnnTensorLayout.AddedBias && index >= tensor.Offset && index < tensor.Offset + tensor.Length)
            {
                return $"{index} ({tensor.Name})";
            }
        }
        return index.ToString();
    }

    private static IEnumerable<int> Sample(Random random, int length, int count) =>
        Enumerable.Range(0, Math.Min(length, count)).Select(_ => random.Next(length)).Distinct();

    private static double[] Values(Random random, int length, double scale) =>
        Enumerable.Range(0, length).Select(_ => scale * ((2 * random.NextDouble()) - 1)).ToArray();

    private static double[] Targets(Random random, ModelShape shape, int outputSteps)
    {
        if (shape.Loss == "CrossEntropy")
        {
            // One-hot rows, as classification uses.
            var oneHot = new double[outputSteps * shape.Output];
            for (int t = 0; t < outputSteps; t++)
            {
                oneHot[(t * shape.Output) + random.Next(shape.Output)] = 1;
            }
            return oneHot;
        }
        return Values(random, outputSteps * shape.Output, 1.0);
    }
}
