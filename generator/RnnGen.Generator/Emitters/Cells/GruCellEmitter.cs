using RnnGen.Generator.Model;

namespace RnnGen.Generator.Emitters.Cells;

/// <summary>PyTorch's GRU: W_hh h + b_hh is kept apart from the input projection, since r scales its n block.</summary>
internal sealed class GruCellEmitter : GatedCellEmitter
{
    public GruCellEmitter(ModelSpec model)
        : base(model)
    {
    }

    protected override string CellName => "GRU";

    protected override string CellWithArticle => "a GRU";

    protected override string GateLayout => "[r | z | n]";

    protected override string CacheLayout => "r, z, n and W_hn h + b_hn";

    protected override bool HasCellState => false;

    protected override string RecurrentGateGradients => "recurrentGateGradients";

    protected override string RecurrentGateSteps => "recurrentGateSteps";

    protected override string WeightGradientFormula => "db_ih = Σ dgx<t>, db_hh = Σ dgh<t>, dW_ih = Σ x<t> dgx<t> and dW_hh = Σ h<t-1> dgh<t>";

    protected override string Formula(string x) => $"GRU gates from W_ih {x} + b_ih and W_hh h + b_hh; h = (1 - z) n + z h.";

    public override void EmitForwardFields(SourceWriter writer)
    {
        base.EmitForwardFields(writer);
        writer.Line($"private readonly {T}[] _recurrentGates = new {T}[GateWidth]; // W_hh h + b_hh of one step");
    }

    protected override void EmitForwardStep(SourceWriter writer)
    {
        writer.Line($"{Span} recurrentGates = _recurrentGates;");
        writer.Line("recurrentBias.CopyTo(recurrentGates);");
        writer.Block("if (!previous.IsEmpty)", () =>
            writer.Line($"{Recurrent(Model.HiddenSize)}(previous, recurrentWeights, recurrentGates); // + W_hh h"));
        writer.Line($"{TypeRefs.Gates}.GruForward<{T}>(gates, recurrentGates, previous, state, stepCache);");
    }

    public override void EmitBackwardFields(SourceWriter writer)
    {
        base.EmitBackwardFields(writer);
        writer.Line($"private {T}[] _recurrentGateGradients = {TypeRefs.Array}.Empty<{T}>(); // dE/d(W_hh h + b_hh) of every step of one layer direction, [T, GateWidth]");
    }

    public override void EmitBackwardReserve(SourceWriter writer)
    {
        base.EmitBackwardReserve(writer);
        writer.Line($"_recurrentGateGradients = new {T}[steps * GateWidth];");
    }

    protected override void EmitBackwardLocals(SourceWriter writer)
    {
        writer.Line($"{Span} recurrentGateSteps = new(_recurrentGateGradients, 0, steps * GateWidth); // dE/d(W_hh h + b_hh) of every step");
    }

    protected override void EmitBackwardStep(SourceWriter writer)
    {
        writer.Line($"{ReadOnlySpan} previous = {HasEarlierStep} ? outputs.Slice({StateOffset(EarlierStep)}, HiddenSize) : initialState;");
        writer.Line($"{Span} recurrentGateGradients = recurrentGateSteps.Slice(t * GateWidth, GateWidth);");
        writer.Line("// Through the gates: dE/d(W_ih x + b_ih), dE/d(W_hh h + b_hh), and the part of dE/dh<t-1> that bypasses W_hh into carried.");
        writer.Line($"{TypeRefs.Gates}.GruBackward<{T}>(stateGradient, carried, previous, stepCache, inputGateGradients, recurrentGateGradients);");
    }

    protected override void EmitCarriedReset(SourceWriter writer)
    {
    }

    protected override void EmitStreamStep(SourceWriter writer, int layer, string name)
    {
        writer.Line($"parameters.Slice({name}RecurrentBias, GateWidth).CopyTo(_recurrentGates);");
        writer.Line($"{Recurrent(Model.HiddenSize)}(state{layer}, parameters.Slice({name}RecurrentWeights, HiddenSize * GateWidth), _recurrentGates);");
        writer.Line($"{TypeRefs.Gates}.GruForward<{T}>(_inputGates, _recurrentGates, state{layer}, _stepState, _stepCache);");
    }
}
