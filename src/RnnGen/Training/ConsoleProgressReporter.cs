using System;
using System.Globalization;
using System.IO;

namespace RnnGen;

/// <summary>Prints one line per epoch, e.g. <c>epoch 3/20  loss 0.1234  elapsed 00:12  remaining ~00:40</c>, with <c>validation 0.2</c> and <c>metric 0.9</c> after the loss when a run has them.</summary>
public sealed class ConsoleProgressReporter : IProgress<TrainingProgress>
{
    private readonly TextWriter? _writer;

    /// <summary>Creates a reporter that prints to <see cref="Console.Out"/> (as it is when each line is printed).</summary>
    public ConsoleProgressReporter()
    {
    }

    /// <summary>Creates a reporter that prints to <paramref name="writer"/>.</summary>
    /// <param name="writer">Receives the lines.</param>
    public ConsoleProgressReporter(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
    }

    /// <summary>Prints <paramref name="value"/> as one line.</summary>
    /// <param name="value">The progress after an epoch.</param>
    public void Report(TrainingProgress value) => (_writer ?? Console.Out).WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"epoch {value.Epoch}/{value.Epochs}  loss {value.Loss:G4}{Optional("validation", value.ValidationLoss)}{Optional("metric", value.ValidationMetric)}  elapsed {FormatDuration(value.Elapsed)}  remaining ~{FormatDuration(value.EstimatedRemaining)}"));

    private static string Optional(string label, double? value) => value is double number ? string.Create(CultureInfo.InvariantCulture, $"  {label} {number:G4}") : "";

    /// <summary>mm:ss, or h:mm:ss from an hour on.</summary>
    private static string FormatDuration(TimeSpan duration) => duration.TotalHours >= 1
        ? string.Create(CultureInfo.InvariantCulture, $"{(long)duration.TotalHours}:{duration.Minutes:00}:{duration.Seconds:00}")
        : string.Create(CultureInfo.InvariantCulture, $"{duration.Minutes:00}:{duration.Seconds:00}");
}
