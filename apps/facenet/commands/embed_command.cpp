#include <fmt/format.h>

#include <iostream>

#include "commands/common.h"
#include "facenet/tasks/embed_tools.h"

namespace facenet::cli {

void register_embed(CLI::App& app) {
  auto* cmd = app.add_subcommand("embed", "Embed images with an exported model or checkpoint into a .csv or .npy file");
  auto o = std::make_shared<tasks::EmbedOptions>();
  add_model_option(cmd, o->model)->required();
  cmd->add_option("inputs", o->inputs, "Folders (recursive) and/or image files")->required();
  cmd->add_option("--out", o->out, "embeddings.csv or embeddings.npy (+ .npy.txt path list)")->required();
  add_network_options(cmd, *o);
  add_detect_options(cmd, o->detect);
  cmd->callback([o] {
    use_threads(o->threads);
    const auto s = tasks::run_embed(*o);
    if (s.detector == "none") {
      std::cout << "embedded " << s.rows << " images -> " << o->out << "\n";
    } else {
      std::cout << fmt::format("embedded {} faces from {} photos (detector {}, crop {}); {} without a face, {} unreadable -> {}\n",
                               s.rows, s.images, s.detector, s.crop, s.without_face, s.unreadable, o->out);
    }
  });
}

}  // namespace facenet::cli
