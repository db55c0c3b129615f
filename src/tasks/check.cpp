#include "facenet/tasks/check.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "facenet/core/error.h"
#include "facenet/data/pack.h"
#include "facenet/data/preprocess.h"
#include "facenet/data/verification_bin.h"
#include "facenet/export/formats.h"

namespace facenet::tasks {
namespace fs = std::filesystem;
namespace {

std::string preprocessing(const PreprocessConfig& p) {
  const auto norm = p.mean.empty() ? to_string(p.normalization)
                                   : fmt::format("(x - [{}]) / [{}]", fmt::join(p.mean, ", "), fmt::join(p.std_dev, ", "));
  return fmt::format("{} px, resize: {}, normalisation: {}, channels: {}{}", p.image_size, to_string(p.resize), norm,
                     to_string(p.channel_order),
                     p.center_crop > 0 ? fmt::format(", centre crop {}", p.center_crop) : std::string());
}

std::string crop_fact(const CropConfig& c) {
  if (c.rule == CropRule::None)
    return fmt::format("none (trained on face crops; with --detect: rule margin, margin {})", c.margin);
  return fmt::format("{} (margin {}), faces found by {}", to_string(c.rule), c.margin, to_string(c.detector));
}

std::string digest_fact(bool verified) {
  return verified ? "CRC-32C verified" : "none recorded (written before facenet-cpp recorded digests)";
}

void check_network(const std::string& path, const PreprocessArgs& preprocess, CheckResult& r) {
  const auto& formats = exporting::formats();
  try {
    const auto& format = formats.format_of(path);
    r.kind = format.kind;
    const auto seen = formats.inspect(format, path, preprocess);
    if (!seen.meta.foreign.empty()) r.kind = format.name + " model (not a facenet export)";
    r.facts = {{"backbone", seen.meta.architecture()},
               {"embedding size", std::to_string(seen.meta.embedding_size)},
               {"preprocessing", preprocessing(seen.meta.preprocess)},
               {"crop", crop_fact(seen.meta.crop)}};
    r.facts.insert(r.facts.end(), seen.facts.begin(), seen.facts.end());
    if (!seen.meta.foreign.empty()) r.facts.emplace_back("origin", seen.meta.foreign);
    r.facts.emplace_back("digest", seen.meta.foreign.empty() ? digest_fact(seen.digest_verified)
                                                             : "none (not a facenet export: nothing to verify)");
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

CheckResult check_file(const std::string& path, const PreprocessArgs& preprocess) {
  if (!fs::exists(path)) throw Error("'" + path + "' does not exist");
  CheckResult r;
  const auto ext = fs::path(path).extension().string();
  if (data::is_pack(path))
    check_pack(path, r);
  else if (ext == ".bin")
    check_bin(path, r);
  else if (fs::is_regular_file(path))
    check_network(path, preprocess, r);
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
