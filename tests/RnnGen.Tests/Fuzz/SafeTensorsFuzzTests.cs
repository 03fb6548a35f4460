using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.Tasks;
using RnnGen.Tests.Runtime;
using RnnGen.Tests.SafeTensors;
using Xunit;

namespace RnnGen.Tests.Fuzz;

/// <summary>
/// Mutated safetensors files (truncations, bit flips, byte edits, edited header JSON, bad offsets, huge sizes, wrong dtypes,
/// duplicate names, header-length edits) either read completely or fail with <see cref="SafeTensorsException"/> and a message;
/// a failed <see cref="RnnWeights.Load{T}(IRnnModel{T}, Stream, WeightLoadOptions?)"/> leaves the generated model's parameters bit-identical.
/// <c>RNNGEN_FUZZ_SEED=&lt;n&gt;</c> replays another sequence of mutations.
/// </summary>
public sealed class SafeTensorsFuzzTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const int Iterations = 12_000;
    private const string JsonCharacters = "{}[]\":,0123456789-.eE \\uFx";

    /// <summary>Header values that stress the validation: huge, negative, fractional, non-numeric.</summary>
    private static readonly JsonNode?[] HostileNumbers =
    [
        JsonValue.Create(-1), JsonValue.Create(0), JsonValue.Create(1), JsonValue.Create(int.MaxValue), JsonValue.Create(uint.MaxValue),
        JsonValue.Create(long.MaxValue), JsonValue.Create(long.MinValue), JsonValue.Create(ulong.MaxValue), JsonValue.Create(1e30),
        JsonValue.Create(2.5), JsonValue.Create(-0.0), JsonValue.Create("4"), JsonValue.Create(true), null, new JsonArray(), new JsonObject(),
        JsonNode.Parse("18446744073709551616"), JsonNode.Parse("1e400"), JsonNode.Parse("4.0"),
    ];

    private static readonly string[] DTypes = ["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U8", "U64", "BOOL", "F8_E4M3", "F8_E5M2", "F4", "F6_E2M3", "f32", "", "Q7", "F32 ", "\u0000"];

    [Fact]
    public async Task MutatedFilesReadOrThrowSafeTensorsExceptionAndNeverPartlyLoadAModel()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("RNNGEN_FUZZ_SEED"), out int replay) ? replay : 20251126;
        Seed[] seeds = CreateSeeds();
        var random = new Random(seed);
        var outcomes = new Dictionary<string, (int Accepted, int Rejected)>();
        string current = "";

        // A separate task, so a hang fails the test naming the mutation instead of stalling the run (no time limit otherwise:
        // a loaded machine may be slow; about 6 s of CPU on an idle one).
        var clock = Stopwatch.StartNew();
        Task fuzz = Task.Run(() =>
        {
            for (int iteration = 0; iteration < Iterations; iteration++)
            {
                Seed source = seeds[random.Next(seeds.Length)];
                var mutations = new List<string>();
                byte[] file = source.File;
                int rounds = random.Next(8) == 0 ? random.Next(2, 4) : 1;
                for (int round = 0; round < rounds; round++)
                {
                    (string name, file) = Mutate(file, seeds, random);
                    mutations.Add(name);
                }

                string kind = mutations[0].Split(' ')[0];
                current = $"iteration {iteration} (seed {seed}) on {source.Name}: {string.Join("; ", mutations)}";
                bool accepted = Check(file, source, current);
                (int a, int r) = outcomes.GetValueOrDefault(kind);
                outcomes[kind] = accepted ? (a + 1, r) : (a, r + 1);
            }
        });
        try
        {
            await fuzz.WaitAsync(TimeSpan.FromMinutes(10));
        }
        catch (TimeoutException)
        {
            Assert.Fail($"The fuzz loop hung (or is far too slow) at {current}");
        }

        foreach ((string kind, (int a, int r)) in outcomes.OrderBy(o => o.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"{kind,-14} accepted {a,5}  rejected {r,5}");
        }

        output.WriteLine($"{Iterations} mutations in {clock.Elapsed.TotalSeconds:F1} s");
        int accepted = outcomes.Values.Sum(o => o.Accepted);
        int rejected = outcomes.Values.Sum(o => o.Rejected);
        Assert.Equal(Iterations, accepted + rejected);
        // Both outcomes must be common, or the mutations are not exercising the reader.
        Assert.InRange(accepted, Iterations / 50, Iterations * 3 / 4);
        Assert.InRange(rejected, Iterations / 4, Iterations);
    }

    /// <summary>A file far larger than memory is opened by reading its header only, and its data is read in bounded chunks.</summary>
    [Fact]
    public void HugeFilesAreNotReadWhole()
    {
        const long bigBytes = 1L << 40; // 1 TiB of F32 zeros, then a small tensor
        string header = $$$"""{"big":{"dtype":"F32","shape":[{{{bigBytes / 4}}}],"data_offsets":[0,{{{bigBytes}}}]},"small":{"dtype":"F32","shape":[2],"data_offsets":[{{{bigBytes}}},{{{bigBytes + 8}}}]}}""";
        byte[] prefix = TestFiles.Build(header, []);
        var stream = new SparseStream(prefix, prefix.Length + bigBytes + 8);
        long before = GC.GetAllocatedBytesForCurrentThread();

        using var reader = new SafeTensorsReader(stream);
        Assert.Equal(bigBytes / 4, reader.GetTensor("big").ElementCount);
        Assert.Equal([0f, 0f], reader.Read<float>("small"));
        Assert.Throws<NotSupportedException>(() => reader.Read<float>("big"));
        Assert.Throws<ArgumentException>(() => reader.Read<float>("big", new float[16]));
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 1 << 20);
        Assert.InRange(stream.BytesRead, 0, prefix.Length + 1024);
    }

    /// <summary>Reads the whole file and loads it into its model; true when both succeed.</summary>
    private static bool Check(byte[] file, Seed source, string mutation)
    {
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        bool readable;
        try
        {
            using var reader = new SafeTensorsReader(new MemoryStream(file, writable: false));
            foreach (SafeTensorInfo tensor in reader.Tensors)
            {
                if (tensor.DType is "F64" or "F32" or "F16" or "BF16")
                {
                    Assert.Equal(tensor.ElementCount, reader.Read<double>(tensor.Name).Length);
                    Assert.Equal(tensor.ElementCount, reader.Read<float>(tensor.Name).Length);
                }
                else
                {
                    AssertRejected(() => reader.Read<double>(tensor.Name), mutation);
                }
            }

            readable = true;
        }
        catch (SafeTensorsException exception)
        {
            Assert.False(string.IsNullOrWhiteSpace(exception.Message), $"{mutation}: empty message");
            readable = false;
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{mutation}: reading threw {exception.GetType().Name} instead of SafeTensorsException: {exception}");
            throw;
        }

        byte[] before = source.Model.ParameterBytes();
        bool loaded;
        try
        {
            source.Model.Load(new MemoryStream(file, writable: false));
            loaded = true;
        }
        catch (SafeTensorsException exception)
        {
            Assert.False(string.IsNullOrWhiteSpace(exception.Message), $"{mutation}: empty message");
            Assert.True(before.AsSpan().SequenceEqual(source.Model.ParameterBytes()), $"{mutation}: a failed load changed the model's parameters");
            loaded = false;
        }
        catch (Exception exception) when (exception is not Xunit.Sdk.XunitException)
        {
            Assert.Fail($"{mutation}: loading threw {exception.GetType().Name} instead of SafeTensorsException: {exception}");
            throw;
        }

        if (loaded)
        {
            Assert.True(readable, $"{mutation}: the model loaded a file the reader rejects");
            source.Model.Scramble(); // so the next failed load is checked against parameters that differ from any file's
        }

        // Never more than a small multiple of the file: declared sizes must not drive allocations.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        Assert.True(allocated < (16L << 20) + (16L * file.Length), $"{mutation}: {allocated:N0} bytes allocated for a {file.Length:N0}-byte file");
        return readable && loaded;
    }

    private static void AssertRejected(Action read, string mutation)
    {
        var exception = Assert.Throws<SafeTensorsException>(read);
        Assert.False(string.IsNullOrWhiteSpace(exception.Message), $"{mutation}: empty message");
    }

    private static (string Mutation, byte[] File) Mutate(byte[] original, Seed[] seeds, Random random)
    {
        if (!TrySplit(original, out int headerLength))
        {
            // An earlier round broke the framing: only byte-level mutations apply.
            return MutateBytes(original, random);
        }

        return random.Next(10) switch
        {
            < 4 => MutateBytes(original, random),
            < 5 => MutateHeaderLength(original, headerLength, random),
            < 9 => MutateHeaderJson(original, headerLength, random),
            _ => Splice(original, seeds[random.Next(seeds.Length)].File, random),
        };
    }

    private static bool TrySplit(byte[] file, out int headerLength)
    {
        headerLength = 0;
        if (file.Length < 8)
        {
            return false;
        }

        ulong declared = BinaryPrimitives.ReadUInt64LittleEndian(file);
        if (declared > (ulong)(file.Length - 8))
        {
            return false;
        }

        headerLength = (int)declared;
        try
        {
            // Visiting every object makes duplicate keys (which JsonObject rejects lazily) fail here.
            return JsonNode.Parse(file.AsSpan(8, headerLength)) is JsonObject header && Visit(header);
        }
        catch (Exception)
        {
            return false;
        }
    }

    private static bool Visit(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (KeyValuePair<string, JsonNode?> property in obj)
                {
                    Visit(property.Value);
                }

                break;
            case JsonArray array:
                foreach (JsonNode? item in array)
                {
                    Visit(item);
                }

                break;
        }

        return true;
    }

    private static (string, byte[]) MutateBytes(byte[] original, Random random)
    {
        if (original.Length < 9)
        {
            return ("truncate-empty", []);
        }

        int headerEnd = (int)Math.Min((ulong)original.Length, 8 + Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(original), (ulong)original.Length));
        headerEnd = Math.Max(headerEnd, 9);
        var file = new List<byte>(original);
        switch (random.Next(6))
        {
            case 0:
                int length = random.Next(2) == 0 ? random.Next(original.Length) : random.Next(Math.Max(1, headerEnd - 16), original.Length);
                return ($"truncate to {length}", original[..length]);
            case 1:
                int flips = random.Next(1, 6);
                bool inHeader = random.Next(3) != 0;
                for (int i = 0; i < flips; i++)
                {
                    int at = inHeader ? random.Next(headerEnd) : random.Next(original.Length);
                    file[at] ^= (byte)(1 << random.Next(8));
                }

                return ($"flip {flips} bits {(inHeader ? "in the header" : "anywhere")}", [.. file]);
            case 2:
                int replaced = random.Next(8, headerEnd);
                file[replaced] = random.Next(4) == 0 ? (byte)random.Next(256) : (byte)JsonCharacters[random.Next(JsonCharacters.Length)];
                return ($"replace header byte {replaced}", [.. file]);
            case 3:
                int removed = random.Next(8, headerEnd);
                file.RemoveAt(removed);
                return ($"remove header byte {removed}", WithHeaderLength([.. file], (ulong)(headerEnd - 9)));
            case 4:
                int inserted = random.Next(8, headerEnd);
                file.Insert(inserted, (byte)JsonCharacters[random.Next(JsonCharacters.Length)]);
                return ($"insert header byte at {inserted}", WithHeaderLength([.. file], (ulong)(headerEnd - 7)));
            default:
                int digits = 0;
                for (int at = 8; at < headerEnd && digits < 3; at++)
                {
                    if (char.IsAsciiDigit((char)file[at]) && random.Next(20) == 0)
                    {
                        file[at] = (byte)('0' + random.Next(10));
                        digits++;
                    }
                }

                return ($"change {digits} header digits", [.. file]);
        }
    }

    private static (string, byte[]) MutateHeaderLength(byte[] original, int headerLength, Random random)
    {
        ulong declared = random.Next(5) switch
        {
            0 => (ulong)Math.Max(0, headerLength + random.Next(-16, 17)),
            1 => (ulong)original.Length - 8 + (ulong)random.Next(0, 3),
            2 => (ulong)random.NextInt64() << random.Next(2),
            3 => SafeTensorsReader.MaxHeaderLength + (ulong)random.Next(-1, 2),
            _ => ulong.MaxValue - (ulong)random.Next(3),
        };
        return ($"header-length {declared}", WithHeaderLength(original, declared));
    }

    private static (string, byte[]) MutateHeaderJson(byte[] original, int headerLength, Random random)
    {
        var header = (JsonObject)JsonNode.Parse(original.AsSpan(8, headerLength))!;
        byte[] data = original[(8 + headerLength)..];
        List<string> names = header.Select(p => p.Key).Where(k => k != "__metadata__").ToList();
        if (names.Count == 0)
        {
            return MutateBytes(original, random);
        }

        string name = names[random.Next(names.Count)];
        JsonObject? entry = header[name] as JsonObject;
        string description;
        string? duplicateOf = null;
        switch (random.Next(12))
        {
            case 0 when entry is not null:
                long dataLength = data.Length;
                JsonArray offsets = random.Next(5) switch
                {
                    0 => [dataLength - random.Next(0, 8), dataLength + random.Next(1, 64)],
                    1 => [random.Next(0, (int)Math.Min(dataLength + 1, int.MaxValue)), random.Next(0, (int)Math.Min(dataLength + 1, int.MaxValue))],
                    2 => [0, long.MaxValue],
                    3 => [HostileNumbers[random.Next(HostileNumbers.Length)]?.DeepClone(), HostileNumbers[random.Next(HostileNumbers.Length)]?.DeepClone()],
                    _ => OffsetsOf(header, names[random.Next(names.Count)]), // overlaps another tensor, or is its own
                };
                entry["data_offsets"] = offsets;
                description = $"data_offsets of '{name}' = {offsets.ToJsonString()}";
                break;
            case 1 when entry is not null:
                JsonArray shape = random.Next(6) switch
                {
                    0 => [1L << 31, 1L << 31],
                    1 => [long.MaxValue],
                    2 => [0, long.MaxValue, long.MaxValue],
                    3 => [],
                    4 => [.. Enumerable.Range(0, random.Next(60, 70)).Select(_ => (JsonNode)JsonValue.Create(1))],
                    _ => [HostileNumbers[random.Next(HostileNumbers.Length)]?.DeepClone()],
                };
                entry["shape"] = shape;
                description = $"shape of '{name}' = {Shorten(shape.ToJsonString())}";
                break;
            case 2 when entry is not null:
                string dtype = DTypes[random.Next(DTypes.Length)];
                entry["dtype"] = dtype;
                description = $"dtype of '{name}' = {dtype}";
                break;
            case 3 when entry is not null:
                string field = new[] { "dtype", "shape", "data_offsets" }[random.Next(3)];
                JsonNode? value = random.Next(3) == 0 ? null : HostileNumbers[random.Next(HostileNumbers.Length)]?.DeepClone();
                if (random.Next(2) == 0)
                {
                    entry.Remove(field);
                    description = $"remove {field} of '{name}'";
                }
                else
                {
                    entry[field] = value;
                    description = $"{field} of '{name}' = {value?.ToJsonString() ?? "null"}";
                }

                break;
            case 4 when entry is not null:
                string renamed = new[] { "dtypes", "Shape", "data_offset", "offsets", "" }[random.Next(5)];
                string old = new[] { "dtype", "shape", "data_offsets" }[random.Next(3)];
                JsonNode? moved = entry[old]?.DeepClone();
                entry.Remove(old);
                entry[renamed] = moved;
                entry["extra"] = new JsonArray(1, "x", null);
                description = $"rename {old} of '{name}' to '{renamed}'";
                break;
            case 5:
                JsonNode? replacement = HostileNumbers[random.Next(HostileNumbers.Length)]?.DeepClone();
                header[name] = replacement;
                description = $"entry '{name}' = {replacement?.ToJsonString() ?? "null"}";
                break;
            case 6:
                header["__metadata__"] = random.Next(4) switch
                {
                    0 => new JsonObject { ["a"] = 1 },
                    1 => new JsonArray("x"),
                    2 => null,
                    _ => new JsonObject { ["nested"] = new JsonObject { ["b"] = "c" } },
                };
                description = "edit __metadata__";
                break;
            case 7 when names.Count > 1:
                // Two entries with one name: written as text, since a JsonObject cannot hold duplicate keys.
                duplicateOf = names.First(n => n != name);
                description = $"rename '{name}' to the duplicate '{duplicateOf}'";
                break;
            case 8 when names.Count > 1:
                string other = names.First(n => n != name);
                (header[name], header[other]) = (header[other]?.DeepClone(), header[name]?.DeepClone());
                description = $"swap the entries of '{name}' and '{other}'";
                break;
            case 9:
                header.Remove(name);
                description = $"remove tensor '{name}'";
                break;
            case 10:
                description = "nest 10,000 arrays";
                header[name] = null;
                string nested = new string('[', 10_000) + new string(']', 10_000);
                string text = header.ToJsonString().Replace($"\"{name}\":null", $"\"{name}\":{nested}", StringComparison.Ordinal);
                return (description, Frame(Encoding.UTF8.GetBytes(text), data, random));
            default:
                header[name + "\u00e9\u0000"] = header[name]?.DeepClone();
                description = $"add a copy of '{name}' under an odd name";
                break;
        }

        string json = header.ToJsonString();
        if (duplicateOf is not null)
        {
            json = json.Replace($"\"{name}\":", $"\"{duplicateOf}\":", StringComparison.Ordinal);
        }

        return (description, Frame(Encoding.UTF8.GetBytes(json), data, random));
    }

    private static JsonArray OffsetsOf(JsonObject header, string name) =>
        header[name] is JsonObject { } entry && entry["data_offsets"] is JsonArray offsets ? (JsonArray)offsets.DeepClone() : [0, 4];

    /// <summary>Two files cut and joined: one's header and the other's data, or a prefix and a suffix.</summary>
    private static (string, byte[]) Splice(byte[] first, byte[] second, Random random)
    {
        int cut = random.Next(first.Length + 1);
        int from = random.Next(second.Length + 1);
        return ($"splice {cut} bytes + the last {second.Length - from}", [.. first.AsSpan(0, cut), .. second.AsSpan(from)]);
    }

    /// <summary>A header and data with a correct length prefix, padded with spaces as writers do, or not.</summary>
    private static byte[] Frame(byte[] header, byte[] data, Random random)
    {
        int padding = random.Next(2) == 0 ? (8 - (header.Length % 8)) % 8 : 0;
        byte[] padded = [.. header, .. Enumerable.Repeat((byte)' ', padding)];
        return TestFiles.Raw((ulong)padded.Length, padded, data);
    }

    private static byte[] WithHeaderLength(byte[] file, ulong headerLength)
    {
        byte[] bytes = (byte[])file.Clone();
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, headerLength);
        return bytes;
    }

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "...";

    /// <summary>The PyTorch reference files, each with its generated model, and files written by SafeTensorsWriter.</summary>
    private static Seed[] CreateSeeds()
    {
        var seeds = new List<Seed>
        {
            Reference("uni1_tiny", new Case_uni1_tiny_float()),
            Reference("uni1_tanh_m2m", new Case_uni1_tanh_m2m_double()),
            Reference("uni2_relu_m2o", new Case_uni2_relu_m2o_float()),
            Reference("uni2_h0_m2m_softmax", new Case_uni2_h0_m2m_softmax_float()),
            Reference("bi1_tanh_m2m", new Case_bi1_tanh_m2m_double()),
            Reference("bi3_tanh_m2o_softmax", new Case_bi3_tanh_m2o_softmax_float()),
        };

        // Written by SafeTensorsWriter: a model's own SaveWeights output (F32 and F64), plus F16 extras, a scalar, an empty tensor and metadata.
        var tagger = new SmallTagger();
        tagger.InitializeParameters(new Random(3));
        var written = new MemoryStream();
        RnnWeights.Save(tagger, written);
        seeds.Add(new Seed("written SmallTagger", written.ToArray(), new ModelProbe<float>(new SmallTagger())));

        var classifier = new SmallClassifier();
        classifier.InitializeParameters(new Random(4));
        var writer = new SafeTensorsWriter();
        using (var saved = new SafeTensorsReader(SaveToStream(classifier)))
        {
            foreach (SafeTensorInfo tensor in saved.Tensors)
            {
                writer.Add<double>(tensor.Name, saved.Read<double>(tensor.Name), [.. tensor.Shape]);
            }
        }

        writer.Add<Half>("extra.half", [(Half)1.5f, (Half)(-2f), Half.NaN], 3);
        writer.Add<float>("extra.scalar", [7f]);
        writer.Add<float>("extra.empty", [], 0, 5);
        writer.AddMetadata("note", "fuzz seed");
        seeds.Add(new Seed("written SmallClassifier + extras", TestFiles.AsStream(writer).ToArray(), new ModelProbe<double>(new SmallClassifier())));
        return [.. seeds];
    }

    private static MemoryStream SaveToStream<T>(IRnnModel<T> model)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        var stream = new MemoryStream();
        RnnWeights.Save(model, stream);
        stream.Position = 0;
        return stream;
    }

    private static Seed Reference<T>(string name, IRnnModel<T> model)
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        byte[] file = File.ReadAllBytes(TestFiles.Reference(name));
        var probe = new ModelProbe<T>(model);
        probe.Load(new MemoryStream(file)); // the unmutated seed must load
        probe.Scramble();
        return new Seed(name, file, probe);
    }

    private sealed record Seed(string Name, byte[] File, IModelProbe Model);

    private interface IModelProbe
    {
        byte[] ParameterBytes();

        void Load(Stream stream);

        void Scramble();
    }

    private sealed class ModelProbe<T>(IRnnModel<T> model) : IModelProbe
        where T : unmanaged, IBinaryFloatingPointIeee754<T>
    {
        private int _scrambles;

        public byte[] ParameterBytes() => MemoryMarshal.AsBytes(model.Parameters).ToArray();

        public void Load(Stream stream) => RnnWeights.Load(model, stream);

        public void Scramble() => model.InitializeParameters(new Random(++_scrambles));
    }

    /// <summary>A read-only stream of the given length: <paramref name="prefix"/>, then zeros; counts the bytes read.</summary>
    private sealed class SparseStream(byte[] prefix, long length) : Stream
    {
        private long _position;

        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => true;

        public override bool CanWrite => false;

        public override long Length => length;

        public override long Position
        {
            get => _position;
            set => _position = value;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int count = (int)Math.Clamp(length - _position, 0, buffer.Length);
            for (int i = 0; i < count; i++)
            {
                long at = _position + i;
                buffer[i] = at < prefix.Length ? prefix[at] : (byte)0;
            }

            _position += count;
            BytesRead += count;
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => length + offset,
        };

        public override void Flush()
        {
        }

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
