using System;
using System.Collections.Generic;
using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters.Cells;

/// <summary>
/// What differs between the recurrent cells (vanilla, GRU, LSTM): their buffers and the runners of one layer direction
/// forward, backward and for one streaming step. The forward, backward and streaming emitters orchestrate layers,
/// directions and the head, and ask the model's cell for the rest.
/// </summary>
internal abstract class CellEmitter
{
    protected CellEmitter(ModelSpec model)
    {
        Model = model;
        T = model.T;
        Span = TypeRefs.Span(model.T);
        ReadOnlySpan = TypeRefs.ReadOnlySpan(model.T);
    }

    protected ModelSpec Model { get; }

    /// <summary>The element type's keyword.</summary>
    protected string T { get; }

    protected string Span { get; }

    protected string ReadOnlySpan { get; }

    public static CellEmitter For(ModelSpec model) => model.Cell switch
    {
        Cell.Gru => new GruCellEmitter(model),
        Cell.Lstm => new LstmCellEmitter(model),
        _ => new VanillaCellEmitter(model),
    };

    /// <summary>Fields the forward pass needs besides the layer outputs.</summary>
    public abstract void EmitForwardFields(SourceWriter writer);

    /// <summary>Statements inside ReserveSteps that grow the cell's per-step buffers to <c>steps</c>.</summary>
    public virtual void EmitReserveSteps(SourceWriter writer)
    {
    }

    /// <summary>The call that runs one layer direction forward over every step, from <paramref name="input"/>.</summary>
    public abstract void EmitForwardCall(SourceWriter writer, DirectionBlock block, string input);

    /// <summary>The forward runner of one layer direction, generic over its input width (a size struct), so deep layers share it with layer 0.</summary>
    public abstract void EmitRunLayer(SourceWriter writer);

    /// <summary>Fields the backward pass needs besides dE/d(layer outputs).</summary>
    public abstract void EmitBackwardFields(SourceWriter writer);

    /// <summary>Statements inside StartBackward that grow the cell's per-step gradient buffers to <c>steps</c>.</summary>
    public virtual void EmitBackwardReserve(SourceWriter writer)
    {
    }

    /// <summary>The call that backpropagates one layer direction through every step.</summary>
    public abstract void EmitBackwardCall(SourceWriter writer, DirectionBlock block, string input, string inputGradients);

    /// <summary>The backward runner of one layer direction, generic over its input width like <see cref="EmitRunLayer"/>.</summary>
    public abstract void EmitBackpropagateLayer(SourceWriter writer);

    /// <summary>Fields one streaming step needs besides the kept state.</summary>
    public abstract void EmitStreamFields(SourceWriter writer);

    /// <summary>One layer of Step: reads <c>layerInput</c>, updates the layer's kept state and points <c>layerInput</c> at it.</summary>
    public abstract void EmitStreamLayer(SourceWriter writer, int layer);

    /// <summary>The type parameter constraint of the runners: their input width is a size struct.</summary>
    protected static string InputSizeConstraint => $" where TInput : struct, {TypeRefs.SizeInterface}";

    /// <summary>The parameter list of the runners that place a direction in its layer's output rows; a unidirectional layer needs none.</summary>
    protected string PlacementParameters => Model.Directions == 2 ? ", int column, bool reverse" : "";

    /// <summary>The arguments matching <see cref="PlacementParameters"/>.</summary>
    protected IEnumerable<string> PlacementArguments(DirectionBlock block) =>
        Model.Directions == 2 ? block.PlacementArguments : Array.Empty<string>();

    /// <summary>Where step <paramref name="step"/>'s state starts in a layer's output rows.</summary>
    protected string StateOffset(string step) => Model.Directions == 2 ? $"({step} * LayerWidth) + column" : $"{step} * LayerWidth";

    /// <summary>The slice of a whole state (initial, final, or their gradients) that holds row <paramref name="row"/>.</summary>
    protected static string StateRow(string state, int row) => $"{state}.Slice({row} * HiddenSize, HiddenSize)";

    /// <summary>The same slice of a state that may be empty (for zeros, or not wanted).</summary>
    protected static string OptionalStateRow(string state, int row) => $"{state}.IsEmpty ? default : {StateRow(state, row)}";

