using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters.Cells;

/// <summary>The textbook cell, a&lt;t&gt; = g1(W_aa a&lt;t-1&gt; + W_ax x&lt;t&gt; + b_a): the input projections of all steps come first, as one matrix-matrix product.</summary>
internal sealed class VanillaCellEmitter : CellEmitter
{
    public VanillaCellEmitter(ModelSpec model)
        : base(model)
    {
    }

    private string G1 => Model.Activation == HiddenActivation.Tanh ? "tanh" : "relu";

    public override void EmitForwardFields(SourceWriter writer)
    {
    }

    public override void EmitForwardCall(SourceWriter writer, DirectionBlock block, string input)
    {
        string previous = block.IsReverse ? "a<t+1>" : "a<t-1>";
        string x = block.Layer == 0 ? "x<t>" : $"[layer {block.Layer - 1} output at t]";
        writer.Line($"// {block.Title}, {block.Time}: a<t> = {G1}(W_aa {previous} + W_ax {x} + b_a).");
        writer.Call($"RunLayer<{TypeRefs.Size(block.InputSize)}>", [
            input,
            $"parameters.Slice({block.Name}InputWeights, {block.InputSize} * HiddenSize)",
            $"parameters.Slice({block.Name}RecurrentWeights, HiddenSize * HiddenSize)",
            $"parameters.Slice({block.Name}Bias, HiddenSize)",
            OptionalStateRow("initialState", block.StateRow),
            $"layer{block.Layer}",
            .. PlacementArguments(block),
            StateRow("finalState", block.StateRow),
        ]);
    }

    public override void EmitRunLayer(SourceWriter writer)
    {
        string input = Model.Layers == 1 ? "x<t>" : "in<t> (x<t>, or the layer below's a<t>)";
        string column = Model.Directions == 2 ? "column" : "0";
        writer.Line($"// Runs one direction of a layer whose input is TInput wide over every step, writing a<t> into {(Model.Directions == 2 ? "its half of each output row" : "each output row")}.");
        writer.Block(
            $"private static void RunLayer<TInput>({ReadOnlySpan} inputs, {ReadOnlySpan} inputWeights, {ReadOnlySpan} recurrentWeights, {ReadOnlySpan} bias, {ReadOnlySpan} initialState, {Span} outputs{PlacementParameters}, {Span} finalState){InputSizeConstraint}",
            () =>
            {
                writer.Line("int steps = outputs.Length / LayerWidth;");
                writer.Line($"// Off the serial path: every step's W_ax {input} + b_a at once, as one matrix-matrix product.");
                writer.Line($"{KernelCalls.ProjectInputs(Model, "TInput", Model.HiddenSize)}(inputs, inputWeights, bias, outputs, LayerWidth, {column});");
                writer.Line($"{ReadOnlySpan} previous = initialState; // empty stands for the zero state: its product is skipped");
                EmitStepLoop(writer, backward: false, () =>
                {
                    writer.Line($"{Span} state = outputs.Slice({StateOffset("t")}, HiddenSize);");
                    writer.Block("if (!previous.IsEmpty)", () =>
                        writer.Line($"{KernelCalls.MultiplyAdd(Model, Model.HiddenSize, Model.HiddenSize)}(previous, recurrentWeights, state); // + W_aa a of the previous step"));
                    writer.Line($"{Activation(Model.Activation.ToString())}(state);");
                    writer.Line("previous = state;");
                });
                writer.Line("previous.CopyTo(finalState);");
            });
    }

    public override void EmitBackwardFields(SourceWriter writer) =>
        writer.Line($"private {T}[] _stepGradients = {TypeRefs.Array}.Empty<{T}>(); // dE/d(pre-activation) of every step of one layer direction, [T, HiddenSize]");

    public override void EmitBackwardReserve(SourceWriter writer) =>
        writer.Line($"_stepGradients = new {T}[steps * HiddenSize];");

    public override void EmitBackwardCall(SourceWriter writer, DirectionBlock block, string input, string inputGradients) =>
        writer.Call($"BackpropagateLayer<{TypeRefs.Size(block.InputSize)}>", [
            input,
            $"layer{block.Layer}",
            $"layer{block.Layer}Gradients",
            $"parameters.Slice({block.Name}InputWeights, {block.InputSize} * HiddenSize)",
            $"parameters.Slice({block.Name}RecurrentWeights, HiddenSize * HiddenSize)",
            KeptInitialRow(block.StateRow),
            $"gradients.Slice({block.Name}InputWeights, {block.InputSize} * HiddenSize)",
            $"gradients.Slice({block.Name}RecurrentWeights, HiddenSize * HiddenSize)",
            $"gradients.Slice({block.Name}Bias, HiddenSize)",
            inputGradients,
            .. PlacementArguments(block),
            OptionalStateRow("initialStateGradients", block.StateRow),
        ]);

