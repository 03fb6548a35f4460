using System;
using System.Linq;
using Xunit;
using Model = RnnGen.Generator.Model;

namespace RnnGen.Tests.Generator;

/// <summary>The generator reads the attribute's enums as numbers; its mirrors must agree with the runtime library's enums name for name.</summary>
public sealed class EnumMirrorTests
{
    [Theory]
    [InlineData(typeof(RnnDirection), typeof(Model.Direction))]
    [InlineData(typeof(RnnActivation), typeof(Model.HiddenActivation))]
    [InlineData(typeof(OutputActivation), typeof(Model.OutputActivation))]
    [InlineData(typeof(RnnTopology), typeof(Model.Topology))]
    [InlineData(typeof(RnnLoss), typeof(Model.Loss))]
    [InlineData(typeof(RnnCell), typeof(Model.Cell))]
    public void GeneratorEnumMatchesRuntimeEnum(Type runtime, Type mirror)
    {
        Assert.Equal(
            Enum.GetNames(runtime).Select(n => (n, Convert.ToInt32(Enum.Parse(runtime, n)))),
            Enum.GetNames(mirror).Select(n => (n, Convert.ToInt32(Enum.Parse(mirror, n)))));
    }

    [Fact]
    public void LimitsMatch()
    {
        Assert.Equal(RnnLimits.MaxSize, Model.Limits.MaxSize);
        Assert.Equal(RnnLimits.MaxLayers, Model.Limits.MaxLayers);
    }
}
