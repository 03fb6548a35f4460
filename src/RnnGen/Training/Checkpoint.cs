using System;
using System.Globalization;
using System.IO;
using System.Numerics;

namespace RnnGen;

/// <summary>
/// Saves and restores a training run in one safetensors file: the model's weights under their PyTorch state-dict
/// names and shapes (as <see cref="RnnWeights"/> writes them, so <see cref="RnnWeights.Load{T}(IRnnModel{T}, string, WeightLoadOptions?)"/>
/// and PyTorch can read the weights from it), the optimizer's state (<c>optimizer.*</c> tensors and metadata, its step
/// count included) and, for a trainer, the epochs completed and the shuffle's seed (metadata <c>checkpoint.epoch</c>,
/// <c>checkpoint.seed</c>), which is all a resumed run needs to go on exactly as the uninterrupted run.
/// </summary>
public static class Checkpoint
{
    private const string EpochKey = "checkpoint.epoch";
    private const string SeedKey = "checkpoint.seed";

    /// <summary>
    /// Writes the model's weights and the optimizer's state to <paramref name="path"/> atomically: to a temporary file in the
    /// same folder, flushed to disk, then renamed over <paramref name="path"/>; on failure the temporary file is deleted and
    /// an existing checkpoint is left untouched.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="model">The model whose weights are saved.</param>
    /// <param name="optimizer">The optimizer whose state is saved.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <exception cref="ArgumentException">The optimizer's size differs from the model's, or <paramref name="path"/> names no file.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save<T>(IRnnModel<T> model, IOptimizer<T> optimizer, string path)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
        => Save(model, optimizer, path, static file => file);

