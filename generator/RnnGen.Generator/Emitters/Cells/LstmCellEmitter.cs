using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters.Cells;

/// <summary>PyTorch's LSTM: W_hh h + b_hh adds into the input projection, and the state is h then c.</summary>
internal sealed class LstmCellEmitter : GatedCellEmitter
{
    public LstmCellEmitter(ModelSpec model)
        : base(model)
    {
    }

    protected override string CellName => "LSTM";

    protected override string CellWithArticle => "an LSTM";

    protected override string GateLayout => "[i | f | g | o]";

    protected override string CacheLayout => "i, f, g, o and c";

    protected override bool HasCellState => true;

    protected override string RecurrentGateGradients => "inputGateGradients";

    // W_hh h + b_hh adds into the same pre-activations, so both weight gradients and both bias gradients come from them.
    protected override string RecurrentGateSteps => "inputGateSteps";

    protected override string WeightGradientFormula => "db_ih = db_hh = Σ dg<t>, dW_ih = Σ x<t> dg<t> and dW_hh = Σ h<t-1> dg<t>";

    protected override string Formula(string x) => $"LSTM gates from W_ih {x} + b_ih + W_hh h + b_hh; c = f c + i g, h = o tanh(c).";

    protected override void EmitForwardStep(SourceWriter writer)
    {
        writer.Line($"{TypeRefs.Activations}.AddTo(recurrentBias, gates);");
        writer.Block("if (!previous.IsEmpty)", () =>
            writer.Line($"{Recurrent(Model.HiddenSize)}(previous, recurrentWeights, gates); // + W_hh h"));
        writer.Line($"{TypeRefs.Gates}.LstmForward<{T}>(gates, previousCell, state, stepCache);");
        writer.Line("previousCell = stepCache.Slice(4 * HiddenSize, HiddenSize);");
    }

    public override void EmitBackwardFields(SourceWriter writer)
    {
        base.EmitBackwardFields(writer);
        writer.Line($"private readonly {T}[] _carriedCellGradients = new {T}[HiddenSize];");
    }

    protected override void EmitBackwardLocals(SourceWriter writer)
    {
        writer.Line($"{Span} carriedCell = _carriedCellGradients; // dE/dc<t> from the step processed after t");
        writer.Line("carriedCell.Clear();");
    }

    protected override void EmitBackwardStep(SourceWriter writer)
    {
        writer.Line($"{ReadOnlySpan} previousCell = {HasEarlierStep} ? cache.Slice(({EarlierStep} * CacheWidth) + (4 * HiddenSize), HiddenSize) : initialCell;");
        writer.Line("// Through the cell: dE/d(every gate's pre-activation), and dE/dc<t-1> into carriedCell.");
        writer.Line($"{TypeRefs.Gates}.LstmBackward<{T}>(stateGradient, carried, carriedCell, previousCell, stepCache, inputGateGradients);");
    }

    protected override void EmitCarriedReset(SourceWriter writer) => writer.Line("carried.Clear();");

    protected override void EmitStreamStep(SourceWriter writer, int layer, string name)
    {
        writer.Line($"{TypeRefs.Activations}.AddTo(parameters.Slice({name}RecurrentBias, GateWidth), _inputGates);");
        writer.Line($"{Recurrent(Model.HiddenSize)}(state{layer}, parameters.Slice({name}RecurrentWeights, HiddenSize * GateWidth), _inputGates);");
        writer.Line($"{Span} cell{layer} = new(_streamState, (Layers + {layer}) * HiddenSize, HiddenSize);");
        writer.Line($"{TypeRefs.Gates}.LstmForward<{T}>(_inputGates, cell{layer}, _stepState, _stepCache);");
        writer.Line($"new {ReadOnlySpan}(_stepCache, 4 * HiddenSize, HiddenSize).CopyTo(cell{layer});");
    }
}
