using System;

namespace RnnGen;

/// <summary>
/// How the trainers key dropout (<see cref="IRnnDropout"/>): the sequence at position p of epoch e's order is dropped by
/// the masks of <see cref="Epoch"/>(seed, e) + p, whichever worker and batch run it, so that the same options give the
/// same weights with any number of workers, and a resumed run drops as the uninterrupted one.
/// </summary>
internal static class DropoutKeys
{
    /// <summary>The key of the first position of epoch <paramref name="epoch"/> (1-based): the seed and the epoch number spread over 64 bits.</summary>
    public static ulong Epoch(int seed, int epoch) => (((ulong)(uint)seed << 32) | (uint)epoch) * 0x9E3779B97F4A7C15;

    /// <summary>The key of window <paramref name="window"/> of a truncated sequence keyed <paramref name="sequenceKey"/> (window 0's is the sequence's own).</summary>
    public static ulong Window(ulong sequenceKey, int window) => sequenceKey + ((ulong)window << 40);

    /// <summary>Puts a worker's model in training mode, when it has one.</summary>
    public static void Train(object model)
    {
        if (model is IRnnDropout dropout)
        {
            dropout.Training = true;
        }
    }

    /// <summary>Sets the key of the masks of the next sequence <paramref name="model"/> reads, when it has dropout.</summary>
    public static void Set(object model, ulong key)
    {
        if (model is IRnnDropout dropout)
        {
            dropout.DropoutKey = key;
        }
    }

    /// <summary>Switches a model's dropout off until disposed (validation measures the model as it infers), then restores its mode.</summary>
    public static InferenceScope Inferring(object model) => new(model as IRnnDropout);

    /// <summary>See <see cref="Inferring"/>.</summary>
    public readonly ref struct InferenceScope
    {
        private readonly IRnnDropout? _model;
        private readonly bool _wasTraining;

        public InferenceScope(IRnnDropout? model)
        {
            _model = model;
            _wasTraining = model?.Training ?? false;
            if (_wasTraining)
            {
                model!.Training = false;
            }
        }

        public void Dispose()
        {
            if (_wasTraining)
            {
                _model!.Training = true;
            }
        }
    }
}
