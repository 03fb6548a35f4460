using System;
using System.Text;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Writes C# source line by line with four-space indentation, and braces that indent their contents; once told where the
/// class body is (<see cref="MarkMembers"/>), it puts an attribute on every member declared there but constants.
/// </summary>
internal sealed class SourceWriter
{
    private static readonly string[] s_memberStarts = ["public ", "private ", "internal ", "protected "];

    private readonly StringBuilder _text = new();
    private int _indent;
    private int _memberDepth = -1;
    private string? _memberAttribute;

    public void Line(string line = "")
    {
        if (_indent == _memberDepth && IsMemberStart(line))
        {
            Write(_memberAttribute!);
        }
        Write(line);
    }

    /// <summary>From now on, every member declaration at the current depth (a class body) but a <c>const</c> gets <paramref name="attribute"/> on the line above.</summary>
    public void MarkMembers(string attribute)
    {
        _memberDepth = _indent;
        _memberAttribute = attribute;
    }

    private static bool IsMemberStart(string line)
    {
        foreach (string start in s_memberStarts)
        {
            if (line.StartsWith(start, StringComparison.Ordinal))
            {
                return line.IndexOf(" const ", StringComparison.Ordinal) < 0;
            }
        }
        return false;
    }

    private void Write(string line)
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
