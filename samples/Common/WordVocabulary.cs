using System;
using System.Collections.Generic;
using System.Linq;

namespace RnnGen.Samples;

/// <summary>
/// Token ids for a model's embedding: the <see cref="Size"/> - 2 most frequent lowercased words of the training texts
/// (ties by first appearance), id 0 for padding and id 1 for every other word, as a PyTorch text pipeline builds them.
/// </summary>
public sealed class WordVocabulary
{
    /// <summary>The ids, 0 to Size - 1: what a model's <c>VocabularySize</c> is declared as.</summary>
    public const int Size = 8192;

    public const int Padding = 0;
    public const int Unknown = 1;

    private readonly Dictionary<string, int> _ids = new(StringComparer.Ordinal);

    public WordVocabulary(IEnumerable<BrownText> trainingTexts)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (TaggedWord token in trainingTexts.SelectMany(static text => text.Tokens))
        {
            string key = Key(token.Word);
            if (!counts.TryGetValue(key, out int count))
            {
                order.Add(key);
            }

            counts[key] = count + 1;
        }

        foreach (string word in order.OrderByDescending(word => counts[word]).Take(Size - 2))
        {
            _ids[word] = _ids.Count + 2;
        }

        Covered = counts.Where(pair => _ids.ContainsKey(pair.Key)).Sum(static pair => pair.Value) / (double)counts.Values.Sum();
    }

    /// <summary>The share of the training tokens whose word has an id of its own.</summary>
    public double Covered { get; }

    /// <summary>The word's id, or <see cref="Unknown"/>.</summary>
    public int Id(string word) => _ids.TryGetValue(Key(word), out int id) ? id : Unknown;

    private static string Key(string word) => word.ToLowerInvariant();
}
