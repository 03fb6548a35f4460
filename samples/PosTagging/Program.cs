using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using PosTagging;
using RnnGen;
using RnnGen.Samples;

// Part-of-speech tagging of the Brown corpus (many-to-many, aligned): a bidirectional vanilla RNN reads each
// sentence, as word ids through a learned embedding (or, with --features, as hashed spelling features and a tag
// lexicon), and tags every token with one of 12 universal tags. Trained on 400 texts, tested on the 100 others
// (split by text), against the most-frequent-tag-per-word baseline. `--smoke` trains a few steps for CI.
const string Description = "Part-of-speech tagging of the Brown corpus (downloaded on first run) with a bidirectional many-to-many vanilla RNN.";
SampleArguments? arguments = SampleArguments.Parse(args, Description, out int exitCode,
    ("--features", "read hashed word features and the tag lexicon instead of word ids through an embedding"));
if (arguments is null)
{
    return exitCode;
}

bool smoke = arguments.Smoke;
bool features = arguments.Flags.Contains("--features");
var total = Stopwatch.StartNew();
if (BrownCorpus.LoadSplit(smoke, smokeTrainingEvery: 40, smokeTestEvery: 20) is not { } split)
{
    return 3;
}
(List<BrownText> trainingTexts, List<BrownText> testTexts) = split;

var encoder = new TokenEncoder(trainingTexts);
WordVocabulary? vocabulary = features ? null : new WordVocabulary(trainingTexts);
List<TrainingSequence<float>> training = Encode(trainingTexts, encoder, vocabulary, leaveOneOut: true);
List<TrainingSequence<float>> test = Encode(testTexts, encoder, vocabulary, leaveOneOut: false);
TaggedWord[][] testSentences = testTexts.SelectMany(t => t.Sentences).ToArray();
int trainingTokens = training.Sum(s => s.Targets.Length) / UniversalTags.Count;
int testTokens = test.Sum(s => s.Targets.Length) / UniversalTags.Count;

// The baseline: each word's most frequent tag in the training texts; unseen words get the most frequent tag overall.
int overallMostFrequent = trainingTexts.SelectMany(t => t.Tokens).GroupBy(t => UniversalTags.FromBrown(t.Tag))
    .OrderByDescending(g => g.Count()).First().Key;
int baselineCorrect = 0, unknownTokens = 0, baselineUnknownCorrect = 0;
foreach (TaggedWord token in testSentences.SelectMany(s => s))
{
    bool correct = encoder.MostFrequentTag(token.Word, overallMostFrequent) == UniversalTags.FromBrown(token.Tag);
    baselineCorrect += correct ? 1 : 0;
    if (!encoder.IsKnown(token.Word))
    {
        unknownTokens++;
        baselineUnknownCorrect += correct ? 1 : 0;
    }
}

double baseline = (double)baselineCorrect / testTokens;

Console.WriteLine($"Brown corpus: training on {trainingTexts.Count} texts ({training.Count:N0} sentences, {trainingTokens:N0} tokens), testing on {testTexts.Count} others ({test.Count:N0} sentences, {testTokens:N0} tokens, {unknownTokens:N0} of them unseen in training).");
Console.WriteLine($"Tags: {UniversalTags.Count} universal tags mapped from the Brown tags. Lexicon: {encoder.Vocabulary:N0} words.");
Console.WriteLine(vocabulary is null
    ? $"Input per token: {TokenEncoder.HashedSize} hashed features of the word, its tag distribution in the lexicon and an unknown-word flag ({TokenEncoder.Size} values)."
    : $"Input per token: its word id, the {WordVocabulary.Size - 2:N0} most frequent training words (covering {vocabulary.Covered:P1} of the training tokens) and one id for the others, through a learned embedding of {TaggerTokenModel.InputSize} values.");
Console.WriteLine($"Data ready after {total.Elapsed.TotalSeconds:0.0} s.");

