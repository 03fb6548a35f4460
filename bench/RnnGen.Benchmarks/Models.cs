using RnnGen;

// The benchmarked models: many-to-many, tanh hidden activation, identity output, squared error, OutputSize = 8,
// batch 1, T = 50 at run time. Names: F/D (float/double), I, H; Bi2 = 2 layers bidirectional.
// With RNNGEN_STREAMING (set by the project file once RnnModelAttribute has a Streaming property) the
// unidirectional models are declared with Streaming = true so that the generator emits Step/Reset.
namespace RnnGen.Benchmarks.Models
{
#if RNNGEN_STREAMING
    [RnnModel<float>(InputSize = 16, HiddenSize = 32, OutputSize = 8, Streaming = true)] public partial class F16x32 { }
    [RnnModel<float>(InputSize = 8, HiddenSize = 16, OutputSize = 8, Streaming = true)] public partial class F8x16 { }
    [RnnModel<float>(InputSize = 32, HiddenSize = 64, OutputSize = 8, Streaming = true)] public partial class F32x64 { }
    [RnnModel<float>(InputSize = 64, HiddenSize = 128, OutputSize = 8, Streaming = true)] public partial class F64x128 { }
    [RnnModel<float>(InputSize = 128, HiddenSize = 256, OutputSize = 8, Streaming = true)] public partial class F128x256 { }
    [RnnModel<float>(InputSize = 256, HiddenSize = 512, OutputSize = 8, Streaming = true)] public partial class F256x512 { }
    [RnnModel<double>(InputSize = 16, HiddenSize = 32, OutputSize = 8, Streaming = true)] public partial class D16x32 { }
    [RnnModel<double>(InputSize = 8, HiddenSize = 16, OutputSize = 8, Streaming = true)] public partial class D8x16 { }
    [RnnModel<double>(InputSize = 32, HiddenSize = 64, OutputSize = 8, Streaming = true)] public partial class D32x64 { }
    [RnnModel<double>(InputSize = 64, HiddenSize = 128, OutputSize = 8, Streaming = true)] public partial class D64x128 { }
    [RnnModel<double>(InputSize = 128, HiddenSize = 256, OutputSize = 8, Streaming = true)] public partial class D128x256 { }
    [RnnModel<double>(InputSize = 256, HiddenSize = 512, OutputSize = 8, Streaming = true)] public partial class D256x512 { }
#else
    [RnnModel<float>(InputSize = 16, HiddenSize = 32, OutputSize = 8)] public partial class F16x32 { }
    [RnnModel<float>(InputSize = 8, HiddenSize = 16, OutputSize = 8)] public partial class F8x16 { }
    [RnnModel<float>(InputSize = 32, HiddenSize = 64, OutputSize = 8)] public partial class F32x64 { }
    [RnnModel<float>(InputSize = 64, HiddenSize = 128, OutputSize = 8)] public partial class F64x128 { }
    [RnnModel<float>(InputSize = 128, HiddenSize = 256, OutputSize = 8)] public partial class F128x256 { }
    [RnnModel<float>(InputSize = 256, HiddenSize = 512, OutputSize = 8)] public partial class F256x512 { }
    [RnnModel<double>(InputSize = 16, HiddenSize = 32, OutputSize = 8)] public partial class D16x32 { }
    [RnnModel<double>(InputSize = 8, HiddenSize = 16, OutputSize = 8)] public partial class D8x16 { }
    [RnnModel<double>(InputSize = 32, HiddenSize = 64, OutputSize = 8)] public partial class D32x64 { }
    [RnnModel<double>(InputSize = 64, HiddenSize = 128, OutputSize = 8)] public partial class D64x128 { }
    [RnnModel<double>(InputSize = 128, HiddenSize = 256, OutputSize = 8)] public partial class D128x256 { }
    [RnnModel<double>(InputSize = 256, HiddenSize = 512, OutputSize = 8)] public partial class D256x512 { }
#endif
    [RnnModel<float>(InputSize = 64, HiddenSize = 128, OutputSize = 8, Layers = 2, Direction = RnnDirection.Bidirectional)] public partial class F64x128Bi2 { }
    [RnnModel<double>(InputSize = 64, HiddenSize = 128, OutputSize = 8, Layers = 2, Direction = RnnDirection.Bidirectional)] public partial class D64x128Bi2 { }
}
