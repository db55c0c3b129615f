#include <fmt/format.h>

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
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--model", o->model, "TorchScript (.pt), ONNX (.onnx) export or checkpoint")->required();
  cmd->add_option("image_a", o->a, "First image")->required();
  cmd->add_option("image_b", o->b, "Second image")->required();
  add_detect_options(cmd, o->detect, false);
  cmd->add_flag("--json", o->json, "Print one JSON line instead of text");
  cmd->callback([o] {
    const auto r = tasks::run_verify(o->model, o->a, o->b, o->detect);
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
  struct Options {
    std::string model, gallery, probe;
    int64_t k = 5, batch_size = 64;
    int threads = 0;
    tasks::DetectArgs detect;
    bool json = false;
  };
  auto o = std::make_shared<Options>();
  cmd->add_option("--model", o->model,
                  "TorchScript (.pt), ONNX (.onnx) export or checkpoint (default with a gallery file: the one it was "
                  "enrolled with; another model is refused)");
  cmd->add_option("--gallery", o->gallery, "Gallery file (facenet enroll) or folder of <identity>/<image> files")
      ->required();
  cmd->add_option("--probe", o->probe, "Image to identify")->required();
  cmd->add_option("-k", o->k, "Identities to list")->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass")->capture_default_str();
  cmd->add_option("--threads", o->threads, "Decode threads (0 = all cores)");
  add_detect_options(cmd, o->detect, false);
  cmd->add_flag("--json", o->json, "Print one JSON line instead of text");
  cmd->callback([o] {
    const auto r = tasks::run_identify(o->model, o->gallery, o->probe, o->k, o->batch_size, o->threads, o->detect);
    if (o->json) {
      std::string ranking;
      for (const auto& m : r.ranking)
        ranking += fmt::format("{}{{\"identity\":\"{}\",\"distance\":{:.6f},\"images\":{}}}", ranking.empty() ? "" : ",",
                               m.identity, m.distance, m.images);
      std::cout << fmt::format("{{\"probe\":\"{}\",\"detector\":\"{}\",\"box\":[{},{},{},{}],\"score\":{:.4g},"
                               "\"threshold\":{:.6f},\"unknown\":{},\"ranking\":[{}]}}\n",
                               o->probe, r.detector, r.box[0], r.box[1], r.box[2], r.box[3], r.score, r.threshold,
                               r.unknown ? "true" : "false", ranking);
      return;
    }
    if (r.detector != "none")
      std::cout << fmt::format("face ({}): [{},{} {}x{}] score {:.4g}\n", r.detector, r.box[0], r.box[1], r.box[2],
                               r.box[3], r.score);
    std::cout << fmt::format("gallery: {} identities, {} images; threshold {:.4f}\n", r.identities, r.gallery_images,
                             r.threshold);
    if (r.threshold <= 0) std::cout << "note: the model has no calibrated threshold: known/unknown is not decided\n";
    else if (r.unknown) std::cout << "result: unknown (no identity below the threshold)\n";
    else std::cout << "result: " << r.ranking[0].identity << "\n";
    for (size_t i = 0; i < r.ranking.size(); ++i) {
      const auto& m = r.ranking[i];
      std::cout << fmt::format("{:>3}  {:<32} {:.4f}  ({} images){}\n", i + 1, m.identity, m.distance, m.images,
                               r.threshold > 0 && m.distance < r.threshold ? "  match" : "");
    }
  });
}

}  // namespace facenet::cli
