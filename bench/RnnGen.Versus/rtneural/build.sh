#!/bin/sh
# Builds and runs RTNeural's streaming benchmark (streaming.cpp) with both of its SIMD backends.
#   bench/RnnGen.Versus/rtneural/build.sh RTNEURAL_CHECKOUT [XSIMD_CHECKOUT]
# RTNEURAL_CHECKOUT: a copy of github:jatinchowdhury18/RTNeural (never committed here); Eigen and nlohmann/json are
# vendored in its modules/. XSIMD_CHECKOUT: github:xtensor-stack/xsimd, which RTNeural takes as a git submodule
# (default: RTNEURAL_CHECKOUT/modules/xsimd). Needs g++ (Debian's g++ 12) and the models of ../export_models.py.
# RTNEURAL_MARCH (default native) picks the instruction set, e.g. x86-64-v3 beside a NativeAOT build at that level;
# RTNEURAL_BUILD (default /tmp/rtneural-bench) where the binaries go.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
rtneural=$1
xsimd=${2:-$rtneural/modules/xsimd}
out=${RTNEURAL_BUILD:-/tmp/rtneural-bench}
mkdir -p "$out"
common="-O3 -march=${RTNEURAL_MARCH:-native} -std=c++17 -DNDEBUG -DRTNEURAL_DEFAULT_ALIGNMENT=32 -I$rtneural -I$rtneural/modules/Eigen"
g++ $common -DRTNEURAL_USE_EIGEN=1 -o "$out/streaming-eigen" "$here/streaming.cpp"
g++ $common -DRTNEURAL_USE_XSIMD=1 -I"$xsimd/include" -o "$out/streaming-xsimd" "$here/streaming.cpp"
g++ --version | head -1
"$out/streaming-eigen" "$here/../models" eigen
"$out/streaming-xsimd" "$here/../models" xsimd
