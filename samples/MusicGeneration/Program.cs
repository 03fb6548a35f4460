using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using MusicGeneration;
using RnnGen;
using RnnGen.Samples;

// One-to-many, music generation: a vanilla RNN learns 18 public-domain melodies (in 12 keys) as token sequences with
// teacher forcing, is scored on next-token prediction in two keys it never saw, then composes a melody from the start
// token by temperature sampling (each sampled token fed back as the next input) and writes it as generated.mid.
// `--smoke` runs a few small epochs for CI.
SampleArguments? arguments = SampleArguments.Parse(args, "Trains a one-to-many RNN on public-domain melodies, composes one, and writes it as a standard MIDI file (generated.mid) with a loss curve.", out int exitCode);
if (arguments is null)
{
    return exitCode;
}

bool smoke = arguments.Smoke;
int epochs = smoke ? 2 : 40;

// Every tune in 12 keys (-5 to +6 semitones); the keys +1 and -4 are held out for testing.
int[] testShifts = [-4, 1];
int[] trainingShifts = smoke ? [-2, 0, 3] : Enumerable.Range(-5, 12).Except(testShifts).ToArray();
var training = new List<TokenSequence>();
var test = new List<TokenSequence>();
foreach (Melody melody in Melodies.All)
{
    List<Note> notes = MelodyTokens.Parse(melody.Notes);
    foreach (int shift in trainingShifts)
    {
        training.Add(new TokenSequence(melody.Title, shift, MelodyTokens.Encode(MelodyTokens.Transpose(notes, shift))));
    }
    foreach (int shift in testShifts)
    {
        test.Add(new TokenSequence(melody.Title, shift, MelodyTokens.Encode(MelodyTokens.Transpose(notes, shift))));
    }
}

var model = new MelodyModel();
model.InitializeParameters(new Random(1));
var optimizer = new AdamOptimizer<float>(MelodyModel.ParameterCount, learningRate: 3e-3);
// Teacher forcing through the trainer; the loss is averaged per predicted token (melodies differ a lot in length, and
// every note should weigh alike), as a language model's is.
var trainer = RnnTrainer.Create(model, optimizer,
    new TrainerOptions { BatchSize = 8, Epochs = epochs, Seed = 7, MaxGradientNorm = 1.0, LossReduction = LossReduction.MeanPerStep });

Console.WriteLine($"Melodies: {Melodies.All.Count} tunes; {training.Count} training sequences ({training.Sum(s => s.Steps)} tokens, {trainingShifts.Length} keys), " +
    $"{test.Count} test sequences ({test.Sum(s => s.Steps)} tokens, held-out keys {string.Join(" and ", testShifts.Select(s => $"{s:+0;-0}"))}); " +
    $"{MelodyTokens.Count} tokens, {MelodyModel.ParameterCount} parameters.");
var clock = Stopwatch.StartNew();
// The progress line's loss is the epoch's mean cross-entropy per token on the training melodies, its validation loss the held-out keys'.
TrainingResult result = trainer.Train([.. training.Select(sequence => sequence.ForTraining())], new TrainingRun<float>
{
    Validation = [.. test.Select(sequence => sequence.ForTraining())],
    Schedule = new LearningRateScheduler<float>(optimizer, new LambdaSchedule(epoch => epoch >= epochs * 3 / 4 ? 1.0 / 3 : 1)),
}, new ConsoleProgressReporter());
TimeSpan trainingTime = clock.Elapsed;
Scores scores = Evaluation.Score(model, test, training);

