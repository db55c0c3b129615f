#include <fmt/format.h>

#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/verify.h"

namespace facenet::cli {

void register_verify(CLI::App& app) {
  auto* cmd = app.add_subcommand("verify", "Are two face images the same person? (distance vs the stored threshold)");
  auto o = std::make_shared<tasks::VerifyOptions>();
  auto json = std::make_shared<bool>(false);
  add_model_option(cmd, o->model)->required();
  cmd->add_option("image_a", o->image_a, "First image")->required();
  cmd->add_option("image_b", o->image_b, "Second image")->required();
  add_detect_options(cmd, o->detect, false);
  add_dtype_option(cmd, o->dtype);
  add_preprocess_options(cmd, o->preprocess);
  cmd->add_flag("--json", *json, "Print one JSON line instead of text");
  cmd->add_option("--threshold", o->threshold,
                  "Same person below this distance, in the model's metric (default: its calibrated threshold)")
      ->check(CLI::PositiveNumber);
  cmd->callback([o, json] {
    const auto r = tasks::run_verify(*o);
    if (*json) {
      auto box = [](const std::array<float, 4>& b) { return fmt::format("[{:g},{:g},{:g},{:g}]", b[0], b[1], b[2], b[3]); };
      auto quote = [](const std::string& s) {
        std::string q = "\"";
        for (char c : s) q += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
        return q + "\"";
      };
      std::cout << fmt::format(
          "{{\"image_a\":{},\"image_b\":{},\"detector\":\"{}\",\"box_a\":{},\"score_a\":{:.4g},\"box_b\":{},"
          "\"score_b\":{:.4g},\"distance\":{:.6f},\"metric\":\"{}\",\"threshold\":{:.6f},\"same\":{}}}\n",
          quote(o->image_a), quote(o->image_b), r.detector, box(r.box_a), r.score_a, box(r.box_b), r.score_b, r.distance,
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

}  // namespace facenet::cli