(double Accuracy, double UnknownAccuracy, double Loss) result;
TimeSpan trainingTime;
int epochs = smoke ? 1 : 6;
(result, trainingTime, List<double> trainingLosses, List<double> testErrors) = features
    ? TrainAndEvaluate(new TaggerModel(), training, test, testSentences, encoder, epochs, smoke)
    : TrainAndEvaluate(new TaggerTokenModel(), training, test, testSentences, encoder, epochs, smoke);

string curve = Path.Combine(Environment.CurrentDirectory, "pos-tagging-loss.svg");
LossCurve.WriteSvg(curve,
    [new LossSeries("training cross-entropy per token", trainingLosses, "#999"), new LossSeries("test error rate", testErrors)],
    1 - baseline, "Brown corpus POS tagging, bidirectional RNN: loss per epoch", "baseline error (most frequent tag)", "per token (log scale)");
Console.WriteLine();
Console.WriteLine($"Test accuracy {result.Accuracy:P2} against {baseline:P2} for the most frequent tag per word ({(1 - baseline) / (1 - result.Accuracy):0.0}x fewer errors); on unseen words {result.UnknownAccuracy:P1} against {(double)baselineUnknownCorrect / Math.Max(1, unknownTokens):P1}.");
Console.WriteLine($"Training took {trainingTime.TotalSeconds:0} s ({epochs} epoch(s), {TrainingTimePerToken(trainingTime, trainingTokens * (smoke ? 0 : epochs))}); {total.Elapsed.TotalSeconds:0} s in all, with data loading and evaluation.");
Console.WriteLine($"Loss curve: {curve}");
return smoke || result.Accuracy > baseline ? 0 : 1;

// Trains the tagger, evaluating it on the test sentences after every epoch; returns the last evaluation, the training time and the curves.
static ((double Accuracy, double UnknownAccuracy, double Loss) Result, TimeSpan TrainingTime, List<double> TrainingLosses, List<double> TestErrors) TrainAndEvaluate<TModel>(
    TModel model, List<TrainingSequence<float>> training, List<TrainingSequence<float>> test, TaggedWord[][] testSentences, TokenEncoder encoder, int epochs, bool smoke)
    where TModel : class, IRnnModel<float>, new()
{
    model.InitializeParameters(new Random(1));
    var optimizer = new AdamOptimizer<float>(model.Parameters.Length, learningRate: 3e-3);
    // The loss and gradient are averaged per token (a sentence of 40 words weighs twice one of 20), as taggers are trained.
    var trainer = RnnTrainer.Create(model, optimizer,
        new TrainerOptions { BatchSize = 32, Epochs = epochs, Seed = 7, MaxGradientNorm = 5.0, LossReduction = LossReduction.MeanPerStep });
    RnnShape shape = model.Shape;
    Console.WriteLine($"Model: {(shape.VocabularySize > 0 ? $"an embedding of {shape.VocabularySize:N0} words, then a " : "")}bidirectional vanilla RNN, {shape.InputSize} inputs, {shape.HiddenSize} tanh units per direction, softmax over {shape.OutputSize} tags; {model.Parameters.Length:N0} parameters, {trainer.Options.DegreeOfParallelism} worker(s).");

    var trainingLosses = new List<double>();
    var testErrors = new List<double>();
    var clock = Stopwatch.StartNew();
    TimeSpan evaluationTime = TimeSpan.Zero;
    (double Accuracy, double UnknownAccuracy, double Loss) result = default;
    trainer.Train(smoke ? training.Take(64).ToList() : training, new TrainingRun<float>
    {
        // Adam at 3e-3, decayed by half an epoch from the third on.
        Schedule = new LearningRateScheduler<float>(optimizer, new LambdaSchedule(epoch => Math.Pow(0.5, Math.Max(0, epoch - 1)))),
        EpochEnded = report =>
        {
            TimeSpan evaluationStart = clock.Elapsed;
            result = Evaluate(model, test, testSentences, encoder);
            evaluationTime += clock.Elapsed - evaluationStart;
            trainingLosses.Add(report.Loss);
            testErrors.Add(1 - result.Accuracy);
            Console.WriteLine($"  test accuracy {result.Accuracy:P2}, on unseen words {result.UnknownAccuracy:P1}, test loss per token {result.Loss:0.0000}");
            return true;
        },
    }, new ConsoleProgressReporter());
    TimeSpan trainingTime = clock.Elapsed - evaluationTime;
    return (result, trainingTime, trainingLosses, testErrors);
}

