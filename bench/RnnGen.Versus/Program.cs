using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Threading.Tasks;
using RnnGen.Versus.Models;

namespace RnnGen.Versus;

/// <summary>
/// dotnet run -c Release --project bench/RnnGen.Versus [-- --filter forward|batch|bptt|step]
/// RnnGen against ONNX Runtime, float, one thread, on the PyTorch weights that export_models.py wrote into models/:
/// every workload first checks that both compute the same outputs (the streaming ones against PyTorch's own), then
/// times them alternately (<see cref="Paired"/>). Prints RESULT lines and a markdown table.
/// </summary>
public static class Program
{
    private const int Steps = 50;
    private const int Batch = 32;
    private const int OutputSize = 8;

    /// <summary>The streaming models' outputs: one, as in RTNeural's examples (at input 1, a sample in and a sample out).</summary>
    private const int StreamingOutputSize = 1;

    private static readonly string s_models = Path.Combine(AppContext.BaseDirectory, "models");
    private static readonly List<string> s_rows = [];

    /// <summary>This core's FMA peak (GFLOP/s), measured when a floor first needs it.</summary>
    private static readonly Lazy<double> s_peak = new(Floor.PeakFlopsPerNanosecond);

    public static int Main(string[] args)
    {
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        string filter = args.SkipWhile(a => a != "--filter").Skip(1).FirstOrDefault() ?? "";
        if (!Directory.Exists(s_models))
        {
            Console.Error.WriteLine($"No models in {s_models}: run /usr/bin/python3 bench/RnnGen.Versus/export_models.py first.");
            return 2;
        }
        Console.WriteLine($"ENV Vector<float>.Count={Vector<float>.Count} cores={Environment.ProcessorCount} runtime={Environment.Version} load average {LoadAverage()}");
        bool ok = true;
        if (filter is "" or "forward")
        {
            ok &= Sequence<VanillaI64H128>("vanilla", 64, 128, batch: 1);
            ok &= Sequence<GruI64H128>("gru", 64, 128, batch: 1);
            ok &= Sequence<LstmI64H128>("lstm", 64, 128, batch: 1);
            ok &= Sequence<VanillaI128H256>("vanilla", 128, 256, batch: 1);
            ok &= Sequence<GruI128H256>("gru", 128, 256, batch: 1);
            ok &= Sequence<LstmI128H256>("lstm", 128, 256, batch: 1);
        }
        if (filter is "" or "batch")
        {
            ok &= Sequence<VanillaI64H128>("vanilla", 64, 128, Batch);
            ok &= Sequence<GruI64H128>("gru", 64, 128, Batch);
            ok &= Sequence<LstmI64H128>("lstm", 64, 128, Batch);
        }
        if (filter is "" or "threads")
        {
            OnTwoCores<GruI64H128>("gru", 64, 128);
            OnTwoCores<LstmI64H128>("lstm", 64, 128);
        }
        if (filter is "" or "train")
        {
            Training<VanillaI64H128>("vanilla", 64, 128);
            Training<GruI64H128>("gru", 64, 128);
            Training<LstmI64H128>("lstm", 64, 128);
        }
        if (filter is "" or "bptt")
        {
            Bptt<VanillaI64H128>("vanilla", 64, 128);
            Bptt<GruI64H128>("gru", 64, 128);
            Bptt<LstmI64H128>("lstm", 64, 128);
        }
        if (filter is "" or "step")
        {
            ok &= Streaming<VanillaI1H8>("vanilla", 1, 8);
            ok &= Streaming<VanillaI1H16>("vanilla", 1, 16);
            ok &= Streaming<VanillaI1H32>("vanilla", 1, 32);
            ok &= Streaming<VanillaI1H64>("vanilla", 1, 64);
            ok &= Streaming<VanillaI16H32>("vanilla", 16, 32);
            ok &= Streaming<GruI1H8>("gru", 1, 8);
            ok &= Streaming<GruI1H16>("gru", 1, 16);
            ok &= Streaming<GruI1H32>("gru", 1, 32);
            ok &= Streaming<GruI1H64>("gru", 1, 64);
            ok &= Streaming<GruI16H32>("gru", 16, 32);
            ok &= Streaming<LstmI1H8>("lstm", 1, 8);
            ok &= Streaming<LstmI1H16>("lstm", 1, 16);
            ok &= Streaming<LstmI1H32>("lstm", 1, 32);
            ok &= Streaming<LstmI1H64>("lstm", 1, 64);
            ok &= Streaming<LstmI16H32>("lstm", 16, 32);
        }
        Console.WriteLine($"ENV load average at the end {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("| workload | cell | input, hidden | RnnGen | ONNX Runtime | ONNX Runtime / RnnGen |");
        Console.WriteLine("| --- | --- | --- | ---: | ---: | ---: |");
        s_rows.ForEach(Console.WriteLine);
        return ok ? 0 : 1;
    }

    /// <summary>Forward over T = 50 for a batch of sequences: RnnGen one Forward (batch 1) or one ForwardBatch call, ONNX Runtime one run over [T, B, I].</summary>
    private static bool Sequence<TModel>(string cell, int inputSize, int hiddenSize, int batch)
        where TModel : class, IRnnModel<float>, new()
    {
        string name = $"{cell}_I{inputSize}_H{hiddenSize}";
        var model = new TModel();
        RnnWeights.Load(model, Path.Combine(s_models, name + ".safetensors"));
        var random = new Random(5);
        float[][] sequences = [.. Enumerable.Range(0, batch).Select(_ => Draw(random, Steps * inputSize))];
        float[][] predictions = [.. Enumerable.Range(0, batch).Select(_ => new float[Steps * OutputSize])];
        // ONNX Runtime's layout: x[t, b, i].
        var x = new float[Steps * batch * inputSize];
        var y = new float[Steps * batch * OutputSize];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < Steps; t++)
            {
                sequences[b].AsSpan(t * inputSize, inputSize).CopyTo(x.AsSpan(((t * batch) + b) * inputSize));
            }
        }
        using var onnx = new OnnxSequence(Path.Combine(s_models, name + ".onnx"), x, Steps, batch, inputSize, y, OutputSize);
        // A batch runs as one ForwardBatch call over [B, T, I] (the sequences one after another, batch first).
        float[] padded = [.. sequences.SelectMany(sequence => sequence)];
        int[] lengths = [.. Enumerable.Repeat(Steps, batch)];
        var batchPredictions = new float[batch * Steps * OutputSize];
        void Ours()
        {
            if (batch == 1)
            {
                model.Forward(sequences[0], default, predictions[0]);
            }
            else
            {
                model.ForwardBatch(padded, lengths, batchPredictions);
            }
        }
        Ours();
        onnx.Run();
        for (int b = 0; b < batch && batch > 1; b++)
        {
            batchPredictions.AsSpan(b * Steps * OutputSize, Steps * OutputSize).CopyTo(predictions[b]);
        }
        double difference = 0;
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < Steps; t++)
            {
                for (int o = 0; o < OutputSize; o++)
                {
                    difference = Math.Max(difference, Math.Abs(predictions[b][(t * OutputSize) + o] - y[(((t * batch) + b) * OutputSize) + o]));
                }
            }
        }
        string workload = batch == 1 ? "forward, batch 1, T = 50" : $"forward, batch {batch}, T = 50, per sequence";
        if (!Agree(workload, name, difference))
        {
            return false;
        }
        PairResult result = Paired.Measure(Ours, onnx.Run);
        Report(batch == 1 ? "forward_b1" : $"forward_b{batch}", workload, cell, inputSize, hiddenSize, result, perCall: batch, "us", 1e-3);
        if (batch == 1)
        {
            ReportFloor(cell, inputSize, hiddenSize, result, Ours);
        }
        return true;
    }

    /// <summary>
    /// The batch-1 floor (<see cref="Floor"/>) beside the pair just measured: T passes over a buffer of W_hh's size timed
    /// alternately with RnnGen's forward, plus the work on reused weights at the FMA peak measured once per run.
    /// </summary>
    private static void ReportFloor(string cell, int inputSize, int hiddenSize, PairResult forward, Action ours)
    {
        int gates = cell switch { "gru" => 3, "lstm" => 4, _ => 1 };
        ArraySegment<float> recurrentWeights = Floor.LineAlignedWeights(new Random(9), gates * hiddenSize * hiddenSize);
        PairResult stream = Paired.Measure(ours, () => Floor.Stream(recurrentWeights, Steps));
        double floor = stream.Theirs.Median + Floor.ReusedWeightsNanoseconds(gates, inputSize, hiddenSize, OutputSize, Steps, s_peak.Value);
        double gigabytesPerSecond = recurrentWeights.Count * sizeof(float) * (double)Steps / stream.Theirs.Median;
        Console.WriteLine($"RESULT floor_b1 {cell} I{inputSize}_H{hiddenSize} floor={floor / 1e3:F1}us w_hh_passes={stream.Theirs.Median / 1e3:F1}us ({gigabytesPerSecond:F1}GB/s) "
            + $"peak={s_peak.Value:F1}GFLOP/s rnngen={stream.Ours.Median / 1e3:F1}us rnngen_over_floor={stream.Ours.Median / floor:F2} onnx_over_floor={forward.Theirs.Median / floor:F2}");
        s_rows.Add($"| forward, batch 1, T = 50: floor (W_hh read {Steps} times at {gigabytesPerSecond:F0} GB/s, the rest at {s_peak.Value:F1} GFLOP/s) | {cell} | {inputSize}, {hiddenSize} "
            + $"| {floor / 1e3:G4} us | - | RnnGen {stream.Ours.Median / floor:F2}× the floor, ONNX Runtime {forward.Theirs.Median / floor:F2}× |");
    }

    /// <summary>
    /// One streaming step: RnnGen's Step against ONNX Runtime's one-step model with the state passed through. At input 1
    /// the timed call is the sample step, <c>float Step(float)</c>, as audio code calls it (RTNeural's <c>forward</c> too
    /// returns its output); the span Step's time is printed beside it (<c>RESULT step_span</c>).
    /// </summary>
    private static bool Streaming<TModel>(string cell, int inputSize, int hiddenSize)
        where TModel : class, IRnnModel<float>, IRnnStreaming<float>, new()
    {
        string name = $"{cell}_I{inputSize}_H{hiddenSize}";
        var model = new TModel();
        RnnWeights.Load(model, Path.Combine(s_models, name + ".safetensors"));
        using JsonDocument reference = JsonDocument.Parse(File.ReadAllText(Path.Combine(s_models, name + ".reference.json")));
        float[] inputs = [.. reference.RootElement.GetProperty("inputs").EnumerateArray().Select(v => v.GetSingle())];
        float[] expected = [.. reference.RootElement.GetProperty("outputs").EnumerateArray().Select(v => v.GetSingle())];
        var input = new float[inputSize];
        var ours = new float[StreamingOutputSize];
        var theirs = new float[StreamingOutputSize];
        using var onnx = new OnnxStep(Path.Combine(s_models, name + ".step.onnx"), input, theirs, hiddenSize, cell == "lstm");
        // Both from zero states over PyTorch's reference sequence, each step checked against PyTorch's output.
        double oursDifference = 0, theirsDifference = 0;
        model.Reset();
        for (int t = 0; t < expected.Length / StreamingOutputSize; t++)
        {
            inputs.AsSpan(t * inputSize, inputSize).CopyTo(input);
            model.Step(input, ours);
            onnx.Run();
            for (int o = 0; o < StreamingOutputSize; o++)
            {
                float want = expected[(t * StreamingOutputSize) + o];
                oursDifference = Math.Max(oursDifference, Math.Abs(ours[o] - want));
                theirsDifference = Math.Max(theirsDifference, Math.Abs(theirs[o] - want));
            }
        }
        if (!Agree("streaming step (RnnGen against PyTorch)", name, oursDifference) || !Agree("streaming step (ONNX Runtime against PyTorch)", name, theirsDifference))
        {
            return false;
        }
        var sample = model as IRnnSampleStreaming<float>;
        if (sample is not null)
        {
            // The sample step over the same sequence, checked against PyTorch's outputs as well.
            double sampleDifference = 0;
            sample.Reset();
            for (int t = 0; t < inputs.Length; t++)
            {
                sampleDifference = Math.Max(sampleDifference, Math.Abs(sample.Step(inputs[t]) - expected[t]));
            }
            if (!Agree("sample step (RnnGen against PyTorch)", name, sampleDifference))
            {
                return false;
            }
        }
        // Where the weights, the kept state and the output lie within a 4 KB page: at some offsets a step's stores make the
        // next step's weight loads wait (4K aliasing, 2-4x; README, Zen 4), so a figure far off the others can be told apart.
        Console.WriteLine($"RESULT layout {cell} I{inputSize}_H{hiddenSize} weights_at={PageOffset(model.Parameters)} state_at={PageOffset(model.StreamState)} "
            + $"output_at={PageOffset<float>(ours)} (bytes past a 4 KB page)");
        PairResult result = sample is null ? Paired.Measure(() => model.Step(input, ours), onnx.Run) : Paired.Measure(() => sample.Step(input[0]), onnx.Run);
        Report("step", sample is null ? "streaming step" : "streaming step (sample in, sample out)", cell, inputSize, hiddenSize, result, perCall: 1, "ns", 1);
        if (sample is not null)
        {
            Quantiles spans = Paired.MeasureAlone(() => model.Step(input, ours));
            Console.WriteLine($"RESULT step_span {cell} I{inputSize}_H{hiddenSize} rnngen={spans.Median:F3}ns ({spans.Lower:G3}-{spans.Upper:G3}), the span Step");
        }
        if (cell == "lstm" || cell == "gru")
        {
            ReportStepFloor(cell, inputSize, hiddenSize, sample is null ? () => model.Step(input, ours) : () => sample.Step(input[0]));
        }
        // A block of 64 samples at once (audio buffers), per sample; checked against the steps above.
        const int Block = 64;
        var blockOutputs = new float[Block * StreamingOutputSize];
        model.Reset();
        model.StepBlock(inputs.AsSpan(0, Block * inputSize), blockOutputs);
        double blockDifference = 0;
        for (int i = 0; i < blockOutputs.Length; i++)
        {
            blockDifference = Math.Max(blockDifference, Math.Abs(blockOutputs[i] - expected[i]));
        }
        if (!Agree("streaming block (RnnGen against PyTorch)", name, blockDifference))
        {
            return false;
        }
        Quantiles block = Paired.MeasureAlone(() => model.StepBlock(inputs.AsSpan(0, Block * inputSize), blockOutputs));
        Console.WriteLine($"RESULT block64 {cell} I{inputSize}_H{hiddenSize} rnngen={block.Median / Block:F3}ns per sample ({block.Lower / Block:G3}-{block.Upper / Block:G3})");
        s_rows.Add($"| streaming block of {Block}, per sample | {cell} | {inputSize}, {hiddenSize} | {block.Median / Block:G4} ns ({block.Lower / Block:G3}-{block.Upper / Block:G3}) | - | - |");
        return true;
    }

    /// <summary>
    /// Where W_hh outgrows the first-level cache (32 KB: H = 64), a streaming step must read it from the second level once
    /// per step: one pass over a buffer of its size at the fastest rate this core reads one (<see cref="Floor.Stream"/>),
    /// timed alternately with the step, is the least a step can take there (the gate arithmetic and the state left out).
    /// </summary>
    private static void ReportStepFloor(string cell, int inputSize, int hiddenSize, Action step)
    {
        int gates = cell == "gru" ? 3 : 4;
        if (gates * hiddenSize * hiddenSize * sizeof(float) <= 32 * 1024)
        {
            return;
        }
        ArraySegment<float> recurrentWeights = Floor.LineAlignedWeights(new Random(9), gates * hiddenSize * hiddenSize);
        PairResult result = Paired.Measure(step, () => Floor.Stream(recurrentWeights, 1));
        double gigabytesPerSecond = recurrentWeights.Count * sizeof(float) / result.Theirs.Median;
        Console.WriteLine($"RESULT floor_step {cell} I{inputSize}_H{hiddenSize} w_hh_pass={result.Theirs.Median:F1}ns ({gigabytesPerSecond:F1}GB/s) "
            + $"rnngen={result.Ours.Median:F1}ns rnngen_over_floor={1 / result.Ratio.Median:F2} ({1 / result.Ratio.Upper:F2}-{1 / result.Ratio.Lower:F2})");
    }

    /// <summary>How many bytes past a 4 KB page boundary <paramref name="span"/> starts.</summary>
    private static long PageOffset<T>(ReadOnlySpan<T> span) =>
        Unsafe.ByteOffset(ref Unsafe.NullRef<T>(), ref MemoryMarshal.GetReference(span)) & 4095;

    /// <summary>
    /// Training, one batch of 32 sequences of T = 50 per call (squared error at every step, Adam): RnnTrainer.TrainEpoch on one
    /// worker against two, in the same rounds; pytorch_bench.py times the same batch with torch.optim.Adam on 1 and 2 threads.
    /// </summary>
    private static void Training<TModel>(string cell, int inputSize, int hiddenSize)
        where TModel : class, IRnnModel<float>, new()
    {
        var random = new Random(8);
        TrainingSequence<float>[] data = [.. Enumerable.Range(0, Batch).Select(_ => new TrainingSequence<float>(Draw(random, Steps * inputSize), Draw(random, Steps * OutputSize)))];
        RnnTrainer<TModel, float> Trainer(int workers)
        {
            var model = new TModel();
            RnnWeights.Load(model, Path.Combine(s_models, $"{cell}_I{inputSize}_H{hiddenSize}.safetensors"));
            return new RnnTrainer<TModel, float>(model, new AdamOptimizer<float>(model.Parameters.Length, 1e-4f),
                new TrainerOptions { BatchSize = Batch, Epochs = 1, DegreeOfParallelism = workers });
        }
        RnnTrainer<TModel, float> one = Trainer(1), two = Trainer(2);
        PairResult result = Paired.Measure(() => one.TrainEpoch(data), () => two.TrainEpoch(data));
        double PerSecond(Quantiles q) => Batch / (q.Median * 1e-9);
        Console.WriteLine($"RESULT train_b32 {cell} I{inputSize}_H{hiddenSize} one_thread={PerSecond(result.Ours):F0}seq/s two_threads={PerSecond(result.Theirs):F0}seq/s");
        s_rows.Add($"| training, batch 32, T = 50, Adam, sequences/s: 1 worker (RnnGen column), 2 workers (ONNX Runtime column) | {cell} | {inputSize}, {hiddenSize} | {PerSecond(result.Ours):F0} | {PerSecond(result.Theirs):F0} | - |");
    }

    /// <summary>
    /// Bulk inference on two cores: 2 × 32 sequences as one ForwardBatch call on one thread, against two instances that share
    /// the weights (ShareParameters), each running one half on its own thread. The ratio is the speed-up.
    /// </summary>
    private static void OnTwoCores<TModel>(string cell, int inputSize, int hiddenSize)
        where TModel : class, IRnnModel<float>, new()
    {
        var model = new TModel();
        RnnWeights.Load(model, Path.Combine(s_models, $"{cell}_I{inputSize}_H{hiddenSize}.safetensors"));
        var second = new TModel();
        second.ShareParameters(model);
        const int Half = Batch;
        float[] inputs = Draw(new Random(7), 2 * Half * Steps * inputSize);
        int[] lengths = [.. Enumerable.Repeat(Steps, 2 * Half)];
        var alone = new float[2 * Half * Steps * OutputSize];
        var shared = new float[alone.Length];
        int halfInputs = Half * Steps * inputSize, halfOutputs = Half * Steps * OutputSize;
        void OneThread() => model.ForwardBatch(inputs, lengths, alone);
        void TwoThreads() => Parallel.Invoke(
            () => model.ForwardBatch(inputs.AsSpan(0, halfInputs), lengths.AsSpan(0, Half), shared.AsSpan(0, halfOutputs)),
            () => second.ForwardBatch(inputs.AsSpan(halfInputs), lengths.AsSpan(Half), shared.AsSpan(halfOutputs)));
        OneThread();
        TwoThreads();
        double difference = alone.Zip(shared, (a, b) => Math.Abs(a - b)).Max();
        Console.WriteLine($"CHECK two cores {cell}: largest difference from one thread {difference:G3}");
        PairResult result = Paired.Measure(TwoThreads, OneThread);
        double speedUp = result.Ratio.Median; // one thread's time over two threads'
        Console.WriteLine($"RESULT threads {cell} I{inputSize}_H{hiddenSize} two={result.Ours.Median / 1e6:F3}ms one={result.Theirs.Median / 1e6:F3}ms speedup={speedUp:F2}");
        s_rows.Add($"| bulk inference, {2 * Half} sequences of T = 50: 2 threads (RnnGen column) against 1 (ONNX Runtime column) | {cell} | {inputSize}, {hiddenSize} | {result.Ours.Median / 1e6:G4} ms | {result.Theirs.Median / 1e6:G4} ms | {speedUp:F2}× speed-up |");
    }

    /// <summary>
    /// Forward and backpropagation through time over T = 50, squared error at every step, dE/dx included (ONNX Runtime
    /// has no training; pytorch_bench.py times the same with autograd).
    /// </summary>
    private static void Bptt<TModel>(string cell, int inputSize, int hiddenSize)
        where TModel : class, IRnnModel<float>, new()
    {
        var model = new TModel();
        RnnWeights.Load(model, Path.Combine(s_models, $"{cell}_I{inputSize}_H{hiddenSize}.safetensors"));
        var random = new Random(6);
        float[] inputs = Draw(random, Steps * inputSize), targets = Draw(random, Steps * OutputSize);
        var predictions = new float[Steps * OutputSize];
        var inputGradients = new float[Steps * inputSize];
        Quantiles time = Paired.MeasureAlone(() =>
        {
            model.Forward(inputs, default, predictions);
            model.Backward(targets, inputGradients, default);
        });
        Console.WriteLine($"RESULT bptt_b1 {cell} I{inputSize}_H{hiddenSize} rnngen={time.Median / 1e3:F3}us ({time.Lower / 1e3:G3}-{time.Upper / 1e3:G3})");
        s_rows.Add($"| forward + BPTT, batch 1, T = 50 | {cell} | {inputSize}, {hiddenSize} | {time.Median / 1e3:G4} us ({time.Lower / 1e3:G3}-{time.Upper / 1e3:G3}) | - | - |");
    }

    private static bool Agree(string workload, string name, double difference)
    {
        bool agree = difference <= 1e-4;
        Console.WriteLine($"VERIFY {workload} {name}: largest output difference {difference:E2} {(agree ? "ok" : "TOO LARGE, not timed")}");
        return agree;
    }

    private static void Report(string key, string workload, string cell, int inputSize, int hiddenSize, PairResult result, int perCall, string unit, double scale)
    {
        string Time(Quantiles q) => $"{q.Median / perCall * scale:G4} {unit} ({q.Lower / perCall * scale:G3}-{q.Upper / perCall * scale:G3})";
        Console.WriteLine($"RESULT {key} {cell} I{inputSize}_H{hiddenSize} rnngen={result.Ours.Median / perCall * scale:F3}{unit} onnxruntime={result.Theirs.Median / perCall * scale:F3}{unit} ratio={result.Ratio.Median:F2} ({result.Ratio.Lower:F2}-{result.Ratio.Upper:F2})");
        s_rows.Add($"| {workload} | {cell} | {inputSize}, {hiddenSize} | {Time(result.Ours)} | {Time(result.Theirs)} | {result.Ratio.Median:F2}× ({result.Ratio.Lower:F2}-{result.Ratio.Upper:F2}) |");
    }

    private static float[] Draw(Random random, int count) => [.. Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1))];

    private static string LoadAverage()
    {
        try
        {
            return string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "unknown";
        }
    }
}
