using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters;

/// <summary>
/// Emits streaming inference (<c>Step</c>, <c>Reset</c>) for unidirectional models that ask for it, and generation by
/// feedback (<c>Generate</c>) for one-to-many models. The kept state is separate from the forward pass's buffers.
/// </summary>
internal static class StreamingEmitter
{
    public static void Emit(SourceWriter writer, ModelSpec model, ParameterLayout layout, CellEmitter cell)
    {
        string t = model.T;
        string span = TypeRefs.Span(t);
        string readOnlySpan = TypeRefs.ReadOnlySpan(t);
        writer.Line($"private readonly {t}[] _streamState = new {t}[StateRows * HiddenSize]; // every layer's state between Step calls");
        writer.Line($"private readonly {t}[] _stepWorkspace = new {t}[{cell.StepWorkspaceLength}]; // the cell runner's scratch");
        // Sampling reads the logits, which only an output activation makes differ from the outputs.
        bool keepsLogits = model.Topology == Topology.OneToMany && model.OutputActivation != OutputActivation.Identity;
        if (keepsLogits)
        {
            writer.Line($"private readonly {t}[] _stepLogits = new {t}[OutputSize];");
        }
        if (model.HasEmbedding)
        {
            writer.Line($"private readonly {t}[] _stepInput = new {t}[InputSize]; // x<t>: the embedding row of the step's token");
        }
        writer.Line();
        string stepCref = $"Step({TypeRefs.Cref(readOnlySpan)}, {TypeRefs.Cref(span)})";
        writer.Summary($"Every layer's current state between <see cref=\"{stepCref}\"/> calls, [StateRows, HiddenSize].");
        writer.Line($"public {readOnlySpan} StreamState => _streamState;");
        writer.Line();
        writer.Summary("Sets the kept state to zeros, to start a new stream.");
        writer.Line($"public void Reset() => {TypeRefs.Array}.Clear(_streamState);");
        writer.Line();
        writer.Summary("Sets the kept state, [StateRows, HiddenSize] (PyTorch's h0, then for an LSTM c0), to start a stream from it.");
        writer.Line("/// <param name=\"initialState\">a&lt;0&gt; of every layer.</param>");
        writer.Line("/// <exception cref=\"global::System.ArgumentException\">The state has the wrong length.</exception>");
        writer.Block($"public void Reset({readOnlySpan} initialState)", () =>
        {
            ArgumentCheck.Length(writer, "initialState", "StateRows * HiddenSize", $"[StateRows = {model.StateRows}, HiddenSize = {model.HiddenSize}]");
            writer.Line("initialState.CopyTo(_streamState);");
        });
        writer.Line();
        writer.Summary("Advances the stream one time step: reads x&lt;t&gt;, updates every layer's kept state and writes y&lt;t&gt;. Allocates nothing.");
        writer.Line(model.HasEmbedding
            ? "/// <param name=\"input\">The step's token id, [1], as an integer value.</param>"
            : "/// <param name=\"input\">x&lt;t&gt;, [InputSize].</param>");
        writer.Line("/// <param name=\"output\">Receives y&lt;t&gt;, [OutputSize].</param>");
        writer.Line(model.HasEmbedding
            ? "/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or (<see cref=\"global::System.ArgumentOutOfRangeException\"/>) the input is not a token id.</exception>"
            : "/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length.</exception>");
        writer.Block($"public void Step({readOnlySpan} input, {span} output)", () =>
        {
            if (model.HasEmbedding)
            {
                ArgumentCheck.Length(writer, "input", "1", "[1], one token id");
            }
            else
            {
                ArgumentCheck.Length(writer, "input", "InputSize", $"[InputSize = {model.InputSize}]");
            }
            ArgumentCheck.Length(writer, "output", "OutputSize", $"[OutputSize = {model.OutputSize}]");
            if (model.HasSampleStep)
            {
                writer.Line("// The sample step below, on each span's one value.");
                writer.Line("output[0] = Step(input[0]);");
                return;
            }
            if (model.HasEmbedding)
            {
                EmbeddingEmitter.EmitRequireTokens(writer, "input");
            }
            writer.Line($"{readOnlySpan} parameters = _parameters.Span;");
            if (model.HasEmbedding)
            {
                writer.Line("// Embedding: x<t> = row token<t> of the table.");
                EmbeddingEmitter.EmitGather(writer, model, "input", "_stepInput");
            }
            writer.Line($"{readOnlySpan} layerInput = {(model.HasEmbedding ? "_stepInput" : "input")};");
            EmitLayersAndHead(writer, model, cell, keepsLogits);
        });
        writer.Line();
        if (model.HasSampleStep)
        {
            EmitSampleStep(writer, model, cell);
        }
        if (model.HasEmbedding)
        {
            writer.Summary("Advances the stream one time step from a token id, as the other <c>Step</c> does from the id as a value.");
            writer.Line("/// <param name=\"token\">The step's token id, 0 to VocabularySize - 1.</param>");
            writer.Line("/// <param name=\"output\">Receives y&lt;t&gt;, [OutputSize].</param>");
            writer.Line("/// <exception cref=\"global::System.ArgumentException\">The output has the wrong length, or (<see cref=\"global::System.ArgumentOutOfRangeException\"/>) the id is out of range.</exception>");
            writer.Line($"public void Step(int token, {span} output) => Step(TokenValues([token], nameof(token)), output);");
            writer.Line();
        }
        EmitStepBlock(writer, model, layout, cell, span, readOnlySpan);
        if (model.Topology == Topology.OneToMany)
        {
            writer.Line();
            EmitGenerate(writer, model, span, readOnlySpan, keepsLogits ? "_stepLogits" : "output");
        }
    }