static string TrainingTimePerToken(TimeSpan time, long tokens) =>
    tokens == 0 ? "smoke run" : $"{tokens / time.TotalSeconds:N0} tokens/s";

// Each sentence as word ids (with a vocabulary) or as TokenEncoder's feature vectors, and its one-hot tags.
static List<TrainingSequence<float>> Encode(IEnumerable<BrownText> texts, TokenEncoder encoder, WordVocabulary? vocabulary, bool leaveOneOut)
{
    var sequences = new List<TrainingSequence<float>>();
    foreach (TaggedWord[] sentence in texts.SelectMany(t => t.Sentences))
    {
        var inputs = new float[sentence.Length * (vocabulary is null ? TokenEncoder.Size : 1)];
        var targets = new float[sentence.Length * UniversalTags.Count];
        for (int t = 0; t < sentence.Length; t++)
        {
            int tag = UniversalTags.FromBrown(sentence[t].Tag);
            if (vocabulary is null)
            {
                encoder.Encode(sentence[t].Word, leaveOneOut ? tag : -1, inputs.AsSpan(t * TokenEncoder.Size, TokenEncoder.Size));
            }
            else
            {
                inputs[t] = vocabulary.Id(sentence[t].Word);
            }

            targets[(t * UniversalTags.Count) + tag] = 1;
        }

        sequences.Add(new TrainingSequence<float>(inputs, targets));
    }

    return sequences;
}

// Tags every test sentence (two instances sharing the weights, one per core) and returns the per-token accuracy, the accuracy on
// words unseen in training, and the mean cross-entropy per token.
static (double Accuracy, double UnknownAccuracy, double Loss) Evaluate<TModel>(TModel model, List<TrainingSequence<float>> test, TaggedWord[][] sentences, TokenEncoder encoder)
    where TModel : class, IRnnModel<float>, new()
{
    const int parts = 2;
    var correct = new long[parts];
    var unknownCorrect = new long[parts];
    var unknown = new long[parts];
    var tokens = new long[parts];
    var loss = new double[parts];
    Parallel.For(0, parts, part =>
    {
        var copy = new TModel();
        copy.ShareParameters(model); // an instance per thread, on the model's own weights
        float[] predictions = [];
        for (int i = part; i < test.Count; i += parts)
        {
            int steps = sentences[i].Length;
            if (predictions.Length < steps * UniversalTags.Count)
            {
                predictions = new float[steps * UniversalTags.Count];
            }

            Span<float> p = predictions.AsSpan(0, steps * UniversalTags.Count);
            copy.Forward(test[i].Inputs, default, p);
            loss[part] += copy.Loss(p, test[i].Targets);
            for (int t = 0; t < steps; t++)
            {
                int predicted = RnnSampler.ArgMax<float>(p.Slice(t * UniversalTags.Count, UniversalTags.Count));
                bool right = test[i].Targets[(t * UniversalTags.Count) + predicted] == 1;
                correct[part] += right ? 1 : 0;
                if (!encoder.IsKnown(sentences[i][t].Word))
                {
                    unknown[part]++;
                    unknownCorrect[part] += right ? 1 : 0;
                }
            }

            tokens[part] += steps;
        }
    });
    return ((double)correct.Sum() / tokens.Sum(), (double)unknownCorrect.Sum() / Math.Max(1, unknown.Sum()), loss.Sum() / tokens.Sum());
}
