using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace RnnGen.Samples;

/// <summary>One line of a <see cref="LossCurve"/>: a name for the legend, a value per epoch and an SVG colour.</summary>
public sealed record LossSeries(string Name, IReadOnlyList<double> Values, string Color = "#36c");

/// <summary>Writes loss curves as a small SVG line chart (log-scaled loss per epoch), with the baseline as a dashed line.</summary>
public static class LossCurve
{
    /// <summary>One curve, e.g. the test error per epoch, against a baseline.</summary>
    public static void WriteSvg(string path, IReadOnlyList<double> losses, double baseline, string title,
        string baselineLabel = "baseline (predict 1)", string axisLabel = "mean squared error (log scale)") =>
        WriteSvg(path, [new LossSeries("", losses)], baseline, title, baselineLabel, axisLabel);

    /// <summary>Several curves of the same length (e.g. training and test loss per epoch) against a baseline.</summary>
    public static void WriteSvg(string path, IReadOnlyList<LossSeries> series, double baseline, string title, string baselineLabel, string axisLabel)
    {
        const int width = 640, height = 400, left = 70, right = 20, top = 40, bottom = 50;
        int epochs = series.Max(s => s.Values.Count);
        double[] logs = series.SelectMany(s => s.Values).Append(baseline).Select(l => Math.Log10(Math.Max(l, 1e-12))).ToArray();
        double low = Math.Floor(logs.Min()), high = Math.Ceiling(logs.Max());
        if (high <= low)
        {
            high = low + 1;
        }
        double X(int epoch) => left + ((width - left - right) * (epochs == 1 ? 0.5 : (double)epoch / (epochs - 1)));
        double Y(double loss) => top + ((height - top - bottom) * (high - Math.Log10(Math.Max(loss, 1e-12))) / (high - low));
        static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);
        static string Escape(string text) => text.Replace("&", "&amp;").Replace("<", "&lt;").Replace(">", "&gt;");

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{Escape(title)}</text>\n");
        for (double decade = low; decade <= high; decade++)
        {
            double y = top + ((height - top - bottom) * (high - decade) / (high - low));
            svg.Append($"<line x1=\"{left}\" y1=\"{F(y)}\" x2=\"{width - right}\" y2=\"{F(y)}\" stroke=\"#ddd\"/>\n");
            svg.Append($"<text x=\"{left - 8}\" y=\"{F(y + 4)}\" text-anchor=\"end\">1e{decade}</text>\n");
        }
        svg.Append($"<line x1=\"{left}\" y1=\"{F(Y(baseline))}\" x2=\"{width - right}\" y2=\"{F(Y(baseline))}\" stroke=\"#c33\" stroke-dasharray=\"6 4\"/>\n");
        svg.Append($"<text x=\"{width - right}\" y=\"{F(Y(baseline) - 6)}\" text-anchor=\"end\" fill=\"#c33\">{Escape(baselineLabel)}: {baseline.ToString("0.000", CultureInfo.InvariantCulture)}</text>\n");
        int legend = 0;
        foreach (LossSeries line in series)
        {
            string points = string.Join(" ", line.Values.Select((loss, epoch) => $"{F(X(epoch))},{F(Y(loss))}"));
            svg.Append($"<polyline points=\"{points}\" fill=\"none\" stroke=\"{line.Color}\" stroke-width=\"2\"/>\n");
            if (line.Name.Length > 0)
            {
                double y = top + 14 + (16 * legend++);
                svg.Append($"<line x1=\"{left + 10}\" y1=\"{F(y - 4)}\" x2=\"{left + 30}\" y2=\"{F(y - 4)}\" stroke=\"{line.Color}\" stroke-width=\"2\"/>\n");
                svg.Append($"<text x=\"{left + 36}\" y=\"{F(y)}\">{Escape(line.Name)}</text>\n");
            }
        }
        svg.Append($"<text x=\"{(width + left - right) / 2}\" y=\"{height - 12}\" text-anchor=\"middle\">epoch (1 to {epochs})</text>\n");
        svg.Append($"<text x=\"16\" y=\"{height / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {height / 2})\">{Escape(axisLabel)}</text>\n");
        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }
}