    /// <summary>
    /// Writes everything a resumed run needs, atomically as <see cref="Save{T}(IRnnModel{T}, IOptimizer{T}, string)"/> does:
    /// the trained parameters (an <see cref="RnnTrainer{TModel, T}"/>'s model under its PyTorch names; an
    /// <see cref="EncoderDecoderTrainer{TEncoder, TDecoder, T}"/>'s two models under <c>encoder.</c> and <c>decoder.</c>), the
    /// optimizer, the completed <see cref="MiniBatchTrainer{T}.Epoch"/> and the shuffle's seed.
    /// Save between epochs (e.g. from <see cref="TrainingRun{T}.EpochEnded"/>): after an epoch that failed midway (cancelled,
    /// diverged) the weights hold part of it while the epoch is not counted, so resume from the previous checkpoint instead.
    /// Not saved: a <see cref="ReduceOnPlateauScheduler{T}"/>'s state and any rate it lowered, and early stopping's count.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="trainer">The trainer whose run is saved.</param>
    /// <param name="path">The file to create or replace.</param>
    /// <exception cref="ArgumentException"><paramref name="path"/> names no file.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Save<T>(MiniBatchTrainer<T> trainer, string path)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        ITrainingTask<T> trained = trainer.Task;
        Write(trained.ParameterTensors, trained.CollectParameters(), trainer.Optimizer, path, writer =>
        {
            OptimizerState.WriteCount(writer, EpochKey, trainer.Epoch);
            writer.AddMetadata(SeedKey, trainer.Options.Seed.ToString(CultureInfo.InvariantCulture));
        }, static file => file);
    }

    /// <summary>The atomic save of a model and its optimizer, with a seam that lets tests wrap the temporary file's stream (e.g. to fail midway).</summary>
    internal static void Save<T>(IRnnModel<T> model, IOptimizer<T> optimizer, string path, Func<Stream, Stream> wrapTemporaryFile)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        EnsureMatch(model, optimizer);
        Write(model.ParameterTensors, model.Parameters, optimizer, path, static _ => { }, wrapTemporaryFile);
    }

    /// <summary>Assembles the file in memory first, so a bad model or optimizer fails before the disk is touched, then writes it atomically.</summary>
    private static void Write<T>(ReadOnlySpan<RnnParameterTensor> tensors, ReadOnlySpan<T> parameters, IOptimizer<T> optimizer, string path,
        Action<SafeTensorsWriter> addRunState, Func<Stream, Stream> wrapTemporaryFile)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        SafeTensorsWriter writer = RnnWeights.CreateWriter(tensors, parameters);
        optimizer.SaveState(writer);
        addRunState(writer);
        AtomicFile.Write(path, writer.WriteTo, wrapTemporaryFile);
    }

    /// <summary>Restores the model's weights and the optimizer's state (its step count included) from <paramref name="path"/>, all or nothing.</summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="model">Receives the weights.</param>
    /// <param name="optimizer">Receives the optimizer state.</param>
    /// <param name="path">A file that a <c>Checkpoint.Save</c> of a model wrote.</param>
    /// <exception cref="ArgumentException">The optimizer's size differs from the model's.</exception>
    /// <exception cref="SafeTensorsException">The file is malformed, or an entry is missing or of the wrong shape; neither the model nor the optimizer is changed.</exception>
    /// <exception cref="IOException">The file cannot be opened or read; nothing is changed.</exception>
    public static void Load<T>(IRnnModel<T> model, IOptimizer<T> optimizer, string path)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        EnsureMatch(model, optimizer);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        Restore(model.ParameterTensors, model.Parameters, optimizer, reader);
    }

    /// <summary>
    /// Restores a run that <see cref="Save{T}(MiniBatchTrainer{T}, string)"/> wrote into a trainer of the same kind made with the
    /// same options: the trained parameters, the optimizer's state and the completed epochs, all or nothing. <c>Train</c> then
    /// runs the epochs left, in the orders the uninterrupted run would have used.
    /// </summary>
    /// <typeparam name="T">The element type.</typeparam>
    /// <param name="trainer">Receives the run.</param>
    /// <param name="path">The checkpoint.</param>
    /// <exception cref="ArgumentException">The checkpoint was written with another seed than the trainer's (its epochs' orders would differ).</exception>
    /// <exception cref="SafeTensorsException">The file is malformed, or an entry is missing (a checkpoint of a model and optimizer alone has no epoch) or of the wrong shape; nothing is changed.</exception>
    /// <exception cref="IOException">The file cannot be opened or read; nothing is changed.</exception>
    public static void Load<T>(MiniBatchTrainer<T> trainer, string path)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(trainer);
        using SafeTensorsReader reader = SafeTensorsReader.Open(path);
        long epoch = OptimizerState.ReadCount(reader, EpochKey);
        if (epoch > int.MaxValue)
        {
            throw reader.CreateException($"Metadata '{EpochKey}' is {epoch}, more epochs than a trainer counts.");
        }

        string seed = reader.Metadata.TryGetValue(SeedKey, out string? text) ? text : throw reader.CreateException($"Missing metadata '{SeedKey}': the file holds no shuffle seed.");
        string expected = trainer.Options.Seed.ToString(CultureInfo.InvariantCulture);
        if (seed != expected)
        {
            throw new ArgumentException($"The checkpoint's run shuffled with Seed {seed}, but this trainer's Seed is {expected}: make the trainer with the run's options to resume it.", nameof(trainer));
        }

        ITrainingTask<T> trained = trainer.Task;
        Restore(trained.ParameterTensors, trained.CollectParameters(), trainer.Optimizer, reader);
        trained.ParametersChanged();
        trainer.Epoch = (int)epoch;
    }

    /// <summary>The weights into <paramref name="parameters"/> and the optimizer's state; undoing the weights when the optimizer's load fails makes the pair all or nothing.</summary>
    private static void Restore<T>(ReadOnlySpan<RnnParameterTensor> tensors, Span<T> parameters, IOptimizer<T> optimizer, SafeTensorsReader reader)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        T[] previousWeights = parameters.ToArray();
        RnnWeights.Load(tensors, parameters, reader, options: null);
        try
        {
            optimizer.LoadState(reader);
        }
        catch
        {
            previousWeights.CopyTo(parameters);
            throw;
        }
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
