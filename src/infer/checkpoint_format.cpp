// Training checkpoints as embedding networks: any torch archive that is not a TorchScript
// export. Loaded and inspected, never written by `facenet export` (train writes them).
#include <fmt/format.h>
#include <torch/torch.h>

#include "builtin_formats.h"
#include "facenet/checkpoint/checkpoint.h"
#include "facenet/infer/inference.h"
#include "facenet/models/facenet.h"

namespace facenet::infer {
namespace {

LoadedNetwork load_checkpoint_network(const std::string& path, InferenceDtype dtype) {
  const auto precision = inference_precision(dtype, path);
  const auto checkpoint = Checkpoint::open(path);
  LoadedNetwork net{{}, meta_from_checkpoint(checkpoint), checkpoint.digest_verified(), precision, {}};
  auto model = models::make_model(checkpoint.info().config.model);
  checkpoint.load_into(*model);
  model->eval();
  net.forward = compile_for_inference(*model, precision);
  return net;
}

// From the checkpoint's own record: no network is built.
Inspection inspect_checkpoint(const std::string& path) {
  const auto c = Checkpoint::open(path);
  const auto& info = c.info();
  Inspection out{meta_from_checkpoint(c),
                 c.digest_verified(),
                 {{"step", std::to_string(info.state.step)},
                  {"epoch", std::to_string(info.state.epoch)},
                  {"classes", std::to_string(info.num_classes)},
                  {"best accuracy", fmt::format("{:.4f}", info.state.best_accuracy)}}};
  // Where a fine-tuned model came from (train.init_from and the digest the run recorded).
  const auto& t = info.config.train;
  if (!t.init_from.empty()) out.facts.emplace_back("initialised from", t.init_from + " (" + t.init_digest + ")");
  for (const auto& [set, accuracy] : info.state.baseline)
    out.facts.emplace_back("accuracy before fine-tuning (" + set + ")", fmt::format("{:.4f}", accuracy));
  return out;
}

bool is_checkpoint(const std::string& path, const std::string& head) {
  return is_zip(head) && !is_torchscript_export(path, head);
}

}  // namespace

NetworkFormat checkpoint_format() {
  return {"checkpoint", "checkpoint", "training checkpoint (facenet train): eval, embed and export read it", ".pt",
          is_checkpoint, load_checkpoint_network, inspect_checkpoint, /*write: none, train writes them*/ {}};
}

}  // namespace facenet::infer
