using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using RnnGen;
using RnnGen.Samples;
using TextClassification;

// Genre classification of Brown corpus passages (many-to-one): a bidirectional vanilla RNN reads 64 consecutive
// tokens, as word ids through a learned embedding (or, with --features, as hashed spelling features and a genre
// lexicon), and names the genre class of the text they come from. Trained on 397 texts, tested on passages of the
// 103 others (split by text), against always answering the most frequent class. `--smoke` trains a few steps for CI.
const string Description = "Genre classification of Brown corpus passages (downloaded on first run) with a bidirectional many-to-one vanilla RNN.";
SampleArguments? arguments = SampleArguments.Parse(args, Description, out int exitCode,
    ("--features", "read hashed word features and genre log-ratios instead of word ids through an embedding"));
if (arguments is null)
{
    return exitCode;
}

bool smoke = arguments.Smoke;
bool features = arguments.Flags.Contains("--features");
var total = Stopwatch.StartNew();
if (BrownCorpus.LoadSplit(smoke, smokeTrainingEvery: 20, smokeTestEvery: 10) is not { } split)
{
    return 3;
}
(List<BrownText> trainingTexts, List<BrownText> testTexts) = split;

// Training passages overlap by half (more examples); test passages do not.
var lexicon = new GenreLexicon(trainingTexts);
WordVocabulary? vocabulary = features ? null : new WordVocabulary(trainingTexts);
List<Passage> training = Passages.Cut(trainingTexts, stride: Passages.Length / 2, lexicon, training: true, vocabulary);
List<Passage> test = Passages.Cut(testTexts, stride: Passages.Length, lexicon, training: false, vocabulary);

// The baseline: always answer the class with the most training passages.
int majority = training.GroupBy(p => p.Class).OrderByDescending(g => g.Count()).First().Key;
double baseline = test.Count(p => p.Class == majority) / (double)test.Count;
double textBaseline = testTexts.Count(t => Genres.Of(t.Genre) == majority) / (double)testTexts.Count;

// For reference, not a baseline to beat: naive Bayes over the passage's words with the same lexicon (no order, no network).
double bagOfWords = test.Count(p => Passages.BagOfWords(p, lexicon) == p.Class) / (double)test.Count;

Console.WriteLine($"Brown corpus, {trainingTexts.Count + testTexts.Count} texts in {Genres.Count} classes ({string.Join(", ", Genres.Names)}).");
Console.WriteLine($"Training on {trainingTexts.Count} texts ({training.Count:N0} passages of {Passages.Length} tokens, overlapping by half), testing on {testTexts.Count} others ({test.Count:N0} passages).");
Console.WriteLine(vocabulary is null
    ? $"Features per token: {Passages.HashedSize} hashed features of the word and {Genres.Count} genre log-ratios from a lexicon of {lexicon.Vocabulary:N0} words counted in the training texts."
    : $"Input per token: its word id, the {WordVocabulary.Size - 2:N0} most frequent training words (covering {vocabulary.Covered:P1} of the training tokens) and one id for the others, through a learned embedding of {GenreTokenModel.InputSize} values.");
Evaluation result = features
    ? TrainAndEvaluate(new GenreModel(), training, test, baseline, smoke, total)
    : TrainAndEvaluate(new GenreTokenModel(), training, test, baseline, smoke, total);

Console.WriteLine();
Console.WriteLine("Confusion on the test passages (rows: true class, columns: predicted):");
Console.WriteLine($"{"",-14}{string.Concat(Genres.Names.Select(n => $"{n,14}"))}");
for (int c = 0; c < Genres.Count; c++)
{
    Console.WriteLine($"{Genres.Names[c],-14}{string.Concat(Enumerable.Range(0, Genres.Count).Select(p => $"{result.Confusion[c, p],14}"))}");
}

Console.WriteLine();
Console.WriteLine($"Test accuracy {result.Accuracy:P1} per passage against {baseline:P1} for always answering '{Genres.Names[majority]}' (the majority class); per text (all its passages' log-probabilities summed) {result.TextAccuracy:P1} against {textBaseline:P1}.");
Console.WriteLine($"For reference: naive Bayes on the same lexicon's log-ratios (a bag of words, no network) gets {bagOfWords:P1} per passage.");
Console.WriteLine($"Training took {result.TrainingTime.TotalSeconds:0} s ({result.Epochs} epoch(s)); {total.Elapsed.TotalSeconds:0} s in all, with data loading and evaluation.");
Console.WriteLine($"Loss curve: {result.Curve}");
return smoke || result.Accuracy > baseline ? 0 : 1;

