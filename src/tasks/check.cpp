#include "facenet/tasks/check.h"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "facenet/checkpoint/checkpoint.h"
#include "facenet/core/error.h"
#include "facenet/data/pack.h"
#include "facenet/data/preprocess.h"
#include "facenet/data/verification_bin.h"
#include "facenet/infer/network_loader.h"

namespace facenet::tasks {
namespace fs = std::filesystem;
namespace {

std::string head(const std::string& path, std::size_t n) {
  std::ifstream in(path, std::ios::binary);
  std::string s(n, '\0');
  in.read(s.data(), static_cast<std::streamsize>(n));
  s.resize(static_cast<std::size_t>(in.gcount()));
  return s;
}

std::string preprocessing(const PreprocessConfig& p) {
  return fmt::format("{} px, resize: {}, normalisation: {}, channels: {}{}", p.image_size, to_string(p.resize),
                     to_string(p.normalization), to_string(p.channel_order),
                     p.center_crop > 0 ? fmt::format(", centre crop {}", p.center_crop) : std::string());
}

std::string digest_fact(bool verified) {
  return verified ? "CRC-32C verified" : "none recorded (written before facenet-cpp recorded digests)";
}

void check_network(const std::string& path, CheckResult& r) {
  // A checkpoint is described from its own metadata; exports through the network loader.
  bool checkpoint = false;
  if (head(path, 4) == std::string("PK\x03\x04", 4)) {
    try {
      const auto c = Checkpoint::open(path);
      checkpoint = true;
      r.kind = "checkpoint";
      const auto& cfg = c.info().config;
      r.facts = {{"backbone", to_string(cfg.model.backbone)},
                 {"embedding size", std::to_string(cfg.model.embedding_size)},
                 {"preprocessing", preprocessing(cfg.data.preprocess)},
                 {"step", std::to_string(c.info().state.step)},
                 {"epoch", std::to_string(c.info().state.epoch)},
                 {"classes", std::to_string(c.info().num_classes)},
                 {"best accuracy", fmt::format("{:.4f}", c.info().state.best_accuracy)},
                 {"digest", digest_fact(c.digest_verified())}};
      r.intact = true;
      return;
    } catch (const Error& e) {
      // A TorchScript export is no checkpoint; anything else damaged is reported below.
      if (std::string(e.what()).find("is not a facenet checkpoint") == std::string::npos) {
        r.kind = "checkpoint or torchscript export";
        r.problem = error_message(e);
        return;
      }
    }
  }
  if (checkpoint) return;
  try {
    const auto net = infer::load_network(path);
    r.kind = net.kind == infer::ModelKind::ONNX ? "onnx export" : "torchscript export";
    r.facts = {{"backbone", to_string(net.meta.backbone)},
               {"embedding size", std::to_string(net.meta.embedding_size)},
               {"preprocessing", preprocessing(net.meta.preprocess)},
               {"threshold", fmt::format("{:.6f} ({} at FAR {})", net.meta.threshold, to_string(net.meta.distance),
                                         net.meta.far_target)},
               {"source", net.meta.source},
               {"digest", digest_fact(net.digest_verified)}};
    r.intact = true;
  } catch (const std::exception& e) {
    if (r.kind.empty()) r.kind = "model file";
    r.problem = error_message(e);
  }
}

void check_pack(const std::string& path, CheckResult& r) {
  r.kind = "pack";
  try {
    const data::PackReader pack(path);
    r.facts = {{"records", pack.rec_path()},
               {"images", std::to_string(pack.num_images())},
               {"identities", std::to_string(pack.num_identities())},
               {"image size", fmt::format("{}x{}", pack.height(), pack.width())},
               {"header record", pack.has_header_record() ? "yes (insightface layout)" : "no (plain im2rec)"}};
    // The files against facenet.digest when the pack has one (facenet pack writes it), then
    // every record the index names must read back whole (framing, lengths, continuation parts).
    const bool digest = data::verify_pack_records(pack);
    r.facts.emplace_back("digest", digest ? "CRC-32C of train.rec, train.idx and property verified"
                                          : "none (not written by facenet pack): records checked one by one");
    for (int64_t i = 0; i < pack.num_images(); ++i) pack.read_image(i);
    r.intact = true;
  } catch (const std::exception& e) {
    r.problem = error_message(e);
  }
}

void check_bin(const std::string& path, CheckResult& r) {
  r.kind = "verification set";
  try {
    const auto set = data::read_verification_bin(path);
    r.facts = {{"pairs", std::to_string(set.issame.size())},
               {"images", std::to_string(set.images.size())},
               {"same-identity pairs", std::to_string(std::count(set.issame.begin(), set.issame.end(), true))}};
    r.intact = true;
  } catch (const std::exception& e) {
    r.problem = error_message(e);
  }
}

}  // namespace

CheckResult check_file(const std::string& path) {
  if (!fs::exists(path)) throw Error("'" + path + "' does not exist");
  CheckResult r;
  const auto ext = fs::path(path).extension().string();
  if (data::is_pack(path))
    check_pack(path, r);
  else if (ext == ".bin")
    check_bin(path, r);
  else if (fs::is_regular_file(path))
    check_network(path, r);
  else
    throw Error("'" + path + "' is a folder that holds no pack (train.rec)");
  return r;
}

std::string format_check(const std::string& path, const CheckResult& r) {
  std::string out = path + "\n  kind: " + r.kind + "\n";
  for (const auto& [k, v] : r.facts) out += "  " + k + ": " + v + "\n";
  out += std::string("  intact: ") + (r.intact ? "yes" : "no (" + r.problem + ")") + "\n";
  return out;
}

}  // namespace facenet::tasks