// Compose: x<1> = the start token; each sampled token is fed back, until the end token or 240 tokens (120 notes).
const int maximumTokens = 240;
var generated = new float[maximumTokens * MelodyTokens.Count];
var start = new float[MelodyTokens.Count];
start[MelodyTokens.Start] = 1;
var options = new GenerationOptions(RnnFeedback.Sample, Temperature: 0.8, Random: new Random(2026), EndToken: MelodyTokens.End);
List<Note> melodyNotes = [];
int steps = 0, malformed = 0, attempts = 0;
while (attempts++ < 10)
{
    // A draw that ends after a handful of notes is redrawn (the seeded Random makes the whole run reproducible).
    steps = model.Generate(start, default, generated, options);
    int[] tokens = Enumerable.Range(0, steps).Select(t => RnnSampler.ArgMax<float>(generated.AsSpan(t * MelodyTokens.Count, MelodyTokens.Count))).ToArray();
    (melodyNotes, malformed) = MelodyTokens.Decode(tokens);
    if (melodyNotes.Count >= 16 || smoke)
    {
        break;
    }
}
string midiPath = Path.Combine(Environment.CurrentDirectory, "generated.mid");
MidiFile.Write(midiPath, melodyNotes, beatsPerMinute: 110, program: 73);
MidiContents contents = MidiFile.Read(midiPath);
bool midiMatches = contents.Format == 0 && contents.Tracks == 1 && contents.Notes.Count == melodyNotes.Count(n => n.Pitch != Note.Rest)
    && contents.Notes.Select(n => n.Key).SequenceEqual(melodyNotes.Where(n => n.Pitch != Note.Rest).Select(n => n.Pitch))
    && contents.EndTick == melodyNotes.Sum(n => (long)n.Sixteenths) * MidiFile.TicksPerSixteenth;

string curve = Path.Combine(Environment.CurrentDirectory, "music-generation-loss.svg");
LossCurve.WriteSvg(curve,
    [new LossSeries("training melodies", [.. result.History.Select(epoch => epoch.Loss)], "#36c"),
        new LossSeries("held-out keys", [.. result.History.Select(epoch => epoch.ValidationLoss!.Value)], "#e80")],
    scores.UnigramCrossEntropy, "One-to-many RNN on 18 melodies: next-token cross-entropy",
    "baseline (token frequencies)", "cross-entropy per token, nats (log scale)");

Console.WriteLine();
Console.WriteLine($"Generated melody ({melodyNotes.Count} notes, {steps} tokens{(steps < maximumTokens ? ", ended by the end token" : "")}, temperature 0.8{(malformed > 0 ? $", {malformed} token(s) out of pitch-duration order" : "")}):");
Console.WriteLine("  " + string.Join(" ", melodyNotes));
Console.WriteLine($"MIDI file: {midiPath} ({new FileInfo(midiPath).Length} bytes; read back: format {contents.Format}, {contents.Tracks} track, {contents.Notes.Count} notes, " +
    $"{contents.EndTick * contents.MicrosecondsPerQuarter / (double)contents.TicksPerQuarter / 1e6:0.0} s{(midiMatches ? ", matches what was written" : ", DOES NOT MATCH what was written")}).");
Console.WriteLine($"Loss curve: {curve}");
Console.WriteLine();
Console.WriteLine($"Next-token accuracy on the held-out keys ({scores.Tokens} tokens): {scores.ModelAccuracy:P1}, against {scores.MostFrequentAccuracy:P1} for the most frequent token " +
    $"and {scores.RepeatAccuracy:P1} for repeating the previous note.");
Console.WriteLine($"Cross-entropy {scores.ModelCrossEntropy:0.000} nats per token (perplexity {Math.Exp(scores.ModelCrossEntropy):0.0}), against {scores.UnigramCrossEntropy:0.000} " +
    $"(perplexity {Math.Exp(scores.UnigramCrossEntropy):0.0}) for the token frequencies; {trainingTime.TotalSeconds:0.0} s of training (with the held-out pass after each epoch).");
bool beatsBaselines = scores.ModelAccuracy > Math.Max(scores.MostFrequentAccuracy, scores.RepeatAccuracy) && scores.ModelCrossEntropy < scores.UnigramCrossEntropy;
return midiMatches && (smoke || beatsBaselines) ? 0 : 1;
