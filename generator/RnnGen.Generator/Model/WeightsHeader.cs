using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace RnnGen.Generator.Model;

/// <summary>One tensor of a safetensors header: its name, dtype and shape.</summary>
internal sealed record HeaderTensor(string Name, string DType, EquatableArray<long> Shape)
{
    /// <summary>The shape as safetensors and PyTorch write it, e.g. <c>[512, 128]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape.Select(static size => size.ToString(CultureInfo.InvariantCulture))) + "]";

    /// <summary>The module path the name begins with (<c>lstm</c> of <c>lstm.weight_ih_l0</c>; empty for a bare module's): <see cref="ModelSpec.TensorName"/> undone.</summary>
    public string Module => Name.LastIndexOf('.') is var dot and >= 0 ? Name.Substring(0, dot) : "";

    /// <summary>The parameter's own name, after the module path (<c>weight_ih_l0</c>).</summary>
    public string Parameter => Name.Substring(Name.LastIndexOf('.') + 1);
}

/// <summary>
/// The header of a weights file as the build hands it to the compiler: <c>build/RnnGen.targets</c> reads the safetensors
/// file's JSON header (never its tensor data) into <c>obj/.../rnngen/NAME.rnngen.json</c>, an additional file holding
/// <c>{"file": the item as the project lists it, "header": the header}</c>, or <c>"error"</c> in place of the header when the
/// file could not be read. Value-equatable, so the same text parses to an equal result.
/// </summary>
/// <param name="File">The file as the project lists it (<c>RnnGenWeights</c>), with forward slashes.</param>
/// <param name="Error">Why the file or its header could not be read, or null.</param>
/// <param name="Tensors">The header's tensors, in its order.</param>
internal sealed record WeightsHeader(string File, string? Error, EquatableArray<HeaderTensor> Tensors)
{
    /// <summary>The extension of the header files <c>build/RnnGen.targets</c> writes.</summary>
    public const string Extension = ".rnngen.json";

    /// <summary>A project-relative path as a declaration and a project item both may spell it: forward slashes, no leading <c>./</c>.</summary>
    public static string Normalize(string path)
    {
        string normalized = path.Replace('\\', '/');
        return normalized.StartsWith("./", StringComparison.Ordinal) ? normalized.Substring(2) : normalized;
    }

    // A header file's text is the same object while the file is unchanged (the IDE keeps it across edits), so each text
    // is parsed once, however often the analyzer checks the declarations.
    private static readonly ConditionalWeakTable<SourceText, WeightsHeader> s_parsed = new();

    /// <summary>The headers among a project's additional files (the <see cref="Extension"/> files the build writes).</summary>
    public static EquatableArray<WeightsHeader> AllOf(ImmutableArray<AdditionalText> additionalFiles, CancellationToken cancellationToken) =>
        additionalFiles.Where(IsHeaderFile).Select(text => Read(text, cancellationToken)).ToEquatableArray();

