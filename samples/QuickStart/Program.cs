using System;
using System.IO;
using System.Linq;
using QuickStart;
using RnnGen;

// weights/classifier.safetensors holds the weights of a PyTorch nn.RNN + nn.Linear (saved with PyTorch's state-dict
// names), with an example sequence and PyTorch's own prediction for it. The build embeds it in this binary: nothing is
// read from disk (model.LoadWeights(path) would read another file into the same model).
var model = new SequenceClassifier();
model.LoadEmbeddedWeights();

float[] sequence;
double[] pytorchPrediction;
using (Stream embedded = typeof(SequenceClassifier).Assembly.GetManifestResourceStream("RnnGen.Weights/weights/classifier.safetensors")!)
using (var file = new SafeTensorsReader(embedded))
{
    sequence = file.Read<float>("x");
    pytorchPrediction = file.Read<double>("expected.prediction");
}
int steps = sequence.Length / SequenceClassifier.InputSize;

var prediction = new float[SequenceClassifier.OutputSize];
model.Forward(sequence, prediction);

Console.WriteLine($"SequenceClassifier: {SequenceClassifier.Layers} bidirectional layers of {SequenceClassifier.HiddenSize} tanh units, {SequenceClassifier.ParameterCount} parameters.");
Console.WriteLine($"Loaded the PyTorch weights embedded in the binary (weights/classifier.safetensors, whose header gave the declaration its sizes when compiling); ran one sequence of {steps} steps.");
Console.WriteLine();
Console.WriteLine("class  RnnGen     PyTorch");
for (int c = 0; c < prediction.Length; c++)
{
    Console.WriteLine($"{c,5}  {prediction[c],9:F6}  {pytorchPrediction[c],9:F6}");
}
double largestDifference = prediction.Select((p, c) => Math.Abs(p - pytorchPrediction[c])).Max();
int predictedClass = Array.IndexOf(prediction, prediction.Max());
Console.WriteLine($"Predicted class {predictedClass}; largest difference from PyTorch {largestDifference:0.0e+00}.");

// The same shape from fresh weights, drawn as PyTorch would draw them.
var untrained = new SequenceClassifier();
untrained.InitializeParameters(new Random(42));
untrained.Forward(sequence, prediction);
Console.WriteLine($"With fresh weights (seed 42) the same sequence gives [{string.Join(", ", prediction.Select(p => p.ToString("F3")))}].");

string? projectDirectory = FindProjectDirectory();
string generatedFile = Path.Combine("obj", "Generated", "RnnGen.Generator", "RnnGen.Generator.RnnGenerator", "QuickStart.SequenceClassifier.g.cs");
Console.WriteLine();
Console.WriteLine(projectDirectory is null
    ? $"The generated source is under the project folder at {generatedFile}."
    : $"The generated source: {Path.Combine(projectDirectory, generatedFile)}");
return largestDifference < 1e-4 ? 0 : 1;

static string? FindProjectDirectory()
{
    for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "QuickStart.csproj")))
        {
            return directory.FullName;
        }
    }
    return null;
}
