using System;
using System.IO;
using System.Linq;
using RnnGen;
using RnnGen.Tests.Runtime;
using RnnGen.Tests.SafeTensors;
using Xunit;

namespace RnnGen.Tests.Training;

/// <summary>Checkpoint save/load of weights, optimizer state and a trainer's epoch, atomically and all or nothing.</summary>
public sealed class CheckpointTests
{
    [Fact]
    public void WeightsAdamStateAndStepRoundTrip()
    {
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "run.safetensors");
        (SmallTagger model, AdamOptimizer<float> optimizer) = TrainedTagger(seed: 1);

        Checkpoint.Save(model, optimizer, path);

        var restoredModel = new SmallTagger();
        var restoredOptimizer = new AdamOptimizer<float>(restoredModel.Parameters.Length);
        Checkpoint.Load(restoredModel, restoredOptimizer, path);
        Assert.Equal(model.Parameters.ToArray(), restoredModel.Parameters.ToArray());
        Assert.Equal(2, restoredOptimizer.StepCount);
        Assert.Equal(optimizer.FirstMoment.ToArray(), restoredOptimizer.FirstMoment.ToArray());
        Assert.Equal(optimizer.SecondMoment.ToArray(), restoredOptimizer.SecondMoment.ToArray());

        // The weights sit under their PyTorch names, so a plain weights load reads the checkpoint too.
        var weightsOnly = new SmallTagger();
        RnnWeights.Load(weightsOnly, path);
        Assert.Equal(model.Parameters.ToArray(), weightsOnly.Parameters.ToArray());
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Assert.Equal(["format", "generator", "optimizer.adam.step"], reader.Metadata.Keys.Order().ToArray());
    }

    [Fact]
    public void InterruptedSaveLeavesThePreviousCheckpointByteIdenticalAndNoTemporaryFile()
    {
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "run.safetensors");
        (SmallTagger model, AdamOptimizer<float> optimizer) = TrainedTagger(seed: 1);
        Checkpoint.Save(model, optimizer, path);
        byte[] previous = File.ReadAllBytes(path);

        (SmallTagger newerModel, AdamOptimizer<float> newerOptimizer) = TrainedTagger(seed: 2);
        var exception = Assert.Throws<IOException>(() => Checkpoint.Save(newerModel, newerOptimizer, path, file => new FailingStream(file, failAfterBytes: 100)));

        Assert.Equal(FailingStream.FailureMessage, exception.Message);
        Assert.Equal(previous, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void LoadWhoseOptimizerStateDoesNotFitChangesNeitherModelNorOptimizer()
    {
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "run.safetensors");
        (SmallTagger saved, AdamOptimizer<float> adam) = TrainedTagger(seed: 1);
        Checkpoint.Save(saved, adam, path);

        (SmallTagger model, _) = TrainedTagger(seed: 2);
        var sgd = new SgdOptimizer<float>(model.Parameters.Length, 0.1, momentum: 0.9);
        sgd.Step(model.Parameters, Enumerable.Repeat(1f, model.Parameters.Length).ToArray());
        float[] weightsBefore = model.Parameters.ToArray();
        float[] momentumBefore = sgd.MomentumBuffer.ToArray();

        var exception = Assert.Throws<SafeTensorsException>(() => Checkpoint.Load(model, sgd, path));

        Assert.Contains("optimizer.sgd", exception.Message);
        Assert.Equal(weightsBefore, model.Parameters.ToArray());
        Assert.Equal(momentumBefore, sgd.MomentumBuffer.ToArray());
        Assert.Equal(1, sgd.StepCount);
    }

    [Fact]
    public void PlainWeightsFileIsNotACheckpoint()
    {
        using var folder = new TemporaryDirectory();
        string path = Path.Combine(folder.Path, "weights.safetensors");
        (SmallTagger model, AdamOptimizer<float> optimizer) = TrainedTagger(seed: 1);
        RnnWeights.Save(model, path);
        float[] weightsBefore = model.Parameters.ToArray();

        var exception = Assert.Throws<SafeTensorsException>(() => Checkpoint.Load(new SmallTagger(), optimizer, path));
        Assert.Contains("'optimizer.adam.step'", exception.Message);
        Assert.Equal(weightsBefore, model.Parameters.ToArray());
    }

    /// <summary>A generated model after two Adam steps on a fixed sequence, so the weights and both moments are non-trivial.</summary>
    private static (SmallTagger Model, AdamOptimizer<float> Optimizer) TrainedTagger(int seed)
    {
        var model = new SmallTagger();
        model.InitializeParameters(new Random(seed));
        var optimizer = new AdamOptimizer<float>(model.Parameters.Length, learningRate: 0.01);
        float[] inputs = [0.1f, -0.2f, 0.3f, 0.4f, 0.5f, -0.6f];
        float[] targets = [1f, 0f, 0f, 1f];
        for (int step = 0; step < 2; step++)
        {
            model.ZeroGradients();
            model.Forward(inputs, default, new float[targets.Length]);
            model.Backward(targets, default, default);
            optimizer.Step(model.Parameters, model.Gradients);
        }

        return (model, optimizer);
    }
}
