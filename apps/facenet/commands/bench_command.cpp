#include <fmt/format.h>

#include <iostream>

#include "commands/common.h"
#include "facenet/bench/benchmark.h"
#include "facenet/core/fs.h"

namespace facenet::cli {

void register_bench(CLI::App& app) {
  auto* cmd = app.add_subcommand(
      "bench", "Throughput and peak memory: inference (eager, optimised, ONNX in OpenCV), training, data, LFW eval");
  auto o = std::make_shared<bench::BenchOptions>();
  auto out = std::make_shared<std::string>();
  cmd->add_option("--out", *out, "Also write the figures as JSON to this file");
  cmd->add_option("--backbones", o->backbones, "Backbones to measure")->capture_default_str();
  cmd->add_option("--image-size", o->image_size, "Input side in pixels")->capture_default_str();
  cmd->add_option("--batches", o->inference_batches, "Inference batch sizes")->capture_default_str();
  cmd->add_option("--train-batch", o->train_batch, "Training batch size")->capture_default_str();
  add_threads_option(cmd, o->threads);
  cmd->add_option("--seconds", o->seconds, "Timed seconds per case")->capture_default_str();
  cmd->add_option("--data", o->data_root, "JPEG tree for the data cases (default: a generated 250 px set)");
  cmd->add_option("--lfw", o->lfw_dir, "LFW image folder: also time the LFW protocol (needs --pairs)");
  cmd->add_option("--pairs", o->lfw_pairs, "LFW pairs.txt for --lfw");
  cmd->add_option("--identify-rows", o->identify_rows, "Gallery embeddings for the identify case")->capture_default_str();
  cmd->add_option("--precisions", o->precisions, "Precisions of the network cases (fp32, bf16, int8: inference only)")
      ->capture_default_str()
      ->check(CLI::IsMember({"fp32", "bf16", "int8"}));
  cmd->add_option("--only", o->only, "Run only cases whose name contains one of these, e.g. --only mobilenet/infer");
  cmd->callback([o, out] {
    use_threads(o->threads);
    std::cout << fmt::format("{:<46} {:>10} {:<7} {:>11}\n", "case", "value", "unit", "peak RSS");
    const auto report = bench::run_benchmarks(*o, [](const bench::BenchCase& c) {
      std::cout << bench::format_case(c) << std::endl;
    });
    std::cout << "\n" << bench::to_table(report);
    if (!out->empty()) {
      write_file_atomic(*out, bench::to_json(report));
      std::cout << "wrote " << *out << "\n";
    }
  });
}

}  // namespace facenet::cli
