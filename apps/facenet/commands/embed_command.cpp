#include <fmt/format.h>

#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/embed_tools.h"

namespace facenet::cli {

void register_embed(CLI::App& app) {
  auto* cmd = app.add_subcommand("embed", "Embed images (or the faces of videos) with an exported model or checkpoint into a .csv or .npy file");
  auto o = std::make_shared<tasks::EmbedOptions>();
  add_model_option(cmd, o->model)->required();
  cmd->add_option("inputs", o->inputs,
                  "Folders (recursive) and/or image files; or video files (.mp4 .avi .mkv .mov .webm .m4v: one row per "
                  "face of every Nth frame)")
      ->required();
  cmd->add_option("--out", o->out, "embeddings.csv or embeddings.npy (+ .npy.txt path list)")->required();
  add_network_options(cmd, *o);
  add_detect_options(cmd, o->detect);
  add_video_options(cmd, o->video);
  cmd->callback([o] {
    use_threads(o->threads);
    const auto s = tasks::run_embed(*o);
    if (s.videos > 0) {
      std::cout << fmt::format("embedded {} faces from {} frames of {} videos (every {}; detector {}, crop {}); {} tracks, "
                               "{} frames without a face -> {}\n",
                               s.rows, s.frames, s.videos, o->video.every, s.detector, s.crop, s.tracks, s.without_face,
                               o->out);
    } else if (s.detector == "none") {
      std::cout << "embedded " << s.rows << " images -> " << o->out << "\n";
    } else {
      std::cout << fmt::format("embedded {} faces from {} photos (detector {}, crop {}); {} without a face, {} unreadable -> {}\n",
                               s.rows, s.images, s.detector, s.crop, s.without_face, s.unreadable, o->out);
    }
  });
}

}  // namespace facenet::cli
