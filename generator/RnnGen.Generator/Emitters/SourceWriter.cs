using System;
using System.Text;

namespace RnnGen.Generator.Emitters;

/// <summary>Writes C# source line by line with four-space indentation, and braces that indent their contents.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _indent * 4);
        }
        _text.Append(line).Append('\n');
    }

    /// <summary>Writes a line, an opening brace, the body, and the closing brace.</summary>
    public void Block(string header, Action body, string closing = "}")
    {
        Line(header);
        Line("{");
        _indent++;
        body();
        _indent--;
        Line(closing);
    }

    /// <summary>Writes an XML doc summary, one line.</summary>
    public void Summary(string text) => Line($"/// <summary>{text}</summary>");

    public override string ToString() => _text.ToString();
}
