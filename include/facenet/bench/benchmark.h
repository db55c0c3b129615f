#pragma once
// `facenet bench`: throughput and peak memory of every hot path, as figures (not tests).
// Each case runs in its own forked process so its peak resident memory is its own and one
// case's thread pools or caches cannot speed up or slow down the next.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace facenet::bench {

struct BenchOptions {
  /// insightface's networks run at 112 px and 512-d whatever image_size says, as arcface_torch runs them.
  std::vector<std::string> backbones{"mobilenet", "inception_resnet_v1", "iresnet50", "mobilefacenet"};
  int64_t image_size = 160;
  std::vector<int64_t> inference_batches{1, 64};
  int64_t train_batch = 96;
  int64_t train_classes = 10575;  ///< softmax head size (CASIA-WebFace identities)
  int threads = 0;                ///< 0 = all cores
  double seconds = 3.0;           ///< timed seconds per case after warm-up: 3 windows, the best one reported
  std::string data_root;          ///< JPEG tree for the data-pipeline case; empty = generated 250 px set
  std::string lfw_dir, lfw_pairs; ///< LFW evaluation wall time when both are given
  std::string scratch_dir;        ///< temporary files (exports, generated images); empty = system temp
  std::vector<std::string> only;  ///< run only cases whose name contains one of these
  /// Precisions of the network cases: "fp32", "bf16" (bf16 cases are named "...-bf16"; on a
  /// CPU without native bf16 they report that instead of a figure) and "int8" (inference only:
  /// "<backbone>/infer-int8/bN", the network facenet quantize writes, and cpu/conv3x3-int8).
  std::vector<std::string> precisions{"fp32", "bf16", "int8"};
  int64_t identify_rows = 100000;       ///< gallery embeddings for the identify case
  int64_t identify_identities = 10000;  ///< identities they belong to (rows / identities each)
  int64_t identify_dim = 128;
};

struct BenchCase {
  std::string name;      ///< e.g. "mobilenet/infer-optimised/b1"
  std::string unit;      ///< "img/s" or "s"
  double value = 0;      ///< images per second, or wall seconds for "s"
  double peak_rss_mb = 0;
  std::string note;      ///< e.g. data-wait share, image count
  std::string error;     ///< non-empty when the case failed
  double gflop_per_s = 0;  ///< inference: 2 x multiply-accumulates per image x images/s
  double peak_share = 0;   ///< gflop_per_s over the measured FMA peak (cpu/fma-peak)
};

struct BenchReport {
  std::vector<std::pair<std::string, std::string>> machine;  ///< cpu, cores, threads, blas, versions
  std::vector<BenchCase> cases;
};

/// Runs every selected case, calling `on_case` after each (for live printing).
BenchReport run_benchmarks(const BenchOptions& options,
                           const std::function<void(const BenchCase&)>& on_case = {});

std::string to_json(const BenchReport& report);
std::string to_table(const BenchReport& report);
/// One row of the table.
std::string format_case(const BenchCase& c);

}  // namespace facenet::bench
