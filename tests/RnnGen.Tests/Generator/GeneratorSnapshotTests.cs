using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using RnnGen.TestKit;
using RnnGen.Tests.Infrastructure;
using Xunit;

namespace RnnGen.Tests.Generator;

/// <summary>
/// Pins the generated code of every distinct shape of emitted code. The emitter branches on: direction
/// (block list, final-state rows, head input), one vs several layers (the runners' input width type argument,
/// and the layer-to-layer width), g1, g2, topology (head per step or once), loss and element type. Each branch value appears in at
/// least one snapshot below; the full cross product adds no new code paths, since the branches are independent.
/// </summary>
public sealed class GeneratorSnapshotTests
{
    /// <summary>Covers: unidirectional, 1 layer, tanh, identity head, many-to-many, float, squared error.</summary>
    [Fact]
    public void UnidirectionalTanhIdentityManyToManyFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 3, HiddenSize = 5, OutputSize = 2)]
        public partial class Tiny { }
        """);

    /// <summary>Covers: unidirectional, 1 layer, relu, sigmoid head, many-to-one, double.</summary>
    [Fact]
    public void UnidirectionalReluSigmoidManyToOneDouble() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<double>(InputSize = 7, HiddenSize = 16, OutputSize = 3, Activation = RnnActivation.Relu,
                          OutputActivation = RnnOutputActivation.Sigmoid, Topology = RnnTopology.ManyToOne)]
        public partial class Detector { }
        """);

    /// <summary>Covers: bidirectional, 1 layer, tanh head, many-to-many (head reads [forward | reverse] per step), float.</summary>
    [Fact]
    public void BidirectionalTanhHeadManyToManyFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 4, HiddenSize = 8, OutputSize = 4, Direction = RnnDirection.Bidirectional,
                         OutputActivation = RnnOutputActivation.Tanh)]
        public partial class Smoother { }
        """);

    /// <summary>Covers: bidirectional, 3 layers (layer-to-layer kernel), softmax head, cross-entropy, many-to-one (head on both final states), double.</summary>
    [Fact]
    public void BidirectionalDeepSoftmaxManyToOneDouble() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<double>(InputSize = 10, HiddenSize = 33, OutputSize = 5, Layers = 3, Direction = RnnDirection.Bidirectional,
                          OutputActivation = RnnOutputActivation.Softmax, Topology = RnnTopology.ManyToOne, Loss = RnnLoss.CrossEntropy)]
        public partial class Classifier { }
        """);

    /// <summary>Covers: unidirectional, 2 layers, relu, softmax head with squared error, many-to-many, float.</summary>
    [Fact]
    public void UnidirectionalDeepReluSoftmaxManyToManyFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 6, HiddenSize = 12, OutputSize = 6, Layers = 2, Activation = RnnActivation.Relu,
                         OutputActivation = RnnOutputActivation.Softmax)]
        public partial class Tagger { }
        """);

    /// <summary>Covers: one-to-one (one step, head once), float.</summary>
    [Fact]
    public void OneToOneFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 2, HiddenSize = 8, OutputSize = 1, Topology = RnnTopology.OneToOne, OutputActivation = RnnOutputActivation.Sigmoid)]
        public partial class Xor { }
        """);

    /// <summary>Covers: streaming (Step, Reset) over 2 layers, double.</summary>
    [Fact]
    public void StreamingDeepDouble() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<double>(InputSize = 3, HiddenSize = 12, OutputSize = 2, Layers = 2, Streaming = true)]
        public partial class Filter { }
        """);

    /// <summary>Covers: one-to-many generation (Step, Generate) with a softmax head, float.</summary>
    [Fact]
    public void OneToManySoftmaxFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 12, HiddenSize = 32, OutputSize = 12, Topology = RnnTopology.OneToMany,
                         OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
        public partial class Melody { }
        """);

    /// <summary>Covers: GRU cell (fused r, z, n products, separate biases), bidirectional, 2 layers, many-to-one, float.</summary>
    [Fact]
    public void GruBidirectionalDeepManyToOneFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 5, HiddenSize = 8, OutputSize = 3, Layers = 2, Cell = RnnCell.Gru,
                         Direction = RnnDirection.Bidirectional, Topology = RnnTopology.ManyToOne,
                         OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy)]
        public partial class Sentiment { }
        """);

    /// <summary>Covers: LSTM cell (cell state in the whole state and the cache), streaming, many-to-many, double.</summary>
    [Fact]
    public void LstmStreamingDouble() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<double>(InputSize = 4, HiddenSize = 16, OutputSize = 2, Cell = RnnCell.Lstm, Streaming = true)]
        public partial class Amplifier { }
        """);

    /// <summary>Covers: one input value and one output (the sample step, T Step(T), beside the span one), two GRU layers, a tanh head, float.</summary>
    [Fact]
    public void GruSampleStreamingFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 1, HiddenSize = 16, OutputSize = 1, Layers = 2, Cell = RnnCell.Gru, Streaming = true,
                         OutputActivation = RnnOutputActivation.Tanh)]
        public partial class Distortion { }
        """);

    /// <summary>Covers: no biases anywhere (PyTorch's bias=False in nn.LSTM and nn.Linear), streaming, many-to-many, float.</summary>
    [Fact]
    public void LstmWithoutBiasesStreamingFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 2, HiddenSize = 8, OutputSize = 1, Cell = RnnCell.Lstm, Streaming = true,
                         RecurrentBias = false, HeadBias = false)]
        public partial class Exciter { }
        """);

    /// <summary>Covers: a vanilla cell without b_a but a head with b_y, many-to-one (the once-applied head's bias gradient), double.</summary>
    [Fact]
    public void VanillaWithoutRecurrentBiasManyToOneDouble() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Layers = 2, Topology = RnnTopology.ManyToOne,
                          RecurrentBias = false)]
        public partial class Counter { }
        """);

    /// <summary>Covers: an embedding (token ids in, a padding token, its own module name), one-to-many generation feeding the chosen token back, GRU, float.</summary>
    [Fact]
    public void GruEmbeddingOneToManyFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 6, HiddenSize = 8, OutputSize = 12, Cell = RnnCell.Gru, Topology = RnnTopology.OneToMany,
                         OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy,
                         VocabularySize = 12, PaddingIndex = 0, EmbeddingModule = "embed")]
        public partial class Speller { }
        """);

    /// <summary>Covers: an embedding before a bidirectional LSTM read many-to-one (both directions add into dE/dx before the scatter), double.</summary>
    [Fact]
    public void LstmEmbeddingBidirectionalManyToOneDouble() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<double>(InputSize = 4, HiddenSize = 5, OutputSize = 2, Cell = RnnCell.Lstm, Direction = RnnDirection.Bidirectional,
                          Topology = RnnTopology.ManyToOne, VocabularySize = 30)]
        public partial class Sentiment { }
        """);

    /// <summary>Covers: dropout between two bidirectional LSTM layers and before a head at every step, single and batched passes, float.</summary>
    [Fact]
    public void LstmDropoutBidirectionalManyToManyFloat() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(InputSize = 4, HiddenSize = 6, OutputSize = 3, Layers = 2, Cell = RnnCell.Lstm, Direction = RnnDirection.Bidirectional,
                         Dropout = 0.3, HeadDropout = 0.25)]
        public partial class Tagger { }
        """);

    /// <summary>Covers: head dropout alone on a once-applied head (its one input vector per sequence), GRU, double.</summary>
    [Fact]
    public void GruHeadDropoutManyToOneDouble() => Snapshot("""
        using RnnGen;
        namespace Demo;
        [RnnModel<double>(InputSize = 3, HiddenSize = 4, OutputSize = 2, Cell = RnnCell.Gru, Topology = RnnTopology.ManyToOne,
                          OutputActivation = RnnOutputActivation.Softmax, Loss = RnnLoss.CrossEntropy, HeadDropout = 0.5)]
        public partial class Classifier { }
        """);

    /// <summary>Covers: the global namespace and partial containing types (class, struct, generic record).</summary>
    [Fact]
    public void NestedInContainingTypes() => Snapshot("""
        using RnnGen;
        public partial class Outer
        {
            public partial struct Middle
            {
                public partial record Inner<TKey>
                {
                    [RnnModel<float>(InputSize = 1, HiddenSize = 1, OutputSize = 1)]
                    internal partial class Cell { }
                }
            }
        }
        """);

    /// <summary>Covers: a declaration read from its weights file (a PyTorch tagger: bidirectional 2-layer LSTM under its author's module names), and the comment that lists what was read.</summary>
    [Fact]
    public void DeclaredByItsWeightsFile() => Snapshot(
        """
        using RnnGen;
        namespace Demo;
        [RnnModel<float>(Weights = "models/tagger.safetensors")]
        public partial class Tagger { }
        """,
        [WeightsInferenceTests.HeaderFile(System.IO.Path.Combine(System.AppContext.BaseDirectory, "data", "pytorch-modules", "tagger.safetensors"), "models/tagger.safetensors")]);

    private static void Snapshot(string source, [CallerMemberName] string method = "") => Snapshot(source, [], method);

    private static void Snapshot(string source, (string Path, string Text)[] additionalFiles, [CallerMemberName] string method = "")
    {
        GeneratorRun run = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(source), additionalFiles: additionalFiles);
        Assert.DoesNotContain(run.AllDiagnostics, d => d.Severity >= DiagnosticSeverity.Warning);
        SnapshotVerifier.Verify(run, method: method);
        Assert.All(run.Result.Results.Single().GeneratedSources, source => Assert.Equal(System.Text.Encoding.UTF8, source.SourceText.Encoding));
        Incrementality.AssertSecondRunRedoesNothing(GeneratorHarness.CreateCompilation(source), [.. additionalFiles.Select(static file => (AdditionalText)new InMemoryAdditionalText(file.Path, file.Text))]);
    }
}
