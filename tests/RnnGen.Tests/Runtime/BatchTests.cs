using System;
using System.Linq;
using System.Numerics;
using System.Threading.Tasks;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>
/// ForwardBatch and AccumulateBatchGradients against one Forward (and Backward) call per sequence, for every cell, direction and topology, with lengths that differ and
/// padding that is NaN (so a padding value read anywhere would show); and instances sharing parameters across threads.
/// </summary>
public sealed class BatchTests
{
    // Seven sequences: more than one block of four rows and a remainder, ties, and a sequence of one step.
    private static readonly int[] s_lengths = [5, 1, 3, 5, 2, 4, 5];

    [Fact] public void VanillaManyToManyFloat() => AssertBatchMatchesSingleCalls(new SmallTagger(), s_lengths, 1e-6f, 1e-5f);

    [Fact] public void VanillaBidirectionalDeepManyToOne() => AssertBatchMatchesSingleCalls(new SmallClassifier(), s_lengths, 1e-13, 1e-12);

    [Fact] public void VanillaOneToOne() => AssertBatchMatchesSingleCalls(new XorNet(), [1, 1, 1, 1, 1], 1e-13, 1e-12);

    [Fact] public void VanillaOneToManyTeacherForced() => AssertBatchMatchesSingleCalls(new NoteGenerator(), s_lengths, 1e-13, 1e-12);

    [Fact] public void GruDeep() => AssertBatchMatchesSingleCalls(new StreamingGru(), s_lengths, 1e-13, 1e-12);

    [Fact] public void GruBidirectionalDeepManyToOne() => AssertBatchMatchesSingleCalls(new BidirectionalGruClassifier(), s_lengths, 1e-13, 1e-12);

    [Fact] public void GruWideFloat() => AssertBatchMatchesSingleCalls(new StreamingGruWide(), s_lengths, 2e-6f, 2e-5f);

    [Fact] public void LstmDeep() => AssertBatchMatchesSingleCalls(new StreamingLstm(), s_lengths, 1e-13, 1e-12);

    [Fact] public void LstmBidirectional() => AssertBatchMatchesSingleCalls(new BidirectionalLstmTagger(), s_lengths, 1e-13, 1e-12);

    // Two 512-bit vectors hold the 32 units on AVX-512 cores, where Forward keeps both vectors' gate sums in registers.
    [Fact] public void LstmTwoWideVectorsFloat() => AssertBatchMatchesSingleCalls(new StreamingLstmTwoWideVectors(), s_lengths, 2e-6f, 2e-5f);

    [Fact] public void LstmWideFloat() => AssertBatchMatchesSingleCalls(new StreamingLstmWide(), [9, 16, 1, 16, 12, 3, 16, 7, 16], 2e-6f, 2e-5f);

    [Fact]
    public void ABatchOfOneIsForward()
    {
        var model = new StreamingLstmFloat();
        AssertBatchMatchesSingleCalls(model, [6], 1e-6f, 1e-5f);
    }

    [Fact]
    public void RejectsBadShapesAndLengthsAndChangesNothing()
    {
        var model = new StreamingLstm();
        model.InitializeParameters(new Random(3));
        var predictions = new double[2 * 4 * 2];
        var error = Assert.Throws<ArgumentException>(() => model.ForwardBatch(new double[2 * 4 * 3], [4, 5], predictions));
        Assert.Equal("lengths", error.ParamName);
        Assert.Contains("lengths[1] is 5", error.Message);
        Assert.Contains("T = 4", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.ForwardBatch(new double[2 * 4 * 3], [4, 0], predictions));
        Assert.Contains("lengths[1] is 0", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.ForwardBatch(new double[(2 * 4 * 3) + 1], [4, 2], predictions));
        Assert.Equal("inputs", error.ParamName);
        Assert.Contains("[B = 2, T, 3]", error.Message);
        error = Assert.Throws<ArgumentException>(() => model.ForwardBatch(new double[2 * 4 * 3], [], predictions));
        Assert.Equal("lengths", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => model.ForwardBatch(new double[2 * 4 * 3], [4, 2], new double[(2 * 4 * 2) - 1]));
        Assert.Equal("predictions", error.ParamName);
        Assert.Contains("expected 16 ([B = 2, T = 4, OutputSize = 2])", error.Message);
        var classifier = new SmallClassifier();
        error = Assert.Throws<ArgumentException>(() => classifier.ForwardBatch(new double[3 * 2 * 2], [2, 2, 1], new double[3 * 3 * 2]));
        Assert.Contains("expected 9 ([B = 3, OutputSize = 3])", error.Message);
        Assert.Equal(new double[predictions.Length], predictions);
    }