// Trains the model on the passages, evaluating it on the test passages after every epoch, and writes the loss curve.
static Evaluation TrainAndEvaluate<TModel>(TModel model, List<Passage> training, List<Passage> test, double baseline, bool smoke, Stopwatch total)
    where TModel : class, IRnnModel<float>, new()
{
    model.InitializeParameters(new Random(1));
    var optimizer = new AdamOptimizer<float>(model.Parameters.Length, learningRate: 2e-3);
    int epochs = smoke ? 1 : 8;
    var trainer = RnnTrainer.Create(model, optimizer, new TrainerOptions { BatchSize = 32, Epochs = epochs, Seed = 7, MaxGradientNorm = 5.0 });
    List<TrainingSequence<float>> trainingSequences = training.Select(p => p.Sequence).ToList();
    RnnShape shape = model.Shape;
    Console.WriteLine($"Model: {(shape.VocabularySize > 0 ? $"an embedding of {shape.VocabularySize:N0} words, then a " : "")}bidirectional vanilla RNN, {shape.InputSize} inputs per token, {shape.HiddenSize} tanh units per direction, softmax over {shape.OutputSize} classes; {model.Parameters.Length:N0} parameters, {trainer.Options.DegreeOfParallelism} worker(s).");
    Console.WriteLine($"Data ready after {total.Elapsed.TotalSeconds:0.0} s.");

    var trainingLosses = new List<double>();
    var testErrors = new List<double>();
    var clock = Stopwatch.StartNew();
    TimeSpan evaluationTime = TimeSpan.Zero;
    Evaluation result = default!;
    trainer.Train(smoke ? trainingSequences.Take(128).ToList() : trainingSequences, new TrainingRun<float>
    {
        // Adam at 2e-3, decayed by 0.7 an epoch from the third on.
        Schedule = new LearningRateScheduler<float>(optimizer, new LambdaSchedule(epoch => Math.Pow(0.7, Math.Max(0, epoch - 1)))),
        EpochEnded = report =>
        {
            TimeSpan evaluationStart = clock.Elapsed;
            result = Evaluate(model, test);
            evaluationTime += clock.Elapsed - evaluationStart;
            trainingLosses.Add(report.Loss);
            testErrors.Add(1 - result.Accuracy);
            Console.WriteLine($"  test accuracy {result.Accuracy:P1} per passage, {result.TextAccuracy:P1} per text; test loss {result.Loss:0.000}");
            return true;
        },
    }, new ConsoleProgressReporter());
    TimeSpan trainingTime = clock.Elapsed - evaluationTime;

    string curve = Path.Combine(Environment.CurrentDirectory, "text-classification-loss.svg");
    LossCurve.WriteSvg(curve,
        [new LossSeries("training cross-entropy per passage", trainingLosses, "#999"), new LossSeries("test error rate", testErrors)],
        1 - baseline, "Brown corpus genre classification, bidirectional RNN: loss per epoch", "baseline error (majority class)", "per passage (log scale)");

    return result with { TrainingTime = trainingTime, Epochs = epochs, Curve = curve };
}

// Classifies every test passage (two instances sharing the weights, one per core); a text's class is the argmax of its passages' summed log-probabilities.
static Evaluation Evaluate<TModel>(TModel model, List<Passage> test)
    where TModel : class, IRnnModel<float>, new()
{
    var predictions = new float[test.Count * Genres.Count];
    Parallel.For(0, 2, part =>
    {
        var copy = new TModel();
        copy.ShareParameters(model); // an instance per thread, on the model's own weights
        for (int i = part; i < test.Count; i += 2)
        {
            copy.Forward(test[i].Sequence.Inputs, default, predictions.AsSpan(i * Genres.Count, Genres.Count));
        }
    });

    var confusion = new int[Genres.Count, Genres.Count];
    double loss = 0;
    int correct = 0;
    var textScores = new Dictionary<BrownText, double[]>();
    for (int i = 0; i < test.Count; i++)
    {
        ReadOnlySpan<float> p = predictions.AsSpan(i * Genres.Count, Genres.Count);
        int predicted = RnnSampler.ArgMax<float>(p);
        confusion[test[i].Class, predicted]++;
        correct += predicted == test[i].Class ? 1 : 0;
        loss -= Math.Log(Math.Max(p[test[i].Class], 1e-30));
        if (!textScores.TryGetValue(test[i].Text, out double[]? scores))
        {
            scores = new double[Genres.Count];
            textScores[test[i].Text] = scores;
        }

        for (int c = 0; c < Genres.Count; c++)
        {
            scores[c] += Math.Log(Math.Max(p[c], 1e-30));
        }
    }

    int textsCorrect = textScores.Count(kv => RnnSampler.ArgMax<double>(kv.Value) == Genres.Of(kv.Key.Genre));
    return new Evaluation((double)correct / test.Count, (double)textsCorrect / textScores.Count, loss / test.Count, confusion);
}

internal sealed record Evaluation(double Accuracy, double TextAccuracy, double Loss, int[,] Confusion)
{
    public TimeSpan TrainingTime { get; init; }

    public int Epochs { get; init; }

    public string Curve { get; init; } = "";
}
