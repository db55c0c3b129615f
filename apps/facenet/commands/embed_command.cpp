#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "commands/common.h"
#include "facenet/core/error.h"
#include "facenet/tasks/embed_tools.h"

namespace facenet::cli {

void register_embed(CLI::App& app) {
  auto* cmd = app.add_subcommand("embed", "Embed images with an exported model or checkpoint into a .csv or .npy file");
  auto o = std::make_shared<tasks::EmbedOptions>();
  cmd->add_option("--model", o->model, "TorchScript (.pt), ONNX (.onnx) export or checkpoint")->required();
  cmd->add_option("inputs", o->inputs, "Folders (recursive) and/or image files")->required();
  cmd->add_option("--out", o->out, "embeddings.csv or embeddings.npy (+ .npy.txt path list)")->required();
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Decode threads (0 = all cores)");
  add_detect_options(cmd, o->detect);
  add_dtype_option(cmd, o->dtype);
  cmd->callback([o] {
    const auto s = tasks::run_embed(*o);
    if (s.detector == "none") {
      std::cout << "embedded " << s.rows << " images -> " << o->out << "\n";
    } else {
      std::cout << fmt::format("embedded {} faces from {} photos (detector {}, crop {}); {} without a face, {} unreadable -> {}\n",
                               s.rows, s.images, s.detector, s.crop, s.without_face, s.unreadable, o->out);
    }
  });
}

void register_verify(CLI::App& app) {
  auto* cmd = app.add_subcommand("verify", "Are two face images the same person? (distance vs the stored threshold)");
  struct Options {
    std::string model, a, b;
    tasks::DetectArgs detect;
    InferenceDtype dtype = InferenceDtype::FP32;
    bool json = false;
    double threshold = 0;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--model", o->model, "TorchScript (.pt), ONNX (.onnx) export or checkpoint")->required();
  cmd->add_option("image_a", o->a, "First image")->required();
  cmd->add_option("image_b", o->b, "Second image")->required();
  add_detect_options(cmd, o->detect, false);
  add_dtype_option(cmd, o->dtype);
  cmd->add_flag("--json", o->json, "Print one JSON line instead of text");
  cmd->add_option("--threshold", o->threshold,
                  "Same person below this distance, in the model's metric (default: its calibrated threshold)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o] {
    const auto r = tasks::run_verify(o->model, o->a, o->b, o->detect, o->dtype, o->threshold);
    if (o->json) {
      auto box = [](const std::array<int, 4>& b) { return fmt::format("[{},{},{},{}]", b[0], b[1], b[2], b[3]); };
      auto quote = [](const std::string& s) {
        std::string q = "\"";
        for (char c : s) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
        return q + "\"";
      };
      std::cout << fmt::format(
          "{{\"image_a\":{},\"image_b\":{},\"detector\":\"{}\",\"box_a\":{},\"score_a\":{:.4g},\"box_b\":{},"
          "\"score_b\":{:.4g},\"distance\":{:.6f},\"metric\":\"{}\",\"threshold\":{:.6f},\"same\":{}}}\n",
          quote(o->a), quote(o->b), r.detector, box(r.box_a), r.score_a, box(r.box_b), r.score_b, r.distance,
          r.distance_name, r.threshold, r.same ? "true" : "false");
      return;
    }
    if (r.detector != "none")
      std::cout << fmt::format("faces ({}): a [{},{} {}x{}], b [{},{} {}x{}]\n", r.detector, r.box_a[0], r.box_a[1],
                               r.box_a[2], r.box_a[3], r.box_b[0], r.box_b[1], r.box_b[2], r.box_b[3]);
    std::cout << fmt::format("distance ({}): {:.4f}\nthreshold: {:.4f}\nresult: {}\n", r.distance_name, r.distance,
                             r.threshold, r.same ? "same" : "different");
    if (r.threshold <= 0) std::cout << "note: the model has no calibrated threshold (never evaluated)\n";
  });
}

void register_identify(CLI::App& app) {
  auto* cmd = app.add_subcommand("identify",
                                 "Rank gallery identities for a probe image: a gallery file from `facenet enroll`, or a "
                                 "folder <identity>/<images> embedded now");
  auto o = std::make_shared<tasks::IdentifyOptions>();
  auto json = std::make_shared<bool>(false);
  cmd->add_option("--model", o->model,
                  "TorchScript (.pt), ONNX (.onnx) export or checkpoint (default with a gallery file: the one it was "
                  "enrolled with; another model is refused)");
  cmd->add_option("--gallery", o->gallery, "Gallery file (facenet enroll) or folder of <identity>/<image> files")
      ->required();
  cmd->add_option("--probe", o->probe, "Photo to identify (with a detector: every face in it)")->required();
  cmd->add_option("-k", o->k, "Identities to list per face")->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Decode threads (0 = all cores)");
  add_detect_options(cmd, o->detect);
  add_dtype_option(cmd, o->dtype);
  cmd->add_flag("--json", *json, "Print one JSON line per face instead of text");
  cmd->add_option("--threshold", o->threshold,
                  "L2 distance below which a face is known (default: the model's calibrated threshold)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, json] {
    const auto r = tasks::run_identify(*o);
    if (*json) {
      for (const auto& f : r.faces) {
        auto ranking = nlohmann::json::array();
        for (const auto& m : f.ranking)
          ranking.push_back({{"identity", m.identity}, {"distance", m.distance}, {"images", m.images}});
        const nlohmann::json line{{"probe", o->probe},   {"face", f.face},           {"detector", r.detector},
                                  {"box", f.box},        {"score", f.score},         {"threshold", r.threshold},
                                  {"unknown", f.unknown}, {"ranking", ranking}};
        std::cout << line.dump() << "\n";
      }
      return;
    }
    std::cout << fmt::format("gallery: {} identities, {} images; threshold {:.4f}\n", r.identities, r.gallery_images,
                             r.threshold);
    if (r.threshold <= 0) std::cout << "note: the model has no calibrated threshold: known/unknown is not decided\n";
    for (const auto& f : r.faces) {
      if (r.detector != "none")
        std::cout << fmt::format("face {} ({}): [{},{} {}x{}] score {:.4g}\n", f.face, r.detector, f.box[0], f.box[1],
                                 f.box[2], f.box[3], f.score);
      if (r.threshold > 0)
        std::cout << "result: " << (f.unknown ? "unknown (no identity below the threshold)" : f.ranking[0].identity) << "\n";
      for (size_t i = 0; i < f.ranking.size(); ++i) {
        const auto& m = f.ranking[i];
        std::cout << fmt::format("{:>3}  {:<32} {:.4f}  ({} images){}\n", i + 1, m.identity, m.distance, m.images,
                                 r.threshold > 0 && m.distance < r.threshold ? "  match" : "");
      }
    }
  });
}

}  // namespace facenet::cli
