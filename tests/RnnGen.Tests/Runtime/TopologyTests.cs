using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>One-to-one, one-to-many (generation), streaming, and the encoder-decoder pair.</summary>
public sealed class TopologyTests
{
    /// <summary>Step after Step reproduces Forward over the whole sequence, layer by layer, including a given initial state, for every cell.</summary>
    [Fact]
    public void StreamingStepsReproduceForward()
    {
        StepsReproduceForward<StreamingTagger, double>(new StreamingTagger());
        StepsReproduceForward<StreamingGru, double>(new StreamingGru());
        StepsReproduceForward<StreamingLstm, double>(new StreamingLstm());
        StepsReproduceForward<StreamingGruFloat, float>(new StreamingGruFloat());
        StepsReproduceForward<StreamingLstmFloat, float>(new StreamingLstmFloat());
        StepsReproduceForward<StreamingGruOneVector, float>(new StreamingGruOneVector());
        StepsReproduceForward<StreamingLstmOneVector, float>(new StreamingLstmOneVector());
        StepsReproduceForward<StreamingGruWholeVectors, float>(new StreamingGruWholeVectors());
        StepsReproduceForward<StreamingLstmWholeVectors, float>(new StreamingLstmWholeVectors());
        StepsReproduceForward<StreamingGruTwoWideVectors, float>(new StreamingGruTwoWideVectors());
        StepsReproduceForward<StreamingLstmTwoWideVectors, float>(new StreamingLstmTwoWideVectors());
        StepsReproduceForward<StreamingGruWide, float>(new StreamingGruWide());
        StepsReproduceForward<StreamingLstmWide, float>(new StreamingLstmWide());
        StepsReproduceForward<StreamingVanillaWide, float>(new StreamingVanillaWide());
        StepsReproduceForward<StreamingVanillaOneVector, float>(new StreamingVanillaOneVector());
        StepsReproduceForward<StreamingVanillaTwoVectors, float>(new StreamingVanillaTwoVectors());
        StepsReproduceForward<StreamingVanillaTwoWideVectors, float>(new StreamingVanillaTwoWideVectors());
        StepsReproduceForward<StreamingVanillaDouble, double>(new StreamingVanillaDouble());
        // From 32 steps on, the sequence forward reads a W_hh of these sizes from column panels.
        StepsReproduceForward<StreamingGruWide, float>(new StreamingGruWide(), steps: 40);
        StepsReproduceForward<StreamingLstmWide, float>(new StreamingLstmWide(), steps: 40);
        StepsReproduceForward<StreamingVanillaWide, float>(new StreamingVanillaWide(), steps: 40);
    }

    /// <summary>StepBlock over blocks of 3, 1 and 5 steps gives what 9 Step calls give, outputs and kept state, for every cell and depth.</summary>
    [Fact]
    public void BlocksOfStepsReproduceSteps()
    {
        BlocksReproduceSteps<StreamingTagger, double>(new StreamingTagger(), new StreamingTagger());
        BlocksReproduceSteps<StreamingGru, double>(new StreamingGru(), new StreamingGru());
        BlocksReproduceSteps<StreamingLstm, double>(new StreamingLstm(), new StreamingLstm());
        BlocksReproduceSteps<StreamingGruFloat, float>(new StreamingGruFloat(), new StreamingGruFloat());
        BlocksReproduceSteps<StreamingLstmWholeVectors, float>(new StreamingLstmWholeVectors(), new StreamingLstmWholeVectors());
        BlocksReproduceSteps<StreamingLstmTwoWideVectors, float>(new StreamingLstmTwoWideVectors(), new StreamingLstmTwoWideVectors());
        BlocksReproduceSteps<StreamingLstmWide, float>(new StreamingLstmWide(), new StreamingLstmWide());
        BlocksReproduceSteps<StreamingVanillaWide, float>(new StreamingVanillaWide(), new StreamingVanillaWide());
        BlocksReproduceSteps<StreamingVanillaOneVector, float>(new StreamingVanillaOneVector(), new StreamingVanillaOneVector());
        BlocksReproduceSteps<StreamingVanillaTwoVectors, float>(new StreamingVanillaTwoVectors(), new StreamingVanillaTwoVectors());
        BlocksReproduceSteps<StreamingVanillaTwoWideVectors, float>(new StreamingVanillaTwoWideVectors(), new StreamingVanillaTwoWideVectors());
        BlocksReproduceSteps<StreamingVanillaDouble, double>(new StreamingVanillaDouble(), new StreamingVanillaDouble());
        BlocksReproduceSteps<NoteGenerator, double>(new NoteGenerator(), new NoteGenerator());
    }

