using System;
using System.Collections.Generic;

namespace PosTagging;

/// <summary>
/// The 12 universal part-of-speech tags of Petrov, Das and McDonald (2012), and the mapping of the Brown corpus's
/// 87 basic tags (and their compounds) onto them.
/// </summary>
/// <remarks>
/// A Brown tag is reduced first: the title, headline and cited-word suffixes (<c>-tl</c>, <c>-hl</c>, <c>-nc</c>)
/// are dropped, foreign words (<c>fw-…</c>) are X, a contraction takes its first part (<c>ppss+md</c> → <c>ppss</c>)
/// and a negation mark is dropped (<c>md*</c> → <c>md</c>). Then:
/// NOUN nn nns np nps nr nrs and their possessives ($);
/// VERB vb vbd vbg vbn vbz md and every form of be, have and do;
/// ADJ jj jjr jjs jjt od;
/// ADV rb rbr rbt rn ql qlp wql wrb and the negation <c>*</c> (not, n't);
/// PRON pn pp$ pp$$ ppl ppls ppo pps ppss wp$ wpo wps;
/// DET at ap abn abl abx dt dti dts dtx wdt ex;
/// ADP in; NUM cd; CONJ cc cs; PRT to rp;
/// . the punctuation tags (. , : ( ) `` '' ' --);
/// X uh, nil and foreign words.
/// </remarks>
public static class UniversalTags
{
    public const int Count = 12;

    public static readonly string[] Names = ["NOUN", "VERB", "ADJ", "ADV", "PRON", "DET", "ADP", "NUM", "CONJ", "PRT", ".", "X"];

    private static readonly Dictionary<string, int> Basic = Build();

    private static readonly Dictionary<string, int> Cache = new(StringComparer.Ordinal);

    /// <summary>The universal tag (an index into <see cref="Names"/>) of a Brown tag such as <c>nn-tl</c> or <c>ppss+md</c>.</summary>
    public static int FromBrown(string brownTag)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(brownTag, out int tag))
            {
                tag = Map(brownTag);
                Cache[brownTag] = tag;
            }

            return tag;
        }
    }

    private static int Map(string brownTag)
    {
        string tag = brownTag;
        bool stripped;
        do
        {
            stripped = false;
            foreach (string suffix in (string[])["-tl", "-hl", "-nc"])
            {
                if (tag.Length > suffix.Length && tag.EndsWith(suffix, StringComparison.Ordinal))
                {
                    tag = tag[..^suffix.Length];
                    stripped = true;
                }
            }
        }
        while (stripped);

        if (tag.StartsWith("fw-", StringComparison.Ordinal))
        {
            return Index("X");
        }

        int plus = tag.IndexOf('+');
        if (plus > 0)
        {
            tag = tag[..plus];
        }

        if (tag.Length > 1 && tag.EndsWith('*'))
        {
            tag = tag[..^1];
        }

        if (Basic.TryGetValue(tag, out int universal))
        {
            return universal;
        }

        // Possessives: nn$ → nn, np$ → np, ...; pp$ and wp$ are listed themselves.
        return tag.Length > 1 && tag.EndsWith('$') && Basic.TryGetValue(tag[..^1], out universal) ? universal : Index("X");
    }

    private static Dictionary<string, int> Build()
    {
        var map = new Dictionary<string, int>(StringComparer.Ordinal);
        void Add(string universal, string brownTags)
        {
            foreach (string tag in brownTags.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                map[tag] = Index(universal);
            }
        }

        Add("NOUN", "nn nns np nps nr nrs");
        Add("VERB", "vb vbd vbg vbn vbz md be bed bedz beg bem ben ber bez hv hvd hvg hvn hvz do dod doz");
        Add("ADJ", "jj jjr jjs jjt od");
        Add("ADV", "rb rbr rbt rn ql qlp wql wrb *");
        Add("PRON", "pn pp$ pp$$ ppl ppls ppo pps ppss wp$ wpo wps");
        Add("DET", "at ap abn abl abx dt dti dts dtx wdt ex");
        Add("ADP", "in");
        Add("NUM", "cd");
        Add("CONJ", "cc cs");
        Add("PRT", "to rp");
        Add(".", ". , : ( ) `` '' ' --");
        Add("X", "uh nil");
        return map;
    }

    private static int Index(string name) => Array.IndexOf(Names, name);
}