    public override void EmitBackpropagateLayer(SourceWriter writer)
    {
        int hidden = Model.HiddenSize;
        writer.Line("// Backpropagates one direction of a layer whose input is TInput wide through every step, last processed first.");
        writer.Block(
            $"private void BackpropagateLayer<TInput>({ReadOnlySpan} inputs, {ReadOnlySpan} outputs, {ReadOnlySpan} outputGradients, {ReadOnlySpan} inputWeights, {ReadOnlySpan} recurrentWeights, {ReadOnlySpan} initialState, {Span} inputWeightGradients, {Span} recurrentWeightGradients, {Span} biasGradients, {Span} inputGradients{PlacementParameters}, {Span} initialStateGradients){InputSizeConstraint}",
            () =>
            {
                writer.Line("int steps = outputs.Length / LayerWidth, inputSize = TInput.Value;");
                writer.Line($"{Span} carried = _carriedGradients; // dE/da<t> through W_aa from the step processed after t");
                writer.Line($"{Span} stepGradients = new(_stepGradients, 0, steps * HiddenSize); // dE/d(W_aa a + W_ax x + b_a) of every step");
                writer.Line("carried.Clear();");
                writer.Line("// The serial part: only what the next step back needs, dE/d(pre-activation) and W_aa's share of dE/da<t-1>.");
                EmitStepLoop(writer, backward: true, () =>
                {
                    writer.Line($"{Span} preactivation = stepGradients.Slice(t * HiddenSize, HiddenSize);");
                    writer.Line(Model.Activation == HiddenActivation.Tanh
                        ? "// Through tanh, whose derivative is 1 - a²: dz<t> = (dE/da<t> + carried) (1 - a<t>²)."
                        : "// Through relu, whose derivative is 1 where a > 0, else 0: dz<t> = dE/da<t> + carried where a<t> > 0.");
                    writer.Line($"{Activation(Model.Activation + "Backward")}(outputs.Slice({StateOffset("t")}, HiddenSize), outputGradients.Slice({StateOffset("t")}, HiddenSize), carried, preactivation);");
                    writer.Block("if (!inputGradients.IsEmpty)", () =>
                        writer.Line($"{KernelCalls.MultiplyTransposedAdd(Model, "TInput", hidden)}(inputWeights, preactivation, inputGradients.Slice(t * inputSize, inputSize));"));
                    writer.Line("carried.Clear();");
                    writer.Line($"{KernelCalls.MultiplyTransposedAdd(Model, hidden, hidden)}(recurrentWeights, preactivation, carried);");
                });
                EmitWeightGradients(writer, "db_a = Σ dz<t>, dW_ax = Σ x<t> dz<t> and dW_aa = Σ a<t-1> dz<t>", "a", "HiddenSize", hidden, "stepGradients", "stepGradients", ("stepGradients", "biasGradients"));
                writer.Line("// What is still carried after the first processed step is dE/da<0>.");
                writer.Block("if (!initialStateGradients.IsEmpty)", () => writer.Line("carried.CopyTo(initialStateGradients);"));
            });
    }

    public override void EmitStreamFields(SourceWriter writer) =>
        writer.Line($"private readonly {T}[] _stepPreactivation = new {T}[HiddenSize];");

    public override void EmitStreamLayer(SourceWriter writer, int layer)
    {
        int inputSize = Model.LayerInputSize(layer);
        string name = $"Layer{layer}Forward";
        writer.Line($"// Layer {layer}: a<t> = {G1}(W_aa a<t-1> + W_ax {(layer == 0 ? "x<t>" : $"[layer {layer - 1}'s a<t>]")} + b_a), computed aside so a<t-1> stays intact until done.");
        writer.Line($"{Span} state{layer} = new(_streamState, {layer} * HiddenSize, HiddenSize);");
        writer.Line($"parameters.Slice({name}Bias, HiddenSize).CopyTo(_stepPreactivation);");
        writer.Line($"{KernelCalls.MultiplyAdd(Model, inputSize, Model.HiddenSize)}(layerInput, parameters.Slice({name}InputWeights, {inputSize} * HiddenSize), _stepPreactivation);");
        writer.Line($"{KernelCalls.MultiplyAdd(Model, Model.HiddenSize, Model.HiddenSize)}(state{layer}, parameters.Slice({name}RecurrentWeights, HiddenSize * HiddenSize), _stepPreactivation);");
        writer.Line($"{Activation(Model.Activation.ToString())}<{T}>(_stepPreactivation);");
        writer.Line($"new {ReadOnlySpan}(_stepPreactivation).CopyTo(state{layer});");
        writer.Line($"layerInput = state{layer};");
    }
}