    /// <summary>
    /// Blocks of 40 steps, enough for the sequence forward to read a W_hh beyond the first-level cache from column panels
    /// (32 steps or more), in the block's own scratch, which holds only what the forward runner needs.
    /// </summary>
    [Fact]
    public void BlocksLongEnoughForColumnPanelsReproduceSteps()
    {
        BlocksReproduceSteps<StreamingGruWide, float>(new StreamingGruWide(), new StreamingGruWide(), [40, 1, 45]);
        BlocksReproduceSteps<StreamingLstmWide, float>(new StreamingLstmWide(), new StreamingLstmWide(), [40, 1, 45]);
        BlocksReproduceSteps<StreamingVanillaWide, float>(new StreamingVanillaWide(), new StreamingVanillaWide(), [40, 1, 45]);
    }

    private static void BlocksReproduceSteps<TModel, T>(TModel stepped, TModel blocked, int[]? blockLengths = null)
        where TModel : IRnnModel<T>, IRnnStreaming<T>
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        blockLengths ??= [3, 1, 5];
        int steps = blockLengths.Sum();
        stepped.InitializeParameters(new Random(8));
        stepped.Parameters.CopyTo(blocked.Parameters);
        RnnShape shape = stepped.Shape;
        var random = new Random(9);
        T[] inputs = Enumerable.Range(0, steps * shape.InputSize).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
        T[] initialState = Enumerable.Range(0, shape.StateRows * shape.HiddenSize).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
        stepped.Reset(initialState);
        blocked.Reset(initialState);
        var expected = new T[steps * shape.OutputSize];
        for (int t = 0; t < steps; t++)
        {
            stepped.Step(inputs.AsSpan(t * shape.InputSize, shape.InputSize), expected.AsSpan(t * shape.OutputSize, shape.OutputSize));
        }
        var actual = new T[steps * shape.OutputSize];
        int start = 0;
        foreach (int length in blockLengths)
        {
            blocked.StepBlock(inputs.AsSpan(start * shape.InputSize, length * shape.InputSize), actual.AsSpan(start * shape.OutputSize, length * shape.OutputSize));
            start += length;
        }
        AssertClose(expected, actual);
        AssertClose(stepped.StreamState.ToArray(), blocked.StreamState.ToArray());
    }

    [Fact]
    public void StepBlockRejectsPartialStepsAndMismatchedLengths()
    {
        var model = new StreamingLstm();
        var exception = Assert.Throws<ArgumentException>(() => model.StepBlock(new double[7], new double[4]));
        Assert.Equal("inputs", exception.ParamName);
        exception = Assert.Throws<ArgumentException>(() => model.StepBlock(new double[6], new double[6]));
        Assert.Equal("outputs", exception.ParamName);
        Assert.Contains("4", exception.Message, StringComparison.Ordinal);
    }

    private static void StepsReproduceForward<TModel, T>(TModel model, int steps = 7)
        where TModel : IRnnModel<T>, IRnnStreaming<T>
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        model.InitializeParameters(new Random(4));
        var random = new Random(5);
        RnnShape shape = model.Shape;
        T[] inputs = Enumerable.Range(0, steps * shape.InputSize).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
        T[] initialState = Enumerable.Range(0, shape.StateRows * shape.HiddenSize).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
        var expected = new T[steps * shape.OutputSize];
        model.Forward(inputs, initialState, expected);

        model.Reset(initialState);
        var output = new T[shape.OutputSize];
        // Forward projects all steps' inputs in one matrix product, Step one input at a time: the sums are the same up to
        // their order of rounding.
        for (int t = 0; t < steps; t++)
        {
            model.Step(inputs.AsSpan(t * shape.InputSize, shape.InputSize), output);
            AssertClose(expected.AsSpan(t * shape.OutputSize, shape.OutputSize).ToArray(), output);
        }
        AssertClose(model.FinalState.ToArray(), model.StreamState.ToArray());
        model.Reset();
        Assert.All(model.StreamState.ToArray(), v => Assert.Equal(T.Zero, v));
    }

    /// <summary>
    /// The sample step of a one-input, one-output model reproduces Forward step by step from a given initial state, and is
    /// the span Step exactly (one body): outputs and kept state bit for bit, beside a second instance stepped through spans.
    /// </summary>
    [Fact]
    public void SampleStepsReproduceForwardAndTheSpanStep()
    {
        SampleStepsReproduceForward<SampleGru, float>(new SampleGru(), new SampleGru());
        SampleStepsReproduceForward<SampleLstm, double>(new SampleLstm(), new SampleLstm());
        SampleStepsReproduceForward<SampleLstmWide, float>(new SampleLstmWide(), new SampleLstmWide());
    }

    private static void SampleStepsReproduceForward<TModel, T>(TModel model, TModel spanModel, int steps = 9)
        where TModel : IRnnModel<T>, IRnnSampleStreaming<T>
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        model.InitializeParameters(new Random(4));
        model.Parameters.CopyTo(spanModel.Parameters);
        var random = new Random(5);
        RnnShape shape = model.Shape;
        T[] inputs = Enumerable.Range(0, steps).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
        T[] initialState = Enumerable.Range(0, shape.StateRows * shape.HiddenSize).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
        var expected = new T[steps];
        model.Forward(inputs, initialState, expected);
        model.Reset(initialState);
        spanModel.Reset(initialState);
        var actual = new T[steps];
        var spanOutput = new T[1];
        for (int t = 0; t < steps; t++)
        {
            actual[t] = model.Step(inputs[t]);
            spanModel.Step(inputs.AsSpan(t, 1), spanOutput);
            Assert.Equal(actual[t], spanOutput[0]);
        }
        AssertClose(expected, actual);
        AssertClose(model.FinalState.ToArray(), model.StreamState.ToArray());
        Assert.Equal(spanModel.StreamState.ToArray(), model.StreamState.ToArray());
    }

    /// <summary>
    /// An audio buffer processed in place: StepBlock(buffer, buffer) and Step over one span for both give exactly what
    /// separate input and output buffers give (each layer's input projection for the block is done before any output is
    /// written; a step reads its input before it writes its output).
    /// </summary>
    [Fact]
    public void StepBlockAndStepRunInPlace()
    {
        InPlace<SampleGru, float>(new SampleGru(), new SampleGru());
        InPlace<SampleLstm, double>(new SampleLstm(), new SampleLstm());
    }

    private static void InPlace<TModel, T>(TModel separate, TModel inPlace)
        where TModel : IRnnModel<T>, IRnnStreaming<T>
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        separate.InitializeParameters(new Random(4));
        separate.Parameters.CopyTo(inPlace.Parameters);
        var random = new Random(6);
        T[] samples = Enumerable.Range(0, 37).Select(_ => T.CreateChecked(random.NextDouble() - 0.5)).ToArray();
        var expected = new T[samples.Length];
        separate.StepBlock(samples, expected);
        T[] buffer = [.. samples];
        inPlace.StepBlock(buffer, buffer);
        Assert.Equal(expected, buffer);
        Assert.Equal(separate.StreamState.ToArray(), inPlace.StreamState.ToArray());

        separate.Reset();
        inPlace.Reset();
        buffer = [.. samples];
        var output = new T[1];
        for (int t = 0; t < samples.Length; t++)
        {
            separate.Step(samples.AsSpan(t, 1), output);
            inPlace.Step(buffer.AsSpan(t, 1), buffer.AsSpan(t, 1));
            Assert.Equal(output[0], buffer[t]);
        }
    }

    /// <summary>Equal up to the order of rounding: 1e-13 in double, 1e-5 in float (outputs of order 1).</summary>
    private static void AssertClose<T>(T[] expected, T[] actual)
        where T : unmanaged, System.Numerics.IBinaryFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        double tolerance = typeof(T) == typeof(float) ? 1e-5 : 1e-13;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(double.CreateChecked(expected[i]), double.CreateChecked(actual[i]), tolerance);
        }
    }

    [Fact]
    public void StepAllocatesNothing()
    {
        var model = new StreamingTagger();
        model.InitializeParameters(new Random(4));
        double[] input = [0.1, 0.2, 0.3];
        var output = new double[2];
        model.Step(input, output);
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                model.Step(input, output);
            }
        }));
    }

    [Fact]
    public void SampleStepAllocatesNothing()
    {
        var model = new SampleGru();
        model.InitializeParameters(new Random(4));
        float output = model.Step(0.25f);
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            for (int i = 0; i < 1000; i++)
            {
                output = model.Step(output);
            }
        }));
        Assert.True(float.IsFinite(output));
    }

    [Fact]
    public void StepBlockAllocatesNothingOnceABlockThisLongHasRun()
    {
        var model = new StreamingLstm();
        model.InitializeParameters(new Random(4));
        var inputs = new double[16 * 3];
        var outputs = new double[16 * 2];
        model.StepBlock(inputs, outputs);
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            for (int i = 0; i < 100; i++)
            {
                model.StepBlock(inputs, outputs);
                model.StepBlock(inputs.AsSpan(0, 5 * 3), outputs.AsSpan(0, 5 * 2));
            }
        }));
    }

    [Fact]
    public void StepRejectsWrongSizes()
    {
        var model = new StreamingTagger();
        var error = Assert.Throws<ArgumentException>(() => model.Step(new double[2], new double[2]));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("2 values; expected 3", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Reset(new double[5]));
        Assert.Equal("initialState", error.ParamName);
        Assert.Contains("5 values; expected 12", error.Message);
    }

    /// <summary>With prediction feedback, Generate is Step fed with its own output.</summary>
    [Fact]
    public void GenerateFeedsPredictionsBack()
    {
        var model = new NoteGenerator();
        model.InitializeParameters(new Random(6));
        double[] start = [1, 0, 0, 0];
        var generated = new double[5 * 4];
        Assert.Equal(5, model.Generate(start, default, generated, GenerationOptions.Default));

        model.Reset();
        double[] input = start, output = new double[4];
        for (int t = 0; t < 5; t++)
        {
            model.Step(input, output);
            Assert.Equal(output, generated.AsSpan(t * 4, 4).ToArray());
            input = output.ToArray();
        }
    }

    /// <summary>Greedy feedback writes one-hot rows of the argmax, and generation stops after the end token.</summary>
    [Fact]
    public void GreedyGenerationStopsAtTheEndToken()
    {
        var model = new NoteGenerator();
        model.InitializeParameters(new Random(6));
        // Make token 2 always the most likely: a large head bias.
        model.Parameters[^2] = 50;
        var generated = new double[6 * 4];
        int steps = model.Generate([1, 0, 0, 0], default, generated, new GenerationOptions(RnnFeedback.Greedy, EndToken: 2));
        Assert.Equal(1, steps);
        Assert.Equal(new double[] { 0, 0, 1, 0 }, generated.AsSpan(0, 4).ToArray());
        Assert.All(generated.Skip(4), v => Assert.Equal(0.0, v));
    }

    /// <summary>Sampling is reproducible with a seed, draws from softmax(logits / temperature), and a low temperature approaches greedy.</summary>
    [Fact]
    public void SamplingFollowsTheTemperature()
    {
        double[] logits = [1.0, 2.0, 0.5];
        double[] probabilities = [0, 0, 0];
        var counts = new int[3];
        var options = new GenerationOptions(RnnFeedback.Sample, Temperature: 2.0, Random: new Random(1));
        for (int i = 0; i < 20000; i++)
        {
            counts[RnnSampler.Choose<double>(logits, probabilities, options)]++;
        }
        double[] expected = logits.Select(z => Math.Exp(z / 2)).ToArray();
        double total = expected.Sum();
        for (int j = 0; j < 3; j++)
        {
            Assert.InRange(counts[j] / 20000.0, (expected[j] / total) - 0.015, (expected[j] / total) + 0.015);
        }
        var cold = new GenerationOptions(RnnFeedback.Sample, Temperature: 0.01, Random: new Random(2));
        Assert.All(Enumerable.Range(0, 100), _ => Assert.Equal(1, RnnSampler.Choose<double>(logits, probabilities, cold)));
        Assert.Throws<ArgumentException>(() => RnnSampler.Choose<double>(logits, probabilities, new GenerationOptions(RnnFeedback.Sample)));
    }

    /// <summary>One-to-one is a feed-forward network: y = sigmoid(W_ya tanh(W_ax x + b_a) + b_y), by hand.</summary>
    [Fact]
    public void OneToOneIsAFeedForwardNetwork()
    {
        var model = new XorNet();
        model.InitializeParameters(new Random(7));
        double[] p = model.Parameters.ToArray();
        double[] x = [0.3, -0.8];
        var y = new double[1];
        model.Forward(x, y);
        // Layout: W_ax transposed [2, 3], W_aa [3, 3] (unused: one step from a zero state), b_a [3], W_ya transposed [3, 1], b_y.
        double output = p[^1];
        for (int j = 0; j < 3; j++)
        {
            double a = Math.Tanh((x[0] * p[j]) + (x[1] * p[3 + j]) + p[15 + j]);
            output += a * p[18 + j];
        }
        Assert.Equal(1 / (1 + Math.Exp(-output)), y[0], 14);
        var error = Assert.Throws<ArgumentException>(() => model.Forward(new double[4], y));
        Assert.Contains("one-to-one model reads one input", error.Message);
    }

    /// <summary>BackwardFromPredictionGradients with dE/dy = 2 (y - target) gives what Backward gives for the squared error.</summary>
    [Fact]
    public void GradientsFromOutsideMatchTheLoss()
    {
        var model = new StreamingTagger();
        model.InitializeParameters(new Random(8));
        double[] inputs = Enumerable.Range(0, 12).Select(i => Math.Cos(i)).ToArray();
        double[] targets = Enumerable.Range(0, 8).Select(i => Math.Sin(i) / 2).ToArray();
        var predictions = new double[8];
        model.Forward(inputs, predictions);
        var inputGradients = new double[12];
        model.Backward(targets, inputGradients, default);
        double[] expected = model.Gradients.ToArray(), expectedInputs = inputGradients.ToArray();

        model.ZeroGradients();
        model.BackwardFromPredictionGradients(predictions.Select((y, i) => 2 * (y - targets[i])).ToArray(), inputGradients, default);
        Assert.Equal(expected, model.Gradients.ToArray());
        Assert.Equal(expectedInputs, inputGradients);
    }

    /// <summary>The trainer trains a one-to-many model with teacher forcing: a target at every step, like many-to-many.</summary>
    [Fact]
    public void TrainerTrainsOneToManyWithTeacherForcing()
    {
        var model = new NoteGenerator();
        model.InitializeParameters(new Random(12));
        // The repeating melody 0 1 2 3 0 1 2 3 ...: inputs are the previous token, targets the next.
        int[] melody = Enumerable.Range(0, 13).Select(i => i % 4).ToArray();
        double[] OneHot(IEnumerable<int> tokens) => tokens.SelectMany(k => Enumerable.Range(0, 4).Select(j => j == k ? 1.0 : 0.0)).ToArray();
        var sequence = new TrainingSequence<double>(OneHot(melody[..^1]), OneHot(melody[1..]));
        var trainer = new RnnTrainer<NoteGenerator, double>(model, new AdamOptimizer<double>(NoteGenerator.ParameterCount, 0.05), new TrainerOptions { BatchSize = 1, Seed = 1 });
        double first = trainer.TrainEpoch([sequence]);
        double last = first;
        for (int epoch = 0; epoch < 60; epoch++)
        {
            last = trainer.TrainEpoch([sequence]);
        }
        Assert.True(last < first / 20, $"loss went from {first} to {last}");
        var generated = new double[8 * 4];
        model.Generate(OneHot([0]), default, generated, new GenerationOptions(RnnFeedback.Greedy));
        Assert.Equal(OneHot([1, 2, 3, 0, 1, 2, 3, 0]), generated);
    }

    /// <summary>Truncated BPTT carries the whole state, an LSTM's c rows included, from window to window.</summary>
    [Fact]
    public void TrainerCarriesTheLstmCellStateAcrossWindows()
    {
        var model = new StreamingLstm();
        model.InitializeParameters(new Random(13));
        double[] inputs = Enumerable.Range(0, 6 * 3).Select(i => Math.Sin(i)).ToArray();
        double[] targets = Enumerable.Range(0, 6 * 2).Select(i => Math.Cos(i) / 2).ToArray();
        double[] initialState = Enumerable.Range(0, 4 * 5).Select(i => (i % 7) / 10.0).ToArray();
        var trainer = new RnnTrainer<StreamingLstm, double>(model, new SgdOptimizer<double>(StreamingLstm.ParameterCount, 0.0),
            new TrainerOptions { BatchSize = 1, TruncationWindow = 4, DegreeOfParallelism = 1 });
        double trainerLoss = trainer.TrainEpoch([new TrainingSequence<double>(inputs, targets, initialState)]);

        // The same two windows by hand: the second starts from the first one's whole final state.
        var manual = new StreamingLstm();
        model.Parameters.CopyTo(manual.Parameters);
        manual.Forward(inputs.AsSpan(0, 12), initialState, new double[8]);
        double loss = manual.Backward(targets.AsSpan(0, 8));
        double[] carried = manual.FinalState.ToArray();
        Assert.Equal(20, carried.Length);
        manual.Forward(inputs.AsSpan(12), carried, new double[4]);
        loss += manual.Backward(targets.AsSpan(8));
        Assert.Equal(loss, trainerLoss, 12);
    }

    [Fact]
    public void EncoderDecoderChecksTheShapes()
    {
        var error = Assert.Throws<ArgumentException>(() => new EncoderDecoder<StreamingTagger, NoteGenerator, double>(new StreamingTagger(), new NoteGenerator()));
        Assert.Contains("many-to-one", error.Message);
        error = Assert.Throws<ArgumentException>(() => new EncoderDecoder<SourceEncoder, NoteGenerator, double>(new SourceEncoder(), new NoteGenerator()));
        Assert.Contains("OutputSize (10) must equal the size of the decoder's state, StateRows × HiddenSize (1 × 8 = 8)", error.Message);
    }

    /// <summary>The decoder's loss reaches the encoder's weights: finite differences through both models.</summary>
    [Fact]
    public void EncoderDecoderGradientsMatchFiniteDifferences()
    {
        var pair = new EncoderDecoder<SourceEncoder, TargetDecoder, double>(new SourceEncoder(), new TargetDecoder());
        pair.Encoder.InitializeParameters(new Random(9));
        pair.Decoder.InitializeParameters(new Random(10));
        var random = new Random(11);
        double[] source = Enumerable.Range(0, 6 * 3).Select(_ => random.NextDouble() - 0.5).ToArray();
        int[] tokens = [1, 4, 0, 2];
        double[] targets = new double[4 * 5], decoderInputs = new double[4 * 5];
        decoderInputs[3] = 1; // start token 3
        for (int t = 0; t < tokens.Length; t++)
        {
            targets[(t * 5) + tokens[t]] = 1;
            if (t + 1 < tokens.Length)
            {
                decoderInputs[((t + 1) * 5) + tokens[t]] = 1;
            }
        }
        pair.Encoder.ZeroGradients();
        pair.Decoder.ZeroGradients();
        double loss = pair.Backpropagate(source, decoderInputs, targets);
        double[] encoderGradients = pair.Encoder.Gradients.ToArray();

        double LossNow()
        {
            pair.Encoder.ZeroGradients();
            pair.Decoder.ZeroGradients();
            return pair.Backpropagate(source, decoderInputs, targets);
        }
        foreach (int index in new[] { 0, 7, 40, 70, SourceEncoder.ParameterCount - 1 })
        {
            double original = pair.Encoder.Parameters[index];
            const double h = 1e-5;
            pair.Encoder.Parameters[index] = original + h;
            double up = LossNow();
            pair.Encoder.Parameters[index] = original - h;
            double down = LossNow();
            pair.Encoder.Parameters[index] = original;
            double numeric = (up - down) / (2 * h);
            Assert.True(Math.Abs(numeric - encoderGradients[index]) <= 1e-7 * Math.Max(1, Math.Abs(numeric)),
                $"encoder parameter {index}: Backpropagate gives {encoderGradients[index]}, finite differences {numeric}");
        }
        Assert.True(loss > 0);

        var outputs = new double[8 * 5];
        int generated = pair.Translate(source, decoderInputs.AsSpan(0, 5), outputs, new GenerationOptions(RnnFeedback.Greedy, EndToken: 0));
        Assert.InRange(generated, 1, 8);
        Assert.All(Enumerable.Range(0, generated), t => Assert.Equal(1.0, outputs.AsSpan(t * 5, 5).ToArray().Sum()));
    }

    /// <summary>A wrong-length output buffer is measured in steps of OutputSize, the size its steps have.</summary>
    [Fact]
    public void OutputBuffersOfTheWrongLengthAreReportedInStepsOfOutputSize()
    {
        var model = new NoteGenerator();
        model.InitializeParameters(new Random(1));
        var error = Assert.Throws<ArgumentException>(() => model.Generate(new double[4], default, new double[7], new GenerationOptions(RnnFeedback.Greedy)));
        Assert.Equal("outputs", error.ParamName);
        Assert.StartsWith("outputs has 7 values, which is not a whole number of steps of OutputSize = 4", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.Loss(new double[6], new double[6]));
        Assert.StartsWith("predictions has 6 values, which is not a whole number of steps of OutputSize = 4", error.Message);
    }
}
