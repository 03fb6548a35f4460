using System;
using System.Linq;
using RnnGen;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>An LSTM over token ids (nn.Embedding(6, 3, padding_idx=0) before it), streaming.</summary>
[RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Cell = RnnCell.Lstm, Streaming = true, VocabularySize = 6, PaddingIndex = 0)]
public partial class TokenLstm { }

/// <summary>The same network reading the input vectors themselves: its parameters are TokenLstm's without the table, which comes last.</summary>
[RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Cell = RnnCell.Lstm, Streaming = true)]
public partial class VectorLstm { }

/// <summary>A character model: generation feeds each chosen token back through the embedding.</summary>
[RnnModel<float>(InputSize = 4, HiddenSize = 8, OutputSize = 5, Cell = RnnCell.Gru, Topology = RnnTopology.OneToMany,
    OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, VocabularySize = 5, PaddingIndex = 4)]
public partial class TokenSpeller { }

/// <summary>
/// Token input through an embedding, checked against the same network fed the table's rows as vectors (the lookup and the
/// scatter of gradients into the rows used, not into the padding row), and its errors, overloads, generation and training.
/// PyTorch parity is in tests/data/pytorch-variants (<see cref="Parity.PyTorchParityTests"/>).
/// </summary>
public sealed class EmbeddingTests
{
    private static readonly int[] s_tokens = [2, 0, 5, 2, 1, 0, 3];

    [Fact]
    public void TokensAreTheirRowsOfTheTableAndTheirGradientsGoIntoThoseRows()
    {
        (TokenLstm tokens, VectorLstm vectors) = Twins();
        int table = TokenLstm.ParameterCount - (TokenLstm.VocabularySize * TokenLstm.InputSize);
        double[] rows = [.. s_tokens.SelectMany(id => tokens.Parameters.Slice(table + (id * TokenLstm.InputSize), TokenLstm.InputSize).ToArray())];
        double[] targets = [.. Enumerable.Range(0, s_tokens.Length * 2).Select(i => Math.Sin(i))];
        var fromTokens = new double[targets.Length];
        var fromVectors = new double[targets.Length];

        tokens.Forward(s_tokens, fromTokens);
        vectors.Forward(rows, fromVectors);
        var embeddedGradients = new double[rows.Length];
        tokens.ZeroGradients();
        tokens.Backward(targets, embeddedGradients, default);
        var inputGradients = new double[rows.Length];
        vectors.ZeroGradients();
        vectors.Backward(targets, inputGradients, default);

        Assert.Equal(fromVectors, fromTokens);
        Assert.Equal(inputGradients, embeddedGradients);
        Assert.Equal(vectors.Gradients.ToArray(), tokens.Gradients[..table].ToArray());
        for (int id = 0; id < TokenLstm.VocabularySize; id++)
        {
            // Each row's gradient: the sum of dE/dx over the steps that read it; none for the padding token (0), which is read twice.
            var expected = new double[TokenLstm.InputSize];
            for (int t = 0; t < s_tokens.Length; t++)
            {
                if (s_tokens[t] == id && id != TokenLstm.PaddingIndex)
                {
                    for (int j = 0; j < expected.Length; j++)
                    {
                        expected[j] += inputGradients[(t * TokenLstm.InputSize) + j];
                    }
                }
            }
            Assert.Equal(expected, tokens.Gradients.Slice(table + (id * TokenLstm.InputSize), TokenLstm.InputSize).ToArray());
        }
    }

    [Fact]
    public void TheIntOverloadsAreTheValueOnes()
    {
        (TokenLstm model, _) = Twins();
        double[] values = [.. s_tokens.Select(static id => (double)id)];
        var fromInts = new double[s_tokens.Length * 2];
        var fromValues = new double[fromInts.Length];
        model.Forward(s_tokens, fromInts);
        model.Forward(values, fromValues);
        Assert.Equal(fromValues, fromInts);

        int[] batch = [.. s_tokens, 1, 2, 3, 0, 0, 0, 0];
        var fromIntBatch = new double[2 * s_tokens.Length * 2];
        var fromValueBatch = new double[fromIntBatch.Length];
        model.ForwardBatch(batch, [s_tokens.Length, 3], fromIntBatch);
        model.ForwardBatch([.. batch.Select(static id => (double)id)], [s_tokens.Length, 3], fromValueBatch);
        Assert.Equal(fromValueBatch, fromIntBatch);
        double[] targets = [.. Enumerable.Range(0, fromIntBatch.Length).Select(static i => Math.Cos(i))];
        model.ZeroGradients();
        double intLoss = model.AccumulateBatchGradients(batch, [s_tokens.Length, 3], targets);
        double[] intGradients = model.Gradients.ToArray();
        model.ZeroGradients();
        Assert.Equal(model.AccumulateBatchGradients([.. batch.Select(static id => (double)id)], [s_tokens.Length, 3], targets), intLoss);
        Assert.Equal(model.Gradients.ToArray(), intGradients);

        var stepped = new double[fromInts.Length];
        model.Reset();
        for (int t = 0; t < s_tokens.Length; t++)
        {
            model.Step(s_tokens[t], stepped.AsSpan(t * 2, 2));
        }
        var block = new double[fromInts.Length];
        model.Reset();
        model.StepBlock(values, block);
        AssertClose(fromValues, stepped);
        AssertClose(fromValues, block);
    }

