using System;
using System.Collections.Generic;
using RnnGen.Samples;

namespace PosTagging;

/// <summary>
/// Turns a token into the tagger's input vector of <see cref="Size"/> values:
/// <list type="bullet">
/// <item>35 hashed features of the word (<see cref="HashedFeatures"/>: the lowercased word, suffixes, prefix, shape);</item>
/// <item>12 values: the distribution of the word's universal tags in the training texts (a lexicon, the same
/// counts the most-frequent-tag baseline uses), zero for a word not in them;</item>
/// <item>1 value: 1 when the word is not in the lexicon.</item>
/// </list>
/// For training tokens the lexicon leaves the token itself out of the counts (leave-one-out), so a word seen once
/// in training looks unknown, just as unseen words will at test time, and the network learns to tag those from
/// their spelling and context.
/// </summary>
public sealed class TokenEncoder
{
    public const int HashedSize = 35;
    public const int Size = HashedSize + UniversalTags.Count + 1;

    private readonly HashedFeatures _hashed = new(HashedSize, seed: 12);
    private readonly Dictionary<string, int[]> _counts = new(StringComparer.Ordinal);

    /// <summary>Counts the universal tags of every (lowercased) word in <paramref name="texts"/>.</summary>
    public TokenEncoder(IEnumerable<BrownText> texts)
    {
        foreach (BrownText text in texts)
        {
            foreach (TaggedWord token in text.Tokens)
            {
                string key = Key(token.Word);
                if (!_counts.TryGetValue(key, out int[]? counts))
                {
                    counts = new int[UniversalTags.Count];
                    _counts[key] = counts;
                }

                counts[UniversalTags.FromBrown(token.Tag)]++;
            }
        }
    }

    public int Vocabulary => _counts.Count;

    public bool IsKnown(string word) => _counts.ContainsKey(Key(word));

    /// <summary>The lexicon key: the word in lower case, so sentence-initial capitals share their word's counts.</summary>
    public static string Key(string word) => word.ToLowerInvariant();

    /// <summary>The most frequent training tag of <paramref name="word"/>, or <paramref name="unknownTag"/> for a word not seen in training.</summary>
    public int MostFrequentTag(string word, int unknownTag)
    {
        if (!_counts.TryGetValue(Key(word), out int[]? counts))
        {
            return unknownTag;
        }

        int best = 0;
        for (int t = 1; t < counts.Length; t++)
        {
            if (counts[t] > counts[best])
            {
                best = t;
            }
        }

        return best;
    }

    /// <summary>
    /// Writes the vector of <paramref name="word"/> into <paramref name="destination"/>; <paramref name="leaveOut"/> is
    /// the token's own tag when it is a training token (its count is subtracted), or -1.
    /// </summary>
    public void Encode(string word, int leaveOut, Span<float> destination)
    {
        _hashed.Of(word).CopyTo(destination);
        Span<float> lexicon = destination.Slice(HashedSize, UniversalTags.Count + 1);
        lexicon.Clear();
        int total = 0;
        if (_counts.TryGetValue(Key(word), out int[]? counts))
        {
            for (int t = 0; t < counts.Length; t++)
            {
                int count = counts[t] - (t == leaveOut ? 1 : 0);
                lexicon[t] = count;
                total += count;
            }
        }

        if (total == 0)
        {
            lexicon.Clear();
            lexicon[UniversalTags.Count] = 1;
            return;
        }

        for (int t = 0; t < UniversalTags.Count; t++)
        {
            lexicon[t] /= total;
        }
    }
}
