// RTNeural's streaming step on the models of export_models.py, for bench/RnnGen.Versus: one sample per call, sizes
// known at compile time (ModelT), weights loaded from PyTorch's state dict with RTNeural's torch_helpers. Each model
// first replays PyTorch's reference sequence and checks its outputs; then 21 rounds of about 25 ms are timed.
// Built by build.sh, once per backend (Eigen, xsimd). Prints RESULT lines like the C# side.
#include <RTNeural/RTNeural.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace
{
constexpr int OutputSize = 1; // as export_models.py's streaming models (STREAMING_OUTPUT_SIZE)
constexpr int Rounds = 21;

nlohmann::json Read(const std::string& path)
{
    std::ifstream file(path);
    return nlohmann::json::parse(file);
}

template <typename Model>
double NanosecondsPerStep(Model& model, const float* input)
{
    using Clock = std::chrono::steady_clock;
    for (int i = 0; i < 1000; i++)
        model.forward(input);
    long calls = 1;
    while (true)
    {
        auto start = Clock::now();
        for (long i = 0; i < calls; i++)
            model.forward(input);
        double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
        if (elapsed > 0.006)
        {
            calls = std::max(1L, (long)(calls * 0.025 / elapsed));
            break;
        }
        calls *= 2;
    }
    std::vector<double> times;
    for (int round = 0; round < Rounds; round++)
    {
        auto start = Clock::now();
        for (long i = 0; i < calls; i++)
            model.forward(input);
        times.push_back(std::chrono::duration<double, std::nano>(Clock::now() - start).count() / calls);
    }
    std::sort(times.begin(), times.end());
    return times[Rounds / 2];
}

template <typename Layer, int I, int H>
bool Run(const std::string& models, const char* cell, const char* backend)
{
    RTNeural::ModelT<float, I, OutputSize, Layer, RTNeural::DenseT<float, H, OutputSize>> model;
    const std::string name = std::string(cell) + "_I" + std::to_string(I) + "_H" + std::to_string(H);
    nlohmann::json weights = Read(models + "/" + name + ".json");
    if constexpr (std::is_same_v<Layer, RTNeural::LSTMLayerT<float, I, H>>)
        RTNeural::torch_helpers::loadLSTM<float>(weights, "rnn.", model.template get<0>());
    else
        RTNeural::torch_helpers::loadGRU<float>(weights, "rnn.", model.template get<0>());
    RTNeural::torch_helpers::loadDense<float>(weights, "head.", model.template get<1>());

    nlohmann::json reference = Read(models + "/" + name + ".reference.json");
    std::vector<float> inputs = reference["inputs"], expected = reference["outputs"];
    int steps = reference["steps"];
    model.reset();
    alignas(32) float input[I] = {};
    double difference = 0;
    for (int t = 0; t < steps; t++)
    {
        std::copy(inputs.begin() + t * I, inputs.begin() + (t + 1) * I, input);
        model.forward(input);
        const float* outputs = model.getOutputs();
        for (int o = 0; o < OutputSize; o++)
            difference = std::max(difference, (double)std::fabs(outputs[o] - expected[t * OutputSize + o]));
    }
    bool agree = difference <= 1e-4;
    std::printf("VERIFY streaming step (RTNeural %s against PyTorch) %s: largest output difference %.2E %s\n", backend, name.c_str(), difference, agree ? "ok" : "TOO LARGE, not timed");
    if (!agree)
        return false;
    std::printf("RESULT step %s I%d_H%d rtneural_%s=%.3fns\n", cell, I, H, backend, NanosecondsPerStep(model, input));
    std::fflush(stdout);
    return true;
}
} // namespace

int main(int argc, char** argv)
{
    if (argc < 3)
    {
        std::fprintf(stderr, "usage: %s MODELS_DIRECTORY BACKEND_NAME\n", argv[0]);
        return 2;
    }
    const std::string models = argv[1];
    const char* backend = argv[2];
    bool ok = true;
    ok &= Run<RTNeural::GRULayerT<float, 1, 8>, 1, 8>(models, "gru", backend);
    ok &= Run<RTNeural::GRULayerT<float, 1, 16>, 1, 16>(models, "gru", backend);
    ok &= Run<RTNeural::GRULayerT<float, 1, 32>, 1, 32>(models, "gru", backend);
    ok &= Run<RTNeural::GRULayerT<float, 1, 64>, 1, 64>(models, "gru", backend);
    ok &= Run<RTNeural::GRULayerT<float, 16, 32>, 16, 32>(models, "gru", backend);
    ok &= Run<RTNeural::LSTMLayerT<float, 1, 8>, 1, 8>(models, "lstm", backend);
    ok &= Run<RTNeural::LSTMLayerT<float, 1, 16>, 1, 16>(models, "lstm", backend);
    ok &= Run<RTNeural::LSTMLayerT<float, 1, 32>, 1, 32>(models, "lstm", backend);
    ok &= Run<RTNeural::LSTMLayerT<float, 1, 64>, 1, 64>(models, "lstm", backend);
    ok &= Run<RTNeural::LSTMLayerT<float, 16, 32>, 16, 32>(models, "lstm", backend);
    return ok ? 0 : 1;
}
