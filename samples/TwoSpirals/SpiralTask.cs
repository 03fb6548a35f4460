using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using RnnGen;

namespace TwoSpirals;

/// <summary>One labelled point of the two-spirals task.</summary>
public readonly record struct LabelledPoint(float X, float Y, int Label);

/// <summary>
/// The two-spirals task (Lang and Witbrock, 1988): two interleaved spirals, 1.75 turns each, one per class, with
/// Gaussian noise. No line (and no small tree of lines) separates them, so it needs the hidden layers' non-linearity.
/// </summary>
public static class SpiralTask
{
    private const double Turns = 1.75;

    /// <summary>Draws <paramref name="count"/> points, half of each class, in [-1, 1]².</summary>
    public static List<LabelledPoint> Generate(int count, double noise, Random random)
    {
        var points = new List<LabelledPoint>(count);
        for (int n = 0; n < count; n++)
        {
            int label = n % 2;
            double t = Math.Sqrt(random.NextDouble());                  // denser sampling at the outer, longer part
            double radius = 0.05 + (0.9 * t);
            double angle = (t * Turns * 2 * Math.PI) + (label * Math.PI);  // the second spiral is the first turned by 180°
            double x = (radius * Math.Cos(angle)) + (noise * Gaussian(random));
            double y = (radius * Math.Sin(angle)) + (noise * Gaussian(random));
            points.Add(new LabelledPoint((float)x, (float)y, label));
        }
        return points;
    }

    /// <summary>Training examples: input (x, y), target the one-hot label.</summary>
    public static List<TrainingSequence<float>> ToSequences(IEnumerable<LabelledPoint> points)
    {
        var sequences = new List<TrainingSequence<float>>();
        foreach (LabelledPoint point in points)
        {
            float[] target = new float[SpiralClassifier.OutputSize];
            target[point.Label] = 1;
            sequences.Add(new TrainingSequence<float>([point.X, point.Y], target));
        }
        return sequences;
    }

    /// <summary>The class the model gives the point (x, y).</summary>
    public static int Classify(SpiralClassifier model, float x, float y, Span<float> probabilities)
    {
        model.Forward([x, y], probabilities);
        return probabilities[1] > probabilities[0] ? 1 : 0;
    }

    /// <summary>Accuracy and mean cross-entropy of the model on the points, and the accuracy of always predicting the majority class of <paramref name="trainingLabels"/>.</summary>
    public static (double Accuracy, double CrossEntropy, double MajorityAccuracy) Evaluate(SpiralClassifier model, IReadOnlyList<LabelledPoint> points, IReadOnlyList<LabelledPoint> trainingLabels)
    {
        int ones = 0;
        foreach (LabelledPoint point in trainingLabels)
        {
            ones += point.Label;
        }
        int majority = ones * 2 > trainingLabels.Count ? 1 : 0;

        Span<float> probabilities = stackalloc float[SpiralClassifier.OutputSize];
        int correct = 0, majorityCorrect = 0;
        double crossEntropy = 0;
        foreach (LabelledPoint point in points)
        {
            correct += Classify(model, point.X, point.Y, probabilities) == point.Label ? 1 : 0;
            majorityCorrect += point.Label == majority ? 1 : 0;
            crossEntropy -= Math.Log(Math.Max(probabilities[point.Label], 1e-12f));
        }
        return ((double)correct / points.Count, crossEntropy / points.Count, (double)majorityCorrect / points.Count);
    }

    /// <summary>The decision regions as text: '.' and '#' for the two classes, 'o' and 'x' for some test points.</summary>
    public static string AsciiRegions(SpiralClassifier model, IReadOnlyList<LabelledPoint> points, int columns = 64, int rows = 28)
    {
        Span<float> probabilities = stackalloc float[SpiralClassifier.OutputSize];
        var grid = new char[rows, columns];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                (float x, float y) = CellCentre(r, c, rows, columns);
                grid[r, c] = Classify(model, x, y, probabilities) == 0 ? '.' : '#';
            }
        }
        for (int i = 0; i < points.Count; i += 7)
        {
            int c = (int)((points[i].X + 1) / 2 * columns), r = (int)((1 - points[i].Y) / 2 * rows);
            if (r >= 0 && r < rows && c >= 0 && c < columns)
            {
                grid[r, c] = points[i].Label == 0 ? 'o' : 'x';
            }
        }
        var text = new StringBuilder();
        for (int r = 0; r < rows; r++)
        {
            text.Append("  ");
            for (int c = 0; c < columns; c++)
            {
                text.Append(grid[r, c]);
            }
            text.Append('\n');
        }
        return text.ToString();
    }

    /// <summary>Writes the decision regions and the test points as an SVG picture.</summary>
    public static void WriteRegionsSvg(string path, SpiralClassifier model, IReadOnlyList<LabelledPoint> points, string title)
    {
        const int size = 480, cells = 96, top = 30;
        const double cell = (double)size / cells;
        static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);
        Span<float> probabilities = stackalloc float[SpiralClassifier.OutputSize];
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{size}\" height=\"{size + top}\" font-family=\"sans-serif\" font-size=\"13\">\n");
        svg.Append($"<rect width=\"{size}\" height=\"{size + top}\" fill=\"white\"/>\n");
        svg.Append($"<text x=\"{size / 2}\" y=\"20\" text-anchor=\"middle\">{title.Replace("&", "&amp;").Replace("<", "&lt;")}</text>\n");
        for (int r = 0; r < cells; r++)
        {
            for (int c = 0; c < cells; c++)
            {
                (float x, float y) = CellCentre(r, c, cells, cells);
                Classify(model, x, y, probabilities);
                // Blend between the two class colours by the predicted probability of class 1.
                double p = probabilities[1];
                int red = (int)(200 + (55 * (1 - p))), green = (int)(215 - (15 * p)), blue = (int)(255 - (55 * p));
                svg.Append($"<rect x=\"{F(c * cell)}\" y=\"{F(top + (r * cell))}\" width=\"{F(cell + 0.3)}\" height=\"{F(cell + 0.3)}\" fill=\"rgb({red},{green},{blue})\"/>\n");
            }
        }
        foreach (LabelledPoint point in points)
        {
            double cx = (point.X + 1) / 2 * size, cy = top + ((1 - point.Y) / 2 * size);
            svg.Append($"<circle cx=\"{F(cx)}\" cy=\"{F(cy)}\" r=\"2\" fill=\"{(point.Label == 0 ? "#1f5fbf" : "#c0392b")}\"/>\n");
        }
        svg.Append("</svg>\n");
        File.WriteAllText(path, svg.ToString());
    }

    private static (float X, float Y) CellCentre(int row, int column, int rows, int columns) =>
        ((float)(-1 + ((column + 0.5) * 2 / columns)), (float)(1 - ((row + 0.5) * 2 / rows)));

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