    [Fact]
    public void AnInputThatIsNotATokenIdIsRejectedByPositionAndChangesNothing()
    {
        (TokenLstm model, _) = Twins();
        var predictions = new double[6];
        model.Forward([1, 2, 3], predictions);
        double[] before = [.. model.HiddenOutputs.ToArray()];

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([1, 6, 2, 4], new double[8]));
        Assert.Equal("tokens", error.ParamName);
        Assert.Contains("tokens[1] is 6, not a token id of the vocabulary of 6 (0 to 5)", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward([1.0, 2.5], new double[4]));
        Assert.Contains("inputs[1] is 2.5", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Step(-1, new double[2]));
        Assert.Contains("token[0] is -1", error.Message);
        error = Assert.Throws<ArgumentOutOfRangeException>(() => model.ForwardBatch([1, 2, 9, double.NaN], [2, 1], new double[8]));
        Assert.Contains("inputs[1, 0] is 9", error.Message);
        var length = Assert.Throws<ArgumentException>(() => model.ForwardBatch([1, 2, 3], [2, 1], new double[8]));
        Assert.Contains("inputs has 3 values, which is not 2 sequences (one per length) of token ids (expected [B = 2, T]", length.Message);

        Assert.Equal(3, model.Steps);
        Assert.Equal(before, model.HiddenOutputs.ToArray());
    }

    [Fact]
    public void GenerationFeedsTheChosenTokenBackThroughTheEmbedding()
    {
        var model = new TokenSpeller();
        model.InitializeParameters(new Random(5));
        var outputs = new float[6 * 5];
        int steps = model.Generate([1f], default, outputs, new GenerationOptions(RnnFeedback.Greedy));

        // The same by hand: a step from each token, the most likely output the next token.
        var output = new float[5];
        int token = 1;
        model.Reset();
        for (int t = 0; t < steps; t++)
        {
            model.Step(token, output);
            token = Array.IndexOf(output, output.Max());
            Assert.Equal(1f, outputs[(t * 5) + token]);
            Assert.Equal(1f, outputs.AsSpan(t * 5, 5).ToArray().Sum());
        }
        Assert.Equal(6, steps);

        var prediction = Assert.Throws<ArgumentException>(() => model.Generate([1f], default, outputs, GenerationOptions.Default));
        Assert.Contains("RnnFeedback.Greedy", prediction.Message);
    }

    [Fact]
    public void GenerationFromAPromptOfTokensReadsThePromptThenGoesOn()
    {
        var model = new TokenSpeller();
        model.InitializeParameters(new Random(6));
        var options = new GenerationOptions(RnnFeedback.Greedy);
        var generated = new float[4 * 5];
        int steps = model.GenerateFromPrompt([0f, 3f, 1f], default, generated, options);

        // By hand: the prompt's first two tokens step the stream, and generation starts from its last one in that state.
        var output = new float[5];
        model.Reset();
        model.Step(0, output);
        model.Step(3, output);
        float[] state = model.StreamState.ToArray();
        var expected = new float[generated.Length];
        Assert.Equal(model.Generate([1f], state, expected, options), steps);
        Assert.Equal(expected, generated);
    }

    [Fact]
    public void TheTrainerLearnsFromTokensAndLeavesThePaddingRowAlone()
    {
        // Next-token prediction on a cycle 0 1 2 3 0 ...; the padding token 4 is read but never trained.
        var model = new TokenSpeller();
        model.InitializeParameters(new Random(2));
        int paddingRow = TokenSpeller.ParameterCount - ((TokenSpeller.VocabularySize - TokenSpeller.PaddingIndex) * TokenSpeller.InputSize);
        model.Parameters.Slice(paddingRow, TokenSpeller.InputSize).Fill(0.25f);
        TrainingSequence<float>[] data = [.. Enumerable.Range(0, 8).Select(start =>
        {
            int[] ids = [4, .. Enumerable.Range(start, 6).Select(static i => i % 4)];
            float[] targets = new float[ids.Length * 5];
            for (int t = 0; t < ids.Length; t++)
            {
                targets[(t * 5) + (t + 1 < ids.Length ? ids[t + 1] : (ids[t] + 1) % 4)] = 1;
            }
            return new TrainingSequence<float>([.. ids.Select(static id => (float)id)], targets);
        })];
        var trainer = RnnTrainer.Create(model, new AdamOptimizer<float>(TokenSpeller.ParameterCount, learningRate: 0.05), new TrainerOptions { BatchSize = 4, Epochs = 40 });

        double first = trainer.TrainEpoch(data);
        double last = trainer.Train(data);

        Assert.True(last < first / 4, $"loss {first} after one epoch, {last} after 40");
        Assert.All(model.Parameters.Slice(paddingRow, TokenSpeller.InputSize).ToArray(), value => Assert.Equal(0.25f, value));
    }

    private static (TokenLstm Tokens, VectorLstm Vectors) Twins()
    {
        var tokens = new TokenLstm();
        tokens.InitializeParameters(new Random(7));
        var vectors = new VectorLstm();
        tokens.Parameters[..VectorLstm.ParameterCount].CopyTo(vectors.Parameters);
        return (tokens, vectors);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-12, $"value {i}: {actual[i]:R}, expected {expected[i]:R}");
        }
    }
}
