using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Xunit;

namespace RnnGen.Tests.SafeTensors;

public sealed class SafeTensorsReaderTests
{
    public static TheoryData<string> ReferenceFiles => new()
    {
        "uni1_tiny",
        "uni1_tanh_m2m",
        "uni2_relu_m2o",
        "uni2_h0_m2m_softmax",
        "bi1_tanh_m2m",
        "bi3_tanh_m2o_softmax",
    };

    [Theory]
    [MemberData(nameof(ReferenceFiles))]
    public void ReferenceFileMatchesAnIndependentDecode(string name)
    {
        string path = TestFiles.Reference(name);
        Dictionary<string, (string DType, long[] Shape, long Begin, long End, double[] Values)> expected = IndependentDecode(path, out Dictionary<string, string> expectedMetadata);

        using SafeTensorsReader reader = SafeTensorsReader.Open(path);

        Assert.Equal(expected.Count, reader.Tensors.Count);
        foreach (SafeTensorInfo info in reader.Tensors)
        {
            var (dtype, shape, begin, end, values) = expected[info.Name];
            Assert.Equal(dtype, info.DType);
            Assert.Equal(shape, info.Shape.ToArray());
            Assert.Equal((begin, end), (info.DataBegin, info.DataEnd));
            Assert.Equal(info.Name.StartsWith("expected.", StringComparison.Ordinal) ? "F64" : "F32", info.DType);
            Assert.Equal(values, reader.Read<double>(info.Name));
        }

        Assert.Equal(expectedMetadata, reader.Metadata);
        Assert.Equal(name, reader.Metadata["name"]);
    }

    [Fact]
    public void TinyReferenceHoldsKnownValues()
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(TestFiles.Reference("uni1_tiny"));

