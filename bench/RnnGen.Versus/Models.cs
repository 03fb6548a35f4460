using RnnGen;

// The RnnGen side of every comparison, declared as a user would: the same shapes as export_models.py writes, loaded
// from its safetensors files. Sequence models: many-to-many, one linear head of 8 outputs, float. Streaming models, of
// every cell, have one output (RTNeural's examples' shape) and add Step, at input 1 also the sample step float Step(float).
namespace RnnGen.Versus.Models
{
    [RnnModel<float>(InputSize = 64, HiddenSize = 128, OutputSize = 8)] public partial class VanillaI64H128 { }
    [RnnModel<float>(InputSize = 128, HiddenSize = 256, OutputSize = 8)] public partial class VanillaI128H256 { }
    [RnnModel<float>(InputSize = 64, HiddenSize = 128, OutputSize = 8, Cell = RnnCell.Gru)] public partial class GruI64H128 { }
    [RnnModel<float>(InputSize = 128, HiddenSize = 256, OutputSize = 8, Cell = RnnCell.Gru)] public partial class GruI128H256 { }
    [RnnModel<float>(InputSize = 64, HiddenSize = 128, OutputSize = 8, Cell = RnnCell.Lstm)] public partial class LstmI64H128 { }
    [RnnModel<float>(InputSize = 128, HiddenSize = 256, OutputSize = 8, Cell = RnnCell.Lstm)] public partial class LstmI128H256 { }

    [RnnModel<float>(InputSize = 1, HiddenSize = 8, OutputSize = 1, Streaming = true)] public partial class VanillaI1H8 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 16, OutputSize = 1, Streaming = true)] public partial class VanillaI1H16 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 32, OutputSize = 1, Streaming = true)] public partial class VanillaI1H32 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 64, OutputSize = 1, Streaming = true)] public partial class VanillaI1H64 { }
    [RnnModel<float>(InputSize = 16, HiddenSize = 32, OutputSize = 1, Streaming = true)] public partial class VanillaI16H32 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 8, OutputSize = 1, Cell = RnnCell.Gru, Streaming = true)] public partial class GruI1H8 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 16, OutputSize = 1, Cell = RnnCell.Gru, Streaming = true)] public partial class GruI1H16 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 32, OutputSize = 1, Cell = RnnCell.Gru, Streaming = true)] public partial class GruI1H32 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 64, OutputSize = 1, Cell = RnnCell.Gru, Streaming = true)] public partial class GruI1H64 { }
    [RnnModel<float>(InputSize = 16, HiddenSize = 32, OutputSize = 1, Cell = RnnCell.Gru, Streaming = true)] public partial class GruI16H32 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 8, OutputSize = 1, Cell = RnnCell.Lstm, Streaming = true)] public partial class LstmI1H8 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 16, OutputSize = 1, Cell = RnnCell.Lstm, Streaming = true)] public partial class LstmI1H16 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 32, OutputSize = 1, Cell = RnnCell.Lstm, Streaming = true)] public partial class LstmI1H32 { }
    [RnnModel<float>(InputSize = 1, HiddenSize = 64, OutputSize = 1, Cell = RnnCell.Lstm, Streaming = true)] public partial class LstmI1H64 { }
    [RnnModel<float>(InputSize = 16, HiddenSize = 32, OutputSize = 1, Cell = RnnCell.Lstm, Streaming = true)] public partial class LstmI16H32 { }
}
