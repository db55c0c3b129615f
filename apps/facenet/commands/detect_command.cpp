#include <fmt/format.h>

#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/detect_faces.h"

namespace facenet::cli {

void register_detect(CLI::App& app) {
  auto* cmd = app.add_subcommand("detect", "Find the faces of photos (MTCNN by default): boxes, probabilities, landmarks");
  auto o = std::make_shared<tasks::DetectFacesOptions>();
  auto threads = std::make_shared<int64_t>(0);
  cmd->add_option("inputs", o->inputs, "Folders (recursive) and/or image files")->required();
  cmd->add_option("--out", o->out, "faces.csv (faces.json is written beside it)");
  cmd->add_option("--draw", o->draw, "Folder for each photo as PNG with its boxes (green) and landmarks (red)");
  cmd->add_flag("--blank", o->blank, "With --draw: draw on an empty canvas of the photo's size, without its pixels");
  cmd->add_option("--batch-size", o->batch_size, "Photos per detector call (photos of one size run as one batch)")
      ->capture_default_str();
  add_detect_options(cmd, o->detect, true, "mtcnn");
  add_threads_option(cmd, *threads);
  cmd->callback([o, threads] {
    use_threads(*threads);
    const auto s = tasks::run_detect_faces(*o);
    std::cout << fmt::format("{} faces in {} photos (detector {}); {} without a face, {} unreadable, {} from the Haar "
                             "fallback; {:.1f} photos/s{}\n",
                             s.faces, s.photos, s.detector, s.without_face, s.unreadable, s.haar_fallbacks,
                             s.seconds > 0 ? s.photos / s.seconds : 0.0, o->out.empty() ? "" : " -> " + o->out);
  });
}

}  // namespace facenet::cli