        SafeTensorInfo weights = reader.GetTensor("rnn.weight_ih_l0");
        Assert.Equal(new SafeTensorInfo("rnn.weight_ih_l0", "F32", [1, 1], 0, 4), weights);
        Assert.Equal("rnn.weight_ih_l0: F32 [1, 1], bytes 0 to 4", weights.ToString());
        Assert.Equal("[1, 1]", weights.ShapeText);
        Assert.Equal("[1, 1]", reader.GetTensor("head.weight").ShapeText);
        Assert.Equal("[1]", reader.GetTensor("rnn.bias_hh_l0").ShapeText);
        Assert.Equal([0.10906147956848145f], reader.Read<float>("rnn.weight_ih_l0"));
        Assert.Equal([0.04753750562667847f], reader.Read<float>("rnn.weight_hh_l0"));
        Assert.Equal([-0.039660096168518066f], reader.Read<float>("head.bias"));
        Assert.Equal([0.17070551372953427], reader.Read<double>("expected.loss"));
        Assert.Equal([-0.21159481782094708], reader.Read<double>("expected.grad.rnn.bias_hh_l0"));
        Assert.Equal("tanh", reader.Metadata["activation"]);
    }

    [Fact]
    public void LargerReferenceHoldsKnownValuesInDataOrder()
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(TestFiles.Reference("uni2_relu_m2o"));

        SafeTensorInfo weights = reader.GetTensor("rnn.weight_ih_l0");
        Assert.Equal("[16, 7]", weights.ShapeText);
        Assert.Equal(112, weights.ElementCount);
        float[] values = reader.Read<float>("rnn.weight_ih_l0");
        Assert.Equal(0.1358296275138855f, values[0]);
        Assert.Equal(-0.02842235565185547f, values[1]);
        Assert.Equal(-0.15829449892044067f, values[2]);
        Assert.Equal(-0.013058364391326904f, values[111]);
        Assert.Equal([-0.16793107986450195f, 0.07357364892959595f, -0.43480736017227173f], reader.Read<float>("head.bias"));
        Assert.Equal([0.3115590857833246], reader.Read<double>("expected.loss"));

        Assert.Equal(26, reader.Tensors.Count);
        for (int i = 1; i < reader.Tensors.Count; i++)
        {
            Assert.Equal(reader.Tensors[i - 1].DataEnd, reader.Tensors[i].DataBegin);
        }
    }

    [Fact]
    public void F64ReadsAsFloatAndF32ReadsAsDouble()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<double>("d", [0.1, -2.5], 2);
        writer.Add<float>("f", [0.1f], 1);
        using SafeTensorsReader reader = TestFiles.Reader(writer);

        Assert.Equal([0.1f, -2.5f], reader.Read<float>("d"));
        Assert.Equal([(double)0.1f], reader.Read<double>("f"));
    }

    [Fact]
    public void F16AndBF16ReadAsFloat()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<Half>("half", [(Half)1.5f, (Half)(-0.25f)], 2);
        using (SafeTensorsReader reader = TestFiles.Reader(writer))
        {
            Assert.Equal("F16", reader.GetTensor("half").DType);
            Assert.Equal([1.5f, -0.25f], reader.Read<float>("half"));
        }

        // 1.5f = 0x3FC00000, -2f = 0xC0000000, 0.15625f = 0x3E200000: BF16 keeps the upper 16 bits.
        byte[] file = TestFiles.Build("""{"b":{"dtype":"BF16","shape":[3],"data_offsets":[0,6]}}""", [0xC0, 0x3F, 0x00, 0xC0, 0x20, 0x3E]);
        using var bf16 = new SafeTensorsReader(new MemoryStream(file));
        Assert.Equal([1.5, -2.0, 0.15625], bf16.Read<double>("b"));
    }

    [Fact]
    public void TensorsSpanningSeveralChunksReadCorrectly()
    {
        double[] large = Enumerable.Range(0, 40_000).Select(i => i * 0.5).ToArray();
        float[] after = [1f, 2f, 3f];
        var writer = new SafeTensorsWriter();
        writer.Add<double>("large", large, 200, 200);
        writer.Add<float>("after", after, 3);
        using SafeTensorsReader reader = TestFiles.Reader(writer);

        Assert.Equal(after, reader.Read<float>("after"));
        Assert.Equal(large, reader.Read<double>("large"));
        Assert.Equal(large.Select(v => (float)v), reader.Read<float>("large"));
    }

    [Fact]
    public void FileMayStartMidStream()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", [4f, 5f], 2);
        var stream = new MemoryStream();
        stream.Write([9, 9, 9]);
        writer.WriteTo(stream);
        stream.Position = 3;

        using var reader = new SafeTensorsReader(stream);
        Assert.Equal([4f, 5f], reader.Read<float>("w"));
    }

    [Fact]
    public void ReadIntoWrongLengthSpanThrowsArgumentExceptionNamingTheTensor()
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(TestFiles.Reference("uni2_relu_m2o"));

        var exception = Assert.Throws<ArgumentException>(() => reader.Read<float>("rnn.weight_ih_l0", new float[111]));
        Assert.Contains("'rnn.weight_ih_l0'", exception.Message);
        Assert.Contains("112", exception.Message);
        Assert.Contains("111", exception.Message);
    }

    [Fact]
    public void MissingTensorThrowsSafeTensorsExceptionNamingIt()
    {
        using SafeTensorsReader reader = SafeTensorsReader.Open(TestFiles.Reference("uni1_tiny"));

        Assert.False(reader.TryGetTensor("rnn.weight_ih_l7", out _));
        var exception = Assert.Throws<SafeTensorsException>(() => reader.GetTensor("rnn.weight_ih_l7"));
        Assert.Contains("Missing tensor 'rnn.weight_ih_l7'", exception.Message);
        Assert.Throws<SafeTensorsException>(() => reader.Read<float>("rnn.weight_ih_l7"));
    }

    [Fact]
    public void NonFloatingPointDTypeThrowsSafeTensorsExceptionNamingTensorAndDType()
    {
        byte[] file = TestFiles.Build("""{"steps":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}""", new byte[8]);
        using var reader = new SafeTensorsReader(new MemoryStream(file));

        var exception = Assert.Throws<SafeTensorsException>(() => reader.Read<double>("steps"));
        Assert.Contains("'steps'", exception.Message);
        Assert.Contains("I64", exception.Message);
        Assert.Throws<SafeTensorsException>(() => reader.Read<double>("steps", new double[1]));
    }

    [Fact]
    public void ErrorsFromAFileOpenedByPathNameTheFile()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, "broken.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);

        var exception = Assert.Throws<SafeTensorsException>(() => SafeTensorsReader.Open(path));
        Assert.StartsWith(path, exception.Message);
    }

    [Fact]
    public void ReadAfterDisposeThrowsObjectDisposedException()
    {
        SafeTensorsReader reader = SafeTensorsReader.Open(TestFiles.Reference("uni1_tiny"));
        reader.Dispose();

        Assert.Throws<ObjectDisposedException>(() => reader.Read<float>("x"));
    }

    /// <summary>A decoder that shares no code with the reader: JsonDocument for the header, BitConverter for the data.</summary>
    private static Dictionary<string, (string DType, long[] Shape, long Begin, long End, double[] Values)> IndependentDecode(string path, out Dictionary<string, string> metadata)
    {
        Assert.True(BitConverter.IsLittleEndian);
        byte[] file = File.ReadAllBytes(path);
        int headerLength = checked((int)BitConverter.ToUInt64(file, 0));
        int dataStart = 8 + headerLength;
        using JsonDocument header = JsonDocument.Parse(file.AsMemory(8, headerLength));
        var tensors = new Dictionary<string, (string, long[], long, long, double[])>();
        metadata = [];
        foreach (JsonProperty property in header.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                metadata = property.Value.EnumerateObject().ToDictionary(entry => entry.Name, entry => entry.Value.GetString()!);
                continue;
            }

            string dtype = property.Value.GetProperty("dtype").GetString()!;
            long[] shape = property.Value.GetProperty("shape").EnumerateArray().Select(dimension => dimension.GetInt64()).ToArray();
            long[] offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(offset => offset.GetInt64()).ToArray();
            int size = dtype == "F64" ? 8 : 4;
            double[] values = new double[(offsets[1] - offsets[0]) / size];
            for (int i = 0; i < values.Length; i++)
            {
                int at = dataStart + (int)offsets[0] + (i * size);
                values[i] = size == 8 ? BitConverter.ToDouble(file, at) : BitConverter.ToSingle(file, at);
            }

            tensors.Add(property.Name, (dtype, shape, offsets[0], offsets[1], values));
        }

        Assert.Equal(file.Length - dataStart, tensors.Values.Sum(tensor => tensor.Item4 - tensor.Item3));
        return tensors;
    }
}