    /// <summary>One step of every layer from <c>layerInput</c> and the kept state, then the head into <c>output</c>.</summary>
    private static void EmitLayersAndHead(SourceWriter writer, ModelSpec model, CellEmitter cell, bool keepsLogits)
    {
        for (int layer = 0; layer < model.Layers; layer++)
        {
            cell.EmitStreamLayer(writer, layer);
        }
        writer.Line($"// Output layer: y<t> = {HeadEmitter.Formula(model, "a<t>")}{(keepsLogits ? "; the logits are kept for sampling" : "")}.");
        if (keepsLogits)
        {
            writer.Line($"{TypeRefs.Span(model.T)} logits = _stepLogits;");
        }
        HeadEmitter.EmitAffine(writer, model, "layerInput", keepsLogits ? "logits" : null, "output");
    }

    /// <summary>
    /// The sample-in, sample-out step of a model with one input value and one output (<see cref="ModelSpec.HasSampleStep"/>):
    /// the step's body, which the span Step calls; y&lt;t&gt; is summed into a local and returned.
    /// </summary>
    private static void EmitSampleStep(SourceWriter writer, ModelSpec model, CellEmitter cell)
    {
        string t = model.T;
        writer.Summary("Advances the stream one time step of this one-input, one-output model: returns y&lt;t&gt; for x&lt;t&gt; and updates every layer's kept state. Stores nothing to the caller's memory and allocates nothing.");
        writer.Line("/// <param name=\"input\">x&lt;t&gt;.</param>");
        writer.Line("/// <returns>y&lt;t&gt;.</returns>");
        writer.Block($"public {t} Step({t} input)", () =>
        {
            writer.Line($"{TypeRefs.ReadOnlySpan(t)} parameters = _parameters.Span;");
            writer.Line($"{TypeRefs.ReadOnlySpan(t)} layerInput = new(in input);");
            writer.Line("// y<t> is written to a local, returned by value.");
            writer.Line($"{t} result = 0;");
            writer.Line($"{TypeRefs.Span(t)} output = new(ref result);");
            EmitLayersAndHead(writer, model, cell, keepsLogits: false);
            writer.Line("return result;");
        });
        writer.Line();
    }

