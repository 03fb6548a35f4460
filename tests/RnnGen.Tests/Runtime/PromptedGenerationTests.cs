using System;
using System.Linq;
using RnnGen;
using Xunit;

namespace RnnGen.Tests.Runtime;

/// <summary>Generation from a prompt equals reading the prompt with Forward and generating from the state it leaves.</summary>
public sealed class PromptedGenerationTests
{
    /// <summary>
    /// The prompt's first rows through <c>Forward</c> (a separate path from the streaming steps GenerateFromPrompt takes) give the
    /// state; Generate from the prompt's last row and that state must then produce the same tokens and probabilities.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void ThePromptIsReadThenGenerationGoesOn(int promptSteps)
    {
        var model = new NoteGenerator();
        model.InitializeParameters(new Random(3));
        int[] tokens = [2, 0, 3, 1];
        double[] prompt = OneHotTokens(tokens[..promptSteps]);
        double[] initialState = [.. Enumerable.Range(0, NoteGenerator.StateRows * NoteGenerator.HiddenSize).Select(i => 0.1 * Math.Sin(i))];
        // The predictions themselves fed back, so every output shows the state it came from (sampled one-hot tokens would hide a small difference).
        var options = new GenerationOptions(RnnFeedback.Prediction);
        var generated = new double[6 * NoteGenerator.OutputSize];
        int steps = model.GenerateFromPrompt(prompt, initialState, generated, options);

        var reference = new NoteGenerator();
        model.Parameters.CopyTo(reference.Parameters);
        double[] state = initialState;
        if (promptSteps > 1)
        {
            reference.Forward(prompt.AsSpan(0, (promptSteps - 1) * NoteGenerator.InputSize), initialState, new double[(promptSteps - 1) * NoteGenerator.OutputSize]);
            state = reference.FinalState.ToArray();
        }
        var expected = new double[generated.Length];
        int expectedSteps = reference.Generate(prompt.AsSpan((promptSteps - 1) * NoteGenerator.InputSize), state, expected, options);

        Assert.Equal(expectedSteps, steps);
        Assert.Equal(6, steps);
        for (int i = 0; i < generated.Length; i++)
        {
            Assert.True(Math.Abs(generated[i] - expected[i]) <= 1e-12, $"output {i}: {generated[i]} against {expected[i]}");
        }
    }

    [Fact]
    public void AnEmptyOrRaggedPromptIsRefused()
    {
        var model = new NoteGenerator();
        var outputs = new double[4 * NoteGenerator.OutputSize];
        var options = new GenerationOptions(RnnFeedback.Greedy);
        Assert.Equal("prompt", Assert.Throws<ArgumentException>(() => model.GenerateFromPrompt(ReadOnlySpan<double>.Empty, default, outputs, options)).ParamName);
        Assert.Equal("prompt", Assert.Throws<ArgumentException>(() => model.GenerateFromPrompt(new double[6], default, outputs, options)).ParamName);
    }

    private static double[] OneHotTokens(int[] tokens)
    {
        var rows = new double[tokens.Length * NoteGenerator.InputSize];
        for (int t = 0; t < tokens.Length; t++)
        {
            rows[(t * NoteGenerator.InputSize) + tokens[t]] = 1;
        }

        return rows;
    }
}
