using System;
using System.Collections.Generic;
using System.Threading.Tasks;
using RnnGen;

namespace DateTranslation;

/// <summary>
/// Mini-batch training of the encoder-decoder pair, as <see cref="RnnTrainer{TModel, T}"/> trains one model: each batch
/// is split into fixed contiguous shares, one per worker (its own copy of both models); each worker adds its
/// sequences' teacher-forced gradients in order, the workers' gradients are summed in worker order (so the weights
/// do not depend on thread timing), averaged over the batch, clipped per model and applied by one Adam per model.
/// </summary>
public sealed class PairTrainer
{
    private readonly DateEncoder _encoder;
    private readonly DateDecoder _decoder;
    private readonly AdamOptimizer<float> _encoderOptimizer;
    private readonly AdamOptimizer<float> _decoderOptimizer;
    private readonly int _batchSize;
    private readonly float _maxGradientNorm;
    private readonly Worker[] _workers;
    private readonly ParallelOptions _parallelOptions;
    private readonly Action<int> _runWorker;
    private readonly Random _shuffler;
    private int[] _order = [];
    private IReadOnlyList<DateExample> _examples = [];
    private int _batchStart;
    private int _batchCount;
    private int _activeWorkers;

    /// <summary>Creates a trainer that updates <paramref name="encoder"/> and <paramref name="decoder"/> in place.</summary>
    public PairTrainer(DateEncoder encoder, DateDecoder decoder, AdamOptimizer<float> encoderOptimizer, AdamOptimizer<float> decoderOptimizer,
        int batchSize, float maxGradientNorm, int seed, int workers)
    {
        _encoder = encoder;
        _decoder = decoder;
        _encoderOptimizer = encoderOptimizer;
        _decoderOptimizer = decoderOptimizer;
        _batchSize = batchSize;
        _maxGradientNorm = maxGradientNorm;
        _workers = new Worker[workers];
        for (int i = 0; i < workers; i++)
        {
            _workers[i] = new Worker();
            _workers[i].Pair.Encoder.ShareParameters(encoder); // read in place: the optimizer's updates need no copy
            _workers[i].Pair.Decoder.ShareParameters(decoder);
        }
        _parallelOptions = new ParallelOptions { MaxDegreeOfParallelism = workers };
        _runWorker = RunWorker;
        _shuffler = new Random(seed);
    }

    /// <summary>The number of workers sharing each batch.</summary>
    public int Workers => _workers.Length;

    /// <summary>The number of optimizer steps taken.</summary>
    public long Step { get; private set; }

    /// <summary>Shuffles the examples and trains on each once; returns the epoch's mean loss per sequence (cross-entropy summed over the 11 decoder steps).</summary>
    public double TrainEpoch(IReadOnlyList<DateExample> examples)
    {
        if (_order.Length != examples.Count)
        {
            _order = new int[examples.Count];
        }
        for (int i = 0; i < _order.Length; i++)
        {
            _order[i] = i;
        }
        _shuffler.Shuffle(_order);
        _examples = examples;
        double lossSum = 0;
        for (int start = 0; start < _order.Length; start += _batchSize)
        {
            lossSum += TrainBatch(start, Math.Min(_batchSize, _order.Length - start));
        }
        _examples = [];
        return lossSum / _order.Length;
    }

    private double TrainBatch(int start, int count)
    {
        _batchStart = start;
        _batchCount = count;
        _activeWorkers = Math.Min(_workers.Length, count);
        if (_activeWorkers == 1)
        {
            RunWorker(0);
        }
        else
        {
            Parallel.For(0, _activeWorkers, _parallelOptions, _runWorker);
        }

        double loss = 0;
        for (int w = 0; w < _activeWorkers; w++)
        {
            loss += _workers[w].Loss;
        }
        if (!double.IsFinite(loss))
        {
            throw new InvalidOperationException($"The loss became {loss} at step {Step + 1}; the update was not applied.");
        }
        Reduce(_encoder.Gradients, w => _workers[w].Pair.Encoder.Gradients, count);
        Reduce(_decoder.Gradients, w => _workers[w].Pair.Decoder.Gradients, count);
        GradientClipping.ClipByGlobalNorm(_encoder.Gradients, _maxGradientNorm);
        GradientClipping.ClipByGlobalNorm(_decoder.Gradients, _maxGradientNorm);
        _encoderOptimizer.Step(_encoder.Parameters, _encoder.Gradients);
        _decoderOptimizer.Step(_decoder.Parameters, _decoder.Gradients);
        Step++;
        return loss;
    }

    /// <summary>Sums the workers' gradients into <paramref name="gradients"/> in worker order and divides by the batch size.</summary>
    private void Reduce(Span<float> gradients, WorkerGradients workerGradients, int count)
    {
        workerGradients(0).CopyTo(gradients);
        for (int w = 1; w < _activeWorkers; w++)
        {
            ReadOnlySpan<float> other = workerGradients(w);
            for (int i = 0; i < gradients.Length; i++)
            {
                gradients[i] += other[i];
            }
        }
        float scale = 1f / count;
        foreach (ref float gradient in gradients)
        {
            gradient *= scale;
        }
    }

    private delegate Span<float> WorkerGradients(int worker);

    /// <summary>Worker <paramref name="index"/> takes the index-th contiguous share of the batch.</summary>
    private void RunWorker(int index)
    {
        Worker worker = _workers[index];
        DateEncoder encoder = worker.Pair.Encoder;
        DateDecoder decoder = worker.Pair.Decoder;
        encoder.ZeroGradients();
        decoder.ZeroGradients();
        int first = _batchStart + (index * _batchCount / _activeWorkers);
        int end = _batchStart + ((index + 1) * _batchCount / _activeWorkers);
        double loss = 0;
        for (int i = first; i < end; i++)
        {
            DateExample example = _examples[_order[i]];
            Span<float> source = worker.Source(example.Text.Length);
            Characters.EncodeSource(example.Text, source);
            Characters.EncodeTarget(example.Iso, worker.DecoderInputs, worker.Targets);
            loss += worker.Pair.Backpropagate(source, worker.DecoderInputs, worker.Targets);
        }
        worker.Loss = loss;
    }

    private sealed class Worker
    {
        private float[] _source = new float[32 * Characters.SourceSize];

        public EncoderDecoder<DateEncoder, DateDecoder, float> Pair { get; } = new(new DateEncoder(), new DateDecoder());

        public float[] DecoderInputs { get; } = new float[Characters.TargetSteps * Characters.TargetSize];

        public float[] Targets { get; } = new float[Characters.TargetSteps * Characters.TargetSize];

        public double Loss { get; set; }

        /// <summary>A source buffer of <paramref name="length"/> characters (grown when needed).</summary>
        public Span<float> Source(int length)
        {
            if (_source.Length < length * Characters.SourceSize)
            {
                _source = new float[length * Characters.SourceSize];
            }
            return _source.AsSpan(0, length * Characters.SourceSize);
        }
    }
}