    [Fact]
    public void AllocatesNothingOnceABatchThisLargeHasRun()
    {
        var model = new StreamingGruWide();
        model.InitializeParameters(new Random(4));
        int[] lengths = [8, 3, 8, 5];
        var inputs = new float[4 * 8 * 3];
        var predictions = new float[4 * 8 * 2];
        model.ForwardBatch(inputs, lengths, predictions);
        Assert.Equal(0, Allocations.InSteadyState(() =>
        {
            for (int i = 0; i < 50; i++)
            {
                model.ForwardBatch(inputs, lengths, predictions);
                model.ForwardBatch(inputs.AsSpan(0, 2 * 8 * 3), lengths.AsSpan(1, 2), predictions.AsSpan(0, 2 * 8 * 2));
            }
        }));
    }

    /// <summary>Instances sharing one model's parameters, on several threads at once, give exactly the results of one instance called in turn.</summary>
    [Fact]
    public void InstancesSharingParametersRunInParallelAsInSequence()
    {
        var model = new BidirectionalLstmTagger();
        model.InitializeParameters(new Random(5));
        const int Requests = 64, Steps = 20;
        var random = new Random(6);
        double[][] inputs = Enumerable.Range(0, Requests).Select(_ => Enumerable.Range(0, Steps * 2).Select(_ => random.NextDouble() - 0.5).ToArray()).ToArray();
        double[][] sequential = inputs.Select(input =>
        {
            var predictions = new double[Steps * 3];
            model.Forward(input, predictions);
            return predictions;
        }).ToArray();

        var workers = Enumerable.Range(0, 4).Select(_ => new BidirectionalLstmTagger()).ToArray();
        foreach (var worker in workers)
        {
            worker.ShareParameters(model);
        }
        Assert.True(workers[0].Parameters.Overlaps(model.Parameters));
        var parallel = new double[Requests][];
        Parallel.For(0, workers.Length, new ParallelOptions { MaxDegreeOfParallelism = workers.Length }, w =>
        {
            for (int request = w; request < Requests; request += workers.Length)
            {
                parallel[request] = new double[Steps * 3];
                workers[w].Forward(inputs[request], parallel[request]);
            }
        });
        for (int request = 0; request < Requests; request++)
        {
            Assert.Equal(sequential[request], parallel[request]);
        }
    }

    [Fact]
    public void ShareParametersTakesOnlyTheSameModel()
    {
        var model = new StreamingLstm();
        var error = Assert.Throws<ArgumentException>(() => model.ShareParameters(new StreamingGru()));
        Assert.Equal("source", error.ParamName);
        Assert.Contains("StreamingGru", error.Message);
        Assert.Throws<ArgumentNullException>(() => model.ShareParameters(null!));
    }

    /// <summary>
    /// Fills the padding with NaN, runs the batch, and checks every sequence against its own Forward call: each many-to-many
    /// row within a relative <paramref name="tolerance"/> and the rows past the length exactly zero. Then the batch's loss and
    /// gradients against the sums of one Forward and Backward call per sequence, within <paramref name="gradientTolerance"/> of
    /// the largest gradient.
    /// </summary>
    internal static void AssertBatchMatchesSingleCalls<T>(IRnnModel<T> model, int[] lengths, T tolerance, T gradientTolerance)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        model.InitializeParameters(new Random(lengths.Length));
        RnnShape shape = model.Shape;
        int steps = lengths.Max(), sequences = lengths.Length;
        bool perStep = shape.Topology is RnnTopology.ManyToMany or RnnTopology.OneToMany;
        int rowsPerSequence = perStep ? steps : 1;
        var random = new Random(11);
        // Token ids for a model with an embedding, else vectors; NaN in the padding, which must not be read.
        int width = shape.StepInputSize;
        var inputs = new T[sequences * steps * width];
        for (int b = 0; b < sequences; b++)
        {
            for (int i = 0; i < steps * width; i++)
            {
                inputs[(b * steps * width) + i] = i >= lengths[b] * width ? T.NaN
                    : shape.VocabularySize > 0 ? T.CreateChecked(random.Next(shape.VocabularySize)) : T.CreateChecked(random.NextDouble() - 0.5);
            }
        }
        // A model with dropout runs in training mode: sequence b of the batch must be dropped as the b-th single call is.
        var dropout = model as IRnnDropout;
        dropout?.Training = true;
        const ulong FirstKey = 1234567;
        void FirstMasks() => dropout?.DropoutKey = FirstKey;

