using System;
using System.Linq;
using RnnGen;
using RnnGen.Tests.Runtime;
using RnnGen.Tests.SafeTensors;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>The encoder-decoder pair trained by the shared loop: one reduction, one clipping norm, one optimizer, one divergence check.</summary>
public sealed class EncoderDecoderTrainerTests
{
    private const int Start = 3;

    /// <summary>
    /// One batch of three pairs on two workers: the gradient is the sum of the pairs' teacher-forced gradients (computed
    /// here with decoder inputs built by hand) over the batch's sequences or target steps, and SGD applies it to both models.
    /// </summary>
    [Theory]
    [InlineData(LossReduction.MeanPerSequence)]
    [InlineData(LossReduction.MeanPerStep)]
    public void BatchGradientIsTheReducedSumOfThePairsGradients(LossReduction reduction)
    {
        TrainingSequence<double>[] data = PairData(count: 3, new Random(1));
        EncoderDecoder<SourceEncoder, TargetDecoder, double> pair = NewPair();
        double[] start = [.. pair.Encoder.Parameters.ToArray(), .. pair.Decoder.Parameters.ToArray()];

        var expected = new double[pair.ParameterCount];
        double expectedLoss = 0;
        var reference = NewPair();
        foreach (TrainingSequence<double> sequence in data)
        {
            reference.Encoder.ZeroGradients();
            reference.Decoder.ZeroGradients();
            expectedLoss += reference.Backpropagate(sequence.Inputs, HandMadeDecoderInputs(sequence.Targets), sequence.Targets);
            double[] gradients = [.. reference.Encoder.Gradients.ToArray(), .. reference.Decoder.Gradients.ToArray()];
            for (int i = 0; i < expected.Length; i++)
            {
                expected[i] += gradients[i];
            }
        }

        int divisor = reduction == LossReduction.MeanPerStep ? data.Sum(sequence => sequence.Targets.Length / TargetDecoder.OutputSize) : data.Length;
        var trainer = RnnTrainer.Create(pair, OneHot(Start), new SgdOptimizer<double>(pair.ParameterCount, 0.1),
            new TrainerOptions { BatchSize = 3, DegreeOfParallelism = 2, LossReduction = reduction });
        double loss = trainer.TrainEpoch(data);

        // The workers' shares are summed in another grouping than one running sum, so the last bits may differ.
        Assert.Equal(expectedLoss / divisor, loss, 1e-12);
        double largest = expected.Max(Math.Abs) / divisor;
        double[] reduced = trainer.Gradients.ToArray();
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(reduced[i] - (expected[i] / divisor)) <= 1e-13 * largest, $"gradient {i}: {reduced[i]} against {expected[i] / divisor}");
        }

        double[] updated = [.. pair.Encoder.Parameters.ToArray(), .. pair.Decoder.Parameters.ToArray()];
        Assert.Equal(start.Zip(reduced, (p, g) => p - (0.1 * g)), updated);
        Assert.Equal(1, trainer.Optimizer.StepCount);
    }

    /// <summary>A decoder with an embedding is teacher-forced with the targets' tokens: [start, the index of each target row but the last].</summary>
    [Fact]
    public void ADecoderWithAnEmbeddingIsFedTheTargetsTokens()
    {
        TrainingSequence<double>[] data = PairData(count: 3, new Random(3));
        EncoderDecoder<SourceEncoder, TokenTargetDecoder, double> NewTokenPair()
        {
            var made = new EncoderDecoder<SourceEncoder, TokenTargetDecoder, double>(new SourceEncoder(), new TokenTargetDecoder());
            made.Encoder.InitializeParameters(new Random(9));
            made.Decoder.InitializeParameters(new Random(10));
            return made;
        }

        var reference = NewTokenPair();
        reference.Encoder.ZeroGradients();
        reference.Decoder.ZeroGradients();
        double expectedLoss = 0;
        foreach (TrainingSequence<double> sequence in data)
        {
            int steps = sequence.Targets.Length / TokenTargetDecoder.OutputSize;
            double[] tokens = [Start, .. Enumerable.Range(0, steps - 1).Select(t => (double)Array.IndexOf(sequence.Targets, 1.0, t * TokenTargetDecoder.OutputSize, TokenTargetDecoder.OutputSize) - (t * TokenTargetDecoder.OutputSize))];
            expectedLoss += reference.Backpropagate(sequence.Inputs, tokens, sequence.Targets);
        }
        double[] expected = [.. reference.Encoder.Gradients.ToArray(), .. reference.Decoder.Gradients.ToArray()];

        var pair = NewTokenPair();
        var trainer = RnnTrainer.Create(pair, [(double)Start], new SgdOptimizer<double>(pair.ParameterCount, 0.1), new TrainerOptions { BatchSize = 3, DegreeOfParallelism = 2 });
        double loss = trainer.TrainEpoch(data);

        Assert.Equal(expectedLoss / 3, loss, 1e-12);
        double[] reduced = trainer.Gradients.ToArray();
        double largest = expected.Max(Math.Abs) / 3;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(reduced[i] - (expected[i] / 3)) <= 1e-13 * largest, $"gradient {i}: {reduced[i]} against {expected[i] / 3}");
        }

        var error = Assert.Throws<ArgumentException>(() => RnnTrainer.Create(NewTokenPair(), OneHot(Start), new SgdOptimizer<double>(pair.ParameterCount, 0.1), new TrainerOptions()));
        Assert.Contains("the decoder reads token ids", error.Message);
    }

    /// <summary>Translating from a start token is translating from the same id as a value; a vector decoder and an id outside the vocabulary are refused.</summary>
    [Fact]
    public void ATokenDecoderTranslatesFromAStartToken()
    {
        var pair = new EncoderDecoder<SourceEncoder, TokenTargetDecoder, double>(new SourceEncoder(), new TokenTargetDecoder());
        pair.Encoder.InitializeParameters(new Random(11));
        pair.Decoder.InitializeParameters(new Random(12));
        double[] source = PairData(count: 1, new Random(13))[0].Inputs;
        var fromToken = new double[6 * TokenTargetDecoder.OutputSize];
        var fromValue = new double[fromToken.Length];
        var options = new GenerationOptions(RnnFeedback.Greedy);

        int generated = pair.Translate(source, Start, fromToken, options);
        Assert.Equal(generated, pair.Translate(source, [(double)Start], fromValue, options));
        Assert.Equal(fromValue, fromToken);
        Assert.Throws<ArgumentOutOfRangeException>(() => pair.Translate(source, TokenTargetDecoder.VocabularySize, fromToken, options));
        var vectors = new EncoderDecoder<SourceEncoder, TargetDecoder, double>(new SourceEncoder(), new TargetDecoder());
        Assert.Contains("not token ids", Assert.Throws<InvalidOperationException>(() => vectors.Translate(source, 0, new double[6 * TargetDecoder.OutputSize], options)).Message);
    }

    /// <summary>A target at which the loss is NaN stops the run naming an encoder tensor (the buffer's first), with both models unchanged.</summary>
    [Fact]
    public void DivergenceNamesThePairsTensorAndKeepsBothModels()
    {
        TrainingSequence<double>[] data = PairData(count: 2, new Random(2));
        data[1].Targets[0] = double.NaN;
        EncoderDecoder<SourceEncoder, TargetDecoder, double> pair = NewPair();
        double[] encoder = pair.Encoder.Parameters.ToArray(), decoder = pair.Decoder.Parameters.ToArray();
        var trainer = RnnTrainer.Create(pair, OneHot(Start), new AdamOptimizer<double>(pair.ParameterCount), new TrainerOptions { BatchSize = 2 });

        var exception = Assert.Throws<TrainingDivergedException>(() => trainer.TrainEpoch(data));

        Assert.Equal(1, exception.Step);
        Assert.StartsWith("encoder.rnn.", exception.TensorName);
        Assert.Equal(encoder, pair.Encoder.Parameters.ToArray());
        Assert.Equal(decoder, pair.Decoder.Parameters.ToArray());
    }

    /// <summary>A task the pair can only solve through the encoder (the target sequence spells the sign of the source's first input): the validation loss per step falls to under a quarter.</summary>
    [Fact]
    public void ThePairLearnsThroughTheSharedLoop()
    {
        EncoderDecoder<SourceEncoder, TargetDecoder, double> pair = NewPair();
        var trainer = RnnTrainer.Create(pair, OneHot(Start), new AdamOptimizer<double>(pair.ParameterCount, learningRate: 0.02),
            new TrainerOptions { BatchSize = 8, Epochs = 25, Seed = 3, MaxGradientNorm = 1.0, LossReduction = LossReduction.MeanPerStep });
        TrainingSequence<double>[] validation = SignData(16, new Random(5));
        double? firstValidation = null;
        TrainingResult result = trainer.Train(SignData(64, new Random(4)), new TrainingRun<double>
        {
            Validation = validation,
            Metric = (predictions, targets) => RnnSampler.ArgMax(predictions[..5]) == RnnSampler.ArgMax(targets[..5]) ? 1 : 0,
            EpochEnded = report =>
            {
                firstValidation ??= report.ValidationLoss;
                return true;
            },
        });

        Assert.Equal(25, result.Epochs);
        Assert.True(result.ValidationLoss < firstValidation / 4, $"validation loss per step {firstValidation} -> {result.ValidationLoss}");
    }

    /// <summary>A pair's run stopped after epoch 2 and resumed from its checkpoint in new models ends bit-identical to the uninterrupted run.</summary>
    [Fact]
    public void APairsRunResumesExactly()
    {
        TrainingSequence<double>[] data = SignData(24, new Random(7));
        var options = new TrainerOptions { BatchSize = 5, Epochs = 4, Seed = 9, MaxGradientNorm = 1.0 };
        using var folder = new TemporaryDirectory();
        string path = System.IO.Path.Combine(folder.Path, "pair.safetensors");

        EncoderDecoder<SourceEncoder, TargetDecoder, double> whole = NewPair();
        RnnTrainer.Create(whole, OneHot(Start), new AdamOptimizer<double>(whole.ParameterCount, learningRate: 0.01), options).Train(data);

        EncoderDecoder<SourceEncoder, TargetDecoder, double> first = NewPair();
        var interrupted = RnnTrainer.Create(first, OneHot(Start), new AdamOptimizer<double>(first.ParameterCount, learningRate: 0.01), options);
        interrupted.Train(data, new TrainingRun<double> { EpochEnded = report => report.Epoch < 2 });
        Checkpoint.Save(interrupted, path);

        var resumedPair = new EncoderDecoder<SourceEncoder, TargetDecoder, double>(new SourceEncoder(), new TargetDecoder());
        var resumed = RnnTrainer.Create(resumedPair, OneHot(Start), new AdamOptimizer<double>(resumedPair.ParameterCount, learningRate: 0.01), options);
        Checkpoint.Load(resumed, path);
        Assert.Equal(2, resumed.Epoch);
        Assert.Equal(2, resumed.Train(data, new TrainingRun<double>()).Epochs);

        Assert.Equal(whole.Encoder.Parameters.ToArray(), resumedPair.Encoder.Parameters.ToArray());
        Assert.Equal(whole.Decoder.Parameters.ToArray(), resumedPair.Decoder.Parameters.ToArray());
        using SafeTensorsReader file = SafeTensorsReader.Open(path);
        Assert.Contains(file.Tensors, tensor => tensor.Name == "encoder.rnn.weight_ih_l0");
        Assert.Contains(file.Tensors, tensor => tensor.Name == "decoder.head.weight");
    }

    [Fact]
    public void SettingsThatCannotWorkAreRefused()
    {
        EncoderDecoder<SourceEncoder, TargetDecoder, double> pair = NewPair();
        var adam = new AdamOptimizer<double>(pair.ParameterCount);
        Assert.Equal("options", Assert.Throws<ArgumentException>(() => RnnTrainer.Create(pair, OneHot(Start), adam, new TrainerOptions { TruncationWindow = 2 })).ParamName);
        Assert.Contains("decoder's InputSize is 5", Assert.Throws<ArgumentException>(() => RnnTrainer.Create(pair, new double[4], adam, new TrainerOptions())).Message);
        Assert.Contains($"model has {pair.ParameterCount}", Assert.Throws<ArgumentException>(() => RnnTrainer.Create(pair, OneHot(Start), new AdamOptimizer<double>(SourceEncoder.ParameterCount), new TrainerOptions())).Message);

        var trainer = RnnTrainer.Create(pair, OneHot(Start), adam, new TrainerOptions());
        TrainingSequence<double> good = PairData(1, new Random(3))[0];
        Assert.Contains("Sequence 1 has an initial state", Assert.Throws<ArgumentException>(() => trainer.TrainEpoch([good, good with { InitialState = new double[10] }])).Message);
        Assert.Contains("Sequence 0: the targets hold 4 values", Assert.Throws<ArgumentException>(() => trainer.TrainEpoch([good with { Targets = new double[4] }])).Message);
        Assert.Equal(0, adam.StepCount);
    }

    private static EncoderDecoder<SourceEncoder, TargetDecoder, double> NewPair()
    {
        var pair = new EncoderDecoder<SourceEncoder, TargetDecoder, double>(new SourceEncoder(), new TargetDecoder());
        pair.Encoder.InitializeParameters(new Random(9));
        pair.Decoder.InitializeParameters(new Random(10));
        return pair;
    }

    /// <summary>Sources of 2 to 4 steps and target sequences of 2 to 4 random tokens.</summary>
    private static TrainingSequence<double>[] PairData(int count, Random random) => [.. Enumerable.Range(0, count).Select(i =>
    {
        double[] source = [.. Enumerable.Range(0, (2 + (i % 3)) * SourceEncoder.InputSize).Select(_ => random.NextDouble() - 0.5)];
        int[] tokens = [.. Enumerable.Range(0, 2 + ((i + 1) % 3)).Select(_ => random.Next(TargetDecoder.OutputSize))];
        return new TrainingSequence<double>(source, Tokens(tokens));
    })];

    /// <summary>Sources of 3 steps; the target is tokens 0, 1 when the first input is positive, else 2, 4, 4.</summary>
    private static TrainingSequence<double>[] SignData(int count, Random random) => [.. Enumerable.Range(0, count).Select(_ =>
    {
        double[] source = [.. Enumerable.Range(0, 3 * SourceEncoder.InputSize).Select(_ => random.NextDouble() - 0.5)];
        return new TrainingSequence<double>(source, Tokens(source[0] > 0 ? [0, 1] : [2, 4, 4]));
    })];

    private static double[] Tokens(int[] tokens)
    {
        double[] rows = new double[tokens.Length * TargetDecoder.OutputSize];
        for (int t = 0; t < tokens.Length; t++)
        {
            rows[(t * TargetDecoder.OutputSize) + tokens[t]] = 1;
        }

        return rows;
    }

    /// <summary>[start, y&lt;1&gt;, ..., y&lt;Ty-1&gt;] written out token by token, independently of the trainer's shift.</summary>
    private static double[] HandMadeDecoderInputs(double[] targets)
    {
        int steps = targets.Length / TargetDecoder.OutputSize;
        double[] inputs = new double[targets.Length];
        inputs[Start] = 1;
        for (int t = 1; t < steps; t++)
        {
            int previous = RnnSampler.ArgMax(targets.AsSpan((t - 1) * TargetDecoder.OutputSize, TargetDecoder.OutputSize));
            inputs[(t * TargetDecoder.OutputSize) + previous] = 1;
        }

        return inputs;
    }

    private static double[] OneHot(int index)
    {
        double[] row = new double[TargetDecoder.OutputSize];
        row[index] = 1;
        return row;
    }
}