    /// <summary>The kept initial state's row, or empty when the forward pass started from zeros.</summary>
    protected string KeptInitialRow(int row) => $"_hasInitialState ? new {ReadOnlySpan}(_initialState, {row} * HiddenSize, HiddenSize) : default";

    /// <summary>
    /// The loop over steps in processing order (<paramref name="backward"/>: last processed first), with <c>t</c> the step's
    /// position in the sequence. <c>step</c> counts processed steps where the order can be reversed; a unidirectional layer
    /// runs <c>t</c> directly.
    /// </summary>
    protected void EmitStepLoop(SourceWriter writer, bool backward, Action body)
    {
        if (Model.Directions == 1)
        {
            writer.Block(backward ? "for (int t = steps - 1; t >= 0; t--)" : "for (int t = 0; t < steps; t++)", body);
            return;
        }
        writer.Block(backward ? "for (int step = steps - 1; step >= 0; step--)" : "for (int step = 0; step < steps; step++)", () =>
        {
            writer.Line("int t = reverse ? steps - 1 - step : step;");
            body();
        });
    }

    /// <summary>Inside <see cref="EmitStepLoop"/>: whether a step was processed before this one.</summary>
    protected string HasEarlierStep => Model.Directions == 2 ? "step > 0" : "t > 0";

    /// <summary>Inside <see cref="EmitStepLoop"/>: the position of the step processed just before this one.</summary>
    protected string EarlierStep => Model.Directions == 2 ? "(reverse ? t + 1 : t - 1)" : "(t - 1)";

    /// <summary>
    /// After the backward recursion, off the serial path: the bias gradients summed over steps, and dW_in = Σ in&lt;t&gt; d&lt;t&gt;
    /// and dW_rec = Σ state&lt;t-1&gt; d&lt;t&gt; as matrix-matrix products, from the per-step pre-activation gradients
    /// (<paramref name="inputSteps"/> and <paramref name="recurrentSteps"/>, rows <paramref name="width"/> wide).
    /// </summary>
    protected void EmitWeightGradients(SourceWriter writer, string formula, string state, string width, int columns, string inputSteps, string recurrentSteps, params (string Steps, string Bias)[] biases)
    {
        bool bidirectional = Model.Directions == 2;
        writer.Line($"// Off the serial path, all steps at once: {formula} as matrix-matrix products.");
        foreach ((string steps, string bias) in biases)
        {
            writer.Line($"{TypeRefs.Activations}.AddRowsTo<{T}>({steps}, {bias});");
        }
        writer.Line($"{KernelCalls.AddTransposedProduct(Model, "TInput", columns)}(inputs, inputSize, {inputSteps}, steps, inputWeightGradients);");
        writer.Line(bidirectional
            ? $"// Each step's {state}<t-1> is the row before it in processing order: the previous row forward, the next one in reverse."
            : $"// Each step's {state}<t-1> is the row before it.");
        writer.Block("if (steps > 1)", () =>
        {
            string earlierStates = bidirectional ? "outputs.Slice((reverse ? LayerWidth : 0) + column)" : "outputs";
            string laterGradients = bidirectional ? $"{recurrentSteps}.Slice(reverse ? 0 : {width}, (steps - 1) * {width})" : $"{recurrentSteps}.Slice({width})";
            writer.Line($"{KernelCalls.AddTransposedProduct(Model, Model.HiddenSize, columns)}({earlierStates}, LayerWidth, {laterGradients}, steps - 1, recurrentWeightGradients);");
        });
        string firstProcessed = bidirectional ? $"(reverse ? steps - 1 : 0) * {width}" : "0";
        writer.Block("if (!initialState.IsEmpty)", () =>
            writer.Line($"{KernelCalls.AddOuterProduct(Model, Model.HiddenSize, columns)}(initialState, {recurrentSteps}.Slice({firstProcessed}, {width}), recurrentWeightGradients);"));
    }

    /// <summary>The name of the activation applied in place to a span, e.g. <c>global::RnnGen.Kernels.Activations.Tanh</c>.</summary>
    protected static string Activation(string name) => $"{TypeRefs.Activations}.{name}";
}