        var batch = new T[sequences * rowsPerSequence * shape.OutputSize];
        batch.AsSpan().Fill(T.NaN);
        FirstMasks();
        model.ForwardBatch(inputs, lengths, batch);
        Assert.Equal(dropout is null ? 0 : FirstKey + (ulong)sequences, dropout?.DropoutKey ?? 0);
        FirstMasks();

        for (int b = 0; b < sequences; b++)
        {
            var single = new T[(perStep ? lengths[b] : 1) * shape.OutputSize];
            model.Forward(inputs.AsSpan(b * steps * width, lengths[b] * width), default, single);
            ReadOnlySpan<T> row = batch.AsSpan(b * rowsPerSequence * shape.OutputSize, rowsPerSequence * shape.OutputSize);
            for (int i = 0; i < single.Length; i++)
            {
                T difference = T.Abs(row[i] - single[i]);
                Assert.True(difference <= tolerance * T.Max(T.One, T.Abs(single[i])), $"sequence {b} (length {lengths[b]}), value {i}: batch {row[i]}, single {single[i]}");
            }
            Assert.All(row.Slice(single.Length).ToArray(), value => Assert.Equal(T.Zero, value));
        }

        // Targets: one-hot rows for a cross-entropy model, any values otherwise; NaN in the padding, which must not be read.
        var targets = new T[batch.Length];
        for (int b = 0; b < sequences; b++)
        {
            for (int r = 0; r < rowsPerSequence; r++)
            {
                int hot = random.Next(shape.OutputSize);
                for (int o = 0; o < shape.OutputSize; o++)
                {
                    targets[(((b * rowsPerSequence) + r) * shape.OutputSize) + o] = perStep && r >= lengths[b] ? T.NaN
                        : shape.Loss == RnnLoss.CrossEntropy ? (o == hot ? T.One : T.Zero) : T.CreateChecked(random.NextDouble() - 0.5);
                }
            }
        }
        model.ZeroGradients();
        T expectedLoss = T.Zero;
        FirstMasks();
        for (int b = 0; b < sequences; b++)
        {
            int outputs = (perStep ? lengths[b] : 1) * shape.OutputSize;
            model.Forward(inputs.AsSpan(b * steps * width, lengths[b] * width), default, new T[outputs]);
            expectedLoss += model.Backward(targets.AsSpan(b * rowsPerSequence * shape.OutputSize, outputs), default, default);
        }
        T[] expected = model.Gradients.ToArray();
        model.ZeroGradients();
        FirstMasks();
        T loss = model.AccumulateBatchGradients(inputs, lengths, targets);
        Assert.True(T.Abs(loss - expectedLoss) <= gradientTolerance * T.Max(T.One, T.Abs(expectedLoss)), $"loss: batch {loss}, single calls {expectedLoss}");
        // All zero is possible (a softmax over one output has none); the batch must then give zeros too.
        T largest = expected.Aggregate(T.Zero, (max, value) => T.Max(max, T.Abs(value)));
        largest = largest > T.Zero ? largest : T.One;
        ReadOnlySpan<T> gradients = model.Gradients;
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(T.Abs(gradients[i] - expected[i]) <= gradientTolerance * largest, $"gradient {i}: batch {gradients[i]}, single calls {expected[i]} (largest {largest})");
        }
    }
}
