using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace AddingProblem;

/// <summary>Writes a loss curve as a small SVG line chart (log-scaled loss per epoch), with the baseline as a dashed line.</summary>
public static class LossCurve
{
    public static void WriteSvg(string path, IReadOnlyList<double> losses, double baseline, string title)
    {
        const int width = 640, height = 400, left = 70, right = 20, top = 40, bottom = 50;
        double[] logs = losses.Append(baseline).Select(l => Math.Log10(Math.Max(l, 1e-12))).ToArray();
        double low = Math.Floor(logs.Min()), high = Math.Ceiling(logs.Max());
        if (high <= low)
        {
            high = low + 1;
        }
        double X(int epoch) => left + ((width - left - right) * (losses.Count == 1 ? 0.5 : (double)epoch / (losses.Count - 1)));
        double Y(double loss) => top + ((height - top - bottom) * (high - Math.Log10(Math.Max(loss, 1e-12))) / (high - low));
        static string F(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n");
        svg.Append($"<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{width / 2}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{title}</text>\n");
        for (double decade = low; decade <= high; decade++)
        {
            double y = top + ((height - top - bottom) * (high - decade) / (high - low));
            svg.Append($"<line x1=\"{left}\" y1=\"{F(y)}\" x2=\"{width - right}\" y2=\"{F(y)}\" stroke=\"#ddd\"/>\n");
            svg.Append($"<text x=\"{left - 8}\" y=\"{F(y + 4)}\" text-anchor=\"end\">1e{decade}</text>\n");
        }
        svg.Append($"<line x1=\"{left}\" y1=\"{F(Y(baseline))}\" x2=\"{width - right}\" y2=\"{F(Y(baseline))}\" stroke=\"#c33\" stroke-dasharray=\"6 4\"/>\n");
        svg.Append($"<text x=\"{width - right}\" y=\"{F(Y(baseline) - 6)}\" text-anchor=\"end\" fill=\"#c33\">baseline (predict 1): {baseline:0.000}</text>\n");
        string points = string.Join(" ", losses.Select((loss, epoch) => $"{F(X(epoch))},{F(Y(loss))}"));
        svg.Append($"<polyline points=\"{points}\" fill=\"none\" stroke=\"#36c\" stroke-width=\"2\"/>\n");
        svg.Append($"<text x=\"{(width + left - right) / 2}\" y=\"{height - 12}\" text-anchor=\"middle\">epoch (1 to {losses.Count})</text>\n");
        svg.Append($"<text x=\"16\" y=\"{height / 2}\" text-anchor=\"middle\" transform=\"rotate(-90 16 {height / 2})\">mean squared error (log scale)</text>\n");
        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }
}
