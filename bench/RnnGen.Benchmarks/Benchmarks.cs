using System.Collections.Generic;
using BenchmarkDotNet.Attributes;

namespace RnnGen.Benchmarks;

/// <summary>The base of the model benchmarks: <see cref="Case"/> names an <see cref="IModelCase"/> in the <see cref="Registry"/>.</summary>
public abstract class ModelBenchmarks
{
    protected IModelCase C { get; private set; } = null!;

    public abstract string Case { get; set; }

    [GlobalSetup]
    public void Setup() => C = Registry.Get(Case);
}

/// <summary>Forward over T = 50 at batch 1.</summary>
public class Forward : ModelBenchmarks
{
    [ParamsSource(nameof(Cases))] public override string Case { get; set; } = "";
    public static IEnumerable<string> Cases => Registry.SequenceKeys();
    [Benchmark] public void Generated() => C.Forward(Impl.Generated);
    [Benchmark] public void Scalar() => C.Forward(Impl.Scalar);
    [Benchmark] public void TensorPrimitives() => C.Forward(Impl.TensorPrimitives);
    [Benchmark] public void Prototype() => C.Forward(Impl.Prototype);
}

/// <summary>Forward + BPTT (with dE/dx and dE/da0) over T = 50 at batch 1.</summary>
public class Bptt : ModelBenchmarks
{
    [ParamsSource(nameof(Cases))] public override string Case { get; set; } = "";
    public static IEnumerable<string> Cases => Registry.SequenceKeys();
    [Benchmark] public void Generated() => C.Bptt(Impl.Generated);
    [Benchmark] public void Scalar() => C.Bptt(Impl.Scalar);
    [Benchmark] public void TensorPrimitives() => C.Bptt(Impl.TensorPrimitives);
    [Benchmark] public void Prototype() => C.Bptt(Impl.Prototype);
}

/// <summary>One streaming step (one layer, unidirectional).</summary>
public class Step : ModelBenchmarks
{
    [ParamsSource(nameof(Cases))] public override string Case { get; set; } = "";
    public static IEnumerable<string> Cases => Registry.StepKeys();
    [Benchmark] public void Generated() => C.Step(Impl.Generated);
    [Benchmark] public void Scalar() => C.Step(Impl.Scalar);
    [Benchmark] public void TensorPrimitives() => C.Step(Impl.TensorPrimitives);
    [Benchmark] public void Prototype() => C.Step(Impl.Prototype);
}

/// <summary>One training batch of 32 sequences (T = 50): Forward + Backward each, one Adam step, one thread.</summary>
public class Train : ModelBenchmarks
{
    [ParamsSource(nameof(Cases))] public override string Case { get; set; } = "";
    public static IEnumerable<string> Cases => Registry.TrainKeys();
    [Benchmark] public void Generated() => C.Train(Impl.Generated);
    [Benchmark] public void Scalar() => C.Train(Impl.Scalar);
    [Benchmark] public void TensorPrimitives() => C.Train(Impl.TensorPrimitives);
}

/// <summary>The FMA peak (see <see cref="Benchmarks.Peak"/>).</summary>
public class FmaPeak
{
    [Benchmark] public float VectorFloat() => Benchmarks.Peak.VectorFloat();
    [Benchmark] public double VectorDouble() => Benchmarks.Peak.VectorDouble();
    [Benchmark] public float Vector512Float() => Benchmarks.Peak.Vector512Float();
    [Benchmark] public double Vector512Double() => Benchmarks.Peak.Vector512Double();
}
