using System;
using System.Collections.Generic;
using System.Linq;
using RnnGen;

namespace DateTranslation;

/// <summary>One written date and its ISO translation.</summary>
/// <param name="Text">The written date, e.g. "Mar 3, 1999".</param>
/// <param name="Iso">The ISO date, e.g. "1999-03-03".</param>
/// <param name="Format">How <paramref name="Text"/> was written.</param>
public sealed record DateExample(string Text, string Iso, DateFormat Format)
{
    /// <summary>The example as the pair's trainer reads it: the written date's character ids, [T], and the ISO date one-hot with its end token, [TargetSteps, TargetSize].</summary>
    public TrainingSequence<float> ForTraining() => new(Characters.EncodeSource(Text), Characters.EncodeTarget(Iso));
}

/// <summary>Draws the examples: the dates of the range are split once into training and held-out dates, so no held-out date is ever trained on, in any format.</summary>
public static class DateExamples
{
    /// <summary>Every date of the range, shuffled by <paramref name="random"/> and split: <paramref name="heldOutFraction"/> of them held out.</summary>
    public static (DateOnly[] Training, DateOnly[] HeldOut) SplitDates(Random random, double heldOutFraction)
    {
        int count = DateFormats.Last.DayNumber - DateFormats.First.DayNumber + 1;
        DateOnly[] dates = Enumerable.Range(0, count).Select(DateFormats.First.AddDays).ToArray();
        random.Shuffle(dates);
        int heldOut = (int)(count * heldOutFraction);
        return (dates[heldOut..], dates[..heldOut]);
    }

    /// <summary><paramref name="count"/> examples, each a date drawn from <paramref name="dates"/> written in a format drawn uniformly.</summary>
    public static List<DateExample> Draw(IReadOnlyList<DateOnly> dates, int count, Random random)
    {
        var examples = new List<DateExample>(count);
        for (int i = 0; i < count; i++)
        {
            examples.Add(Write(dates[random.Next(dates.Count)], random));
        }
        return examples;
    }

    /// <summary>One example per date of <paramref name="dates"/> (the first <paramref name="count"/>), each in a format drawn uniformly.</summary>
    public static List<DateExample> EachOnce(IReadOnlyList<DateOnly> dates, int count, Random random) =>
        dates.Take(count).Select(date => Write(date, random)).ToList();

    private static DateExample Write(DateOnly date, Random random)
    {
        DateFormat format = DateFormats.All[random.Next(DateFormats.All.Length)];
        return new DateExample(format.Write(date), DateFormats.Iso(date), format);
    }
}
