#pragma once
// The individual measurements of `facenet bench`. Each runs in the calling process (the
// runner forks first) and returns "value;note".
#include <functional>
#include <string>
#include <vector>

#include "facenet/bench/benchmark.h"
#include "facenet/core/config.h"

namespace facenet::bench {

/// The config a network case runs `backbone` with: o.image_size, except insightface's networks,
/// which run as arcface_torch runs them (112 px, 512-d); threads applied.
Config base_config(const BenchOptions& o, const std::string& backbone);

/// Runs `step` (which processes `per_step` images) `warmup` times, then times three windows of
/// o.seconds / 3 (each at least one step) and returns the best window's images per second: this
/// shared machine's other load only ever slows a window down, so the fastest one is the least
/// disturbed. bench/peer_pytorch.py measures PyTorch the same way.
double rate(const BenchOptions& o, int64_t per_step, int warmup, const std::function<void()>& step);

/// Embeddings per second of `backbone` at batch `batch`; `path` is "eager", "optimised" or
/// "onnx-opencv"; `precision` "bf16" runs eager under bf16 autocast and the optimised path as
/// the bf16 compiled graph (what runtime.inference_dtype bf16 runs).
std::string bench_inference(const BenchOptions& o, const std::string& backbone, const std::string& path, int64_t batch,
                            const std::string& precision = "fp32");

/// Training images per second: forward, softmax+triplet loss, backward, Adam step, in-memory
/// batch; `precision` "bf16" runs the forward under bf16 autocast as train.amp: bf16 does.
/// One training step; with `trainable_from` the blocks before it are frozen (train.trainable_from).
std::string bench_train_step(const BenchOptions& o, const std::string& backbone, const std::string& precision = "fp32",
                             const std::string& trainable_from = "");

/// Loader images per second over a JPEG tree (decode, crop/flip augmentation, resize, normalise, collate).
std::string bench_pipeline(const BenchOptions& o, const std::string& root);

/// End-to-end training from JPEG files through the threaded loader; note holds the data-wait share.
std::string bench_train_e2e(const BenchOptions& o, const std::string& backbone, const std::string& root);

/// Wall seconds of the LFW protocol with the optimised MobileNet path (embedding included).
std::string bench_lfw_eval(const BenchOptions& o);

/// Multiply-accumulates per image of `backbone`'s embedding network at o.image_size.
std::string bench_macs(const BenchOptions& o, const std::string& backbone);

/// GFLOP/s of independent FP32 FMA chains on o.threads cores: the peak the cores reach (cpu_peak.cpp).
std::string bench_cpu_peak(const BenchOptions& o);

/// GFLOP/s of AVX512-BF16 dot-product chains (vdpbf16ps) on o.threads cores; throws without
/// AVX512-BF16 (cpu_peak.cpp).
std::string bench_bf16_dot_peak(const BenchOptions& o);

/// GFLOP/s of one 3x3 convolution (batch 32, 128 -> 128 channels, 20x20, channels-last, no
/// grad) through LibTorch's oneDNN in `precision` ("fp32" or "bf16"): how much of the
/// instruction-level bf16 gain the library's kernels pass on here.
std::string bench_conv_kernel(const BenchOptions& o, const std::string& precision);

/// Embeddings per second of `backbone`'s int8 network (as facenet quantize writes it, calibrated
/// on a few synthetic faces) at batch `batch` (int8_case.cpp).
std::string bench_int8_inference(const BenchOptions& o, const std::string& backbone, int64_t batch);

/// GOP/s of bench_conv_kernel's convolution with LibTorch's quantized oneDNN kernel (quint8
/// activations, per-channel qint8 weights) (int8_case.cpp).
std::string bench_conv_kernel_int8(const BenchOptions& o);

/// One probe against o.identify_rows random unit embeddings (eval::identity_distances + the 5
/// nearest identities), as `facenet identify` does after loading a gallery: milliseconds per probe
/// (median over o.seconds of calls).
std::string bench_identify(const BenchOptions& o);

/// Photos per second of MTCNN (the whole cascade, one photo per call) over `count` photos picked
/// evenly from the sorted image files under `root` (detect_case.cpp).
std::string bench_mtcnn(const BenchOptions& o, const std::string& root);

/// `count` image files spread evenly over the sorted files under `root` (the same list
/// bench/peer_pytorch.py takes for its MTCNN case).
std::vector<std::string> detect_photos(const std::string& root, size_t count);

/// Writes a 250x250 JPEG face tree under `dir` (for the pipeline cases when no data is given).
std::string make_jpeg_tree(const std::string& dir);

}  // namespace facenet::bench