public sealed class SafeTensorsValidationTests
{
    private static readonly Dictionary<string, (byte[] File, string[] MessageParts)> MalformedFiles = new()
    {
        ["empty file"] = ([], ["0 bytes", "8-byte header length"]),
        ["7-byte file"] = (new byte[7], ["7 bytes"]),
        ["header length past the end"] = (TestFiles.Raw(100, "{}"u8.ToArray(), []), ["100 bytes", "only 2 bytes"]),
        ["header length over the cap"] = (TestFiles.Raw(100_000_001, "{}"u8.ToArray(), []), ["100000001", "limit of 100000000"]),
        ["header length 2^64-1"] = (TestFiles.Raw(ulong.MaxValue, "{}"u8.ToArray(), []), ["18446744073709551615"]),
        ["empty header"] = (TestFiles.Raw(0, [], []), ["must start with '{'"]),
        ["header not UTF-8"] = (TestFiles.Raw(3, [(byte)'{', 0xFF, (byte)'}'], []), ["UTF-8"]),
        ["header not JSON"] = (TestFiles.Build("{nope}", []), ["not valid JSON"]),
        ["header a JSON array"] = (TestFiles.Build("[]", []), ["must start with '{'"]),
        ["header JSON cut short"] = (TestFiles.Build("""{"w":""", []), ["not valid JSON"]),
        ["content after the header object"] = (TestFiles.Build("{} x", []), ["not valid JSON"]),
        ["duplicate tensor names"] = (TestFiles.Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]), ["'a' appears twice"]),
        ["unknown dtype"] = (TestFiles.Build("""{"w":{"dtype":"Q7","shape":[1],"data_offsets":[0,4]}}""", new byte[4]), ["'w'", "unknown dtype 'Q7'"]),
        ["dtype not a string"] = (TestFiles.Build("""{"w":{"dtype":32,"shape":[1],"data_offsets":[0,4]}}""", new byte[4]), ["'w'", "dtype must be a string", "32"]),
        ["negative dimension"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[-1,2],"data_offsets":[0,0]}}""", []), ["'w'", "shape", "-1"]),
        ["fractional dimension"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}""", new byte[4]), ["'w'", "shape", "1.5"]),
        ["element count overflow"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,0]}}""", []), ["'w'", "[4294967296, 4294967296]", "64-bit"]),
        ["byte count overflow"] = (TestFiles.Build("""{"w":{"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,0]}}""", []), ["'w'", "[2305843009213693952]", "64-bit"]),
        ["too many dimensions"] = (TestFiles.Build("{\"w\":{\"dtype\":\"F32\",\"shape\":[" + string.Join(",", Enumerable.Repeat(1, 65)) + "],\"data_offsets\":[0,4]}}", new byte[4]), ["'w'", "more than 64 entries"]),
        ["sub-byte dtype not filling a byte"] = (TestFiles.Build("""{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}""", new byte[2]), ["'w'", "whole number of bytes"]),
        ["one data offset"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[4]}}""", new byte[4]), ["'w'", "data_offsets must hold 2", "holds 1"]),
        ["three data offsets"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}""", new byte[4]), ["'w'", "data_offsets has more than 2"]),
        ["negative data offset"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[2],"data_offsets":[-4,4]}}""", new byte[4]), ["'w'", "non-negative", "-4"]),
        ["data offsets begin after end"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", new byte[8]), ["'w'", "[8, 4]", "begin after"]),
        ["data offsets past the data"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", new byte[8]), ["'w'", "[0, 16]", "8-byte data section"]),
        ["byte length not element count times size"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]), ["'w'", "[3]", "need 12 bytes", "span 8"]),
        ["overlapping tensors"] = (TestFiles.Build("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", new byte[12]), ["'a'", "'b'", "overlap"]),
        ["gap between tensors"] = (TestFiles.Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}""", new byte[12]), ["Bytes 4 to 8", "'b'"]),
        ["trailing data bytes"] = (TestFiles.Build("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[8]), ["8 bytes long", "first 4"]),
        ["tensor entry not an object"] = (TestFiles.Build("""{"w":5}""", []), ["'w'", "must be an object", "5"]),
        ["tensor entry without dtype"] = (TestFiles.Build("""{"w":{"shape":[1],"data_offsets":[0,4]}}""", new byte[4]), ["'w'", "no dtype"]),
        ["tensor entry without shape"] = (TestFiles.Build("""{"w":{"dtype":"F32","data_offsets":[0,4]}}""", new byte[4]), ["'w'", "no shape"]),
        ["tensor entry without data_offsets"] = (TestFiles.Build("""{"w":{"dtype":"F32","shape":[1]}}""", new byte[4]), ["'w'", "no data_offsets"]),
        ["tensor entry with two dtypes"] = (TestFiles.Build("""{"w":{"dtype":"F32","dtype":"F64","shape":[1],"data_offsets":[0,4]}}""", new byte[4]), ["'w'", "two 'dtype'"]),
        ["metadata not an object"] = (TestFiles.Build("""{"__metadata__":[]}""", []), ["'__metadata__' must be an object"]),
        ["metadata value not a string"] = (TestFiles.Build("""{"__metadata__":{"k":1}}""", []), ["'k'", "must be a string"]),
        ["two metadata objects"] = (TestFiles.Build("""{"__metadata__":{},"__metadata__":{}}""", []), ["two '__metadata__'"]),
        ["duplicate metadata keys"] = (TestFiles.Build("""{"__metadata__":{"k":"a","k":"b"}}""", []), ["two entries 'k'"]),
        ["name escaping a lone surrogate"] = (TestFiles.Build("""{"\ud800":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", new byte[4]), ["not valid text"]),
        ["nesting deeper than the JSON limit"] = (TestFiles.Build("{\"w\":{\"extra\":" + new string('[', 100) + new string(']', 100) + "}}", []), ["not valid JSON"]),
    };

    public static TheoryData<string> MalformedFileNames => [.. MalformedFiles.Keys];

    [Theory]
    [MemberData(nameof(MalformedFileNames))]
    public void MalformedFileThrowsSafeTensorsExceptionWithAClearMessage(string caseName)
    {
        var (file, messageParts) = MalformedFiles[caseName];

        var exception = Assert.Throws<SafeTensorsException>(() => new SafeTensorsReader(new MemoryStream(file)));
        foreach (string part in messageParts)
        {
            Assert.Contains(part, exception.Message);
        }
    }

    private static readonly Dictionary<string, (string Header, int DataLength)> WellFormedVariants = new()
    {
        ["no tensors"] = ("{}", 0),
        ["null metadata"] = ("""{"__metadata__":null}""", 0),
        ["entries out of data order"] = ("""{"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8),
        ["unknown fields"] = ("""{"w":{"dtype":"F32","note":{"any":[1,2]},"shape":[1],"data_offsets":[0,4]}}""", 4),
        ["empty tensors sharing an offset"] = ("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"b":{"dtype":"F64","shape":[2,0],"data_offsets":[0,0]},"c":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}""", 4),
        ["whitespace padding"] = ("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}  \n\t ", 4),
    };

    public static TheoryData<string> WellFormedVariantNames => [.. WellFormedVariants.Keys];

    [Theory]
    [MemberData(nameof(WellFormedVariantNames))]
    public void WellFormedVariantIsAccepted(string caseName)
    {
        var (header, dataLength) = WellFormedVariants[caseName];

        using var reader = new SafeTensorsReader(new MemoryStream(TestFiles.Build(header, new byte[dataLength])));

        Assert.All(reader.Tensors, tensor => Assert.Equal(tensor.ElementCount, reader.Read<double>(tensor.Name).Length));
        Assert.Equal(dataLength, reader.Tensors.Sum(tensor => tensor.DataEnd - tensor.DataBegin));
        Assert.Empty(reader.Metadata);
    }
}

public sealed class SafeTensorsWriterTests
{
    [Fact]
    public void RoundTripsF32AndF64BitExactlyWithMetadata()
    {
        float[] singles = [1f / 3f, -0f, float.Epsilon, float.NaN, float.PositiveInfinity, 1e30f];
        double[] doubles = [Math.PI, -1e-300, double.NegativeInfinity, 0.1];
        var writer = new SafeTensorsWriter();
        writer.Add<float>("layer.weight", singles, 2, 3);
        writer.Add<double>("layer.bias", doubles, 4);
        writer.Add<double>("scalar", [42.0]);
        writer.Add<float>("empty", [], 0, 3);
        writer.AddMetadata("format", "pt");
        writer.AddMetadata("note ✓", "a+b \"quoted\" ü");

        using SafeTensorsReader reader = TestFiles.Reader(writer);

        Assert.Equal(["layer.weight", "layer.bias", "scalar", "empty"], reader.Tensors.Select(tensor => tensor.Name));
        Assert.Equal(["F32", "F64", "F64", "F32"], reader.Tensors.Select(tensor => tensor.DType));
        Assert.Equal(["[2, 3]", "[4]", "[]", "[0, 3]"], reader.Tensors.Select(tensor => tensor.ShapeText));
        Assert.Equal(singles.Select(BitConverter.SingleToInt32Bits), reader.Read<float>("layer.weight").Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(doubles.Select(BitConverter.DoubleToInt64Bits), reader.Read<double>("layer.bias").Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal([42.0], reader.Read<double>("scalar"));
        Assert.Empty(reader.Read<float>("empty"));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["note ✓"] = "a+b \"quoted\" ü" }, reader.Metadata);
    }

    [Fact]
    public void WritesAPaddedHeaderAndContiguousDataInInsertionOrder()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<double>("b", [1.0, 2.0], 2);
        writer.Add<float>("a", [3f], 1);
        writer.AddMetadata("k", "v");
        var stream = new MemoryStream();
        writer.WriteTo(stream);
        byte[] file = stream.ToArray();

        int headerLength = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(file));
        Assert.Equal(0, headerLength % 8);
        Assert.Equal(8 + headerLength + 16 + 4, file.Length);
        string header = Encoding.UTF8.GetString(file, 8, headerLength);
        Assert.Equal(
            """{"__metadata__":{"k":"v"},"b":{"dtype":"F64","shape":[2],"data_offsets":[0,16]},"a":{"dtype":"F32","shape":[1],"data_offsets":[16,20]}}""",
            header.TrimEnd(' '));
        Assert.True(header.Length - header.TrimEnd(' ').Length < 8);
        Assert.Equal(2.0, BitConverter.ToDouble(file, 8 + headerLength + 8));
        Assert.Equal(3f, BitConverter.ToSingle(file, 8 + headerLength + 16));
    }

    [Fact]
    public void InvalidAdditionsThrowArgumentException()
    {
        var writer = new SafeTensorsWriter();
        writer.Add<float>("w", [1f, 2f], 2);
        writer.AddMetadata("k", "v");

        Assert.Contains("'w'", Assert.Throws<ArgumentException>(() => writer.Add<float>("w", [1f], 1)).Message);
        Assert.Throws<ArgumentException>(() => writer.Add<double>("w", [1.0], 1));
        Assert.Throws<ArgumentException>(() => writer.Add<float>("__metadata__", [1f], 1));
        Assert.Contains("[2, 2]", Assert.Throws<ArgumentException>(() => writer.Add<float>("v", [1f, 2f, 3f], 2, 2)).Message);
        Assert.Throws<ArgumentException>(() => writer.Add<float>("v", [], -1, 0));
        Assert.Throws<ArgumentException>(() => writer.Add<float>("v", [], 4294967296, 4294967296, 0));
        Assert.Contains("'k'", Assert.Throws<ArgumentException>(() => writer.AddMetadata("k", "other")).Message);

        using SafeTensorsReader reader = TestFiles.Reader(writer);
        Assert.Equal(["w"], reader.Tensors.Select(tensor => tensor.Name));
    }
}

public sealed class RnnWeightsTests
{
    // FakeModel.VanillaRnn(input: 2, hidden: 3, output: 2) in PyTorch's layout: W_ih [3, 2], W_hh [3, 3], b_ih [3], b_hh [3], head W [2, 3], head b [2].
    private static readonly float[] WeightIh = [1, 2, 3, 4, 5, 6];
    private static readonly float[] WeightHh = [11, 12, 13, 14, 15, 16, 17, 18, 19];
    private static readonly float[] BiasIh = [10, 20, 30];
    private static readonly float[] BiasHh = [1, 2, 3];
    private static readonly float[] HeadWeight = [7, 8, 9, 10, 11, 12];
    private static readonly float[] HeadBias = [-1, -2];

    // The same parameters as the model stores them, worked out by hand: W_ih and the head's W transposed, one bias b_ih + b_hh.
    private static readonly float[] ExpectedParameters =
    [
        1, 3, 5, 2, 4, 6,
        11, 12, 13, 14, 15, 16, 17, 18, 19,
        11, 22, 33,
        7, 10, 8, 11, 9, 12,
        -1, -2,
    ];

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void LoadPlacesEveryLayout(bool storeAsF64)
    {
        FakeModel model = FakeModel.VanillaRnn(2, 3, 2);
        SafeTensorsWriter file = PyTorchFile(storeAsF64);
        file.Add<float>("x", [5f], 1);

        RnnWeights.Load(model, TestFiles.AsStream(file));

        Assert.Equal(ExpectedParameters, model.ParameterBuffer);
    }

    [Fact]
    public void SaveWritesPyTorchLayoutAndMetadata()
    {
        FakeModel model = FakeModel.VanillaRnn(2, 3, 2);
        ExpectedParameters.CopyTo(model.ParameterBuffer, 0);
        var stream = new MemoryStream();

        RnnWeights.Save(model, stream);

        stream.Position = 0;
        using var reader = new SafeTensorsReader(stream);
        Assert.Equal(
            ["rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0", "head.weight", "head.bias"],
            reader.Tensors.Select(tensor => tensor.Name));
        Assert.All(reader.Tensors, tensor => Assert.Equal("F32", tensor.DType));
        Assert.Equal("[3, 2]", reader.GetTensor("rnn.weight_ih_l0").ShapeText);
        Assert.Equal("[3]", reader.GetTensor("rnn.bias_hh_l0").ShapeText);
        Assert.Equal("[2, 3]", reader.GetTensor("head.weight").ShapeText);
        Assert.Equal(WeightIh, reader.Read<float>("rnn.weight_ih_l0"));
        Assert.Equal(WeightHh, reader.Read<float>("rnn.weight_hh_l0"));
        Assert.Equal([11f, 22f, 33f], reader.Read<float>("rnn.bias_ih_l0"));
        Assert.Equal([0f, 0f, 0f], reader.Read<float>("rnn.bias_hh_l0"));
        Assert.Equal(HeadWeight, reader.Read<float>("head.weight"));
        Assert.Equal(HeadBias, reader.Read<float>("head.bias"));
        Assert.Equal(new Dictionary<string, string> { ["format"] = "pt", ["generator"] = "RnnGen" }, reader.Metadata);
    }

    [Fact]
    public void SaveThenLoadRestoresEveryParameter()
    {
        FakeModel original = FakeModel.VanillaRnn(4, 5, 3);
        var random = new Random(7);
        for (int i = 0; i < original.ParameterBuffer.Length; i++)
        {
            original.ParameterBuffer[i] = (float)(random.NextDouble() - 0.5);
        }

        var stream = new MemoryStream();
        RnnWeights.Save(original, stream);
        FakeModel copy = FakeModel.VanillaRnn(4, 5, 3);
        stream.Position = 0;
        RnnWeights.Load(copy, stream);

        Assert.Equal(original.ParameterBuffer, copy.ParameterBuffer);
        Assert.True(stream.CanRead, "Load(Stream) leaves the stream open.");
    }

    [Fact]
    public void LoadsTheTinyReferenceFile()
    {
        FakeModel model = FakeModel.VanillaRnn(1, 1, 1);

        RnnWeights.Load(model, TestFiles.Reference("uni1_tiny"));

        Assert.Equal(
            [0.10906147956848145f, 0.04753750562667847f, 0.29013538360595703f + 0.4070500135421753f, 0.36050522327423096f, -0.039660096168518066f],
            model.ParameterBuffer);
    }

    [Fact]
    public void MissingTensorThrowsNamingItAndLeavesParametersUnchanged()
    {
        FakeModel model = FakeModel.WithSentinelParameters();
        var file = new SafeTensorsWriter();
        file.Add<float>("rnn.weight_ih_l0", WeightIh, 3, 2);
        file.Add<float>("rnn.weight_hh_l0", WeightHh, 3, 3);
        file.Add<float>("rnn.bias_ih_l0", BiasIh, 3);
        file.Add<float>("rnn.bias_hh_l0", BiasHh, 3);
        file.Add<float>("head.weight", HeadWeight, 2, 3);

        var exception = Assert.Throws<SafeTensorsException>(() => RnnWeights.Load(model, TestFiles.AsStream(file)));

        Assert.Contains("'head.bias'", exception.Message);
        Assert.Contains("[2]", exception.Message);
        Assert.Equal(FakeModel.Sentinels(model.ParameterBuffer.Length), model.ParameterBuffer);
    }

    [Fact]
    public void WrongShapeThrowsNamingTensorAndBothShapesAndLeavesParametersUnchanged()
    {
        FakeModel model = FakeModel.WithSentinelParameters();
        SafeTensorsWriter file = PyTorchFile(storeAsF64: false, headWeightShape: [3, 2]);

        var exception = Assert.Throws<SafeTensorsException>(() => RnnWeights.Load(model, TestFiles.AsStream(file)));

        Assert.Contains("'head.weight'", exception.Message);
        Assert.Contains("[3, 2]", exception.Message);
        Assert.Contains("[2, 3]", exception.Message);
        Assert.Equal(FakeModel.Sentinels(model.ParameterBuffer.Length), model.ParameterBuffer);
    }

    [Fact]
    public void VectorStoredAsMatrixIsAWrongShape()
    {
        FakeModel model = FakeModel.WithSentinelParameters();
        SafeTensorsWriter file = PyTorchFile(storeAsF64: false, headBiasShape: [2, 1]);

        var exception = Assert.Throws<SafeTensorsException>(() => RnnWeights.Load(model, TestFiles.AsStream(file)));

        Assert.Contains("'head.bias' has shape [2, 1]", exception.Message);
        Assert.Equal(FakeModel.Sentinels(model.ParameterBuffer.Length), model.ParameterBuffer);
    }

    [Fact]
    public void WrongDTypeThrowsNamingTensorAndDTypeAndLeavesParametersUnchanged()
    {
        FakeModel model = FakeModel.WithSentinelParameters();
        var file = new SafeTensorsWriter();
        file.Add<float>("rnn.weight_ih_l0", WeightIh, 3, 2);
        file.Add<float>("rnn.weight_hh_l0", WeightHh, 3, 3);
        file.Add<float>("rnn.bias_ih_l0", BiasIh, 3);
        file.Add<Half>("rnn.bias_hh_l0", BiasHh.Select(value => (Half)value).ToArray(), 3);
        file.Add<float>("head.weight", HeadWeight, 2, 3);
        file.Add<float>("head.bias", HeadBias, 2);
        // F16 loads; the same two-byte elements declared I16 (the header's one F16, respelled in place) must not.
        byte[] bytes = TestFiles.AsStream(file).ToArray();
        int at = Encoding.UTF8.GetString(bytes).IndexOf("\"F16\"", StringComparison.Ordinal);
        bytes[at + 1] = (byte)'I';

        var exception = Assert.Throws<SafeTensorsException>(() => RnnWeights.Load(model, new MemoryStream(bytes)));

        Assert.Contains("'rnn.bias_hh_l0'", exception.Message);
        Assert.Contains("I16", exception.Message);
        Assert.Equal(FakeModel.Sentinels(model.ParameterBuffer.Length), model.ParameterBuffer);
    }

    [Theory]
    [InlineData(double.NaN, false, "NaN")]
    [InlineData(double.PositiveInfinity, false, "+infinity")]
    [InlineData(double.NegativeInfinity, true, "-infinity")]
    [InlineData(1e300, true, "+infinity (or a value beyond float's range")]
    public void NonFiniteTensorThrowsNamingTensorAndFirstBadIndexAndLeavesParametersUnchanged(double bad, bool storeAsF64, string named)
    {
        FakeModel model = FakeModel.WithSentinelParameters();
        double[] headWeight = [.. HeadWeight.Select(value => (double)value)];
        headWeight[4] = bad; // row 1, column 1 of [2, 3], in the file's row-major order
        headWeight[5] = double.NaN; // a later one: only the first is named
        SafeTensorsWriter file = PyTorchFile(storeAsF64, headWeight: headWeight);

        var exception = Assert.Throws<SafeTensorsException>(() => RnnWeights.Load(model, TestFiles.AsStream(file)));

        Assert.Contains($"Tensor 'head.weight' holds {named}", exception.Message);
        Assert.Contains("at index [1, 1]:", exception.Message);
        Assert.Contains("AllowNonFinite", exception.Message);
        Assert.Equal(FakeModel.Sentinels(model.ParameterBuffer.Length), model.ParameterBuffer);
    }

    [Fact]
    public void AllowNonFiniteLoadsNaNWhereTheFilePutsIt()
    {
        FakeModel model = FakeModel.WithSentinelParameters();
        double[] headWeight = [.. HeadWeight.Select(value => (double)value)];
        headWeight[1] = double.NaN; // row 0, column 1 of PyTorch's [2, 3]: stored transposed, at column 1 * 2 + row 0
        SafeTensorsWriter file = PyTorchFile(storeAsF64: false, headWeight: headWeight);

        RnnWeights.Load(model, TestFiles.AsStream(file), new WeightLoadOptions { AllowNonFinite = true });

        float[] expected = [.. ExpectedParameters];
        int headWeightOffset = 6 + 9 + 3;
        expected[headWeightOffset + 2] = float.NaN;
        Assert.Equal(expected, model.ParameterBuffer);
    }

    [Theory]
    [InlineData("rnn.weight_ih_l1", "[3, 3]")] // a second layer where the model declares one
    [InlineData("rnn.bias_ih_l0_reverse", "[3]")] // a reverse direction of a unidirectional model
    [InlineData("rnn.weight_hr_l0", "[3, 3]")] // an LSTM's projection (proj_size), which the model does not have
    public void AParameterOfAModuleTheModelReadsThatTheModelLacksIsRefused(string extra, string shape)
    {
        FakeModel model = FakeModel.WithSentinelParameters();
        SafeTensorsWriter file = PyTorchFile(storeAsF64: false);
        file.Add<float>(extra, new float[shape == "[3]" ? 3 : 9], shape == "[3]" ? [3] : [3, 3]);

        var exception = Assert.Throws<SafeTensorsException>(() => RnnWeights.Load(model, TestFiles.AsStream(file)));

        Assert.Contains($"Tensor '{extra}' {shape} is a parameter of the file's module 'rnn'", exception.Message);
        Assert.Contains("weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0", exception.Message);
        Assert.Contains("AllowUnexpectedTensors", exception.Message);
        Assert.Equal(FakeModel.Sentinels(model.ParameterBuffer.Length), model.ParameterBuffer);
    }

    [Fact]
    public void AHeadBiasInTheFileOfAModelDeclaredWithoutOneIsRefusedUnlessAllowed()
    {
        FakeModel full = FakeModel.VanillaRnn(2, 3, 2);
        RnnParameterTensor[] withoutHeadBias = [.. full.ParameterTensors[..^1]];
        var model = new FakeModel(withoutHeadBias, withoutHeadBias[^1].Offset + withoutHeadBias[^1].Length);

        var exception = Assert.Throws<SafeTensorsException>(() => RnnWeights.Load(model, TestFiles.AsStream(PyTorchFile(storeAsF64: false))));
        Assert.Contains("Tensor 'head.bias' [2] is a parameter of the file's module 'head'", exception.Message);

        RnnWeights.Load(model, TestFiles.AsStream(PyTorchFile(storeAsF64: false)), new WeightLoadOptions { AllowUnexpectedTensors = true });
        Assert.Equal(ExpectedParameters[..^2], model.ParameterBuffer);
    }

    [Fact]
    public void ParametersOfModulesTheModelDoesNotReadAreIgnored()
    {
        FakeModel model = FakeModel.VanillaRnn(2, 3, 2);
        SafeTensorsWriter file = PyTorchFile(storeAsF64: false);
        file.Add<float>("decoder.rnn.weight_ih_l1", new float[9], 3, 3);
        file.Add<float>("classifier.bias", new float[2], 2);

        RnnWeights.Load(model, TestFiles.AsStream(file));

        Assert.Equal(ExpectedParameters, model.ParameterBuffer);
    }

    [Fact]
    public void TensorsThatDoNotFitTheBufferAreRejectedAsAModelBug()
    {
        var model = new FakeModel([new RnnParameterTensor("w", 2, 3, 1, RnnTensorLayout.AsIs)], parameterCount: 6);

        Assert.Contains("'w'", Assert.Throws<ArgumentException>(() => RnnWeights.Save(model, new MemoryStream())).Message);
        var file = new SafeTensorsWriter();
        file.Add<float>("w", new float[6], 2, 3);
        Assert.Throws<ArgumentException>(() => RnnWeights.Load(model, TestFiles.AsStream(file)));
    }

    [Fact]
    public void SaveToAPathThenLoadFromItLeavesNoTemporaryFile()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, "weights.safetensors");
        FakeModel model = FakeModel.VanillaRnn(2, 3, 2);
        ExpectedParameters.CopyTo(model.ParameterBuffer, 0);

        RnnWeights.Save(model, path);
        ExpectedParameters.Select(value => value + 1).ToArray().CopyTo(model.ParameterBuffer, 0);
        RnnWeights.Save(model, path);
        FakeModel loaded = FakeModel.VanillaRnn(2, 3, 2);
        RnnWeights.Load(loaded, path);

        Assert.Equal(ExpectedParameters.Select(value => value + 1), loaded.ParameterBuffer);
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void SaveThatFailsMidwayLeavesTheOldFileIntactAndNoTemporaryFile()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, "weights.safetensors");
        FakeModel model = FakeModel.VanillaRnn(2, 3, 2);
        RnnWeights.Save(model, path);
        byte[] before = File.ReadAllBytes(path);
        ExpectedParameters.CopyTo(model.ParameterBuffer, 0);

        var exception = Assert.Throws<IOException>(() => RnnWeights.Save(model, path, file => new FailingStream(file, failAfterBytes: 100)));

        Assert.Equal(FailingStream.FailureMessage, exception.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    [Fact]
    public void SaveOfABrokenModelLeavesTheOldFileIntact()
    {
        using var directory = new TemporaryDirectory();
        string path = Path.Combine(directory.Path, "weights.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        var model = new FakeModel([new RnnParameterTensor("w", 4, 0, 0, RnnTensorLayout.Transposed)], parameterCount: 4);

        Assert.Throws<ArgumentException>(() => RnnWeights.Save(model, path));

        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Equal([path], Directory.GetFiles(directory.Path));
    }

    private static SafeTensorsWriter PyTorchFile(bool storeAsF64, long[]? headWeightShape = null, long[]? headBiasShape = null, double[]? headWeight = null)
    {
        var file = new SafeTensorsWriter();
        Add("rnn.weight_ih_l0", WeightIh, [3, 2]);
        Add("rnn.weight_hh_l0", WeightHh, [3, 3]);
        Add("rnn.bias_ih_l0", BiasIh, [3]);
        Add("rnn.bias_hh_l0", BiasHh, [3]);
        if (headWeight is not null)
        {
            AddValues("head.weight", headWeight, headWeightShape ?? [2, 3]);
        }
        else
        {
            Add("head.weight", HeadWeight, headWeightShape ?? [2, 3]);
        }

        Add("head.bias", HeadBias, headBiasShape ?? [2]);
        return file;

        void Add(string name, float[] values, long[] shape) => AddValues(name, [.. values.Select(value => (double)value)], shape);

        void AddValues(string name, double[] values, long[] shape)
        {
            if (storeAsF64)
            {
                file.Add<double>(name, values, shape);
            }
            else
            {
                file.Add<float>(name, [.. values.Select(value => (float)value)], shape);
            }
        }
    }
}

/// <summary>A hand-written IRnnModel double: only the parameter buffer and its tensor map are real.</summary>
internal sealed class FakeModel : IRnnModel<float>
{
    private readonly RnnParameterTensor[] _tensors;

    public FakeModel(RnnParameterTensor[] tensors, int parameterCount)
    {
        _tensors = tensors;
        ParameterBuffer = new float[parameterCount];
    }

    public float[] ParameterBuffer { get; }

    public RnnShape Shape => throw new NotSupportedException();

    public Span<float> Parameters => ParameterBuffer;

    public ReadOnlySpan<RnnParameterTensor> ParameterTensors => _tensors;

    public int Steps => throw new NotSupportedException();

    public ReadOnlySpan<float> HiddenOutputs => throw new NotSupportedException();

    public ReadOnlySpan<float> FinalState => throw new NotSupportedException();

    /// <summary>One vanilla layer and a head, laid out as a generated model would: W_ih and the head's W transposed, bias_hh added onto bias_ih.</summary>
    public static FakeModel VanillaRnn(int input, int hidden, int output)
    {
        int weightHh = hidden * input;
        int bias = weightHh + (hidden * hidden);
        int headWeight = bias + hidden;
        int headBias = headWeight + (output * hidden);
        return new FakeModel(
            [
                new("rnn.weight_ih_l0", hidden, input, 0, RnnTensorLayout.Transposed),
                new("rnn.weight_hh_l0", hidden, hidden, weightHh, RnnTensorLayout.AsIs),
                new("rnn.bias_ih_l0", hidden, 0, bias, RnnTensorLayout.AsIs),
                new("rnn.bias_hh_l0", hidden, 0, bias, RnnTensorLayout.AddedBias),
                new("head.weight", output, hidden, headWeight, RnnTensorLayout.Transposed),
                new("head.bias", output, 0, headBias, RnnTensorLayout.AsIs),
            ],
            headBias + output);
    }

    public static FakeModel WithSentinelParameters()
    {
        FakeModel model = VanillaRnn(2, 3, 2);
        Sentinels(model.ParameterBuffer.Length).CopyTo(model.ParameterBuffer, 0);
        return model;
    }

    public static float[] Sentinels(int count) => Enumerable.Range(0, count).Select(i => 1000f + i).ToArray();

    public void Forward(ReadOnlySpan<float> inputs, ReadOnlySpan<float> initialState, Span<float> predictions) => throw new NotSupportedException();

    public void ForwardBatch(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, Span<float> predictions) => throw new NotSupportedException();

    public float AccumulateBatchGradients(ReadOnlySpan<float> inputs, ReadOnlySpan<int> lengths, ReadOnlySpan<float> targets) => throw new NotSupportedException();

    public void ShareParameters(IRnnModel<float> source) => throw new NotSupportedException();

    public float Loss(ReadOnlySpan<float> predictions, ReadOnlySpan<float> targets) => throw new NotSupportedException();

    public void InitializeParameters(Random random) => throw new NotSupportedException();

    public Span<float> Gradients => throw new NotSupportedException();

    public void ZeroGradients() => throw new NotSupportedException();

    public float Backward(ReadOnlySpan<float> targets, Span<float> inputGradients, Span<float> initialStateGradients) => throw new NotSupportedException();

    public void BackwardFromPredictionGradients(ReadOnlySpan<float> predictionGradients, Span<float> inputGradients, Span<float> initialStateGradients) => throw new NotSupportedException();
}

/// <summary>Writes through to another stream, then fails like a full disk once a byte budget is spent.</summary>
internal sealed class FailingStream(Stream inner, long failAfterBytes) : Stream
{
    public const string FailureMessage = "Simulated write failure.";

    private long _remaining = failAfterBytes;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        int allowed = (int)Math.Min(buffer.Length, _remaining);
        inner.Write(buffer[..allowed]);
        _remaining -= allowed;
        if (allowed < buffer.Length)
        {
            throw new IOException(FailureMessage);
        }
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}

internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "rnngen-safetensors-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}

internal static class TestFiles
{
    public static string Reference(string name) => Path.Combine(AppContext.BaseDirectory, "data", "pytorch", name + ".safetensors");

    /// <summary>A file with the given header text (unpadded) and data section.</summary>
    public static byte[] Build(string header, byte[] data)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        return Raw((ulong)headerBytes.Length, headerBytes, data);
    }

    /// <summary>A file whose length prefix may disagree with the header that follows it.</summary>
    public static byte[] Raw(ulong declaredHeaderLength, byte[] header, byte[] data)
    {
        var file = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, declaredHeaderLength);
        header.CopyTo(file, 8);
        data.CopyTo(file, 8 + header.Length);
        return file;
    }

    public static MemoryStream AsStream(SafeTensorsWriter writer)
    {
        var stream = new MemoryStream();
        writer.WriteTo(stream);
        stream.Position = 0;
        return stream;
    }

    public static SafeTensorsReader Reader(SafeTensorsWriter writer) => new(AsStream(writer));
}