    /// <summary>
    /// StepBlock: the stream advanced over a block of steps at once, as many Step calls would, through the sequence runners
    /// (the block's input projection as one matrix product). Its buffers are its own, so the last Forward stays intact for Backward.
    /// </summary>
    private static void EmitStepBlock(SourceWriter writer, ModelSpec model, ParameterLayout layout, CellEmitter cell, string span, string readOnlySpan)
    {
        string t = model.T;
        writer.Line($"private {t}[] _blockOutputs = {TypeRefs.Array}.Empty<{t}>(); // every layer's state at every step of the block, [Layers, n, HiddenSize]");
        if (model.HasEmbedding)
        {
            writer.Line($"private {t}[] _blockInputs = {TypeRefs.Array}.Empty<{t}>(); // the embedding rows of the block's tokens, [n, InputSize]");
        }
        cell.EmitBlockFields(writer);
        writer.Line();
        writer.Summary($"Advances the stream over a block of n steps: the same as n <see cref=\"Step({TypeRefs.Cref(readOnlySpan)}, {TypeRefs.Cref(span)})\"/> calls (up to rounding), with each layer's input projection for the whole block as one matrix product. Allocates nothing once a block this long has run.");
        writer.Line(model.HasEmbedding
            ? "/// <param name=\"inputs\">The block's token ids, [n], n &gt;= 1, as integer values.</param>"
            : "/// <param name=\"inputs\">x&lt;t..t+n-1&gt;, [n, InputSize], n &gt;= 1.</param>");
        writer.Line("/// <param name=\"outputs\">Receives y&lt;t..t+n-1&gt;, [n, OutputSize].</param>");
        writer.Line(model.HasEmbedding
            ? "/// <exception cref=\"global::System.ArgumentException\">The inputs are empty, the outputs are not as many steps, or (<see cref=\"global::System.ArgumentOutOfRangeException\"/>) an input is not a token id.</exception>"
            : "/// <exception cref=\"global::System.ArgumentException\">A span is not whole steps, or the two differ in steps.</exception>");
        writer.Block($"public void StepBlock({readOnlySpan} inputs, {span} outputs)", () =>
        {
            writer.Line(model.HasEmbedding
                ? $"int steps = {TypeRefs.Arguments}.TokenCount(inputs.Length, nameof(inputs));"
                : $"int steps = {TypeRefs.Arguments}.StepCount(inputs.Length, InputSize, nameof(inputs));");
            ArgumentCheck.Steps(writer, "outputs.Length", "OutputSize", "nameof(outputs)");
            if (model.HasEmbedding)
            {
                EmbeddingEmitter.EmitRequireTokens(writer, "inputs");
            }
            writer.Line("long needed = (long)Layers * steps * HiddenSize;");
            writer.Line($"{TypeRefs.Arguments}.RequireArrayLength(needed, steps, \"inputs\");");
            writer.Block("if (_blockOutputs.Length < needed)", () =>
            {
                writer.Line($"_blockOutputs = new {t}[needed];");
                if (model.HasEmbedding)
                {
                    writer.Line($"_blockInputs = new {t}[steps * InputSize];");
                }
                cell.EmitReserveBlock(writer);
            });
            writer.Line($"{readOnlySpan} parameters = _parameters.Span;");
            if (model.HasEmbedding)
            {
                writer.Line("// Embedding: x<t> = row token<t> of the table, for every step of the block.");
                writer.Line($"{span} embedded = new(_blockInputs, 0, steps * InputSize);");
                EmbeddingEmitter.EmitGather(writer, model, "inputs", "embedded");
            }
            writer.Line($"{span} streamState = _streamState;");
            for (int layer = 0; layer < model.Layers; layer++)
            {
                writer.Line($"{span} layer{layer} = new(_blockOutputs, {layer} * steps * HiddenSize, steps * HiddenSize);");
            }
            writer.Line("// Each layer runs over the block from its kept state, and its state after the block's last step becomes the kept state.");
            foreach (DirectionBlock block in layout.Blocks)
            {
                writer.Line();
                cell.EmitForwardCall(writer, block, block.Layer == 0 ? (model.HasEmbedding ? "embedded" : "inputs") : $"layer{block.Layer - 1}",
                    new RunnerBuffers($"layer{block.Layer}", "streamState", "streamState", "_blockCache", "_blockWorkspace"));
            }
            writer.Line();
            writer.Line($"// Output layer at every step of the block, as one matrix-matrix product: y<t> = {HeadEmitter.Formula(model, "a<t>")}.");
            writer.Line($"{KernelCalls.ProjectInputs(model, model.LayerWidth, model.OutputSize)}(layer{model.Layers - 1}, parameters.Slice(HeadWeights, LayerWidth * OutputSize), {HeadEmitter.Bias(model)}, outputs, OutputSize, 0);");
            HeadEmitter.EmitActivation(writer, model, "outputs", perStep: true);
        });
    }

