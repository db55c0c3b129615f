#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/identify.h"

namespace facenet::cli {

void register_identify(CLI::App& app) {
  auto* cmd = app.add_subcommand("identify", "Rank gallery identities for a probe image: a gallery file from "
                                             "`facenet enroll`, or a folder <identity>/<images> embedded now");
  auto o = std::make_shared<tasks::IdentifyOptions>();
  auto json = std::make_shared<bool>(false);
  add_model_option(cmd, o->model,
                   " (default with a gallery file: the one it was enrolled with; another model is refused)");
  cmd->add_option("--gallery", o->gallery, "Gallery file (facenet enroll) or folder of <identity>/<image> files")
      ->required();
  cmd->add_option("--probe", o->probe, "Photo to identify (with a detector: every face in it)")->required();
  cmd->add_option("-k", o->k, "Identities to list per face")->capture_default_str();
  add_network_options(cmd, *o);
  add_detect_options(cmd, o->detect);
  cmd->add_flag("--json", *json, "Print one JSON line per face instead of text");
  cmd->add_option("--threshold", o->threshold,
                  "L2 distance below which a face is known (default: the model's calibrated threshold)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, json] {
    use_threads(o->threads);
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
