using System;
using System.Linq;
using System.Reflection;
using CsCheck;
using RnnGen.Tests.Gradients;
using RnnGen.Tests.Runtime;
using Xunit;

namespace RnnGen.Tests.Fuzz;

/// <summary>
/// ForwardBatch and AccumulateBatchGradients against one Forward and Backward call per sequence, on the random shapes of
/// the finite-difference pool (every cell, direction, topology, g1, g2 and loss, 1 to 3 layers, sizes 1 to 40), with
/// random batch sizes and lengths.
/// </summary>
public sealed class BatchFuzzTests
{
    [Fact]
    public void BatchesMatchSingleCallsOnRandomShapes()
    {
        (ModelShape[] shapes, Assembly models) = FiniteDifferenceTests.s_pool.Value;
        Gen.Select(Gen.Int[0, FiniteDifferenceTests.ShapeCount - 1], Gen.Int[1, 9], Gen.Int)
            .Sample(
                (shapeIndex, sequences, seed) =>
                {
                    ModelShape shape = shapes[shapeIndex];
                    var model = (IRnnModel<double>)Activator.CreateInstance(models.GetType(shape.Name, throwOnError: true)!)!;
                    var random = new Random(seed);
                    int[] lengths = [.. Enumerable.Range(0, sequences).Select(_ => shape.Topology == "OneToOne" ? 1 : random.Next(1, 13))];
                    BatchTests.AssertBatchMatchesSingleCalls(model, lengths, 1e-12, 1e-11);
                },
                iter: 200,
                print: sample => $"{shapes[sample.Item1]} with B = {sample.Item2}, lengths seed {sample.Item3}");
    }
}