    public static bool IsHeaderFile(AdditionalText text) => text.Path.EndsWith(Extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>Reads one <see cref="Extension"/> additional file.</summary>
    public static WeightsHeader Read(AdditionalText text, CancellationToken cancellationToken) =>
        text.GetText(cancellationToken) is { } source
            ? s_parsed.GetValue(source, static source => Parse(source.ToString()))
            : new WeightsHeader("", "the build's copy of its header cannot be read", default);

    /// <summary>Reads an <see cref="Extension"/> file; malformed text gives a header with the reason as <see cref="Error"/>.</summary>
    public static WeightsHeader Parse(string text)
    {
        // The build writes "file" first, so a header that breaks the JSON after it still says which file it is.
        string file = new JsonReader(text).ReadLeadingFile() is { } leading ? Normalize(leading) : "";
        try
        {
            var document = new JsonReader(text).ReadDocument() as Dictionary<string, object?> ?? throw new FormatException("not a JSON object");
            file = document.TryGetValue("file", out object? name) && name is string path ? Normalize(path) : throw new FormatException("no \"file\"");
            if (document.TryGetValue("error", out object? error) && error is string reason)
            {
                return new WeightsHeader(file, reason, default);
            }
            if (!document.TryGetValue("header", out object? header) || header is not Dictionary<string, object?> entries)
            {
                throw new FormatException("the header is not a JSON object");
            }
            var tensors = new List<HeaderTensor>();
            foreach (KeyValuePair<string, object?> entry in entries)
            {
                if (entry.Key == "__metadata__")
                {
                    continue;
                }
                if (entry.Value is not Dictionary<string, object?> info || !info.TryGetValue("dtype", out object? dtype) || dtype is not string dtypeName
                    || !info.TryGetValue("shape", out object? shape) || shape is not List<object?> sizes || !sizes.All(static size => size is double))
                {
                    throw new FormatException($"tensor '{entry.Key}' has no dtype and shape");
                }
                tensors.Add(new HeaderTensor(entry.Key, dtypeName, sizes.Select(static size => (long)(double)size!).ToEquatableArray()));
            }
            return new WeightsHeader(file, null, tensors.ToEquatableArray());
        }
        catch (FormatException exception)
        {
            return new WeightsHeader(file, $"its safetensors header is not valid ({exception.Message})", default);
        }
    }

    /// <summary>Just enough JSON for a safetensors header: objects, arrays, strings, numbers, true, false and null.</summary>
    private sealed class JsonReader(string text)
    {
        private int _at;

        /// <summary>The value of a leading <c>{"file": "..."</c>, or null when the text does not start so.</summary>
        public string? ReadLeadingFile()
        {
            try
            {
                SkipWhitespace();
                Expect('{');
                SkipWhitespace();
                if (Peek() != '"' || ReadString() != "file")
                {
                    return null;
                }
                SkipWhitespace();
                Expect(':');
                SkipWhitespace();
                return Peek() == '"' ? ReadString() : null;
            }
            catch (FormatException)
            {
                return null;
            }
        }

        public object? ReadDocument()
        {
            object? value = ReadValue();
            SkipWhitespace();
            return _at == text.Length ? value : throw new FormatException($"text after the end at {_at}");
        }

        private object? ReadValue()
        {
            SkipWhitespace();
            if (_at >= text.Length)
            {
                throw new FormatException("unexpected end");
            }
            switch (text[_at])
            {
                case '{':
                    return ReadObject();
                case '[':
                    return ReadArray();
                case '"':
                    return ReadString();
                case 't':
                    return ReadWord("true", true);
                case 'f':
                    return ReadWord("false", false);
                case 'n':
                    return ReadWord("null", null);
                default:
                    return ReadNumber();
            }
        }

        private Dictionary<string, object?> ReadObject()
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            _at++;
            SkipWhitespace();
            if (Peek() == '}')
            {
                _at++;
                return result;
            }
            while (true)
            {
                SkipWhitespace();
                string key = Peek() == '"' ? ReadString() : throw new FormatException($"a key expected at {_at}");
                SkipWhitespace();
                Expect(':');
                result[key] = ReadValue();
                SkipWhitespace();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }
                Expect('}');
                return result;
            }
        }

        private List<object?> ReadArray()
        {
            var result = new List<object?>();
            _at++;
            SkipWhitespace();
            if (Peek() == ']')
            {
                _at++;
                return result;
            }
            while (true)
            {
                result.Add(ReadValue());
                SkipWhitespace();
                if (Peek() == ',')
                {
                    _at++;
                    continue;
                }
                Expect(']');
                return result;
            }
        }

        private string ReadString()
        {
            var result = new StringBuilder();
            _at++;
            while (_at < text.Length && text[_at] != '"')
            {
                char c = text[_at++];
                if (c != '\\')
                {
                    result.Append(c);
                    continue;
                }
                char escaped = _at < text.Length ? text[_at++] : throw new FormatException("unexpected end in a string");
                result.Append(escaped switch
                {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\b',
                    'f' => '\f',
                    'u' when _at + 4 <= text.Length => (char)int.Parse(text.Substring((_at += 4) - 4, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
                    _ => escaped,
                });
            }
            Expect('"');
            return result.ToString();
        }

        private double ReadNumber()
        {
            int start = _at;
            while (_at < text.Length && (char.IsDigit(text[_at]) || text[_at] is '-' or '+' or '.' or 'e' or 'E'))
            {
                _at++;
            }
            return double.TryParse(text.Substring(start, _at - start), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                ? value
                : throw new FormatException($"a value expected at {start}");
        }

        private object? ReadWord(string word, object? value)
        {
            if (string.CompareOrdinal(text, _at, word, 0, word.Length) != 0)
            {
                throw new FormatException($"a value expected at {_at}");
            }
            _at += word.Length;
            return value;
        }

        private char Peek() => _at < text.Length ? text[_at] : '\0';

        private void Expect(char c)
        {
            if (Peek() != c)
            {
                throw new FormatException($"'{c}' expected at {_at}");
            }
            _at++;
        }

        private void SkipWhitespace()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }
        }
    }
}