    private static void EmitGenerate(SourceWriter writer, ModelSpec model, string span, string readOnlySpan, string logits)
    {
        if (model.HasEmbedding)
        {
            writer.Line($"private readonly {model.T}[] _chosenToken = new {model.T}[1]; // the token generation feeds back");
            writer.Line();
            writer.Summary("Generates a sequence: the first input is the token <paramref name=\"firstInput\"/>, then the output token <paramref name=\"options\"/> chooses (greedy or sampled) at each step goes back through the embedding as the next input, until <paramref name=\"outputs\"/> is full or the end token is produced. Allocates nothing.");
            writer.Line("/// <param name=\"firstInput\">The first token id, [1], as an integer value (e.g. a start token).</param>");
        }
        else
        {
            writer.Summary("Generates a sequence: x&lt;1&gt; = <paramref name=\"firstInput\"/>, then each output, as <paramref name=\"options\"/> chooses it, becomes the next input, until <paramref name=\"outputs\"/> is full or the end token is produced. Allocates nothing.");
            writer.Line("/// <param name=\"firstInput\">x&lt;1&gt;, [InputSize] (e.g. a start token).</param>");
        }
        writer.Line("/// <param name=\"initialState\">The initial state, [StateRows, HiddenSize] (e.g. an encoder's output), or empty for zeros.</param>");
        writer.Line("/// <param name=\"outputs\">Receives y&lt;1..&gt;, [maximum length, OutputSize]; with greedy or sampled feedback each row is the chosen one-hot vector.</param>");
        writer.Line("/// <param name=\"options\">How each output becomes the next input, and the end token.</param>");
        writer.Line("/// <returns>The number of steps generated (the end token's step included).</returns>");
        writer.Line(model.HasEmbedding
            ? "/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, the first input is not a token id, sampling lacks a Random, or the feedback is the prediction itself (a token model feeds back a chosen token).</exception>"
            : "/// <exception cref=\"global::System.ArgumentException\">A span has the wrong length, or sampling lacks a Random.</exception>");
        writer.Block($"public int Generate({readOnlySpan} firstInput, {readOnlySpan} initialState, {span} outputs, global::RnnGen.GenerationOptions options)", () =>
        {
            writer.Line($"{TypeRefs.ArgumentNullException}.ThrowIfNull(options);");
            if (model.HasEmbedding)
            {
                ArgumentCheck.Length(writer, "firstInput", "1", "[1], one token id");
                EmbeddingEmitter.EmitRequireTokens(writer, "firstInput");
                writer.Block("if (options.Feedback == global::RnnGen.RnnFeedback.Prediction)", () =>
                    writer.Line($"throw new {TypeRefs.ArgumentException}(\"A model with an embedding feeds back the token it chooses: use RnnFeedback.Greedy or RnnFeedback.Sample.\", nameof(options));"));
            }
            else
            {
                ArgumentCheck.Length(writer, "firstInput", "InputSize", $"[InputSize = {model.InputSize}]");
            }
            writer.Line($"int maximumSteps = {TypeRefs.Arguments}.StepCount(outputs.Length, OutputSize, nameof(outputs), nameof(OutputSize));");
            writer.Block("if (initialState.IsEmpty)", () => writer.Line("Reset();"));
            writer.Block("else", () => writer.Line("Reset(initialState);"));
            writer.Line($"{readOnlySpan} input = firstInput;");
            writer.Block("for (int step = 0; step < maximumSteps; step++)", () =>
            {
                writer.Line($"{span} output = outputs.Slice(step * OutputSize, OutputSize);");
                writer.Line("Step(input, output);");
                writer.Line($"int chosen = {TypeRefs.Sampler}.Choose<{model.T}>({logits}, output, options);");
                if (model.HasEmbedding)
                {
                    writer.Line("// The chosen token's one-hot vector is this step's output; the token is the next input.");
                    writer.Line("output.Clear();");
                    writer.Line("output[chosen] = 1;");
                }
                else
                {
                    writer.Block("if (options.Feedback != global::RnnGen.RnnFeedback.Prediction)", () =>
                    {
                        writer.Line("// The chosen output, as a one-hot vector, is both this step's output and the next input.");
                        writer.Line("output.Clear();");
                        writer.Line("output[chosen] = 1;");
                    });
                }
                writer.Block("if (chosen == options.EndToken)", () => writer.Line("return step + 1;"));
                if (model.HasEmbedding)
                {
                    writer.Line("_chosenToken[0] = chosen;");
                    writer.Line("input = _chosenToken;");
                }
                else
                {
                    writer.Line("input = output;");
                }
            });
            writer.Line("return maximumSteps;");
        });
    }
}
