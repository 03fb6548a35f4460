using System.Numerics;

namespace RnnGen;

/// <summary>Creates trainers with the type arguments inferred from the model and the optimizer.</summary>
public static class RnnTrainer
{
    /// <summary>
    /// <c>RnnTrainer.Create(model, optimizer, options)</c> for <c>new RnnTrainer&lt;TModel, T&gt;(model, optimizer, options)</c>,
    /// which C# cannot infer for a constructor.
    /// </summary>
    /// <typeparam name="TModel">The generated model class.</typeparam>
    /// <typeparam name="T">The model's element type.</typeparam>
    /// <param name="model">The model to train.</param>
    /// <param name="optimizer">The optimizer of its parameters.</param>
    /// <param name="options">Batch size, epochs, seed and the rest.</param>
    /// <returns>The trainer, as its constructor makes it (and with its exceptions).</returns>
    public static RnnTrainer<TModel, T> Create<TModel, T>(TModel model, IOptimizer<T> optimizer, TrainerOptions options)
        where TModel : IRnnModel<T>, new()
        where T : unmanaged, IBinaryFloatingPointIeee754<T> =>
        new(model, optimizer, options);
}
