using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Saves and restores a training run in one safetensors file: the model's weights under their PyTorch state-dict
/// names and shapes (as <see cref="RnnWeights"/> writes them, so <see cref="RnnWeights.Load{T}(IRnnModel{T}, string)"/>
/// and PyTorch can read the weights from it), the optimizer's state (<c>optimizer.*</c> tensors and metadata) and the
/// training step (metadata <c>checkpoint.step</c>).
/// </summary>
public static class Checkpoint
{
    private const string StepKey = "checkpoint.step";

    /// <summary>
    /// Writes the checkpoint to <paramref name="path"/> atomically: to a temporary file in the same folder, flushed to
    /// disk, then renamed over <paramref name="path"/>; on failure the temporary file is deleted and an existing
    /// checkpoint is left untouched.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="model">The model whose weights are saved.</param>
    /// <param name="optimizer">The optimizer whose state is saved.</param>
    /// <param name="step">The training step to record, ≥ 0, e.g. <see cref="RnnTrainer{TModel, T}.Step"/>.</param>
    /// <exception cref="ArgumentException">The optimizer's size differs from the model's, <paramref name="step"/> is negative, or <paramref name="path"/> names no file.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save<T>(string path, IRnnModel<T> model, IOptimizer<T> optimizer, long step)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Save(path, model, optimizer, step, static file => file);

    /// <summary>The atomic save, with a seam that lets tests wrap the temporary file's stream (e.g. to fail midway).</summary>
    internal static void Save<T>(string path, IRnnModel<T> model, IOptimizer<T> optimizer, long step, Func<Stream, Stream> wrapTemporaryFile)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        EnsureMatch(model, optimizer);
        ArgumentOutOfRangeException.ThrowIfNegative(step);

        // Assembled in memory first, so a bad model or optimizer fails before the disk is touched.
        SafeTensorsWriter writer = CreateWriter(model, optimizer, step);
        AtomicFile.Write(path, writer.WriteTo, wrapTemporaryFile);
    }

    /// <summary>Restores the model's weights and the optimizer's state from <paramref name="path"/>, all or nothing.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="path">A file that <see cref="Save{T}(string, IRnnModel{T}, IOptimizer{T}, long)"/> wrote.</param>
    /// <param name="model">Receives the weights.</param>
    /// <param name="optimizer">Receives the optimizer state.</param>
    /// <returns>The training step the checkpoint recorded.</returns>
    /// <exception cref="ArgumentException">The optimizer's size differs from the model's.</exception>
    /// <exception cref="SafeTensorsException">The file is malformed, or an entry is missing or of the wrong shape; neither the model nor the optimizer is changed.</exception>
    /// <exception cref="IOException">The file cannot be opened or read; nothing is changed.</exception>
    public static long Load<T>(string path, IRnnModel<T> model, IOptimizer<T> optimizer)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        EnsureMatch(model, optimizer);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        long step = OptimizerState.ReadCount(reader, StepKey);

        // Each load is all or nothing on its own; undoing the weights when the optimizer's fails makes the pair so.
        T[] previousWeights = model.Parameters.ToArray();
        RnnWeights.Load(model, reader);
        try
        {
            optimizer.LoadState(reader);
        }
        catch
        {
            previousWeights.CopyTo(model.Parameters);
            throw;
        }

        return step;
    }

    private static SafeTensorsWriter CreateWriter<T>(IRnnModel<T> model, IOptimizer<T> optimizer, long step)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        // RnnWeights owns the mapping to PyTorch names and layouts; copying its output keeps one definition of it.
        using var weightsFile = new MemoryStream();
        RnnWeights.Save(model, weightsFile);
        weightsFile.Position = 0;
        using var weights = new SafeTensorsReader(weightsFile);

        var writer = new SafeTensorsWriter();
        foreach (KeyValuePair<string, string> entry in weights.Metadata)
        {
            writer.AddMetadata(entry.Key, entry.Value);
        }

        foreach (SafeTensorInfo tensor in weights.Tensors)
        {
            writer.Add<T>(tensor.Name, weights.Read<T>(tensor.Name), tensor.Shape.AsSpan());
        }

        OptimizerState.WriteCount(writer, StepKey, step);
        optimizer.SaveState(writer);
        return writer;
    }

    private static void EnsureMatch<T>(IRnnModel<T> model, IOptimizer<T> optimizer)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer.ParameterCount != model.Parameters.Length)
        {
            throw new ArgumentException($"The optimizer updates {optimizer.ParameterCount} parameters, but the model has {model.Parameters.Length}.", nameof(optimizer));
        }
    }
}
